//! A follow-up visit (event) comes only from staff and is placed with its case: the case must be
//! on the server and in the device's scope (the arrival checks it, as for a correction's target).

use kadian_domain::records::{FollowUpVisit, RecordKind};
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};

/// Places a visit and names its case. Errors: `not_allowed` (from a checkpoint tablet).
pub fn place(v: &FollowUpVisit, at: &Placing<'_>) -> Result<Placed, ApiError> {
    at.staff_only(
        "随访只能由小区、片区、社区或街道工作人员登记",
        "only compound, zone, community or street staff record visits",
    )?;
    let (community, compound) = at.own();
    Ok(Placed {
        community,
        compound,
        event_at: Some(v.at.utc),
        target: Some((RecordKind::ObservationCase, v.case_id.to_string())),
        ..Placed::default()
    })
}
