//! A household visit (event) comes only from staff and is placed with its household: the
//! household must be on the server and in the device's scope (the arrival checks it, as for a
//! screening), and the visit's own compound must be the street's and of its community.

use kadian_domain::records::{HouseholdVisit, RecordKind};
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};

/// Places a household visit and names its household. Errors: `not_allowed` (from a checkpoint
/// tablet), `unknown_compound`.
pub fn place(v: &HouseholdVisit, at: &Placing<'_>) -> Result<Placed, ApiError> {
    at.staff_only(
        "入户随访只能由小区、片区、社区或街道工作人员登记",
        "only compound, zone, community or street staff record household visits",
    )?;
    let mut placed = at.in_compound(
        &v.community_code,
        &v.compound,
        Some((RecordKind::Household, v.household_id.to_string())),
    )?;
    placed.event_at = Some(v.at.utc);
    Ok(placed)
}
