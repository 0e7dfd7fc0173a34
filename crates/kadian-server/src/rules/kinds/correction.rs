//! A correction (event) is placed with the device that made it for now; the arrival places it
//! with its target (the corrected record must be stored and in the device's scope, see
//! `rules::decide`).

use kadian_domain::records::Correction;

use super::{Placed, Placing};

/// Places a correction and names its target.
pub fn place(r: &Correction, at: &Placing<'_>) -> Placed {
    let (community, compound) = at.own();
    Placed {
        community,
        compound,
        event_at: Some(r.at.utc),
        target: Some((r.target_kind, r.target_id.to_string())),
        ..Placed::default()
    }
}
