//! A person link (event) comes only from staff. It is placed with the device that made it for
//! now; the arrival places it with the person kept on the register (its target), who must be on
//! the server and in the device's scope (see `rules::decide`), as a correction follows what it
//! corrects. The record it says repeats that person is not checked here: a link moves evidence
//! to the kept person and takes a record off a count only within the kept person's own unit
//! (`kadian_domain::coverage::apply_links`), so it can change no other unit's figures.

use kadian_domain::records::{PersonLink, RecordKind};
use kadian_domain::sync::ApiError;

use super::{Placed, Placing};

/// Places a person link and names the person it keeps. Errors: `not_allowed` (from a
/// checkpoint tablet).
pub fn place(l: &PersonLink, at: &Placing<'_>) -> Result<Placed, ApiError> {
    at.staff_only(
        "人员查重只能由小区、社区或街道工作人员处理",
        "only compound, community or street staff link person records",
    )?;
    let (community, compound) = at.own();
    Ok(Placed {
        community,
        compound,
        event_at: Some(l.at.utc),
        target: Some((RecordKind::Person, l.same_as.to_string())),
        ..Placed::default()
    })
}
