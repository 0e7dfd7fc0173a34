//! A referral (entity) to the emergency response group comes from staff (compound, zone,
//! community, street), or from a checkpoint tablet that raised it for a fever reading it took of
//! a person under observation (the reading must be on the server, in the tablet's scope); it
//! belongs to its compound, which must be the street's and of the referral's community.

use kadian_domain::records::{RecordKind, Referral, ReferralSource};
use kadian_domain::sync::{ApiError, Role};

use super::{Placed, Placing};
use crate::rules::reject;

/// Whether a tablet may have raised this referral: from a gate reading, in its own compound,
/// not yet taken or disposed, with no note (what the group does is recorded on its laptops).
pub fn raised_at_gate(r: &Referral, at: &Placing<'_>) -> bool {
    r.source == ReferralSource::Gate
        && at.device.scope.compound.as_deref() == Some(r.compound.as_str())
        && r.taken_at.is_none()
        && r.disposition.is_none()
        && r.note.is_none()
}

/// Places a referral. Errors: `not_allowed` (from a checkpoint tablet, unless
/// [`raised_at_gate`]), `unknown_compound` (not the street's, or not of its community).
pub fn place(r: &Referral, at: &Placing<'_>) -> Result<Placed, ApiError> {
    if at.device.role == Role::Volunteer && !raised_at_gate(r, at) {
        return Err(reject(
            "not_allowed",
            "卡点平板只能为居家观察对象的发热登记转诊 / a checkpoint tablet only raises a referral for a fever it took of a person under observation",
        ));
    }
    // From a tablet, the reading it comes from must be on the server in the tablet's scope.
    let target = (at.device.role == Role::Volunteer)
        .then(|| (RecordKind::TemperatureReading, r.source_id.to_string()));
    at.in_compound(&r.community_code, &r.compound, target)
}
