//! Hotline reports derived, never stored: where a report stands (the fold of its actions), its
//! deadlines and whether it is late, and the figures of a span of days. One set of rules for the
//! server's `report hotline` and a laptop's lists, so both say the same.
//!
//! Times: every instant here is UTC. The caller says when each action happened ([`fold`]'s
//! `at`): a laptop its records' own clock, the server the device's clock corrected by the
//! offset it measured at the push when that clock was off (both are kept on the server).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::records::{
    CheckFinding, HotlineCategory, HotlineReport, ReportAction, ReportActionKind,
    ReportDisposition, Urgency,
};

/// Where a report stands, from its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum HotlineStatus {
    /// Taken in, not yet assigned (已接报).
    Received,
    /// Assigned to a unit (已交办).
    Assigned,
    /// Staff are checking it (核查中).
    Checking,
    /// The check found something (已核查).
    Checked,
    /// Something was done (已处置).
    Disposed,
    /// Closed (已办结).
    Closed,
}

/// How long a report may wait, in minutes from its receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// Assigned within this many minutes.
    pub assign_minutes: u32,
    /// Checked (a result recorded) within this many minutes.
    pub check_minutes: u32,
}

/// The street's deadlines (a street setting: `kadian-server hotline policy`; these defaults are
/// the street plan's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotlinePolicy {
    /// An urgent report, whatever its category: assigned in 30 minutes, on site in 2 hours.
    pub urgent: Deadline,
    /// A returnee or a close contact: assigned in 2 hours, checked in 24.
    pub returnee: Deadline,
    /// Anything else: assigned in 24 hours, checked in 48.
    pub other: Deadline,
}

impl Default for HotlinePolicy {
    fn default() -> Self {
        HotlinePolicy {
            urgent: Deadline {
                assign_minutes: 30,
                check_minutes: 120,
            },
            returnee: Deadline {
                assign_minutes: 120,
                check_minutes: 24 * 60,
            },
            other: Deadline {
                assign_minutes: 24 * 60,
                check_minutes: 48 * 60,
            },
        }
    }
}

/// Longest deadline a street may set: 7 days, in minutes.
pub const MAX_DEADLINE_MINUTES: u32 = 7 * 24 * 60;

/// A policy devices can keep: every deadline 1 minute to 7 days, the assignment no later than
/// the check. Errors: `invalid_policy`.
pub fn check_hotline_policy(p: &HotlinePolicy) -> Result<(), crate::Notice> {
    let ok = [p.urgent, p.returnee, p.other].iter().all(|d| {
        (1..=MAX_DEADLINE_MINUTES).contains(&d.assign_minutes)
            && (1..=MAX_DEADLINE_MINUTES).contains(&d.check_minutes)
            && d.assign_minutes <= d.check_minutes
    });
    if ok {
        Ok(())
    } else {
        Err(crate::Notice::error(
            crate::Field::Record,
            "invalid_policy",
            "热线时限应在 1 分钟到 7 天之间，交办时限不超过核查时限",
            "Hotline deadlines are 1 minute to 7 days, the assignment's no later than the check's",
        ))
    }
}

impl HotlinePolicy {
    /// The id of its reference row (kind `hotline_policy`, placed nowhere: every device pulls
    /// it; absent, every device uses the default).
    pub const ID: &'static str = "hotline_policy";

    /// The deadline a report runs under: urgent ones the urgent deadline, else by category.
    pub fn deadline(&self, report: &HotlineReport) -> Deadline {
        if report.urgency == Urgency::Urgent {
            return self.urgent;
        }
        match report.category {
            HotlineCategory::ReturneeHubei
            | HotlineCategory::ReturneeElsewhere
            | HotlineCategory::CloseContact => self.returnee,
            HotlineCategory::Symptoms
            | HotlineCategory::ObservationBreach
            | HotlineCategory::Gathering
            | HotlineCategory::Other => self.other,
        }
    }
}

/// A report's state: the fold of its actions, in time order (then by id, so every device folds
/// alike).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportState {
    /// Where it stands.
    pub status: HotlineStatus,
    /// When it was first assigned (UTC): its first assignment step, else its receipt when it
    /// was placed in a unit as it was taken in (a district list's row).
    pub assigned_at: Option<DateTime<Utc>>,
    /// When the check started.
    pub started_at: Option<DateTime<Utc>>,
    /// When the first result was recorded (the time to check runs to it).
    pub checked_at: Option<DateTime<Utc>>,
    /// The result that stands (the latest).
    pub result: Option<CheckFinding>,
    /// The person found or already registered.
    pub person_id: Option<Uuid>,
    /// The report it repeats.
    pub duplicate_of: Option<Uuid>,
    /// What was done (the latest).
    pub disposition: Option<ReportDisposition>,
    /// The observation case opened.
    pub case_id: Option<Uuid>,
    /// When a disposition first opened home observation.
    pub observation_opened_at: Option<DateTime<Utc>>,
    /// The assignment steps (their ids, and none for the placement on receipt) that a
    /// reassignment held here superseded.
    pub superseded: Vec<Option<Uuid>>,
    /// When it was closed (none once reopened).
    pub closed_at: Option<DateTime<Utc>>,
    /// Different results recorded since it was last opened, apart from each other (two devices
    /// that disagree; a recheck naming the result it replaces corrects it): staff must settle
    /// it; empty when the results agree.
    pub conflicting: Vec<CheckFinding>,
}

/// Folds a report's actions. `received` is its receipt (UTC) and `at` says when each action
/// happened (see the module's note on clocks). Actions of other reports are ignored.
pub fn fold<'a>(
    report: &HotlineReport,
    received: DateTime<Utc>,
    actions: impl IntoIterator<Item = &'a ReportAction>,
    at: impl Fn(&ReportAction) -> DateTime<Utc>,
) -> ReportState {
    let mut mine: Vec<(DateTime<Utc>, &ReportAction)> = actions
        .into_iter()
        .filter(|a| a.report_id == report.id)
        .map(|a| (at(a), a))
        .collect();
    mine.sort_by_key(|(t, a)| (*t, a.id));
    let mut s = ReportState {
        status: HotlineStatus::Received,
        assigned_at: None,
        started_at: None,
        checked_at: None,
        result: None,
        person_id: None,
        duplicate_of: None,
        disposition: None,
        case_id: None,
        observation_opened_at: None,
        superseded: Vec::new(),
        closed_at: None,
        conflicting: Vec::new(),
    };
    // The results since the report was last opened: results recorded before a reopening no
    // longer disagree with those after it.
    let mut window: Vec<&ReportAction> = Vec::new();
    for (t, a) in mine {
        match a.kind {
            ReportActionKind::Accept => {}
            ReportActionKind::Assign | ReportActionKind::Reassign => {
                s.assigned_at.get_or_insert(t);
                if a.kind == ReportActionKind::Reassign {
                    s.superseded.push(a.replaces);
                }
            }
            ReportActionKind::StartCheck => {
                s.started_at.get_or_insert(t);
            }
            ReportActionKind::CheckResult => {
                s.checked_at.get_or_insert(t);
                if a.result.is_some() {
                    window.push(a);
                }
                // A recheck that saw an earlier result names it in `replaces` and corrects it,
                // whatever the clocks say; results made apart (two devices offline) that
                // nothing replaces disagree.
                let replaced: std::collections::HashSet<Uuid> =
                    window.iter().filter_map(|a| a.replaces).collect();
                let live: Vec<&&ReportAction> = window
                    .iter()
                    .filter(|a| !replaced.contains(&a.id))
                    .collect();
                s.conflicting.clear();
                for r in live.iter().filter_map(|a| a.result) {
                    if !s.conflicting.contains(&r) {
                        s.conflicting.push(r);
                    }
                }
                if s.conflicting.len() < 2 {
                    s.conflicting.clear();
                }
                if let Some(standing) = live.last() {
                    s.result = standing.result;
                    s.duplicate_of = standing.duplicate_of;
                    s.person_id = standing.person_id.or(s.person_id);
                }
            }
            ReportActionKind::Disposition => {
                if a.disposition == Some(ReportDisposition::ObservationOpened) {
                    s.observation_opened_at.get_or_insert(t);
                }
                s.disposition = a.disposition;
                s.case_id = a.case_id.or(s.case_id);
                s.person_id = a.person_id.or(s.person_id);
            }
            ReportActionKind::Close => {
                s.closed_at = Some(t);
            }
            ReportActionKind::Reopen => {
                // Opened again: checked anew, its earlier results no longer disagree.
                s.closed_at = None;
                s.conflicting.clear();
                window.clear();
            }
        }
    }
    // A report placed in a unit when it was taken in (a district list's row, assigned by its
    // address) with no assignment step was assigned on receipt.
    // (A unit that holds none of its assignment steps, made at the street, reads when the
    // report says it was put there.)
    if s.assigned_at.is_none() && (report.community_code.is_some() || report.assignee.is_some()) {
        s.assigned_at = Some(report.assigned_at.map_or(received, |a| a.utc));
    }
    s.status = if s.closed_at.is_some() {
        HotlineStatus::Closed
    } else if s.disposition.is_some() {
        HotlineStatus::Disposed
    } else if s.result.is_some() {
        HotlineStatus::Checked
    } else if s.started_at.is_some() {
        HotlineStatus::Checking
    } else if s.assigned_at.is_some() {
        HotlineStatus::Assigned
    } else {
        HotlineStatus::Received
    };
    s
}

/// True when a reassignment step held here superseded the assignment the report as held
/// reflects (its `assigned_by`) and is not that assignment itself: this device holds the report
/// as it was before it moved (the server keeps a reassignment with the unit it was made in, and
/// moves the report with the rest of its steps). Such a copy is history here, not work. No
/// clocks are compared.
pub fn moved_away(report: &HotlineReport, state: &ReportState) -> bool {
    state.superseded.contains(&report.assigned_by)
}

/// A report against its deadlines at `now` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeliness {
    /// To be assigned by.
    pub assign_due: DateTime<Utc>,
    /// To be checked by.
    pub check_due: DateTime<Utc>,
    /// Assigned after its deadline, or still not assigned past it.
    pub assign_late: bool,
    /// Checked after its deadline, or still not checked past it.
    pub check_late: bool,
    /// Still waiting past a deadline (shown in red in the lists).
    pub overdue_now: bool,
}

/// Whether a report kept its deadlines, at `now`.
pub fn timeliness(
    policy: &HotlinePolicy,
    report: &HotlineReport,
    received: DateTime<Utc>,
    state: &ReportState,
    now: DateTime<Utc>,
) -> Timeliness {
    let d = policy.deadline(report);
    let assign_due = received + Duration::minutes(i64::from(d.assign_minutes));
    let check_due = received + Duration::minutes(i64::from(d.check_minutes));
    // A report closed without a result (a false alarm closed at once) waits for nothing.
    let done = state.closed_at.is_some();
    let late = |when: Option<DateTime<Utc>>, due: DateTime<Utc>| match when {
        Some(t) => t > due,
        None => !done && now > due,
    };
    let waiting =
        |when: Option<DateTime<Utc>>, due: DateTime<Utc>| when.is_none() && !done && now > due;
    Timeliness {
        assign_due,
        check_due,
        assign_late: late(state.assigned_at, assign_due),
        check_late: late(state.checked_at, check_due),
        overdue_now: waiting(state.assigned_at, assign_due) || waiting(state.checked_at, check_due),
    }
}

/// The figures of the reports received on the China days `from`..=`to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HotlineFigures {
    /// First China day.
    pub from: Option<NaiveDate>,
    /// Last China day.
    pub to: Option<NaiveDate>,
    /// Reports received.
    pub received: u32,
    /// Of them, checked (a result recorded).
    pub checked: u32,
    /// Of them, late on a deadline (assigned or checked late, or still waiting past one).
    pub overdue: u32,
    /// Of them, whose disposition opened home observation.
    pub observation_opened: u32,
    /// Of them, still open (not closed).
    pub open: u32,
    /// Of them, with results that disagree.
    pub conflicting: u32,
    /// The median minutes from receipt to the first result, over those checked.
    pub median_minutes_to_check: Option<u32>,
}

/// One report as the figures read it: its receipt (UTC), its state and its timeliness.
pub struct ReportFacts<'a> {
    /// Its receipt (UTC).
    pub received: DateTime<Utc>,
    /// Its state.
    pub state: &'a ReportState,
    /// Its timeliness at the time of the figures.
    pub timeliness: Timeliness,
}

/// A report as a day's figures read it (the 日报's 热线 columns, the laptops' 概况).
#[derive(Debug, Clone, PartialEq)]
pub struct HotlineDayFact {
    /// Where it counts: where it is assigned.
    pub unit: crate::figures::Unit,
    /// Received (UTC).
    pub received: DateTime<Utc>,
    /// First assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    /// First result.
    pub checked_at: Option<DateTime<Utc>>,
    /// Home observation opened.
    pub observation_opened_at: Option<DateTime<Utc>>,
    /// Closed (and not reopened).
    pub closed_at: Option<DateTime<Utc>>,
    /// To be assigned by.
    pub assign_due: DateTime<Utc>,
    /// To be checked by.
    pub check_due: DateTime<Utc>,
}

impl HotlineDayFact {
    /// The fact of a report received at `received` in `unit`, from its state and the
    /// street's deadlines.
    pub fn new(
        unit: crate::figures::Unit,
        report: &HotlineReport,
        received: DateTime<Utc>,
        state: &ReportState,
        policy: &HotlinePolicy,
    ) -> HotlineDayFact {
        let d = policy.deadline(report);
        HotlineDayFact {
            unit,
            received,
            assigned_at: state.assigned_at,
            checked_at: state.checked_at,
            observation_opened_at: state.observation_opened_at,
            closed_at: state.closed_at,
            assign_due: received + Duration::minutes(i64::from(d.assign_minutes)),
            check_due: received + Duration::minutes(i64::from(d.check_minutes)),
        }
    }
}

/// Adds the China day `date`'s hotline figures to `units`: 受理 (received that day), 已核查
/// (first result that day), 纳入观察 (observation opened that day), 逾期 (still waiting past
/// a deadline at the day's end, or at `now` for a day not over: not assigned by its assignment
/// deadline, or not checked by its check deadline, and not closed by then). One rule for the
/// server's 日报 and the laptops' 概况.
pub fn add_day(
    facts: &[HotlineDayFact],
    date: NaiveDate,
    now: DateTime<Utc>,
    units: &mut std::collections::HashMap<crate::figures::Unit, crate::figures::Figures>,
) {
    use crate::figures::china_day_start;
    let start = china_day_start(date);
    let end = china_day_start(date.succ_opt().unwrap_or(date));
    let on_the_day = |t: Option<DateTime<Utc>>| t.is_some_and(|t| t >= start && t < end);
    let at = end.min(now);
    for f in facts {
        let received = on_the_day(Some(f.received));
        let checked = on_the_day(f.checked_at);
        let opened = on_the_day(f.observation_opened_at);
        let waiting = |done: Option<DateTime<Utc>>, due: DateTime<Utc>| {
            due < at && done.is_none_or(|d| d > at)
        };
        let overdue = f.received < at
            && f.closed_at.is_none_or(|c| c > at)
            && (waiting(f.assigned_at, f.assign_due) || waiting(f.checked_at, f.check_due));
        if !(received || checked || opened || overdue) {
            continue;
        }
        let u = units.entry(f.unit.clone()).or_default();
        u.hotline_received += u32::from(received);
        u.hotline_checked += u32::from(checked);
        u.hotline_observation_opened += u32::from(opened);
        u.hotline_overdue += u32::from(overdue);
    }
}

/// The China day (UTC+8) of an instant.
pub fn china_day(t: DateTime<Utc>) -> NaiveDate {
    (t + Duration::hours(8)).date_naive()
}

/// Counts the reports received on `from`..=`to` (China days).
pub fn figures<'a>(
    reports: impl IntoIterator<Item = ReportFacts<'a>>,
    from: NaiveDate,
    to: NaiveDate,
) -> HotlineFigures {
    let mut f = HotlineFigures {
        from: Some(from),
        to: Some(to),
        ..HotlineFigures::default()
    };
    let mut minutes: Vec<i64> = Vec::new();
    for r in reports {
        let day = china_day(r.received);
        if day < from || day > to {
            continue;
        }
        f.received += 1;
        if let Some(t) = r.state.checked_at {
            f.checked += 1;
            minutes.push((t - r.received).num_minutes().max(0));
        }
        if r.timeliness.assign_late || r.timeliness.check_late {
            f.overdue += 1;
        }
        if r.state.disposition == Some(ReportDisposition::ObservationOpened) {
            f.observation_opened += 1;
        }
        if r.state.status != HotlineStatus::Closed {
            f.open += 1;
        }
        if !r.state.conflicting.is_empty() {
            f.conflicting += 1;
        }
    }
    minutes.sort_unstable();
    f.median_minutes_to_check = match minutes.len() {
        0 => None,
        n if n % 2 == 1 => Some(minutes[n / 2] as u32),
        n => Some(((minutes[n / 2 - 1] + minutes[n / 2]) / 2) as u32),
    };
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{HotlineChannel, Instant};
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 2, 4, h, m, 0)
            .single()
            .expect("time")
    }

    fn report(category: HotlineCategory, urgency: Urgency) -> HotlineReport {
        HotlineReport {
            id: Uuid::now_v7(),
            number: "411402001-20200204-AAAAAA-001".into(),
            received_at: Instant {
                utc: at(1, 0),
                offset_minutes: 480,
            },
            channel: HotlineChannel::Phone,
            batch: None,
            reporter_name: None,
            reporter_phone: None,
            subject_name: Some("张三".into()),
            subject_phone: None,
            subject_id_number: None,
            subject_address: None,
            building: None,
            unit: None,
            room: None,
            person_id: None,
            category,
            urgency,
            description: None,
            community_code: None,
            compound: None,
            assignee: None,
            assigned_at: None,
            assigned_by: None,
            recorded_by: "王敏".into(),
        }
    }

    fn action(r: &HotlineReport, kind: ReportActionKind, t: DateTime<Utc>) -> ReportAction {
        ReportAction {
            id: Uuid::now_v7(),
            report_id: r.id,
            kind,
            at: Instant {
                utc: t,
                offset_minutes: 480,
            },
            recorded_by: "李娜".into(),
            community_code: None,
            compound: None,
            assignee: None,
            result: None,
            duplicate_of: None,
            person_id: None,
            disposition: None,
            case_id: None,
            note: None,
            replaces: None,
        }
    }

    fn result(r: &HotlineReport, f: CheckFinding, t: DateTime<Utc>) -> ReportAction {
        ReportAction {
            result: Some(f),
            ..action(r, ReportActionKind::CheckResult, t)
        }
    }

    #[test]
    fn the_status_is_the_fold_of_the_actions_in_time_order() {
        let r = report(HotlineCategory::ReturneeHubei, Urgency::Normal);
        let a = vec![
            result(&r, CheckFinding::NewPersonFound, at(5, 0)),
            action(&r, ReportActionKind::Assign, at(1, 20)),
            action(&r, ReportActionKind::StartCheck, at(3, 0)),
        ];
        let s = fold(&r, at(1, 0), &a, |a| a.at.utc);
        assert_eq!(s.status, HotlineStatus::Checked);
        assert_eq!(s.assigned_at, Some(at(1, 20)));
        assert_eq!(s.checked_at, Some(at(5, 0)));
        let closed = [
            a.clone(),
            vec![action(&r, ReportActionKind::Close, at(6, 0))],
        ]
        .concat();
        assert_eq!(
            fold(&r, at(1, 0), &closed, |a| a.at.utc).status,
            HotlineStatus::Closed
        );
        let mut reopen = action(&r, ReportActionKind::Reopen, at(7, 0));
        reopen.note = Some("家属说人已回来".into());
        let reopened = [closed, vec![reopen]].concat();
        assert_eq!(
            fold(&r, at(1, 0), &reopened, |a| a.at.utc).status,
            HotlineStatus::Checked
        );
    }

    #[test]
    fn two_different_results_are_a_conflict_until_it_is_reopened() {
        let r = report(HotlineCategory::ReturneeHubei, Urgency::Normal);
        let a = vec![
            result(&r, CheckFinding::NotFound, at(3, 0)),
            result(&r, CheckFinding::NewPersonFound, at(3, 5)),
        ];
        let s = fold(&r, at(1, 0), &a, |a| a.at.utc);
        assert_eq!(s.result, Some(CheckFinding::NewPersonFound));
        assert_eq!(
            s.conflicting,
            vec![CheckFinding::NotFound, CheckFinding::NewPersonFound]
        );
        // A recheck that saw the first result corrects it.
        let first = result(&r, CheckFinding::NotFound, at(3, 0));
        let mut recheck = result(&r, CheckFinding::NewPersonFound, at(3, 5));
        recheck.replaces = Some(first.id);
        let corrected = vec![first.clone(), recheck.clone()];
        let s = fold(&r, at(1, 0), &corrected, |a| a.at.utc);
        assert!(s.conflicting.is_empty());
        assert_eq!(s.result, Some(CheckFinding::NewPersonFound));
        // Whatever the clocks: a recheck whose device ran slow still corrects, never disagrees.
        let mut slow = recheck;
        slow.at.utc = at(2, 0);
        let s = fold(&r, at(1, 0), &[first, slow], |a| a.at.utc);
        assert!(s.conflicting.is_empty());
        assert_eq!(s.result, Some(CheckFinding::NewPersonFound));
        let same = vec![
            result(&r, CheckFinding::NotFound, at(3, 0)),
            result(&r, CheckFinding::NotFound, at(3, 5)),
        ];
        assert!(fold(&r, at(1, 0), &same, |a| a.at.utc)
            .conflicting
            .is_empty());
    }

    #[test]
    fn a_result_after_a_reopening_does_not_disagree_with_those_before() {
        let r = report(HotlineCategory::ReturneeHubei, Urgency::Normal);
        let mut reopen = action(&r, ReportActionKind::Reopen, at(4, 0));
        reopen.note = Some("核定".into());
        let a = vec![
            result(&r, CheckFinding::NotFound, at(3, 0)),
            result(&r, CheckFinding::NewPersonFound, at(3, 5)),
            reopen,
            result(&r, CheckFinding::NotFound, at(4, 1)),
        ];
        let s = fold(&r, at(1, 0), &a, |a| a.at.utc);
        assert!(s.conflicting.is_empty(), "{:?}", s.conflicting);
        assert_eq!(s.result, Some(CheckFinding::NotFound));
        // The time to check still runs to the first result.
        assert_eq!(s.checked_at, Some(at(3, 0)));
    }

    #[test]
    fn a_report_assigned_late_at_the_street_counts_as_assigned_late() {
        let p = HotlinePolicy::default();
        let mut r = report(HotlineCategory::Other, Urgency::Urgent);
        // Assigned 50 minutes after receipt: its body now names the unit, its step says when.
        r.community_code = Some("411402001018".into());
        let a = vec![action(&r, ReportActionKind::Assign, at(1, 50))];
        let s = fold(&r, at(1, 0), &a, |a| a.at.utc);
        assert_eq!(s.assigned_at, Some(at(1, 50)));
        assert!(timeliness(&p, &r, at(1, 0), &s, at(2, 0)).assign_late);
        // Placed on receipt with no step (a district list's row): assigned on receipt.
        let s = fold(&r, at(1, 0), &[], |a| a.at.utc);
        assert_eq!(s.assigned_at, Some(at(1, 0)));
    }

    #[test]
    fn a_copy_held_where_a_report_was_reassigned_from_is_known_as_moved_away() {
        let mut r = report(HotlineCategory::Other, Urgency::Normal);
        r.community_code = Some("411402001018".into());
        r.compound = Some("c1".into());
        let mut assign = action(&r, ReportActionKind::Assign, at(1, 5));
        assign.community_code = r.community_code.clone();
        assign.compound = r.compound.clone();
        r.assigned_by = Some(assign.id);
        let s = fold(&r, at(1, 0), &[assign.clone()], |a| a.at.utc);
        assert!(!moved_away(&r, &s));
        // Reassigned to c2, superseding the assignment this copy reflects: history here.
        let mut away = action(&r, ReportActionKind::Reassign, at(2, 0));
        away.community_code = r.community_code.clone();
        away.compound = Some("c2".into());
        away.note = Some("住址在西城花园".into());
        away.replaces = Some(assign.id);
        let s = fold(&r, at(1, 0), &[assign.clone(), away.clone()], |a| a.at.utc);
        assert!(moved_away(&r, &s));
        // Sent back to c1 by a step superseding the move (its clock runs slow: no matter).
        let mut back = action(&r, ReportActionKind::Reassign, at(0, 30));
        back.community_code = r.community_code.clone();
        back.compound = r.compound.clone();
        back.note = Some("核实仍在八一新苑".into());
        back.replaces = Some(away.id);
        r.assigned_by = Some(back.id);
        let s = fold(&r, at(1, 0), &[assign, away], |a| a.at.utc);
        assert!(!moved_away(&r, &s));
    }

    #[test]
    fn an_urgent_report_unassigned_after_half_an_hour_is_overdue() {
        let r = report(HotlineCategory::Other, Urgency::Urgent);
        let p = HotlinePolicy::default();
        let s = fold(&r, at(1, 0), &[], |a| a.at.utc);
        assert!(!timeliness(&p, &r, at(1, 0), &s, at(1, 29)).overdue_now);
        let t = timeliness(&p, &r, at(1, 0), &s, at(1, 31));
        assert!(t.overdue_now && t.assign_late && !t.check_late);
        // A returnee has two hours to be assigned, a day to be checked.
        let r = report(HotlineCategory::ReturneeHubei, Urgency::Normal);
        let s = fold(&r, at(1, 0), &[], |a| a.at.utc);
        assert!(!timeliness(&p, &r, at(1, 0), &s, at(2, 59)).overdue_now);
        assert!(timeliness(&p, &r, at(1, 0), &s, at(3, 1)).assign_late);
    }

    #[test]
    fn a_days_hotline_columns_count_what_happened_that_day_and_what_waits_at_its_end() {
        use crate::figures::Unit;
        let p = HotlinePolicy::default();
        let unit = Unit::Compound("c1".into());
        // Received 09:00 China time on 2020-02-04 (01:00 UTC), a returnee: assigned in 2 h,
        // checked in 24 h.
        let r = report(HotlineCategory::ReturneeHubei, Urgency::Normal);
        let assigned = vec![action(&r, ReportActionKind::Assign, at(1, 30))];
        let s = fold(&r, at(1, 0), &assigned, |a| a.at.utc);
        let fact = HotlineDayFact::new(unit.clone(), &r, at(1, 0), &s, &p);
        let day = china_day(at(1, 0));
        let next = day.succ_opt().expect("day");
        let mut units = std::collections::HashMap::new();
        add_day(std::slice::from_ref(&fact), day, at(23, 0), &mut units);
        let f = &units[&unit];
        assert_eq!(
            (f.hotline_received, f.hotline_checked, f.hotline_overdue),
            (1, 0, 0)
        );
        // The next day, past 09:00, it waits past its check deadline.
        let mut units = std::collections::HashMap::new();
        add_day(
            std::slice::from_ref(&fact),
            next,
            at(1, 0) + Duration::hours(30),
            &mut units,
        );
        let f = &units[&unit];
        assert_eq!((f.hotline_received, f.hotline_overdue), (0, 1));
        // Checked late that day, observation opened: counted checked and opened; at the day's
        // end it waits no more.
        let mut done = assigned.clone();
        done.push(result(
            &r,
            CheckFinding::NewPersonFound,
            at(1, 0) + Duration::hours(26),
        ));
        done.push(ReportAction {
            disposition: Some(ReportDisposition::ObservationOpened),
            case_id: Some(Uuid::now_v7()),
            ..action(
                &r,
                ReportActionKind::Disposition,
                at(1, 0) + Duration::hours(26),
            )
        });
        let s = fold(&r, at(1, 0), &done, |a| a.at.utc);
        let fact = HotlineDayFact::new(unit.clone(), &r, at(1, 0), &s, &p);
        let mut units = std::collections::HashMap::new();
        add_day(&[fact], next, at(1, 0) + Duration::hours(48), &mut units);
        let f = &units[&unit];
        assert_eq!(
            (
                f.hotline_checked,
                f.hotline_observation_opened,
                f.hotline_overdue
            ),
            (1, 1, 0)
        );
    }

    #[test]
    fn the_figures_count_late_checks_and_the_median_time_to_check() {
        let p = HotlinePolicy::default();
        let mut facts = Vec::new();
        let mut states = Vec::new();
        let reports: Vec<HotlineReport> = (0..3)
            .map(|_| report(HotlineCategory::Other, Urgency::Urgent))
            .collect();
        for (r, minutes) in reports.iter().zip([60, 90, 180]) {
            let a = vec![
                action(r, ReportActionKind::Assign, at(1, 10)),
                result(
                    r,
                    CheckFinding::AlreadyRegistered,
                    at(1, 0) + Duration::minutes(minutes),
                ),
            ];
            states.push(fold(r, at(1, 0), &a, |a| a.at.utc));
        }
        for (r, s) in reports.iter().zip(&states) {
            facts.push(ReportFacts {
                received: at(1, 0),
                state: s,
                timeliness: timeliness(&p, r, at(1, 0), s, at(9, 0)),
            });
        }
        let day = china_day(at(1, 0));
        let f = figures(facts, day, day);
        assert_eq!((f.received, f.checked, f.overdue), (3, 3, 1));
        assert_eq!(f.median_minutes_to_check, Some(90));
    }
}
