//! A disinfection site (entity) comes only from staff; it belongs to its compound (which must
//! be the street's and of its community), else its community (the street's), else the street
//! itself (a site the list gave no community of the street: seen by street devices only). Its
//! disinfections (events) are placed with the site at their arrival: the site must be on the
//! server where the device sees it. A checkpoint tablet lists no site; it records the
//! disinfections of its compound's checkpoint sites only (`rules::decide` checks the site's
//! kind when it holds it).

use kadian_domain::records::{Disinfection, DisinfectionSite, RecordKind};
use kadian_domain::sync::{ApiError, Role};

use super::{assigned_place, Placed, Placing};

fn staff_only(at: &Placing<'_>) -> Result<(), ApiError> {
    at.staff_only("消杀点位和消杀记录只能由小区、片区、社区或街道工作人员登记", "only compound, zone, community or street staff record disinfection sites and disinfections")
}

/// Places a site where it is. Errors: `not_allowed` (from a checkpoint tablet),
/// `out_of_scope` (a compound laptop's site outside its compound), `unknown_compound`,
/// `unknown_community`.
pub fn place_site(s: &DisinfectionSite, at: &Placing<'_>) -> Result<Placed, ApiError> {
    staff_only(at)?;
    // A compound laptop lists its own compound's sites only: one it put at its community's
    // level it could no longer see, nor record there.
    if at.device.role == Role::Compound && s.compound != at.device.scope.compound {
        return Err(crate::rules::out_of_scope());
    }
    assigned_place(s.community_code.as_deref(), s.compound.as_deref(), at)
}

/// Places a disinfection with its site (a tablet's: a checkpoint site of its compound, judged
/// where the site is at hand).
pub fn place(d: &Disinfection, at: &Placing<'_>) -> Result<Placed, ApiError> {
    // A tablet's is its volunteers' work, checked by nobody it could name.
    if at.device.role == Role::Volunteer
        && (d.done_by != kadian_domain::records::DisinfectedBy::Volunteers
            || d.checked_by.is_some())
    {
        return Err(crate::rules::reject(
            "not_allowed",
            "卡点平板登记的消杀只能由志愿者完成、不写检查人 / a tablet records its volunteers' disinfection, with no checker",
        ));
    }
    let (community, compound) = at.own();
    Ok(Placed {
        community,
        compound,
        event_at: Some(d.at.utc),
        target: Some((RecordKind::DisinfectionSite, d.site_id.to_string())),
        ..Placed::default()
    })
}
