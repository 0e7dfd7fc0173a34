//! A case transition (event) comes only from staff and is placed with its case: the case must be
//! on the server and in the device's scope (the arrival checks it, as for a correction's target).

use kadian_domain::records::{CaseTransition, RecordKind};
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};

/// Places a transition and names its case. Errors: `not_allowed` (from a checkpoint tablet).
pub fn place(t: &CaseTransition, at: &Placing<'_>) -> Result<Placed, ApiError> {
    at.staff_only(
        "观察状态只能由小区、片区、社区或街道工作人员更改",
        "only compound, zone, community or street staff change a case's status",
    )?;
    let (community, compound) = at.own();
    Ok(Placed {
        community,
        compound,
        event_at: Some(t.at.utc),
        target: Some((RecordKind::ObservationCase, t.case_id.to_string())),
        ..Placed::default()
    })
}
