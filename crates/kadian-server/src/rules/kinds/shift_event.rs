//! A shift event (签到, 交班) comes only from a checkpoint's tablet, for its own checkpoint: a
//! laptop does not sign volunteers in, and a tablet does not speak for another gate. It is
//! placed at that checkpoint's compound, so the compound's, the community's, the zone's and
//! the street's laptops see who is on duty there.

use kadian_domain::records::ShiftEvent;
use kadian_domain::sync::{ApiError, Role};

use super::{Placed, Placing};
use crate::rules::reject;

/// Places a shift event. Errors: `not_allowed` (from a laptop, for another checkpoint than
/// the tablet's, or naming another tablet), `unknown_checkpoint`.
pub fn place(e: &ShiftEvent, at: &Placing<'_>) -> Result<Placed, ApiError> {
    if at.device.role != Role::Volunteer
        || at.device.scope.checkpoint.as_deref() != Some(e.checkpoint_id.as_str())
        || at.device.id != e.device_id
    {
        return Err(reject(
            "not_allowed",
            "签到和交班只能由本卡点的平板登记 / only a checkpoint's own tablet records its sign-ins and hand-overs",
        ));
    }
    let (community, compound) = at.at_checkpoint(&e.checkpoint_id)?;
    Ok(Placed {
        community,
        compound,
        event_at: Some(e.at.utc),
        ..Placed::default()
    })
}
