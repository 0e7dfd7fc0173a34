//! Who sees what: the places a device may read, update and create records in.

use super::Device;
use kadian_domain::sync::Role;

/// True when `device` sees (pulls) a record placed at (`community`, `compound`): what it may
/// update or correct. A compound device sees its compound's records only, not its community's
/// records that have no compound.
pub fn can_see(device: &Device, community: Option<&str>, compound: Option<&str>) -> bool {
    match device.role {
        Role::Street => true,
        Role::Community => community.is_some() && community == device.scope.community.as_deref(),
        Role::Compound | Role::Volunteer => {
            community == device.scope.community.as_deref()
                && compound.is_some()
                && compound == device.scope.compound.as_deref()
        }
    }
}

/// True when `device` may place a new record at (`community`, `compound`).
/// That is what it sees ([`can_see`]), and for a compound device also its community with no
/// compound (a person whose register named no compound the street knows).
pub fn in_scope(device: &Device, community: Option<&str>, compound: Option<&str>) -> bool {
    can_see(device, community, compound)
        || (matches!(device.role, Role::Compound | Role::Volunteer)
            && compound.is_none()
            && community == device.scope.community.as_deref())
}
