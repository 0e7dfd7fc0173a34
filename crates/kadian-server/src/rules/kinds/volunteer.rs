//! A volunteer of a compound's sign-in list (entity) comes only from compound, community or
//! street staff, and belongs to its compound, which must be the street's.

use kadian_domain::records::Volunteer;
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};
use crate::rules::reject;

/// Places a volunteer. Errors: `not_allowed` (from a checkpoint tablet), `unknown_compound`.
pub fn place(v: &Volunteer, at: &Placing<'_>) -> Result<Placed, ApiError> {
    at.staff_only(
        "志愿者名单只能由小区、片区、社区或街道工作人员设置",
        "only compound, zone, community or street staff set the volunteer list",
    )?;
    let (community, _) = at.reference.compounds.get(&v.compound).ok_or_else(|| {
        reject(
            "unknown_compound",
            format!("未知小区 / unknown compound {}", v.compound),
        )
    })?;
    Ok(Placed {
        community: Some(community.clone()),
        compound: Some(v.compound.clone()),
        ..Placed::default()
    })
}
