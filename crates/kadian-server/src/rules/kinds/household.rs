//! A household (entity) comes from compound, zone, community or street staff (a roster import,
//! or added on a laptop); it belongs to its compound, which must be the street's and of the
//! household's community. A checkpoint tablet never writes one.

use kadian_domain::records::Household;
use kadian_domain::sync::{ApiError, Role};

use super::{Placed, Placing};
use crate::rules::reject;

/// Places a household. Errors: `not_allowed` (from a checkpoint tablet), `unknown_compound`
/// (not the street's, or not of the household's community).
pub fn place(h: &Household, at: &Placing<'_>) -> Result<Placed, ApiError> {
    if at.device.role == Role::Volunteer {
        return Err(reject(
            "not_allowed",
            "住户只能由小区、片区、社区或街道工作人员登记 / only compound, zone, community or street staff record households",
        ));
    }
    at.in_compound(&h.community_code, &h.compound, None)
}
