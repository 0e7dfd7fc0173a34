//! A household (entity) comes from compound, zone, community or street staff (a roster import,
//! or added on a laptop); it belongs to its compound, which must be the street's and of the
//! household's community. A checkpoint tablet never writes one.

use kadian_domain::records::{household_id_for, household_key, Household};
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};
use crate::rules::reject;

/// Places a household. Errors: `not_allowed` (from a checkpoint tablet), `household_id` (an
/// id neither derived from the household's own place nor a new UUIDv7: a device may not take
/// another household's derived id for a place of its own), `unknown_compound` (not the
/// street's, or not of the household's community).
pub fn place(h: &Household, at: &Placing<'_>) -> Result<Placed, ApiError> {
    at.staff_only(
        "住户只能由小区、片区、社区或街道工作人员登记",
        "only compound, zone, community or street staff record households",
    )?;
    let derived = household_id_for(&household_key(&h.community_code, &h.compound, &h.place));
    if h.id != derived && h.id.get_version_num() != 7 {
        return Err(reject(
            "household_id",
            "住户编号应由其小区和门牌得出 / a household's id is derived from its compound and address",
        ));
    }
    at.in_compound(&h.community_code, &h.compound, None)
}
