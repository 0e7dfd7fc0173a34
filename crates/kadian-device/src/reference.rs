//! The street's reference data as this device holds it, typed: its communities, compounds,
//! checkpoints and zones ([`kadian_domain::places`]) and the volunteers of its sign-in lists. The one
//! reader of the store's `reference` rows; areas never read their JSON by hand.

use std::collections::BTreeMap;

use kadian_domain::observation::ObservationSetting;
use kadian_domain::places::{Checkpoint, Community, Compound, Zone};
use kadian_domain::records::{RecordKind, ReferenceKind, Volunteer};
use serde::de::DeserializeOwned;

use crate::store::{Result, Store};

/// Everything of the reference data this device holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferenceData {
    /// Communities by code.
    pub communities: BTreeMap<String, Community>,
    /// Compounds by id.
    pub compounds: BTreeMap<String, Compound>,
    /// Checkpoints by id.
    pub checkpoints: BTreeMap<String, Checkpoint>,
    /// Volunteers (retired ones included), by id.
    pub volunteers: BTreeMap<String, Volunteer>,
    /// Grid zones (片区) by id: all of them on a street laptop, its own on a zone laptop, none
    /// elsewhere.
    pub zones: BTreeMap<String, Zone>,
    /// The street's home-observation setting (the default when the street never set one): the
    /// policy new cases open under, and which declarations at a gate open one.
    pub observation: ObservationSetting,
    /// The street's hotline deadlines (the default when the street never set them).
    pub hotline: kadian_domain::hotline::HotlinePolicy,
    /// The street's disinfection grace (the default, 2 hours, when the street never set it).
    pub disinfection: kadian_domain::disinfection::DisinfectionPolicy,
    /// The street's items (the plan's seven when the street never set its own).
    pub supply_items: kadian_domain::records::SupplyItems,
}

/// The rows of one kind, parsed; a row that does not parse is left out (bodies are checked when
/// they arrive; an older body of a kind that gained a field still parses, with its default).
fn rows<T: DeserializeOwned>(store: &Store, kind: &str) -> Result<BTreeMap<String, T>> {
    Ok(store
        .reference(kind)?
        .into_iter()
        .filter_map(|(id, body)| serde_json::from_value(body).ok().map(|v| (id, v)))
        .collect())
}

impl ReferenceData {
    /// Reads it from the store.
    pub fn read(store: &Store) -> Result<ReferenceData> {
        Ok(ReferenceData {
            communities: rows(store, ReferenceKind::Community.as_str())?,
            compounds: rows(store, ReferenceKind::Compound.as_str())?,
            checkpoints: rows(store, ReferenceKind::Checkpoint.as_str())?,
            volunteers: rows(store, RecordKind::Volunteer.as_str())?,
            zones: rows(store, ReferenceKind::Zone.as_str())?,
            observation: rows(store, ReferenceKind::ObservationPolicy.as_str())?
                .remove(ObservationSetting::ID)
                .unwrap_or_default(),
            hotline: rows(store, ReferenceKind::HotlinePolicy.as_str())?
                .remove(kadian_domain::hotline::HotlinePolicy::ID)
                .unwrap_or_default(),
            disinfection: rows(store, ReferenceKind::DisinfectionPolicy.as_str())?
                .remove(kadian_domain::disinfection::DisinfectionPolicy::ID)
                .unwrap_or_default(),
            supply_items: rows(store, ReferenceKind::SupplyItems.as_str())?
                .remove(kadian_domain::records::SupplyItems::ID)
                .unwrap_or_default(),
        })
    }

    /// The street's places indexed for placing records (see [`PlaceIndex::unit`]).
    pub fn place_index(&self) -> PlaceIndex<'_> {
        use kadian_domain::figures::Unit;
        PlaceIndex {
            by_id: self
                .compounds
                .keys()
                .map(|id| (id.as_str(), Unit::Compound(id.as_str().into())))
                .collect(),
            by_name: self
                .compounds
                .iter()
                .map(|(id, c)| {
                    (
                        (c.community.as_str(), c.name.as_str()),
                        Unit::Compound(id.as_str().into()),
                    )
                })
                .collect(),
            communities: self
                .communities
                .keys()
                .map(|c| (c.as_str(), Unit::Community(c.as_str().into())))
                .collect(),
        }
    }

    /// The compounds an address may name (those not retired), as the registers' readers take
    /// them.
    pub fn known_compounds(&self) -> Vec<kadian_registers::KnownCompound> {
        self.compounds
            .values()
            .filter(|c| c.retired_at.is_none())
            .map(|c| kadian_registers::KnownCompound {
                id: c.id.clone(),
                name: c.name.clone(),
                community_code: c.community.clone(),
            })
            .collect()
    }

    /// A compound's name.
    pub fn compound_name(&self, id: &str) -> Option<&str> {
        self.compounds.get(id).map(|c| c.name.as_str())
    }

    /// A checkpoint named with its compound (`八一新苑 东门`: 东门 alone says little on a
    /// community laptop), or alone when its compound is not here.
    pub fn checkpoint_label(&self, id: &str) -> Option<String> {
        let gate = self.checkpoints.get(id)?;
        Some(match self.compound_name(&gate.compound) {
            Some(compound) => format!("{compound} {}", gate.name),
            None => gate.name.clone(),
        })
    }

    /// The checkpoints of a compound in use (retired ones left out), by id.
    pub fn gates_of<'a>(&'a self, compound: &'a str) -> impl Iterator<Item = &'a Checkpoint> {
        self.checkpoints
            .values()
            .filter(move |c| c.compound == compound && c.retired_at.is_none())
    }

    /// When this device's place was retired by the street (its checkpoint's, or else its
    /// compound's retirement), if it was: the server takes no new records made there after it.
    pub fn retired_at(
        &self,
        checkpoint: Option<&str>,
        compound: Option<&str>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        checkpoint
            .and_then(|g| self.checkpoints.get(g)?.retired_at)
            .or_else(|| compound.and_then(|c| self.compounds.get(c)?.retired_at))
    }
}

/// The street's places by compound id, by (community, compound name) and by community code,
/// each unit made once (a street's 140,000 residents name 250 compounds).
pub struct PlaceIndex<'a> {
    by_id: std::collections::HashMap<&'a str, kadian_domain::figures::Unit>,
    by_name: std::collections::HashMap<(&'a str, &'a str), kadian_domain::figures::Unit>,
    communities: std::collections::HashMap<&'a str, kadian_domain::figures::Unit>,
}

impl PlaceIndex<'_> {
    /// Where a record naming `compound` (an id, or as a register's row names it, a name within
    /// `community`) and `community` is counted, as screening coverage places it: the compound,
    /// else the community, else nowhere ([`kadian_domain::figures::Unit::Unplaced`]).
    pub fn unit(
        &self,
        compound: Option<&str>,
        community: Option<&str>,
    ) -> kadian_domain::figures::Unit {
        compound
            .and_then(|c| self.by_id.get(c))
            .or_else(|| self.by_name.get(&(community?, compound?)))
            .or_else(|| self.communities.get(community?))
            .cloned()
            .unwrap_or(kadian_domain::figures::Unit::Unplaced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_named_with_its_compound() {
        let mut r = ReferenceData::default();
        r.compounds.insert(
            "c1".into(),
            Compound {
                id: "c1".into(),
                name: "八一新苑".into(),
                community: "411402001018".into(),
                retired_at: None,
            },
        );
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T08:00:00Z")
            .map(|t| t.to_utc())
            .ok();
        for (id, compound, retired_at) in
            [("g1", "c1", None), ("g2", "gone", None), ("g3", "c1", at)]
        {
            r.checkpoints.insert(
                id.into(),
                Checkpoint {
                    id: id.into(),
                    name: "东门".into(),
                    compound: compound.into(),
                    retired_at,
                },
            );
        }
        assert_eq!(r.checkpoint_label("g1").as_deref(), Some("八一新苑 东门"));
        assert_eq!(r.checkpoint_label("g2").as_deref(), Some("东门"));
        assert_eq!(r.checkpoint_label("none"), None);
        assert_eq!(r.gates_of("c1").count(), 1, "the retired g3 is left out");
        assert_eq!(r.retired_at(Some("g3"), Some("c1")), at);
        assert_eq!(r.retired_at(Some("g1"), Some("c1")), None);
    }
}
