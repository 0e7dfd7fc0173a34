//! Home observation (居家观察): the street's policy, a case's status as the fold of its
//! transitions, and its **day grid** — what each day of the observation period is (future, due,
//! seen, seen unwell, not seen, missed, unknown) — derived from the case's visits and
//! transitions, never stored. Pure: the laptop computes it offline from its own store, the
//! server and the street's figures from theirs, with the same result.
//!
//! Dates are China's calendar dates (Asia/Shanghai), as people write them: `2026-03-01`.
//! Sources: the street's plan (every returnee from elsewhere under home observation for 14 days,
//! visited every day, temperature taken, symptoms asked; fever to the emergency response group);
//! SORMAS (follow-up extended while the last day is not seen), WHO Go.Data (SEEN_OK /
//! SEEN_NOT_OK / MISSED / NOT_ATTEMPTED per day).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{Celsius, FeverThreshold};

/// The street's observation policy (reference data, versioned; a case keeps the version it was
/// opened under).
///
/// The arrival day is day 0: a person arriving on 1 March is due visits on 2–15 March (days
/// 1–14) and is released after the 15 March visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservationPolicy {
    /// Version of the street's policy (1, 2, …).
    pub version: u32,
    /// Days of observation after the start (14).
    pub days: u16,
    /// Visits due each day (1 or 2).
    pub visits_per_day: u8,
    /// The street's fever threshold (37.3 °C): a visit's reading at or above it is unwell.
    pub fever: FeverThreshold,
    /// While the last day is not seen, the period goes on a day at a time (SORMAS's
    /// `followUpUntil`): nobody is released unseen.
    pub extend_while_last_day_unseen: bool,
}

impl Default for ObservationPolicy {
    fn default() -> Self {
        ObservationPolicy {
            version: 1,
            days: 14,
            visits_per_day: 1,
            fever: FeverThreshold::default(),
            extend_while_last_day_unseen: true,
        }
    }
}

/// Which travel declarations taken at a gate open a home-observation case by themselves (a
/// street setting; the street's plan: every returnee from elsewhere is under observation). A
/// declaration that opens none is still on the laptops' returnee list, for 纳入居家观察.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum GateOpening {
    /// None: staff open every case (纳入居家观察).
    #[default]
    Never,
    /// A declaration naming a place outside the street's city (its first four division digits;
    /// a bare province code other than the city's).
    OutsideCity,
    /// A declaration naming a place in one of these provinces (two-digit GB/T 2260 codes, e.g.
    /// `42` 湖北).
    Provinces {
        /// The provinces' codes.
        codes: Vec<String>,
    },
}

/// The street's observation setting, as the server sends it to every device (reference data of
/// kind `observation_policy`, one row, id [`ObservationSetting::ID`]); absent, devices use
/// [`ObservationSetting::default`] (policy version 1, no case opened at a gate).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ObservationSetting {
    /// The policy new cases open under (a case keeps its own copy).
    pub policy: ObservationPolicy,
    /// Which declarations at a gate open a case by themselves.
    #[serde(default)]
    pub gate_opens: GateOpening,
}

impl ObservationSetting {
    /// The id of its reference row.
    pub const ID: &'static str = "observation_policy";
}

/// Most days an observation lasts (60), visits a day (2).
pub const MAX_OBSERVATION_DAYS: u16 = 60;

/// The fever thresholds a street may set: 37.0–38.5 °C (the national guidance uses 37.3 °C).
pub const FEVER_THRESHOLD_RANGE: std::ops::RangeInclusive<i16> = 370..=385;

/// A policy a case may keep: 1–60 days, 1–2 visits a day, a fever threshold of 37.0–38.5 °C.
///
/// Errors: `invalid_policy`.
pub fn check_policy(p: &ObservationPolicy) -> Result<(), crate::Notice> {
    if !(1..=MAX_OBSERVATION_DAYS).contains(&p.days)
        || !(1..=2).contains(&p.visits_per_day)
        || !FEVER_THRESHOLD_RANGE.contains(&p.fever.0.tenths())
        || p.version == 0
    {
        return Err(crate::Notice::error(
            crate::Field::Record,
            "invalid_policy",
            "观察天数应为 1–60 天，每天随访 1–2 次，发热标准 37.0–38.5 ℃",
            "An observation lasts 1–60 days with 1–2 visits a day and a fever threshold of 37.0–38.5 °C",
        ));
    }
    Ok(())
}

/// A setting the street may send: its policy ([`check_policy`]) and, for
/// [`GateOpening::Provinces`], 1–34 distinct two-digit province codes.
///
/// Errors: `invalid_policy`, `place_code_format`.
pub fn check_setting(s: &ObservationSetting) -> Result<(), crate::Notice> {
    check_policy(&s.policy)?;
    if let GateOpening::Provinces { codes } = &s.gate_opens {
        let distinct: std::collections::BTreeSet<&String> = codes.iter().collect();
        if codes.is_empty()
            || codes.len() > 34
            || distinct.len() != codes.len()
            || !codes
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_digit()) && c != "00")
        {
            return Err(crate::Notice::error(
                crate::Field::Record,
                "place_code_format",
                "省份应为两位行政区划代码（如 42 湖北），各不相同，至多 34 个",
                "Provinces are two-digit division codes (42 for Hubei), distinct, at most 34",
            ));
        }
    }
    Ok(())
}

/// How a follow-up visit (随访) went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    /// Seen, and well (Go.Data SEEN_OK).
    SeenWell,
    /// Seen, and unwell: fever or symptoms (SEEN_NOT_OK).
    SeenUnwell,
    /// Not seen: not at home.
    Absent,
    /// Not seen: refused to be seen.
    Refused,
    /// Not seen: could not be reached (phone off, no answer).
    Unreachable,
}

impl VisitOutcome {
    /// The person was seen (well or not).
    pub fn seen(self) -> bool {
        matches!(self, VisitOutcome::SeenWell | VisitOutcome::SeenUnwell)
    }
}

/// What the day grid needs of a follow-up visit (an event; the record has more: method,
/// symptoms, action, who).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitFact {
    /// The China date it counts for (a visit recorded late counts for the day it was made).
    pub date: NaiveDate,
    /// How it went.
    pub outcome: VisitOutcome,
    /// The temperature taken, if any (the first reading; a re-measure never hides a fever).
    pub celsius: Option<Celsius>,
}

/// A change of a case's status (an event: the status is their fold, never a field two devices
/// overwrite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// Sent to the street's emergency response group (应急处置组): fever, symptoms.
    Refer,
    /// Back under observation after a referral (cleared by the fever clinic).
    Resume,
    /// Released (解除观察) after the last day was seen.
    Release,
    /// Moved out of the street's care (转出): another street, a quarantine hotel.
    TransferOut,
    /// Lost to follow-up (失访).
    Lose,
    /// Opened by mistake (撤销).
    Cancel,
    /// Under observation again after it ended (released, transferred, lost or cancelled by
    /// mistake).
    Reopen,
    /// Exposed again (a new contact, a new trip): the period starts again on its date.
    Reexpose,
}

/// A case's status: the fold of its transitions from `Open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Under observation, visited daily.
    Open,
    /// With the emergency response group; still visited.
    Referred,
    /// Released.
    Released,
    /// Transferred out.
    TransferredOut,
    /// Lost to follow-up.
    Lost,
    /// Cancelled.
    Cancelled,
}

impl CaseStatus {
    /// Still visited every day.
    pub fn active(self) -> bool {
        matches!(self, CaseStatus::Open | CaseStatus::Referred)
    }

    /// The status after `kind`, or `None` when `kind` makes no sense from here (a release of a
    /// case already released).
    pub fn after(self, kind: TransitionKind) -> Option<CaseStatus> {
        use CaseStatus as S;
        use TransitionKind as T;
        Some(match (self, kind) {
            (S::Open, T::Refer) => S::Referred,
            (S::Referred, T::Resume) => S::Open,
            (S::Open | S::Referred, T::Release) => S::Released,
            (S::Open | S::Referred, T::TransferOut) => S::TransferredOut,
            (S::Open | S::Referred, T::Lose) => S::Lost,
            (S::Open | S::Referred, T::Cancel) => S::Cancelled,
            (S::Released | S::TransferredOut | S::Lost | S::Cancelled, T::Reopen) => S::Open,
            (S::Open | S::Referred, T::Reexpose) => self,
            (S::Released, T::Reexpose) => S::Open,
            _ => return None,
        })
    }
}

/// What the fold needs of a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionFact {
    /// The transition record's id (orders transitions of one instant; names it in a clash).
    pub id: String,
    /// What it does.
    pub kind: TransitionKind,
    /// The China date it takes effect (a release after the last visit: that day).
    pub effective: NaiveDate,
    /// When it was recorded (UTC, RFC 3339): the order of transitions of one day.
    pub recorded_at: String,
}

/// Two transitions made from the same status without knowing of each other (released on one
/// laptop, referred on another, both offline): the later one did not apply. Staff settle it on
/// the conflict list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionClash {
    /// The transition that applied.
    pub applied: String,
    /// The one that did not (it makes no sense after `applied`).
    pub ignored: String,
}

/// A case's transitions folded ([`fold_status`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    /// The status reached.
    pub status: CaseStatus,
    /// Day 0 of the current period (the arrival, or the last re-exposure).
    pub start: NaiveDate,
    /// For a case that ended (released, transferred, lost, cancelled): the effective date of
    /// the transition that ended it; a clashing transition that did not apply never moves it.
    pub ended_on: Option<NaiveDate>,
    /// Transitions that did not apply.
    pub clashes: Vec<TransitionClash>,
}

/// A case's status, the start of its current period, the day it ended and the clashes, folded
/// from its transitions in (effective date, recorded time, id) order. A transition that makes no
/// sense from the status reached is ignored and listed as a clash with the one before it.
pub fn fold_status(start: NaiveDate, transitions: &[TransitionFact]) -> Folded {
    let mut sorted: Vec<&TransitionFact> = transitions.iter().collect();
    sorted.sort_by(|a, b| {
        (a.effective, &a.recorded_at, &a.id).cmp(&(b.effective, &b.recorded_at, &b.id))
    });
    let mut status = CaseStatus::Open;
    let mut period_start = start;
    let mut last: Option<&TransitionFact> = None;
    let mut clashes = Vec::new();
    for t in sorted {
        match status.after(t.kind) {
            Some(next) => {
                if t.kind == TransitionKind::Reexpose {
                    period_start = period_start.max(t.effective);
                }
                status = next;
                last = Some(t);
            }
            None => clashes.push(TransitionClash {
                applied: last.map(|l| l.id.clone()).unwrap_or_default(),
                ignored: t.id.clone(),
            }),
        }
    }
    Folded {
        status,
        start: period_start,
        ended_on: (!status.active())
            .then(|| last.map(|t| t.effective))
            .flatten(),
        clashes,
    }
}

/// What a day of the observation period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayState {
    /// Not yet.
    Future,
    /// Today, not (fully) seen yet.
    Due,
    /// Seen, and well, as many times as the policy asks.
    Seen,
    /// Seen, and unwell: fever (at or above the threshold) or symptoms, at any visit that day.
    SeenUnwell,
    /// Visited but not seen (absent, refused, unreachable), or seen fewer times than asked.
    NotSeen,
    /// Past, and no visit, though every device that records visits here has synced since.
    Missed,
    /// Past, and no visit known here: a device that records visits has not synced since that
    /// day, so it may hold one. Stale is not missed.
    Unknown,
}

/// One day of a case's grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GridDay {
    /// China date.
    pub date: NaiveDate,
    /// Day of observation (1 = the day after the start).
    pub day: u16,
    /// What it is.
    pub state: DayState,
    /// The highest reading taken that day, if any.
    pub celsius: Option<Celsius>,
}

/// A case's grid: its status, its period and the days of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseGrid {
    /// The status, folded from the transitions.
    pub status: CaseStatus,
    /// The day the current period counts from (day 0: the arrival, or a re-exposure).
    pub start: NaiveDate,
    /// The last day of the period: start + days, later while the last day is not seen
    /// (the policy's extension), or the day the case ended.
    pub end: NaiveDate,
    /// Day 1 to `end`, or to the day the case ended (released, transferred, lost; a cancelled
    /// case has no days).
    pub days: Vec<GridDay>,
    /// Transitions that clashed.
    pub clashes: Vec<TransitionClash>,
}

impl CaseGrid {
    /// Days missed in a row up to yesterday (2 → the community's red list, 3 → a decision on
    /// lost to follow-up). Unknown days break no run and add none.
    pub fn missed_in_a_row(&self, today: NaiveDate) -> usize {
        self.days
            .iter()
            .rev()
            .filter(|d| d.date < today)
            .take_while(|d| matches!(d.state, DayState::Missed | DayState::Unknown))
            .filter(|d| d.state == DayState::Missed)
            .count()
    }

    /// Today's day, if the case is due a visit today.
    pub fn due_today(&self, today: NaiveDate) -> Option<&GridDay> {
        self.days
            .iter()
            .find(|d| d.date == today && d.state == DayState::Due)
    }
}

/// The day grid of a case that started (arrived, day 0) on `start` under `policy`, from its
/// visits and transitions, as of `today`. `synced_through`: the last date that every device
/// recording visits for the case has synced after (the caller knows its devices; a day after it
/// with no visit is `Unknown`, not `Missed`).
///
/// A visit on a day outside the period (before day 1, after the case ended) is kept by the
/// caller and left out here.
pub fn day_grid(
    policy: &ObservationPolicy,
    start: NaiveDate,
    visits: &[VisitFact],
    transitions: &[TransitionFact],
    today: NaiveDate,
    synced_through: NaiveDate,
) -> CaseGrid {
    let Folded {
        status,
        start,
        ended_on,
        clashes,
    } = fold_status(start, transitions);
    let nominal_end = start
        .checked_add_days(Days::new(u64::from(policy.days)))
        .unwrap_or(start);
    let day_of =
        |date: NaiveDate| -> Vec<&VisitFact> { visits.iter().filter(|v| v.date == date).collect() };
    let seen_enough = |date: NaiveDate| {
        day_of(date).iter().filter(|v| v.outcome.seen()).count()
            >= usize::from(policy.visits_per_day.max(1))
    };
    let mut end = nominal_end;
    if policy.extend_while_last_day_unseen {
        while !seen_enough(end) && end < today {
            end = end.succ_opt().unwrap_or(end);
        }
    }
    if status == CaseStatus::Cancelled {
        return CaseGrid {
            status,
            start,
            end: start,
            days: Vec::new(),
            clashes,
        };
    }
    let last = ended_on.map_or(end, |e| e.min(end).max(start));
    let mut days = Vec::new();
    let mut date = start.succ_opt().unwrap_or(start);
    let mut n: u16 = 1;
    while date <= last {
        let these = day_of(date);
        let celsius = these.iter().filter_map(|v| v.celsius).max();
        let unwell = these.iter().any(|v| {
            v.outcome == VisitOutcome::SeenUnwell
                || (v.outcome.seen() && v.celsius.is_some_and(|c| policy.fever.is_fever(c)))
        });
        let state = if unwell {
            DayState::SeenUnwell
        } else if seen_enough(date) {
            DayState::Seen
        } else if date > today {
            DayState::Future
        } else if date == today {
            DayState::Due
        } else if !these.is_empty() {
            DayState::NotSeen
        } else if date > synced_through {
            DayState::Unknown
        } else {
            DayState::Missed
        };
        days.push(GridDay {
            date,
            day: n,
            state,
            celsius,
        });
        date = match date.succ_opt() {
            Some(d) => d,
            None => break,
        };
        n = n.saturating_add(1);
    }
    CaseGrid {
        status,
        start,
        end: last,
        days,
        clashes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn visit(date: &str, outcome: VisitOutcome, tenths: Option<i16>) -> VisitFact {
        VisitFact {
            date: d(date),
            outcome,
            celsius: tenths.map(Celsius::from_tenths),
        }
    }

    fn seen(date: &str) -> VisitFact {
        visit(date, VisitOutcome::SeenWell, Some(365))
    }

    fn every_day(from: &str, to: &str) -> Vec<VisitFact> {
        let mut out = Vec::new();
        let mut day = d(from);
        while day <= d(to) {
            out.push(VisitFact {
                date: day,
                outcome: VisitOutcome::SeenWell,
                celsius: Some(Celsius::from_tenths(365)),
            });
            day = day.succ_opt().expect("next");
        }
        out
    }

    fn transition(id: &str, kind: TransitionKind, effective: &str, at: &str) -> TransitionFact {
        TransitionFact {
            id: id.into(),
            kind,
            effective: d(effective),
            recorded_at: at.into(),
        }
    }

    fn states(g: &CaseGrid) -> Vec<DayState> {
        g.days.iter().map(|d| d.state).collect()
    }

    const POLICY: ObservationPolicy = ObservationPolicy {
        version: 1,
        days: 14,
        visits_per_day: 1,
        fever: FeverThreshold(Celsius::from_tenths(373)),
        extend_while_last_day_unseen: true,
    };

    #[test]
    fn arriving_on_1_march_is_visited_2_to_15_march() {
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &[],
            &[],
            d("2026-03-01"),
            d("2026-03-01"),
        );
        assert_eq!(g.days.len(), 14);
        assert_eq!(g.days[0].date, d("2026-03-02"));
        assert_eq!(g.days[0].day, 1);
        assert_eq!(g.days[13].date, d("2026-03-15"));
        assert_eq!(g.days[13].day, 14);
        assert!(states(&g).iter().all(|s| *s == DayState::Future));
        // On day 1 it is due; the arrival day itself is not a day of the grid.
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &[],
            &[],
            d("2026-03-02"),
            d("2026-03-01"),
        );
        assert_eq!(g.days[0].state, DayState::Due);
    }

    #[test]
    fn a_day_without_a_visit_is_missed_once_the_devices_have_synced_and_unknown_before() {
        let visits = [seen("2026-03-02")];
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &visits,
            &[],
            d("2026-03-05"),
            d("2026-03-03"),
        );
        assert_eq!(
            states(&g)[..5],
            [
                DayState::Seen,
                DayState::Missed,
                DayState::Unknown,
                DayState::Due,
                DayState::Future
            ]
        );
        assert_eq!(g.missed_in_a_row(d("2026-03-05")), 1, "unknown adds none");
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &visits,
            &[],
            d("2026-03-05"),
            d("2026-03-04"),
        );
        assert_eq!(g.missed_in_a_row(d("2026-03-05")), 2);
    }

    #[test]
    fn a_fever_at_a_visit_is_unwell_whatever_was_ticked_and_a_visit_not_seen_is_not_seen() {
        let visits = [
            visit("2026-03-02", VisitOutcome::SeenWell, Some(373)),
            visit("2026-03-03", VisitOutcome::SeenUnwell, Some(366)),
            visit("2026-03-04", VisitOutcome::Absent, None),
            visit("2026-03-05", VisitOutcome::SeenWell, Some(372)),
        ];
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &visits,
            &[],
            d("2026-03-06"),
            d("2026-03-06"),
        );
        assert_eq!(
            states(&g)[..4],
            [
                DayState::SeenUnwell,
                DayState::SeenUnwell,
                DayState::NotSeen,
                DayState::Seen
            ]
        );
        assert_eq!(g.days[0].celsius, Some(Celsius::from_tenths(373)));
    }

    #[test]
    fn two_visits_by_two_staff_on_one_day_count_the_day_once_and_two_a_day_need_both() {
        let visits = [seen("2026-03-02"), seen("2026-03-02")];
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &visits,
            &[],
            d("2026-03-03"),
            d("2026-03-03"),
        );
        assert_eq!(g.days[0].state, DayState::Seen);
        assert_eq!(g.days.len(), 14, "one day, not two");
        let twice = ObservationPolicy {
            visits_per_day: 2,
            ..POLICY
        };
        let one = [seen("2026-03-02")];
        let g = day_grid(
            &twice,
            d("2026-03-01"),
            &one,
            &[],
            d("2026-03-02"),
            d("2026-03-02"),
        );
        assert_eq!(
            g.days[0].state,
            DayState::Due,
            "the second visit is still due"
        );
        let g = day_grid(
            &twice,
            d("2026-03-01"),
            &one,
            &[],
            d("2026-03-03"),
            d("2026-03-03"),
        );
        assert_eq!(g.days[0].state, DayState::NotSeen, "seen once of twice");
        let g = day_grid(
            &twice,
            d("2026-03-01"),
            &visits,
            &[],
            d("2026-03-03"),
            d("2026-03-03"),
        );
        assert_eq!(g.days[0].state, DayState::Seen);
    }

    #[test]
    fn the_period_goes_on_while_the_last_day_is_not_seen() {
        // Seen every day but the 14th (15 March): on 17 March the case runs to 17 March.
        let mut visits = every_day("2026-03-02", "2026-03-14");
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &visits,
            &[],
            d("2026-03-17"),
            d("2026-03-17"),
        );
        assert_eq!(g.end, d("2026-03-17"));
        assert_eq!(g.days.len(), 16);
        assert_eq!(g.days[15].state, DayState::Due);
        // Seen on 16 March: that is the last day.
        visits.push(seen("2026-03-16"));
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &visits,
            &[],
            d("2026-03-17"),
            d("2026-03-17"),
        );
        assert_eq!(g.end, d("2026-03-16"));
        assert_eq!(g.days.len(), 15);
        assert_eq!(g.days[13].state, DayState::Missed, "the 15th");
        assert_eq!(g.days[14].state, DayState::Seen, "the 16th");
        // Without the extension the period ends on day 14, seen or not.
        let fixed = ObservationPolicy {
            extend_while_last_day_unseen: false,
            ..POLICY
        };
        let g = day_grid(
            &fixed,
            d("2026-03-01"),
            &visits,
            &[],
            d("2026-03-17"),
            d("2026-03-17"),
        );
        assert_eq!(g.end, d("2026-03-15"));
        assert_eq!(g.days.len(), 14);
    }

    #[test]
    fn a_release_after_the_last_visit_ends_the_grid_and_a_later_visit_is_left_out() {
        let mut visits = every_day("2026-03-02", "2026-03-15");
        visits.push(seen("2026-03-16"));
        let released = [transition(
            "t1",
            TransitionKind::Release,
            "2026-03-15",
            "2026-03-15T10:00:00Z",
        )];
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &visits,
            &released,
            d("2026-03-20"),
            d("2026-03-20"),
        );
        assert_eq!(g.status, CaseStatus::Released);
        assert_eq!(g.days.len(), 14);
        assert!(states(&g).iter().all(|s| *s == DayState::Seen));
        assert_eq!(g.due_today(d("2026-03-20")), None);
        // Released early on the 6th; a transfer on the 10th from a laptop that did not know
        // clashes and does not move the end of the grid.
        let clashing = [
            transition(
                "t1",
                TransitionKind::Release,
                "2026-03-06",
                "2026-03-06T10:00:00Z",
            ),
            transition(
                "t2",
                TransitionKind::TransferOut,
                "2026-03-10",
                "2026-03-10T10:00:00Z",
            ),
        ];
        let early = every_day("2026-03-02", "2026-03-06");
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &early,
            &clashing,
            d("2026-03-20"),
            d("2026-03-20"),
        );
        assert_eq!(
            (g.end, g.days.len(), g.clashes.len()),
            (d("2026-03-06"), 5, 1)
        );
    }

    #[test]
    fn a_re_exposure_starts_the_period_again_from_its_day() {
        let visits = every_day("2026-03-02", "2026-03-06");
        let again = [transition(
            "t1",
            TransitionKind::Reexpose,
            "2026-03-06",
            "2026-03-06T09:00:00Z",
        )];
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &visits,
            &again,
            d("2026-03-07"),
            d("2026-03-07"),
        );
        assert_eq!(g.status, CaseStatus::Open);
        assert_eq!(g.start, d("2026-03-06"));
        assert_eq!(g.days[0].date, d("2026-03-07"));
        assert_eq!(g.days[0].state, DayState::Due);
        assert_eq!(g.end, d("2026-03-20"));
        // A released case exposed again is open again.
        let released_then_exposed = [
            transition(
                "t1",
                TransitionKind::Release,
                "2026-03-15",
                "2026-03-15T10:00:00Z",
            ),
            transition(
                "t2",
                TransitionKind::Reexpose,
                "2026-03-18",
                "2026-03-18T10:00:00Z",
            ),
        ];
        let f = fold_status(d("2026-03-01"), &released_then_exposed);
        assert_eq!(
            (f.status, f.start, f.ended_on),
            (CaseStatus::Open, d("2026-03-18"), None)
        );
        assert!(f.clashes.is_empty());
    }

    #[test]
    fn a_release_and_a_referral_made_apart_clash_and_the_first_applies() {
        // Laptop A refers on the 10th at 09:00; laptop B, offline, releases the same day at 10:00
        // from what it knew (open): release after referral is allowed (referred → released), so
        // the two do not clash; two releases do.
        let both = [
            transition(
                "a",
                TransitionKind::Refer,
                "2026-03-10",
                "2026-03-10T01:00:00Z",
            ),
            transition(
                "b",
                TransitionKind::Release,
                "2026-03-10",
                "2026-03-10T02:00:00Z",
            ),
        ];
        assert_eq!(
            fold_status(d("2026-03-01"), &both).status,
            CaseStatus::Released
        );
        let twice = [
            transition(
                "a",
                TransitionKind::Release,
                "2026-03-15",
                "2026-03-15T01:00:00Z",
            ),
            transition(
                "b",
                TransitionKind::TransferOut,
                "2026-03-15",
                "2026-03-15T02:00:00Z",
            ),
        ];
        let f = fold_status(d("2026-03-01"), &twice);
        assert_eq!(f.status, CaseStatus::Released);
        assert_eq!(
            f.clashes,
            [TransitionClash {
                applied: "a".into(),
                ignored: "b".into()
            }]
        );
        // The order is the effective date's, then the recording time's, never the arrival's.
        let mut reversed = twice.clone();
        reversed.reverse();
        assert_eq!(
            fold_status(d("2026-03-01"), &reversed),
            fold_status(d("2026-03-01"), &twice)
        );
    }

    #[test]
    fn a_cancelled_case_has_no_days_and_a_reopened_one_is_visited_again() {
        let cancelled = [transition(
            "t",
            TransitionKind::Cancel,
            "2026-03-03",
            "2026-03-03T01:00:00Z",
        )];
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &[],
            &cancelled,
            d("2026-03-05"),
            d("2026-03-05"),
        );
        assert_eq!(g.status, CaseStatus::Cancelled);
        assert!(g.days.is_empty());
        let reopened = [
            cancelled[0].clone(),
            transition(
                "u",
                TransitionKind::Reopen,
                "2026-03-04",
                "2026-03-04T01:00:00Z",
            ),
        ];
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &[],
            &reopened,
            d("2026-03-05"),
            d("2026-03-05"),
        );
        assert_eq!(g.status, CaseStatus::Open);
        assert_eq!(g.due_today(d("2026-03-05")).map(|d| d.day), Some(4));
    }

    #[test]
    fn a_visit_recorded_late_counts_for_its_day() {
        // Recorded on the 6th for the 3rd (the laptop was offline): the 3rd is seen.
        let visits = [seen("2026-03-03")];
        let g = day_grid(
            &POLICY,
            d("2026-03-01"),
            &visits,
            &[],
            d("2026-03-06"),
            d("2026-03-06"),
        );
        assert_eq!(g.days[1].state, DayState::Seen);
    }
}

#[cfg(test)]
mod setting {
    use super::*;

    #[test]
    fn a_setting_keeps_its_policy_in_bounds_and_its_provinces_two_digit_and_distinct() {
        let ok = ObservationSetting {
            policy: ObservationPolicy::default(),
            gate_opens: GateOpening::Provinces {
                codes: vec!["42".into(), "44".into()],
            },
        };
        assert!(check_setting(&ok).is_ok());
        let with = |f: &dyn Fn(&mut ObservationSetting)| {
            let mut s = ok.clone();
            f(&mut s);
            check_setting(&s).map_err(|n| n.code)
        };
        let provinces = |codes: &[&str]| GateOpening::Provinces {
            codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        };
        assert_eq!(with(&|s| s.policy.days = 0), Err("invalid_policy".into()));
        assert_eq!(with(&|s| s.policy.days = 61), Err("invalid_policy".into()));
        assert_eq!(
            with(&|s| s.policy.visits_per_day = 3),
            Err("invalid_policy".into())
        );
        assert_eq!(
            with(&|s| s.policy.version = 0),
            Err("invalid_policy".into())
        );
        assert_eq!(
            with(&|s| s.policy.fever = FeverThreshold(Celsius::from_tenths(369))),
            Err("invalid_policy".into())
        );
        assert_eq!(
            with(&|s| s.policy.fever = FeverThreshold(Celsius::from_tenths(385))),
            Ok(())
        );
        for bad in [&[][..], &["4"], &["42", "42"], &["00"], &["4a"]] {
            assert_eq!(
                with(&|s| s.gate_opens = provinces(bad)),
                Err("place_code_format".into()),
                "{bad:?}"
            );
        }
        // What a street never set reads as the default: nothing opens at the gate.
        let old: ObservationSetting =
            serde_json::from_value(serde_json::json!({"policy": ObservationPolicy::default()}))
                .expect("parse");
        assert_eq!(old.gate_opens, GateOpening::Never);
    }
}
