//! A screening (event) comes only from staff and is placed with its household: the household must
//! be on the server and in the device's scope (the arrival checks it, as for a visit's case), and
//! the screening's own compound must be the street's and of its community.

use kadian_domain::records::{RecordKind, Screening};
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};

/// Places a screening and names its household. Errors: `not_allowed` (from a checkpoint
/// tablet), `unknown_compound`.
pub fn place(s: &Screening, at: &Placing<'_>) -> Result<Placed, ApiError> {
    at.staff_only(
        "入户排查只能由小区、片区、社区或街道工作人员登记",
        "only compound, zone, community or street staff record screenings",
    )?;
    let mut placed = at.in_compound(
        &s.community_code,
        &s.compound,
        Some((RecordKind::Household, s.household_id.to_string())),
    )?;
    placed.event_at = Some(s.at.utc);
    Ok(placed)
}
