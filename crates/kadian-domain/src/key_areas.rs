//! Key areas (重点区域) of a China day, counted the same way for the server's 日报 and a laptop's
//! 概况: per unit, the compounds with a key area in force that day (小区数), the households those
//! areas cover (覆盖户: a household in two overlapping areas once), of them the households visited
//! door to door that day (当日入户: a visit for that day that reached it — all well or someone
//! unwell; nobody answering, a refusal or a vacant home is no 入户), and those
//! where a visit found someone unwell (异常). An area in force is folded from its changes
//! ([`crate::records::standing`]); its households are those of its compound in its buildings
//! or groups ([`crate::records::KeyArea::covers`]). Source: the street's plan (重点区域 visited
//! door to door every day) and the 日报 template's 重点区域 group.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use uuid::Uuid;

use crate::figures::{Figures, Unit};
use crate::records::{standing, HouseholdPlace, KeyArea, KeyAreaChange};

/// What the count needs of a household.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdFact {
    /// Its id.
    pub id: Uuid,
    /// Its compound's id.
    pub compound: String,
    /// Where in it.
    pub place: HouseholdPlace,
}

/// What the count needs of a household visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitFact {
    /// The household visited.
    pub household: Uuid,
    /// The China day it is for.
    pub date: NaiveDate,
    /// It reached the household (all well, or someone unwell).
    pub reached: bool,
    /// It found someone unwell.
    pub unwell: bool,
}

impl VisitFact {
    /// The count's facts of a household visit.
    pub fn of(v: &crate::records::HouseholdVisit) -> VisitFact {
        use crate::records::HouseholdVisitOutcome;
        VisitFact {
            household: v.household_id,
            date: v.date,
            reached: matches!(
                v.outcome,
                HouseholdVisitOutcome::AllWell | HouseholdVisitOutcome::SomeoneUnwell
            ),
            unwell: v.outcome == HouseholdVisitOutcome::SomeoneUnwell,
        }
    }
}

/// Adds the China day `date`'s 重点区域 columns to `units`, each area counted in `unit_of` it
/// (its compound's unit). `households` may hold every household or only the key areas'
/// compounds'; `visits` those of `date` or more.
pub fn add_day(
    areas: &[KeyArea],
    changes: &[KeyAreaChange],
    households: &[HouseholdFact],
    visits: &[VisitFact],
    date: NaiveDate,
    unit_of: impl Fn(&KeyArea) -> Unit,
    units: &mut HashMap<Unit, Figures>,
) {
    let in_force: Vec<&KeyArea> = areas
        .iter()
        .filter(|a| standing(a, changes, date).active)
        .collect();
    if in_force.is_empty() {
        return;
    }
    let mut visited: HashMap<Uuid, bool> = HashMap::new();
    for v in visits.iter().filter(|v| v.date == date && v.reached) {
        *visited.entry(v.household).or_default() |= v.unwell;
    }
    let mut compounds: HashSet<(Unit, &str)> = HashSet::new();
    let mut covered: HashSet<(Unit, Uuid)> = HashSet::new();
    for a in in_force {
        let unit = unit_of(a);
        let f = units.entry(unit.clone()).or_default();
        if compounds.insert((unit.clone(), a.compound.as_str())) {
            f.key_area_compounds += 1;
        }
        for h in households
            .iter()
            .filter(|h| h.compound == a.compound && a.covers(&h.place))
        {
            if !covered.insert((unit.clone(), h.id)) {
                continue;
            }
            f.key_area_households += 1;
            if let Some(unwell) = visited.get(&h.id) {
                f.key_area_visited += 1;
                f.key_area_unwell += u32::from(*unwell);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{DeclaredBy, Instant, KeyAreaChangeKind, KeyAreaReason};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("day")
    }

    fn area(n: u128, compound: &str, parts: &[&str]) -> KeyArea {
        KeyArea {
            id: Uuid::from_u128(n),
            community_code: "411402001018".into(),
            compound: compound.into(),
            parts: parts.iter().map(|p| (*p).to_owned()).collect(),
            reason: KeyAreaReason::CloseContacts,
            declared_by: DeclaredBy::Community,
            from: day(2),
            review: day(16),
            note: None,
        }
    }

    fn household(n: u128, compound: &str, building: &str) -> HouseholdFact {
        HouseholdFact {
            id: Uuid::from_u128(n),
            compound: compound.into(),
            place: HouseholdPlace::Compound {
                building: Some(building.into()),
                unit: Some("1".into()),
                room: Some("101".into()),
            },
        }
    }

    #[test]
    fn a_days_key_areas_count_compounds_households_visited_and_unwell_once() {
        // Buildings 3 and 5 of 八一新苑 in two overlapping areas; all of 西城花园, lifted on the 5th.
        let areas = [
            area(1, "bayi", &["3"]),
            area(2, "bayi", &["3", "5"]),
            area(3, "xicheng", &[]),
        ];
        let lift = KeyAreaChange {
            id: Uuid::from_u128(9),
            key_area_id: Uuid::from_u128(3),
            kind: KeyAreaChangeKind::Lift,
            effective: day(5),
            review: None,
            reason: "无新增".into(),
            at: Instant {
                utc: "2026-03-05T02:00:00Z".parse().expect("utc"),
                offset_minutes: 480,
            },
            recorded_by: "t".into(),
        };
        let households = [
            household(10, "bayi", "3"),
            household(11, "bayi", "5"),
            household(12, "bayi", "7"),
            household(20, "xicheng", "1"),
        ];
        let v = |h: u128, d: u32, reached: bool, unwell: bool| VisitFact {
            household: Uuid::from_u128(h),
            date: day(d),
            reached,
            unwell,
        };
        let visits = [
            v(10, 4, true, false),
            v(10, 4, true, true),
            v(20, 4, true, false),
            v(11, 3, true, true),
            // Nobody answered at building 5 on the 4th: no 入户.
            v(11, 4, false, false),
        ];
        let count = |d| {
            let mut units = HashMap::new();
            add_day(
                &areas,
                std::slice::from_ref(&lift),
                &households,
                &visits,
                d,
                |a| Unit::Compound(a.compound.as_str().into()),
                &mut units,
            );
            units
        };
        let on_4th = count(day(4));
        let bayi = on_4th[&Unit::Compound("bayi".into())];
        assert_eq!(
            (
                bayi.key_area_compounds,
                bayi.key_area_households,
                bayi.key_area_visited,
                bayi.key_area_unwell
            ),
            (1, 2, 1, 1),
            "building 3 once, its two visits once, unwell"
        );
        assert_eq!(
            on_4th[&Unit::Compound("xicheng".into())].key_area_visited,
            1
        );
        // Lifted on the 5th; before the 2nd nothing is in force.
        assert!(!count(day(5)).contains_key(&Unit::Compound("xicheng".into())));
        assert!(count(day(1)).is_empty());
    }
}
