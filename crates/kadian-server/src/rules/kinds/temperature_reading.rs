//! A temperature reading (event) belongs to the compound of its checkpoint, or, at a checkpoint
//! the street does not know (a reading taken on a laptop), with the pushing device.

use kadian_domain::records::TemperatureReading;

use super::{Placed, Placing};

/// Places a reading.
pub fn place(r: &TemperatureReading, at: &Placing<'_>) -> Placed {
    let (community, compound) = at
        .at_checkpoint(&r.checkpoint_id)
        .unwrap_or_else(|_| at.own());
    Placed {
        community,
        compound,
        event_at: Some(r.at.utc),
        ..Placed::default()
    }
}
