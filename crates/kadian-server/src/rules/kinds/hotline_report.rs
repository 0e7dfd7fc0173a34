//! A hotline report (entity) comes only from staff; it belongs where it is assigned: its
//! compound (which must be the street's and of its community), else its community (which must
//! be the street's), else the street itself (seen by street devices only) until assigned. An
//! update that changes the assignment moves it (the arrival is placed by the body pushed, or by
//! the merged body: see `rules::decide`), and the device must be allowed to place it there: a
//! compound laptop can only hand a report back to its community. Its actions (events) are
//! placed with the report at their arrival, so a reassignment stays in the history of the unit
//! it was taken from.

use kadian_domain::records::{HotlineReport, RecordKind, ReportAction};
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};
use crate::rules::reject;

fn staff_only(at: &Placing<'_>) -> Result<(), ApiError> {
    at.staff_only(
        "热线举报只能由小区、片区、社区或街道工作人员登记和处置",
        "only compound, zone, community or street staff record and act on hotline reports",
    )
}

/// Where a report assigned to (`community`, `compound`) belongs. Errors: `unknown_compound`,
/// `unknown_community`.
pub fn assigned_place(
    community: Option<&str>,
    compound: Option<&str>,
    at: &Placing<'_>,
) -> Result<Placed, ApiError> {
    match (community, compound) {
        (Some(c), Some(k)) => at.in_compound(c, k, None),
        (Some(c), None) if at.reference.communities.contains_key(c) => Ok(Placed {
            community: Some(c.to_owned()),
            ..Placed::default()
        }),
        (Some(c), None) => Err(reject(
            "unknown_community",
            format!("本街道没有这个社区 / the street has no community {c}"),
        )),
        _ => Ok(Placed::default()),
    }
}

/// Whether (`community`, `compound`) is a place the street has (or the street itself: both
/// none).
pub fn assigned_place_known(
    reference: &crate::rules::Reference,
    community: Option<&str>,
    compound: Option<&str>,
) -> bool {
    match (community, compound) {
        (Some(c), Some(k)) => reference.compounds.get(k).is_some_and(|(of, _)| of == c),
        (Some(c), None) => reference.communities.contains_key(c),
        (None, None) => true,
        (None, Some(_)) => false,
    }
}

/// Places a report where it is assigned. Errors: `not_allowed` (from a checkpoint tablet),
/// `unknown_compound`, `unknown_community`.
pub fn place(r: &HotlineReport, at: &Placing<'_>) -> Result<Placed, ApiError> {
    staff_only(at)?;
    assigned_place(r.community_code.as_deref(), r.compound.as_deref(), at)
}

/// Places an action with its report, which must be on the server in the device's scope. An
/// assignment step must name a place the street has and the device may place the report in
/// (the report's own move is judged the same way), so a step alone cannot send a report
/// where its device could not. Errors: `not_allowed` (from a checkpoint tablet),
/// `unknown_compound`, `unknown_community`, `out_of_scope`.
pub fn place_action(a: &ReportAction, at: &Placing<'_>) -> Result<Placed, ApiError> {
    staff_only(at)?;
    use kadian_domain::records::ReportActionKind as K;
    let names_place = a.community_code.is_some() || a.compound.is_some();
    if a.kind == K::Reassign || (a.kind == K::Assign && names_place) {
        let to = assigned_place(a.community_code.as_deref(), a.compound.as_deref(), at)?;
        if !crate::rules::scope::in_scope(
            at.device,
            at.reference,
            to.community.as_deref(),
            to.compound.as_deref(),
        ) {
            return Err(crate::rules::out_of_scope());
        }
    }
    let (community, compound) = at.own();
    Ok(Placed {
        community,
        compound,
        event_at: Some(a.at.utc),
        target: Some((RecordKind::HotlineReport, a.report_id.to_string())),
        ..Placed::default()
    })
}
