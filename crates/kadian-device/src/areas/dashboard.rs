//! The dashboard (概况) on a laptop: the figures of a China day for the street, a grid zone, a
//! community or a compound, each unit drilling down to the level below, with a 14-day trend, counted offline
//! from this device's own store the way the server counts the daily report
//! (`kadian_domain::figures`), and saying how fresh the store is (本机数据截至).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use kadian_domain::figures::{
    checkpoint_open, china_date, china_day_start, ArrivalFact, CaseFacts, Counting, DayFacts,
    FactsRef, FailedCheck, Figures, OutingFact, PassageFact, ReadingFact, ReferralFact, Unit,
};
use kadian_domain::plate::province_abbreviation;
use kadian_domain::sync::Role;
use kadian_domain::Celsius;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::views::street_label;
use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::local_time::local;
use crate::reference::ReferenceData;

/// How many days the trend shows, the day asked included: the observation period.
pub const TREND_DAYS: u64 = 14;

/// Which unit's dashboard to show, and for which day.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct DashboardQuery {
    /// The China day (`2026-03-01`).
    pub date: String,
    /// A community (12-digit code) to look at; none: the device's whole scope.
    pub community: Option<String>,
    /// A compound (id) to look at, within the community or zone if one is given.
    pub compound: Option<String>,
    /// A grid zone (片区, id) to look at; a zone laptop's own when none is given.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub zone: Option<String>,
}

/// A level of the street's ground.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Level {
    /// The street (街道).
    Street,
    /// A community (社区/村).
    Community,
    /// A compound or natural village (小区/自然村).
    Compound,
    /// A grid zone (片区): compounds across communities under a zone leader.
    Zone,
}

/// One unit with its figures.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct UnitFigures {
    /// The community's code or the compound's id; the street's division code.
    pub id: String,
    /// Its name (`八一社区`).
    pub name: String,
    /// Its level.
    pub level: Level,
    /// Its figures that day.
    pub figures: Figures,
    /// The checks its figures fail (as the server's before signing), for the cells to mark;
    /// empty when all pass.
    pub failed: Vec<FailedCheck>,
}

/// A shift that ended with no hand-over (a tablet restarted or lost mid-shift, or the next
/// volunteer signed in without the last one handing over).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ShiftRow {
    /// The checkpoint, with its compound (`八一新苑 东门`).
    pub checkpoint: String,
    /// The volunteer's name (their id when this laptop does not hold them).
    pub volunteer: String,
    /// Signed in (China time, `2026-03-01 08:00`).
    pub started: String,
    /// Ended (China time): the next sign-in there, or 12 hours after.
    pub ended: String,
    /// Whether the next volunteer's sign-in ended it (else 12 hours passed).
    pub next_signed_in: bool,
}

/// 值班 now, at the moment the dashboard is read (whatever day it shows), for the unit's
/// checkpoints, from the tablets' sign-ins and hand-overs this laptop holds
/// (`kadian_domain::duty`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DutyNowView {
    /// The unit's checkpoints in use.
    pub checkpoints_open: u32,
    /// Of them, with a volunteer on duty now.
    pub checkpoints_staffed: u32,
    /// Volunteers on duty now.
    pub volunteers_on_duty: u32,
    /// The last 24 hours' shifts that ended with no hand-over, newest first.
    pub without_hand_over: Vec<ShiftRow>,
}

/// One day of the trend.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TrendDay {
    /// The China day (`2026-03-01`).
    pub date: String,
    /// The unit's figures that day.
    pub figures: Figures,
}

/// The dashboard of one unit on one day.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Dashboard {
    /// The China day shown (`2026-03-01`).
    pub date: String,
    /// The unit shown, with its figures.
    pub unit: UnitFigures,
    /// The units above it, from the device's own (the way back up).
    pub above: Vec<UnitFigures>,
    /// The units one level below, each with its figures (none below a compound): a street's
    /// communities, a community's or a zone's compounds.
    pub below: Vec<UnitFigures>,
    /// On the street's dashboard, its grid zones (片区) with their figures, in the order they
    /// were set up; empty elsewhere or when the street has none.
    pub zones: Vec<UnitFigures>,
    /// What the street counts that no zone holds (compounds in no zone, records placed in no
    /// compound); none when the zones hold it all or there are none.
    pub zones_rest: Option<Figures>,
    /// What the unit counts that no unit below holds (records whose compound or community the
    /// layout here does not know), so that the level below and this add up to the unit; none
    /// when nothing is left over.
    pub below_rest: Option<Figures>,
    /// The last [`TREND_DAYS`] days up to the day shown, oldest first.
    pub trend: Vec<TrendDay>,
    /// 本机数据截至: the last time this device synced (China time, `2026-03-01 09:12`); none if
    /// it never has. Figures fed by other devices hold what had reached the server then.
    pub data_as_of: Option<String>,
    /// Sync conflicts waiting for a person. (What waits to be sent and what could not be
    /// applied are the sync bar's figures: the screen takes them from there, and counting them
    /// again here would read the whole outbox at every load.)
    pub conflicts: i64,
    /// The fever threshold counted with (°C).
    pub fever_threshold_c: f64,
    /// 值班 now.
    pub duty: DutyNowView,
    /// Areas whose tiles are not built yet: shown as not built, never as zero (none now).
    pub not_built: Vec<String>,
}

/// Areas whose figures the dashboard does not have yet.
const NOT_BUILT: [&str; 0] = [];

/// Where this device's facts are counted: by the layout it holds.
struct Placing<'a> {
    reference: &'a ReferenceData,
    /// Checkpoint id → its compound's unit.
    gates: HashMap<&'a str, Unit>,
}

impl<'a> Placing<'a> {
    fn new(reference: &'a ReferenceData) -> Placing<'a> {
        Placing {
            reference,
            gates: reference
                .checkpoints
                .iter()
                .map(|(id, g)| (id.as_str(), Unit::Compound(g.compound.as_str().into())))
                .collect(),
        }
    }

    fn gate(&self, checkpoint: &str) -> Unit {
        self.gates
            .get(checkpoint)
            .cloned()
            .unwrap_or(Unit::Unplaced)
    }

    fn place(&self, compound: Option<&str>, community: Option<&str>) -> Unit {
        match (compound, community) {
            (Some(c), _) if self.reference.compounds.contains_key(c) => Unit::Compound(c.into()),
            (_, Some(c)) if self.reference.communities.contains_key(c) => Unit::Community(c.into()),
            _ => Unit::Unplaced,
        }
    }

    /// Where something the street may keep itself counts (a hotline report, a disinfection
    /// site): placed in neither a compound nor a community, it is the street's own.
    fn own(&self, compound: Option<&str>, community: Option<&str>) -> Unit {
        match (compound, community) {
            (None, None) => Unit::Street,
            _ => self.place(compound, community),
        }
    }

    /// Where a holder's stock counts: the street's store the street's own, a community's in
    /// it, a checkpoint's in its compound.
    fn holder(&self, h: &kadian_domain::records::Holder) -> Unit {
        use kadian_domain::records::Holder;
        match h {
            Holder::Street => Unit::Street,
            Holder::Community { code } => self.place(None, Some(code)),
            Holder::Checkpoint { id } => self.gate(id),
        }
    }

    /// The community a unit belongs to.
    fn community_of<'u>(&'u self, unit: &'u Unit) -> Option<&'u str> {
        match unit {
            Unit::Compound(c) => self
                .reference
                .compounds
                .get(&**c)
                .map(|c| c.community.as_str()),
            Unit::Community(c) => Some(c),
            Unit::Street | Unit::Unplaced => None,
        }
    }
}

/// What the 重点区域 columns count, as this laptop holds it: the key areas and their changes,
/// the households of the compounds with one from before `last`, and the household visits of
/// `first..=last`.
type KeyAreaFacts = (
    Vec<kadian_domain::records::KeyArea>,
    Vec<kadian_domain::records::KeyAreaChange>,
    Vec<kadian_domain::key_areas::HouseholdFact>,
    Vec<kadian_domain::key_areas::VisitFact>,
);

impl AppCore {
    pub(crate) fn key_area_day_facts(
        &self,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    ) -> AppResult<KeyAreaFacts> {
        let store = self.store();
        let (areas, changes) = store.key_areas()?;
        let mut compounds: Vec<&str> = areas
            .iter()
            .filter(|a| a.from <= last)
            .map(|a| a.compound.as_str())
            .collect();
        compounds.sort_unstable();
        compounds.dedup();
        let mut households = Vec::new();
        for c in compounds {
            households.extend(store.households_of(c)?.into_iter().map(|h| {
                kadian_domain::key_areas::HouseholdFact {
                    id: h.id,
                    compound: h.compound,
                    place: h.place,
                }
            }));
        }
        let visits = if households.is_empty() {
            Vec::new()
        } else {
            store
                .household_visits_between(first, last)?
                .into_iter()
                .map(|v| kadian_domain::key_areas::VisitFact::of(&v))
                .collect()
        };
        drop(store);
        Ok((areas, changes, households, visits))
    }
}

fn bad_place(field: &str) -> AppError {
    AppError::new(
        "not_found",
        Some(field),
        "这台设备没有这个社区、小区或片区的资料",
        "This device holds no community, compound or zone by that id",
    )
}

impl AppCore {
    /// The dashboard of a unit (the device's whole scope, or a community or compound in it) on
    /// a China day, with the level below and a 14-day trend, counted from this device's store.
    /// Errors: `invalid_date`, `not_found` (a community or compound this device does not hold,
    /// or one outside its scope), `not_staff` (a checkpoint tablet).
    pub fn dashboard(&self, q: &DashboardQuery) -> AppResult<Dashboard> {
        let date = NaiveDate::parse_from_str(q.date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&d.year()))
            .ok_or_else(|| {
                AppError::new(
                    "invalid_date",
                    Some("date"),
                    "日期应写作 2026-03-01（2000 至 2100 年）",
                    "Write the date as 2026-03-01 (years 2000 to 2100)",
                )
            })?;
        let enrolment = self.enrolled()?;
        if enrolment.role == Role::Volunteer {
            return Err(AppError::new(
                "not_staff",
                None,
                "概况只在社区、小区和街道的笔记本上",
                "The dashboard is on community, compound and street laptops only",
            ));
        }
        let reference = self.reference()?;
        let placing = Placing::new(&reference);

        // The unit asked for, within the device's scope. A zone laptop holds its zone's
        // compounds only: it looks at its zone or one of them, never at a whole community.
        let scope = &enrolment.scope;
        let zone = q
            .zone
            .clone()
            .filter(|z| !z.is_empty())
            .or_else(|| scope.zone.clone());
        let community = q
            .community
            .clone()
            .filter(|c| !c.is_empty())
            .or_else(|| scope.community.clone());
        let compound = q
            .compound
            .clone()
            .filter(|c| !c.is_empty())
            .or_else(|| scope.compound.clone());
        if let Some(z) = &zone {
            if !reference.zones.contains_key(z) || scope.zone.as_ref().is_some_and(|own| own != z) {
                return Err(bad_place("zone"));
            }
        }
        if let Some(c) = &community {
            if !reference.communities.contains_key(c)
                || scope.community.as_ref().is_some_and(|own| own != c)
                || zone.is_some()
            {
                return Err(bad_place("community"));
            }
        }
        if let Some(c) = &compound {
            let held = reference.compounds.get(c);
            let in_zone = zone
                .as_ref()
                .and_then(|z| reference.zones.get(z))
                .is_none_or(|z| z.compounds.contains(c));
            if held.is_none_or(|h| community.as_ref().is_some_and(|m| *m != h.community))
                || scope.compound.as_ref().is_some_and(|own| own != c)
                || !in_zone
            {
                return Err(bad_place("compound"));
            }
        }
        let community = community.or_else(|| {
            compound
                .as_ref()
                .filter(|_| zone.is_none())
                .and_then(|c| reference.compounds.get(c))
                .map(|c| c.community.clone())
        });
        let (level, unit_id) = match (&compound, &zone, &community) {
            (Some(c), _, _) => (Level::Compound, c.as_str()),
            (None, Some(z), _) => (Level::Zone, z.as_str()),
            (None, None, Some(c)) => (Level::Community, c.as_str()),
            (None, None, None) => (Level::Street, scope.street.as_str()),
        };

        // The facts of the trend's days (and a day either side), counted day by day.
        let first = date
            .checked_sub_days(Days::new(TREND_DAYS - 1))
            .unwrap_or(date);
        let facts = self.day_facts(&placing, first, date)?;
        let rules = Counting {
            fever: reference.observation.policy.fever,
            province: province_abbreviation(&scope.street),
            today: local(self.now()).date(),
        };
        // 热线: every report this laptop holds, placed where it is assigned.
        let hotline = self.hotline_day_facts(&placing)?;
        // 消杀: every site this laptop holds, in its compound (else community), and the
        // disinfections of the trend's days.
        let (sites, disinfections) = self.disinfection_day_facts(&placing, first, date)?;
        // 物资: every movement this laptop holds, each holder in its unit.
        let movements = self.store().stock_movements()?;
        // 重点区域: the key areas this laptop holds, the households of their compounds, the
        // household visits of the trend's days.
        let (areas, area_changes, area_households, area_visits) =
            self.key_area_day_facts(first, date)?;
        let holder_unit = |h: &kadian_domain::records::Holder| placing.holder(h);
        let now = self.now();
        // 值班: the tablets' sign-ins and hand-overs from the day before the trend's first.
        let shifts = kadian_domain::duty::shifts(&self.store().shift_events_since(
            crate::local_time::day_start_utc(first) - chrono::Duration::days(1),
        )?);
        let mut trend = Vec::new();
        let mut shown_day = HashMap::new();
        // 排查 of the day shown (not of the trend's days: each is a 7-day window of its own).
        let coverage = self.coverage_count(date, &reference)?.units;
        for day in first.iter_days().take_while(|d| *d <= date) {
            let mut units = facts.of_day(day).count(day, &rules);
            kadian_domain::hotline::add_day(&hotline, day, now, &mut units);
            // A key area's site as it stands that day (due while its key area is in force).
            let sites_that_day: Vec<(Unit, kadian_domain::records::DisinfectionSite)> = sites
                .iter()
                .map(|(u, s)| {
                    (
                        u.clone(),
                        kadian_domain::disinfection::site_on(s, day, &areas, &area_changes),
                    )
                })
                .collect();
            kadian_domain::disinfection::add_day(
                &sites_that_day,
                &disinfections,
                day,
                now,
                reference.disinfection.grace_minutes,
                &mut units,
            );
            kadian_domain::supplies::add_day(&movements, holder_unit, day, now, &mut units);
            kadian_domain::duty::add_day(&shifts, day, |c| placing.gate(c), &mut units);
            kadian_domain::key_areas::add_day(
                &areas,
                &area_changes,
                &area_households,
                &area_visits,
                day,
                |a| placing.place(Some(&a.compound), Some(&a.community_code)),
                &mut units,
            );
            if day == date {
                for (unit, c) in &coverage {
                    c.add_to(units.entry(unit.clone()).or_default());
                }
            }
            trend.push(TrendDay {
                date: day.to_string(),
                figures: sum_for(&placing, &units, level, unit_id, day),
            });
            if day == date {
                shown_day = units;
            }
        }

        let named = |level: Level, id: &str| {
            let figures = sum_for(&placing, &shown_day, level, id, date);
            UnitFigures {
                id: id.to_owned(),
                name: match level {
                    Level::Street => street_label(&enrolment),
                    Level::Community => reference
                        .communities
                        .get(id)
                        .map_or_else(|| id.to_owned(), |c| c.name.clone()),
                    Level::Compound => reference
                        .compound_name(id)
                        .map_or_else(|| id.to_owned(), str::to_owned),
                    Level::Zone => reference
                        .zones
                        .get(id)
                        .map_or_else(|| id.to_owned(), |z| z.name.clone()),
                },
                level,
                failed: figures.failed_checks(),
                figures,
            }
        };
        let on_street = scope.community.is_none() && scope.zone.is_none();
        let mut above = Vec::new();
        if on_street && level != Level::Street {
            above.push(named(Level::Street, &scope.street));
        }
        let mut below = Vec::new();
        let mut zones = Vec::new();
        match level {
            Level::Compound => {
                if let Some(z) = &zone {
                    above.push(named(Level::Zone, z));
                } else if let Some(m) = community.as_ref().filter(|_| scope.compound.is_none()) {
                    above.push(named(Level::Community, m));
                }
            }
            Level::Community => {
                below = reference
                    .compounds
                    .values()
                    .filter(|c| Some(&c.community) == community.as_ref())
                    .map(|c| named(Level::Compound, &c.id))
                    .collect();
                below.sort_by(|a, b| a.name.cmp(&b.name));
            }
            Level::Zone => {
                // Its compounds, grouped by community.
                let mut held: Vec<(&str, &str, &str)> = reference
                    .zones
                    .get(unit_id)
                    .map(|z| z.compounds.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| reference.compounds.get(c))
                    .map(|c| (c.community.as_str(), c.name.as_str(), c.id.as_str()))
                    .collect();
                held.sort();
                below = held
                    .into_iter()
                    .map(|(_, _, id)| named(Level::Compound, id))
                    .collect();
            }
            Level::Street => {
                below = reference
                    .communities
                    .keys()
                    .map(|c| named(Level::Community, c))
                    .collect();
                // Zone ids are made in time order: the order the street set them up.
                zones = reference
                    .zones
                    .keys()
                    .map(|z| named(Level::Zone, z))
                    .collect();
            }
        }
        let unit = named(level, unit_id);

        let mut below_sum = Figures::default();
        for u in &below {
            below_sum += u.figures;
        }
        let (rest, _) = unit.figures.beyond(&below_sum);
        let below_rest = (!below.is_empty() && rest != Figures::default()).then_some(rest);
        let mut zones_sum = Figures::default();
        for z in &zones {
            zones_sum += z.figures;
        }
        let (rest, _) = unit.figures.beyond(&zones_sum);
        let zones_rest = (!zones.is_empty() && rest != Figures::default()).then_some(rest);
        let store = self.store();
        Ok(Dashboard {
            date: date.to_string(),
            unit,
            above,
            below,
            below_rest,
            zones,
            zones_rest,
            trend,
            data_as_of: store
                .last_sync_at()?
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|t| {
                    local(t.with_timezone(&Utc))
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                }),
            conflicts: store.conflicts()?.len() as i64,
            fever_threshold_c: reference.observation.policy.fever.0.degrees(),
            duty: duty_now(&placing, &shifts, level, unit_id, now),
            not_built: NOT_BUILT.iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// The disinfection sites this laptop holds, each in its compound (else its community, else
    /// the street's own), and the disinfections done on the China days `first..=last`.
    #[allow(clippy::type_complexity)]
    fn disinfection_day_facts(
        &self,
        placing: &Placing<'_>,
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    ) -> AppResult<(
        Vec<(Unit, kadian_domain::records::DisinfectionSite)>,
        Vec<kadian_domain::records::Disinfection>,
    )> {
        let (sites, done) = {
            let store = self.store();
            let from = crate::local_time::day_start_utc(first);
            let to = crate::local_time::day_start_utc(last) + chrono::Duration::days(1);
            (
                store.disinfection_sites()?,
                store.disinfections_between(from, to)?,
            )
        };
        let sites = sites
            .into_iter()
            .map(|s| {
                (
                    placing.own(s.compound.as_deref(), s.community_code.as_deref()),
                    s,
                )
            })
            .collect();
        Ok((sites, done))
    }

    /// Every fact this device holds for the days `first..=last` (passages and readings from a
    /// day before to a day after; travel declarations and cases whole), placed.
    /// The hotline reports this laptop holds as a day's figures read them, each placed where
    /// it is assigned (its compound, else its community, else the street's own), judged by the
    /// street's deadlines.
    fn hotline_day_facts(
        &self,
        placing: &Placing<'_>,
    ) -> AppResult<Vec<kadian_domain::hotline::HotlineDayFact>> {
        let (reports, actions) = {
            let store = self.store();
            (store.hotline_reports()?, store.report_actions()?)
        };
        let mut by_report: HashMap<uuid::Uuid, Vec<&kadian_domain::records::ReportAction>> =
            HashMap::new();
        for a in &actions {
            by_report.entry(a.report_id).or_default().push(a);
        }
        Ok(reports
            .iter()
            .filter_map(|r| {
                let state = kadian_domain::hotline::fold(
                    r,
                    r.received_at.utc,
                    by_report.get(&r.id).into_iter().flatten().copied(),
                    |a| a.at.utc,
                );
                let unit = placing.own(r.compound.as_deref(), r.community_code.as_deref());
                // A copy held where it was reassigned from counts where it went, not here.
                (!kadian_domain::hotline::moved_away(r, &state)).then(|| {
                    kadian_domain::hotline::HotlineDayFact::new(
                        unit,
                        r,
                        r.received_at.utc,
                        &state,
                        &placing.reference.hotline,
                    )
                })
            })
            .collect())
    }

    fn day_facts(
        &self,
        placing: &Placing<'_>,
        first: NaiveDate,
        last: NaiveDate,
    ) -> AppResult<SortedFacts> {
        let from = china_day_start(first) - chrono::Duration::days(1);
        let to = china_day_start(last) + chrono::Duration::days(2);
        let judged = self.judged_through()?.unwrap_or(NaiveDate::MIN);
        let store = self.store();
        // Read in time order (the index's), so that each day's count takes its own slice.
        let mut passages: Vec<PassageFact> = Vec::new();
        store.each_counted_passage(from, to, |p| {
            passages.push(PassageFact {
                unit: placing.gate(p.checkpoint_id),
                id: p.id,
                at: p.at,
                inward: p.inward,
                plate: p.plate.map(str::to_owned),
            })
        })?;
        let mut readings: Vec<ReadingFact> = Vec::new();
        let fever = placing.reference.observation.policy.fever;
        store.each_counted_reading(from, to, fever.0.tenths(), |r| {
            readings.push(ReadingFact {
                unit: placing.gate(r.checkpoint_id),
                id: r.id,
                at: r.at,
                celsius: Celsius::from_tenths(r.celsius_tenths),
                remeasure_of: r.remeasure_of,
                passage_id: r.passage_id,
            })
        })?;
        // The readings re-measured come after those of the range: into time order (and the
        // passages, should a stored instant not read back in its index's order).
        readings.sort_by_key(|r| r.at);
        passages.sort_by_key(|p| p.at);
        let arrivals = store
            .arrival_rows()?
            .into_iter()
            .map(|t| {
                // As the server places one taken at a gate: where that gate is (the tablet that
                // pushed it); else where its person lives. (The server places one taken on a
                // laptop in the laptop's own scope: the person's compound on a compound laptop,
                // its community on a community laptop, nowhere on a street laptop.)
                let by_gate = t
                    .checkpoint_id
                    .as_deref()
                    .map_or(Unit::Unplaced, |g| placing.gate(g));
                ArrivalFact {
                    id: t.id,
                    unit: match by_gate {
                        Unit::Unplaced => placing
                            .place(t.person_compound.as_deref(), t.person_community.as_deref()),
                        unit => unit,
                    },
                    who: t.person_id.unwrap_or(t.id),
                    arrived: t.to_date.unwrap_or_else(|| china_date(t.declared_at)),
                    hubei: t.hubei,
                }
            })
            .collect();
        let mut symptoms: HashMap<uuid::Uuid, Vec<NaiveDate>> = HashMap::new();
        for (case, day) in store.symptom_days()? {
            symptoms.entry(case).or_default().push(day);
        }
        let cases = store
            .observation_cases()?
            .into_iter()
            .map(|(case, _, visits, transitions)| CaseFacts {
                unit: placing.place(Some(&case.compound), Some(&case.community_code)),
                symptom_days: symptoms.remove(&case.id).unwrap_or_default(),
                visits,
                transitions,
                judged_through: judged,
                case,
            })
            .collect();
        // Referrals (laptops pull them; tablets hold only those they raised) and the passages out
        // of persons with a case held here (breaches), each a look-up of the person's index.
        let referrals = store
            .referrals()?
            .into_iter()
            .map(|(r, _)| ReferralFact {
                unit: placing.place(Some(&r.compound), Some(&r.community_code)),
                at: r.opened_at.utc,
                at_gate: r.source == kadian_domain::records::ReferralSource::Gate,
            })
            .collect();
        let outings = store
            .outings_of_cases(from, to)?
            .into_iter()
            .map(|(id, person, at)| OutingFact { id, person, at })
            .collect();
        Ok(SortedFacts {
            passages,
            readings,
            rest: DayFacts {
                arrivals,
                cases,
                referrals,
                outings,
                corrected: store.corrected_ids()?.into_iter().collect::<HashSet<_>>(),
                ..DayFacts::default()
            },
        })
    }
}

/// The facts of a range of days, passages and readings in time order, so that each day's
/// count reads only its own (and a day either side).
struct SortedFacts {
    passages: Vec<PassageFact>,
    readings: Vec<ReadingFact>,
    rest: DayFacts,
}

impl SortedFacts {
    /// The facts a count of `day` reads: its passages and readings and a day either side.
    fn of_day(&self, day: NaiveDate) -> FactsRef<'_> {
        let from = china_day_start(day) - chrono::Duration::days(1);
        let to = china_day_start(day) + chrono::Duration::days(2);
        let p0 = self.passages.partition_point(|p| p.at < from);
        let p1 = self.passages.partition_point(|p| p.at < to);
        let r0 = self.readings.partition_point(|r| r.at < from);
        let r1 = self.readings.partition_point(|r| r.at < to);
        FactsRef {
            passages: &self.passages[p0..p1],
            readings: &self.readings[r0..r1],
            ..self.rest.as_ref()
        }
    }
}

/// The figures of a unit (by level and id) out of the counted units of a day, with its
/// checkpoints in use at the end of the day.
/// 值班 now for the unit `(level, id)`: its open checkpoints, those with a volunteer on duty,
/// the volunteers on duty, and the last 24 hours' shifts there that ended with no hand-over.
fn duty_now(
    placing: &Placing<'_>,
    shifts: &[kadian_domain::duty::Shift],
    level: Level,
    id: &str,
    now: DateTime<Utc>,
) -> DutyNowView {
    let reference = placing.reference;
    let zone_compounds = zone_compounds(reference, level, id);
    let here = |checkpoint: &str| {
        unit_in(
            placing,
            &placing.gate(checkpoint),
            level,
            id,
            &zone_compounds,
        )
    };
    let mine: Vec<kadian_domain::duty::Shift> = shifts
        .iter()
        .filter(|s| here(&s.checkpoint_id))
        .cloned()
        .collect();
    let d = kadian_domain::duty::now(&mine, now);
    let today = local(now).date();
    let open: HashSet<&str> = reference
        .checkpoints
        .iter()
        .filter(|(gate, g)| {
            here(gate)
                && checkpoint_open(
                    today,
                    g.retired_at,
                    reference
                        .compounds
                        .get(&g.compound)
                        .and_then(|c| c.retired_at),
                )
        })
        .map(|(gate, _)| gate.as_str())
        .collect();
    // Only its open gates count as staffed (a retired gate's tablet, or one this laptop does
    // not know, is not one of them).
    let staffed = d
        .checkpoints_staffed
        .iter()
        .filter(|g| open.contains(g.as_str()))
        .count();
    let minute = |t: DateTime<Utc>| local(t).format("%Y-%m-%d %H:%M").to_string();
    let mut without: Vec<ShiftRow> = d
        .without_hand_over
        .iter()
        .map(|s| ShiftRow {
            checkpoint: reference
                .checkpoint_label(&s.checkpoint_id)
                .unwrap_or_else(|| s.checkpoint_id.clone()),
            volunteer: reference
                .volunteers
                .get(&s.volunteer_id)
                .map_or_else(|| s.volunteer_id.clone(), |v| v.name.clone()),
            started: minute(s.started),
            ended: minute(s.end()),
            next_signed_in: s.ended_by_next(),
        })
        .collect();
    without.reverse();
    DutyNowView {
        checkpoints_open: u32::try_from(open.len()).unwrap_or(u32::MAX),
        checkpoints_staffed: u32::try_from(staffed).unwrap_or(u32::MAX),
        volunteers_on_duty: u32::try_from(d.volunteers_on_duty.len()).unwrap_or(u32::MAX),
        without_hand_over: without,
    }
}

/// A zone's compounds (empty for any other level).
fn zone_compounds<'r>(reference: &'r ReferenceData, level: Level, id: &str) -> HashSet<&'r str> {
    match level {
        Level::Zone => reference
            .zones
            .get(id)
            .map(|z| z.compounds.iter().map(String::as_str).collect())
            .unwrap_or_default(),
        _ => HashSet::new(),
    }
}

/// Whether `unit` counts in the unit `(level, id)`.
fn unit_in(
    placing: &Placing<'_>,
    unit: &Unit,
    level: Level,
    id: &str,
    zone_compounds: &HashSet<&str>,
) -> bool {
    match level {
        Level::Street => true,
        Level::Community => placing.community_of(unit) == Some(id),
        Level::Compound => matches!(unit, Unit::Compound(c) if &**c == id),
        Level::Zone => matches!(unit, Unit::Compound(c) if zone_compounds.contains(&**c)),
    }
}

fn sum_for(
    placing: &Placing<'_>,
    units: &HashMap<Unit, Figures>,
    level: Level,
    id: &str,
    day: NaiveDate,
) -> Figures {
    let reference = placing.reference;
    let zone_compounds = zone_compounds(reference, level, id);
    let mut f = Figures::default();
    for (unit, figures) in units {
        if unit_in(placing, unit, level, id, &zone_compounds) {
            f += *figures;
        }
    }
    let open = reference
        .checkpoints
        .values()
        .filter(|g| {
            let compound = reference.compounds.get(&g.compound);
            let here = match level {
                Level::Street => true,
                Level::Community => compound.is_some_and(|c| c.community == id),
                Level::Compound => g.compound == id,
                Level::Zone => zone_compounds.contains(g.compound.as_str()),
            };
            here && checkpoint_open(day, g.retired_at, compound.and_then(|c| c.retired_at))
        })
        .count();
    f.checkpoints_open = u32::try_from(open).unwrap_or(u32::MAX);
    f
}

/// True when `text` holds an escape Excel decodes in a cell (`_x000A_`: a line break).
fn excel_escape(text: &str) -> bool {
    text.as_bytes().windows(7).any(|w| {
        w[0] == b'_'
            && (w[1] == b'x' || w[1] == b'X')
            && w[2..6].iter().all(u8::is_ascii_hexdigit)
            && w[6] == b'_'
    })
}

/// Longest 填报人 or 联系电话 the laptop's 日报 takes (characters).
const MAX_FILLED_BY: usize = 40;

impl AppCore {
    /// Writes the street's day as its daily report (日报) in the district's template
    /// (kadian-registers' `write_daily_report`, .xlsx) to `dir` as
    /// `日报核对稿_<day>_<now>.xlsx`: a row per community, a row of what no community holds, 合计,
    /// the title marked 本机核对稿，未签发, and notes that say it was counted on this laptop as of
    /// its last sync (the server's signed report is the one sent up). `filled_by` and `phone` go
    /// into 填报人 and 联系电话. Errors: those of [`AppCore::dashboard`], `street_only` (asked
    /// below the street level: the 日报 is the street's), `too_long` (填报人 or 联系电话 over 40
    /// characters), `invalid_text` (a line break or an invisible character), `export_failed`.
    pub fn dashboard_export(
        &self,
        q: &DashboardQuery,
        filled_by: &str,
        phone: &str,
        dir: &std::path::Path,
    ) -> AppResult<super::views::ExportResult> {
        use kadian_registers::daily_report::{
            figure_values, write_daily_report, DailyReportRow, DailyReportSheet,
        };
        for (field, value) in [("filled_by", filled_by), ("phone", phone)] {
            if value.chars().count() > MAX_FILLED_BY {
                return Err(AppError::new(
                    "too_long",
                    Some(field),
                    &format!("填报人和联系电话最多 {MAX_FILLED_BY} 个字"),
                    &format!("Filled by and phone take at most {MAX_FILLED_BY} characters"),
                ));
            }
            // Line breaks, invisible and direction marks, and Excel's `_x000A_` escapes would
            // show in the file as something other than what was typed.
            if value.chars().any(|c| {
                c.is_control()
                    || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
            }) || excel_escape(value)
            {
                return Err(AppError::new(
                    "invalid_text",
                    Some(field),
                    "填报人和联系电话只写一行文字，不能有换行或不可见字符",
                    "Filled by and phone are one line of plain text, without line breaks or invisible characters",
                ));
            }
        }
        let board = self.dashboard(q)?;
        if board.unit.level != Level::Street {
            return Err(AppError::new(
                "street_only",
                None,
                "日报按街道填报：请在街道的笔记本上、街道一级导出",
                "The daily report is the street's: export it from the street level on a street laptop",
            ));
        }
        let enrolment = self.store().enrolment()?;
        let street = enrolment.as_ref().map_or_else(String::new, street_label);
        let device = enrolment
            .as_ref()
            .and_then(|e| e.device_name.clone())
            .map_or_else(|| "本机".to_owned(), |name| format!("「{name}」"));
        let mut rows: Vec<DailyReportRow> = board
            .below
            .iter()
            .enumerate()
            .map(|(i, u)| DailyReportRow {
                serial: Some(u32::try_from(i + 1).unwrap_or(u32::MAX)),
                unit: u.name.clone(),
                values: figure_values(&u.figures),
                remark: String::new(),
            })
            .collect();
        if let Some(rest) = &board.below_rest {
            rows.push(DailyReportRow {
                serial: None,
                unit: "未能归入社区的记录".into(),
                values: figure_values(rest),
                remark: "卡点或人员所在小区不在本机的资料中".into(),
            });
        }
        let as_of = board
            .data_as_of
            .as_deref()
            .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").ok());
        let sheet = DailyReportSheet {
            street,
            title_note: "（本机核对稿，未签发）".into(),
            data_as_of: as_of.map_or_else(
                || "未知，本机从未同步".to_owned(),
                |t| format!("{} 本机最后同步", t.format("%Y年%-m月%-d日%H时%M分")),
            ),
            filled_by: filled_by.trim().to_owned(),
            phone: phone.trim().to_owned(),
            signer: String::new(),
            rows,
            total: DailyReportRow {
                serial: None,
                unit: "合计".into(),
                values: figure_values(&board.unit.figures),
                remark: String::new(),
            },
            zones: Vec::new(),
            late: Vec::new(),
            notes: vec![
                format!(
                    "注：1. 本表由{device}按本机已有的记录计算（与街道日报同一口径），统计日为北京时间 {}（0:00–24:00），数据截至本机最后一次同步；其他设备尚未上传的记录不在其中，数字可能偏低；",
                    board.date
                ),
                format!(
                    "2. 体温异常指首次测温 ≥ {:.1} ℃ 的人次（复测不重复计），复测正常指其最近一次复测低于该值；车辆指登记了车牌的出入；",
                    board.fever_threshold_c
                ),
                "3. 在岗人次为各卡点平板当日的签到人次（志愿者凭 PIN 签到一次计一人次）；".into(),
                "4. 本表是核对稿，未经签发；报送区里以街道服务器签发的日报为准。".into(),
            ],
        };
        let failed = super::views::export_failed;
        std::fs::create_dir_all(dir).map_err(|e| failed(dir, &e))?;
        let path = dir.join(format!(
            "日报核对稿_{}_{}.xlsx",
            board.date.replace('-', ""),
            local(self.now()).format("%Y%m%d-%H%M%S")
        ));
        write_daily_report(&sheet, &path).map_err(|e| failed(&path, &e))?;
        Ok(super::views::ExportResult {
            path: path.display().to_string(),
            rows: u32::try_from(sheet.rows.len()).unwrap_or(u32::MAX),
            voided_left_out: 0,
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            folder: dir.display().to_string(),
        })
    }
}
