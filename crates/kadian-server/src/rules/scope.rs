//! Who sees what: the places a device may read, update and create records in.

use super::{Device, Reference};
use kadian_domain::sync::Role;

/// True when `device` sees (pulls) a record placed at (`community`, `compound`): what it may
/// update or correct. A compound device sees its compound's records only, not its community's
/// records that have no compound. A zone device sees the records of the compounds its zone
/// holds now (`reference`), each in its own community, and nothing without a compound.
pub fn can_see(
    device: &Device,
    reference: &Reference,
    community: Option<&str>,
    compound: Option<&str>,
) -> bool {
    match device.role {
        Role::Street => true,
        Role::Community => community.is_some() && community == device.scope.community.as_deref(),
        Role::Compound | Role::Volunteer => {
            community == device.scope.community.as_deref()
                && compound.is_some()
                && compound == device.scope.compound.as_deref()
        }
        Role::Zone => compound.is_some_and(|c| {
            device.scope.zone.is_some()
                && reference.zone_of.get(c) == device.scope.zone.as_ref()
                && reference
                    .compounds
                    .get(c)
                    .is_some_and(|(m, _)| Some(m.as_str()) == community)
        }),
    }
}

/// True when `device` may place a new record at (`community`, `compound`).
/// That is what it sees ([`can_see`]), and for a compound device also its community with no
/// compound (a person whose register named no compound the street knows).
pub fn in_scope(
    device: &Device,
    reference: &Reference,
    community: Option<&str>,
    compound: Option<&str>,
) -> bool {
    can_see(device, reference, community, compound)
        || (matches!(device.role, Role::Compound | Role::Volunteer)
            && compound.is_none()
            && community == device.scope.community.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kadian_domain::places::Zone;
    use kadian_domain::sync::Scope;

    /// Two communities, a compound in each, both in 第一片区; a third compound in no zone.
    fn street() -> Reference {
        let mut r = Reference::default();
        r.compounds
            .insert("c1".into(), ("m1".into(), "八一新苑".into()));
        r.compounds
            .insert("c2".into(), ("m2".into(), "建设小区".into()));
        r.compounds
            .insert("c3".into(), ("m2".into(), "光明小区".into()));
        r.zones.insert(
            "z1".into(),
            Zone {
                id: "z1".into(),
                name: "第一片区".into(),
                leader: "王敏".into(),
                phone: None,
                compounds: vec!["c1".into(), "c2".into()],
            },
        );
        r.zone_of.insert("c1".into(), "z1".into());
        r.zone_of.insert("c2".into(), "z1".into());
        r
    }

    fn zone_device(zone: Option<&str>) -> Device {
        Device {
            id: "d".into(),
            name: "片区长笔记本".into(),
            role: Role::Zone,
            scope: Scope {
                street: "411402001".into(),
                community: None,
                compound: None,
                checkpoint: None,
                zone: zone.map(str::to_owned),
            },
            revoked: false,
        }
    }

    #[test]
    fn a_zone_device_sees_its_compounds_across_communities_and_nothing_else() {
        let r = street();
        let d = zone_device(Some("z1"));
        assert!(can_see(&d, &r, Some("m1"), Some("c1")));
        assert!(can_see(&d, &r, Some("m2"), Some("c2")));
        // A compound of the same community outside the zone; a community's own records.
        assert!(!can_see(&d, &r, Some("m2"), Some("c3")));
        assert!(!can_see(&d, &r, Some("m1"), None));
        assert!(!in_scope(&d, &r, Some("m1"), None));
        // A record that names the zone's compound under another community is not its.
        assert!(!can_see(&d, &r, Some("m2"), Some("c1")));
        // A compound the street does not know; a zone device without a zone (a damaged row).
        assert!(!can_see(&d, &r, Some("m1"), Some("c9")));
        assert!(!can_see(&zone_device(None), &r, Some("m1"), Some("c1")));
        assert!(!can_see(
            &zone_device(Some("z2")),
            &r,
            Some("m1"),
            Some("c1")
        ));
    }
}
