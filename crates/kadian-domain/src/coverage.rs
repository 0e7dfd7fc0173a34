//! Screening coverage (村不漏户、户不漏人: no household and no person missed), counted the same
//! way on the server (`kadian-server report coverage`) and on a laptop (排查覆盖): each side
//! turns what it holds into facts, placed in a [`Unit`], and counts them here.
//!
//! Rules (the street's plan; issue 12):
//! - a **resident** is a person on the register (not a visitor); one the register says lives
//!   away (户在人不在) is counted apart (`persons_away`) and not waited for;
//! - a resident is **accounted for** on a day when there is evidence of them within the
//!   [`ACCOUNTED_WINDOW_DAYS`] China days up to it: a gate passage (not voided), a screening
//!   that named them, a household visit or a follow-up visit that saw them;
//! - a household is **screened** when every member living here is accounted for, **partial**
//!   when some are, **silent** when none are (or none is known to live here): the door-knock
//!   list; a household confirmed vacant (空置) is counted apart and needs no visit.

use std::collections::{HashMap, HashSet};
use std::ops::AddAssign;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::figures::Unit;

/// How many China days of evidence account for a person: the day counted and the six before
/// (the street's window, 7 days by default).
pub const ACCOUNTED_WINDOW_DAYS: u64 = 7;

/// The first China day of the window that accounts for a person on `date`.
pub fn window_start(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(ACCOUNTED_WINDOW_DAYS - 1))
        .unwrap_or(date)
}

/// A resident as coverage needs them.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentFact {
    /// The person.
    pub id: Uuid,
    /// Where they are counted (their household's compound, else their own).
    pub unit: Unit,
    /// Their household, if known.
    pub household: Option<Uuid>,
    /// The register says they live away (户在人不在).
    pub away: bool,
}

/// A household as coverage needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdFact {
    /// The household.
    pub id: Uuid,
    /// Its compound.
    pub unit: Unit,
    /// Confirmed vacant (空置).
    pub vacant: bool,
}

/// Where a household stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum HouseholdState {
    /// Every member living here accounted for.
    Screened,
    /// Some of them.
    Partial,
    /// None (or none is known to live here): to knock on.
    Silent,
    /// Confirmed vacant.
    Vacant,
}

/// A unit's coverage on a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Coverage {
    /// 登记户: households on the register.
    pub households_registered: u32,
    /// 已排查户: of those, screened (every member living here accounted for) or vacant.
    pub households_screened: u32,
    /// Of those, partly (some members accounted for).
    pub households_partial: u32,
    /// Of those, silent (nobody accounted for): the door-knock list.
    pub households_silent: u32,
    /// Of those, confirmed vacant (counted as screened).
    pub households_vacant: u32,
    /// 登记人: residents living here (or not known to be away).
    pub persons_registered: u32,
    /// 已掌握人: of those, accounted for.
    pub persons_accounted: u32,
    /// Residents the register says live away (not waited for).
    pub persons_away: u32,
}

impl Coverage {
    /// 户覆盖率: households screened ÷ registered, in per cent (one decimal), none without
    /// households.
    pub fn household_rate(&self) -> Option<f64> {
        crate::figures::per_cent(self.households_screened, self.households_registered)
    }
}

impl Coverage {
    /// Adds this unit's coverage to its day's figures (the 排查 columns of the daily report).
    pub fn add_to(&self, f: &mut crate::figures::Figures) {
        f.households_registered = f
            .households_registered
            .saturating_add(self.households_registered);
        f.households_screened = f
            .households_screened
            .saturating_add(self.households_screened);
        f.persons_registered = f.persons_registered.saturating_add(self.persons_registered);
        f.persons_accounted = f.persons_accounted.saturating_add(self.persons_accounted);
    }
}

impl AddAssign for Coverage {
    fn add_assign(&mut self, o: Coverage) {
        self.households_registered += o.households_registered;
        self.households_screened += o.households_screened;
        self.households_partial += o.households_partial;
        self.households_silent += o.households_silent;
        self.households_vacant += o.households_vacant;
        self.persons_registered += o.persons_registered;
        self.persons_accounted += o.persons_accounted;
        self.persons_away += o.persons_away;
    }
}

/// Staff's links as coverage applies them: the latest words ([`crate::records::linked`]) over
/// the links whose two records are counted in one unit (`unit_of`: the unit of every person a
/// link names, visitors too). A link across units — a device of one compound naming another's
/// record, or a record that moved — counts for nothing, so no device can change the figures of
/// a unit it does not see, and a laptop that holds one unit counts as the server does.
pub fn links_within(
    links: &[crate::records::PersonLink],
    unit_of: &HashMap<Uuid, Unit>,
) -> HashMap<Uuid, Uuid> {
    let within: Vec<crate::records::PersonLink> = links
        .iter()
        .filter(|l| {
            matches!(
                (unit_of.get(&l.person_id), unit_of.get(&l.same_as)),
                (Some(a), Some(b)) if a == b && *a != Unit::Unplaced
            )
        })
        .cloned()
        .collect();
    crate::records::linked(&within)
}

/// Staff's links of person records (`repeat → kept`, from [`links_within`]) applied to the
/// residents and the evidence before counting: a
/// record seen accounts for the record it repeats (a resident the gate registered again as a
/// visitor is accounted for by that passage), and a resident that repeats a resident is not
/// counted apart (one person, once); a resident said to repeat a visitor record stays counted.
pub fn apply_links(
    residents: &mut Vec<ResidentFact>,
    seen: &mut HashSet<Uuid>,
    links: &HashMap<Uuid, Uuid>,
) {
    if links.is_empty() {
        return;
    }
    let found: Vec<Uuid> = links
        .iter()
        .filter(|(repeat, _)| seen.contains(*repeat))
        .map(|(_, kept)| *kept)
        .collect();
    seen.extend(found);
    let kept: HashSet<&Uuid> = links.values().collect();
    let unit_of: HashMap<Uuid, Unit> = residents
        .iter()
        .filter(|r| kept.contains(&r.id))
        .map(|r| (r.id, r.unit.clone()))
        .collect();
    residents.retain(|r| {
        links
            .get(&r.id)
            .is_none_or(|kept| unit_of.get(kept) != Some(&r.unit))
    });
}

/// Coverage per unit, and each household's state, from the residents, the households and the
/// persons `seen` within the window (see the module's rules). A household is counted in its own
/// compound; a resident in theirs.
pub fn count(
    residents: &[ResidentFact],
    households: &[HouseholdFact],
    seen: &HashSet<Uuid>,
) -> (HashMap<Unit, Coverage>, HashMap<Uuid, HouseholdState>) {
    let mut units: HashMap<Unit, Coverage> = HashMap::new();
    // (members living here, of them accounted for) per household.
    let mut members: HashMap<Uuid, (u32, u32)> = HashMap::new();
    for r in residents {
        let c = units.entry(r.unit.clone()).or_default();
        if r.away {
            c.persons_away += 1;
            continue;
        }
        c.persons_registered += 1;
        let accounted = seen.contains(&r.id);
        if accounted {
            c.persons_accounted += 1;
        }
        if let Some(h) = r.household {
            let m = members.entry(h).or_default();
            m.0 += 1;
            m.1 += u32::from(accounted);
        }
    }
    let mut states = HashMap::with_capacity(households.len());
    for h in households {
        let state = match (h.vacant, members.get(&h.id).copied().unwrap_or_default()) {
            (true, _) => HouseholdState::Vacant,
            (false, (n, a)) if n > 0 && a == n => HouseholdState::Screened,
            (false, (_, a)) if a > 0 => HouseholdState::Partial,
            _ => HouseholdState::Silent,
        };
        let c = units.entry(h.unit.clone()).or_default();
        c.households_registered += 1;
        match state {
            HouseholdState::Screened => c.households_screened += 1,
            HouseholdState::Vacant => {
                c.households_vacant += 1;
                c.households_screened += 1;
            }
            HouseholdState::Partial => c.households_partial += 1,
            HouseholdState::Silent => c.households_silent += 1,
        }
        states.insert(h.id, state);
    }
    (units, states)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> Unit {
        Unit::Compound("c1".into())
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_household_is_screened_when_everyone_living_there_is_accounted_for() {
        let r = |n: u128, h: u128, away: bool| ResidentFact {
            id: id(n),
            unit: unit(),
            household: Some(id(h)),
            away,
        };
        let h = |n: u128, vacant: bool| HouseholdFact {
            id: id(n),
            unit: unit(),
            vacant,
        };
        let residents = [
            // Household 100: both seen, and one away (not waited for).
            r(1, 100, false),
            r(2, 100, false),
            r(3, 100, true),
            // Household 101: one of two seen.
            r(4, 101, false),
            r(5, 101, false),
            // Household 102: nobody seen.
            r(6, 102, false),
            // Household 104: everyone away.
            r(7, 104, true),
        ];
        let households = [
            h(100, false),
            h(101, false),
            h(102, false),
            h(103, true),
            h(104, false),
        ];
        let seen: HashSet<Uuid> = [id(1), id(2), id(4), id(3)].into_iter().collect();
        let (units, states) = count(&residents, &households, &seen);
        let c = units[&unit()];
        assert_eq!(
            (
                c.households_registered,
                c.households_screened,
                c.households_partial,
                c.households_silent,
                c.households_vacant
            ),
            (5, 2, 1, 2, 1)
        );
        assert_eq!(
            (c.persons_registered, c.persons_accounted, c.persons_away),
            (5, 3, 2)
        );
        assert_eq!(states[&id(100)], HouseholdState::Screened);
        assert_eq!(states[&id(101)], HouseholdState::Partial);
        assert_eq!(states[&id(102)], HouseholdState::Silent);
        assert_eq!(states[&id(103)], HouseholdState::Vacant);
        assert_eq!(
            states[&id(104)],
            HouseholdState::Silent,
            "the roster's word is not a visit"
        );
        assert_eq!(c.household_rate(), Some(40.0));
        assert_eq!(Coverage::default().household_rate(), None);
    }

    #[test]
    fn a_linked_record_accounts_for_the_one_it_repeats_and_is_counted_once() {
        let r = |n: u128, unit: &str| ResidentFact {
            id: id(n),
            unit: Unit::Compound(unit.into()),
            household: Some(id(100)),
            away: false,
        };
        // 2 repeats 1 in the same compound; 9 (a visitor record, not a resident) repeats 3;
        // 4 in another compound is said to repeat 1.
        let mut residents = vec![r(1, "c1"), r(2, "c1"), r(3, "c1"), r(4, "c2")];
        let links: HashMap<Uuid, Uuid> = [(id(2), id(1)), (id(9), id(3)), (id(4), id(1))]
            .into_iter()
            .collect();
        let mut seen: HashSet<Uuid> = [id(9)].into_iter().collect();
        apply_links(&mut residents, &mut seen, &links);
        let ids: Vec<Uuid> = residents.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [id(1), id(3), id(4)],
            "2 is 1 again; 4 stays in its own count"
        );
        assert!(
            seen.contains(&id(3)),
            "the visitor record's passage accounts for 3"
        );
        assert!(!seen.contains(&id(1)));
    }

    #[test]
    fn a_link_across_units_counts_for_nothing_even_in_a_chain() {
        use crate::records::{Instant, LinkVerdict, PersonLink};
        let at = |minute: i64| Instant {
            utc: chrono::DateTime::from_timestamp(1_772_000_000 + minute * 60, 0).expect("time"),
            offset_minutes: 480,
        };
        let link = |n: u128, person: u128, same_as: u128, minute: i64| PersonLink {
            id: id(500 + n),
            person_id: id(person),
            same_as: id(same_as),
            verdict: LinkVerdict::Same,
            note: None,
            at: at(minute),
            recorded_by: "王芳".into(),
        };
        let c1 = Unit::Compound("c1".into());
        let c2 = Unit::Compound("c2".into());
        let unit_of: HashMap<Uuid, Unit> = [
            (id(1), c1.clone()),
            (id(2), c1.clone()),
            (id(3), c2.clone()),
        ]
        .into_iter()
        .collect();
        // c1 says 1 is 2; a device of c2 later says 1 is 3, then 2 is 3 (a chain 1 → 2 → 3).
        let links = [link(1, 1, 2, 0), link(2, 1, 3, 5), link(3, 2, 3, 6)];
        let within = links_within(&links, &unit_of);
        assert_eq!(
            within,
            HashMap::from([(id(1), id(2))]),
            "c1's own word stands"
        );
        // A person no unit holds (not on this side at all) links nothing.
        assert!(links_within(&[link(4, 1, 9, 9)], &unit_of).is_empty());
    }

    #[test]
    fn the_window_is_the_day_and_the_six_before() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 10).expect("day");
        assert_eq!(
            window_start(d),
            NaiveDate::from_ymd_opt(2026, 3, 4).expect("day")
        );
    }
}
