//! A passage (event) belongs to the compound of its checkpoint, which must be the street's.

use kadian_domain::records::Passage;
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};

/// Places a passage. Errors: `unknown_checkpoint`.
pub fn place(r: &Passage, at: &Placing<'_>) -> Result<Placed, ApiError> {
    let (community, compound) = at.at_checkpoint(&r.checkpoint_id)?;
    Ok(Placed {
        community,
        compound,
        event_at: Some(r.at.utc),
        ..Placed::default()
    })
}
