//! An observation case (entity) comes only from compound, community or street staff, and
//! belongs to its compound, which must be the street's and of the case's community.

use kadian_domain::records::ObservationCase;
use kadian_domain::sync::{ApiError, Role};

use super::{Placed, Placing};
use crate::rules::reject;

/// Places a case. Errors: `not_allowed` (from a checkpoint tablet), `unknown_compound` (not the
/// street's, or not of the case's community).
pub fn place(c: &ObservationCase, at: &Placing<'_>) -> Result<Placed, ApiError> {
    if at.device.role == Role::Volunteer {
        return Err(reject(
            "not_allowed",
            "居家观察只能由小区、片区、社区或街道工作人员登记 / only compound, zone, community or street staff record home observation",
        ));
    }
    match at.reference.compounds.get(&c.compound) {
        Some((community, _)) if *community == c.community_code => Ok(Placed {
            community: Some(community.clone()),
            compound: Some(c.compound.clone()),
            ..Placed::default()
        }),
        _ => Err(reject(
            "unknown_compound",
            format!(
                "该社区没有这个小区 / community {} has no compound {}",
                c.community_code, c.compound
            ),
        )),
    }
}
