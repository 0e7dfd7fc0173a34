//! An observation case (entity) comes from compound, zone, community or street staff, or from a
//! checkpoint tablet that opened it from a travel declaration it took (the street's setting
//! says which declarations open one); it belongs to its compound, which must be the street's
//! and of the case's community.

use kadian_domain::records::{observation_case_id_for_declaration, ObservationCase, RecordKind};
use kadian_domain::sync::{ApiError, Role};

use super::{Placed, Placing};
use crate::rules::reject;

/// Whether a tablet may have opened this case: derived from its travel declaration (the id is
/// the declaration's UUIDv5), in the tablet's own compound, a returnee's, and carrying nothing
/// a gate does not know (no responsible staff, backup or notes).
pub fn opened_at_gate(c: &ObservationCase, at: &Placing<'_>) -> bool {
    use kadian_domain::records::ObservationReason::{ReturneeElsewhere, ReturneeHubei};
    c.origin_id
        .is_some_and(|d| observation_case_id_for_declaration(d) == c.id)
        && at.device.scope.compound.as_deref() == Some(c.compound.as_str())
        && matches!(c.reason, ReturneeHubei | ReturneeElsewhere)
        && c.responsible.is_none()
        && c.responsible_phone.is_none()
        && c.backup.is_none()
        && c.notes.is_none()
        && c.followed_from.is_none()
}

/// Places a case. Errors: `not_allowed` (from a checkpoint tablet, unless
/// [`opened_at_gate`]), `unknown_compound` (not the street's, or not of the case's community).
pub fn place(c: &ObservationCase, at: &Placing<'_>) -> Result<Placed, ApiError> {
    if at.device.role == Role::Volunteer && !opened_at_gate(c, at) {
        return Err(reject(
            "not_allowed",
            "居家观察只能由小区、片区、社区或街道工作人员登记 / only compound, zone, community or street staff record home observation",
        ));
    }
    // From a tablet, the declaration it comes from must be on the server in the tablet's
    // scope (a new case is placed with it, as a visit with its case).
    let target = (at.device.role == Role::Volunteer)
        .then(|| {
            c.origin_id
                .map(|d| (RecordKind::TravelDeclaration, d.to_string()))
        })
        .flatten();
    at.in_compound(&c.community_code, &c.compound, target)
}
