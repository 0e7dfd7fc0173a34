//! A key area (entity) comes from community, zone or street staff (a compound laptop may declare
//! one for its own compound too); it belongs to its compound, which must be the street's and of
//! its community. Its changes (events) are placed with it: the area must be on the server and in
//! the device's scope. A checkpoint tablet writes neither.

use kadian_domain::records::{KeyArea, KeyAreaChange, RecordKind};
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};

fn staff_only(at: &Placing<'_>) -> Result<(), ApiError> {
    at.staff_only(
        "重点区域只能由小区、片区、社区或街道工作人员登记",
        "only compound, zone, community or street staff record key areas",
    )
}

/// Places a key area. Errors: `not_allowed` (from a checkpoint tablet), `unknown_compound`.
pub fn place(k: &KeyArea, at: &Placing<'_>) -> Result<Placed, ApiError> {
    staff_only(at)?;
    at.in_compound(&k.community_code, &k.compound, None)
}

/// Places a key area's change with its area. Errors: `not_allowed` (from a checkpoint tablet).
pub fn place_change(c: &KeyAreaChange, at: &Placing<'_>) -> Result<Placed, ApiError> {
    staff_only(at)?;
    let (community, compound) = at.own();
    Ok(Placed {
        community,
        compound,
        event_at: Some(c.at.utc),
        target: Some((RecordKind::KeyArea, c.key_area_id.to_string())),
        ..Placed::default()
    })
}
