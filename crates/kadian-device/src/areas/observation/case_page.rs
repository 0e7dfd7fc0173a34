//! A case's page (its days with their temperatures, its visits and status changes) and the
//! 居家观察每日随访表, the sheet a community sends up: one row per case, one column per day.

use std::collections::HashSet;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use kadian_domain::observation::{
    CaseGrid, CaseStatus, DayState, TransitionKind as Kind, VisitOutcome,
};
use kadian_domain::records::{ObservationReason, Symptom, VisitAction, VisitMethod, VisitSlot};
use kadian_domain::Celsius;
use kadian_registers::export::{ExportTable, ExportValue};
use serde::Serialize;
use ts_rs::TS;

use super::{entry, parse_id, walking_key, ObservationEntry};
use crate::app_error::{AppError, AppResult};
use crate::areas::views::{write_export, ExportResult};
use crate::core::AppCore;
use crate::local_time::local;
use crate::store::{transition_fact, visit_fact};

/// Most days the daily sheet spans (two months: a period of 14 days, extended, re-exposed).
pub const MAX_SHEET_DAYS: i64 = 62;

/// One day of a case's period.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CaseDay {
    /// China date, `YYYY-MM-DD`.
    pub date: String,
    /// Day of observation (1 = the day after day 0).
    pub day: u16,
    /// What the day is (`seen`, `seen_unwell`, `not_seen`, `missed`, `due`, `future`, `unknown`).
    #[ts(type = "string")]
    pub state: DayState,
    /// The highest reading of the day, °C.
    pub celsius: Option<f64>,
}

/// One follow-up visit as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CaseVisit {
    /// Visit id.
    pub id: String,
    /// The China date it counts for.
    pub date: String,
    /// When it was recorded, China time `YYYY-MM-DD HH:MM`.
    pub at: String,
    /// `am`, `pm`, `any`.
    #[ts(type = "string")]
    pub slot: VisitSlot,
    /// `door`, `phone`, `video`, `family`.
    #[ts(type = "string")]
    pub method: VisitMethod,
    /// How it went.
    #[ts(type = "string")]
    pub outcome: VisitOutcome,
    /// °C.
    pub celsius: Option<f64>,
    /// A re-measure of an earlier reading (复测).
    pub remeasure: bool,
    /// Symptoms reported.
    #[ts(type = "string[]")]
    pub symptoms: Vec<Symptom>,
    /// What was done.
    #[ts(type = "string")]
    pub action: VisitAction,
    /// Who.
    pub recorded_by: String,
}

/// One status change as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CaseChange {
    /// Transition id.
    pub id: String,
    /// `refer`, `resume`, `release`, `transfer_out`, `lose`, `cancel`, `reopen`, `reexpose`.
    #[ts(type = "string")]
    pub kind: Kind,
    /// The China date it takes effect.
    pub effective: String,
    /// Why.
    pub reason: String,
    /// When it was recorded, China time `YYYY-MM-DD HH:MM`.
    pub at: String,
    /// Who.
    pub recorded_by: String,
    /// False when it clashed with an earlier change (made on another laptop without knowing of
    /// it) and did not apply.
    pub applied: bool,
}

/// A case's page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CasePage {
    /// The case as the lists show it.
    pub entry: ObservationEntry,
    /// Day 0 of the current period, `YYYY-MM-DD`.
    pub start: String,
    /// Days of the policy it was opened under (14).
    pub policy_days: u16,
    /// The responsible staff member's phone.
    pub responsible_phone: Option<String>,
    /// Their backup.
    pub backup: Option<String>,
    /// Notes (同住人, …).
    pub notes: Option<String>,
    /// Day 1 to the last day.
    pub days: Vec<CaseDay>,
    /// Visits, oldest first.
    pub visits: Vec<CaseVisit>,
    /// Status changes, in the order they apply.
    pub changes: Vec<CaseChange>,
}

fn china_minute(at: &kadian_domain::records::Instant) -> String {
    local(at.utc).format("%Y-%m-%d %H:%M").to_string()
}

impl AppCore {
    /// A case's page, from this device's store, offline. Errors: `not_staff`, `invalid_id`,
    /// `not_found`.
    pub fn observation_case_page(&self, case_id: &str) -> AppResult<CasePage> {
        self.observation_staff()?;
        let id = parse_id(case_id, "case_id")?;
        let not_found = || {
            AppError::new(
                "not_found",
                Some("case_id"),
                "没有这条居家观察记录",
                "No such observation case",
            )
        };
        let (case, _) = self
            .store()
            .observation_case(&id.to_string())?
            .ok_or_else(not_found)?;
        // One read: the grid and the lists below come from the same visits and changes.
        let (visits, transitions) = self.store().case_history(&id.to_string())?;
        let visit_facts: Vec<_> = visits.iter().map(visit_fact).collect();
        let transition_facts: Vec<_> = transitions.iter().map(transition_fact).collect();
        let today = self.china_today();
        let judged = self.judged_through()?.unwrap_or(NaiveDate::MIN);
        let grid = case.grid(&visit_facts, &transition_facts, today, judged);
        let name = self
            .store()
            .person(case.person_id)?
            .map_or_else(|| "—".to_owned(), |(p, _)| p.name);
        let went_out = grid.status.active() && self.went_out_today(&case.person_id, today)?;
        let reference = self.reference()?;
        let entry = entry(
            &case,
            &grid,
            &visit_facts,
            went_out,
            name,
            &reference,
            today,
        );
        let ignored: HashSet<&str> = grid.clashes.iter().map(|c| c.ignored.as_str()).collect();
        let mut changes: Vec<_> = transitions.iter().collect();
        changes.sort_by_key(|t| (t.effective, t.at.utc, t.id));
        Ok(CasePage {
            start: grid.start.to_string(),
            policy_days: case.policy.days,
            responsible_phone: case.responsible_phone.clone(),
            backup: case.backup.clone(),
            notes: case.notes.clone(),
            days: grid
                .days
                .iter()
                .map(|d| CaseDay {
                    date: d.date.to_string(),
                    day: d.day,
                    state: d.state,
                    celsius: d.celsius.map(Celsius::degrees),
                })
                .collect(),
            visits: visits
                .iter()
                .map(|v| CaseVisit {
                    id: v.id.to_string(),
                    date: v.date.to_string(),
                    at: china_minute(&v.at),
                    slot: v.slot,
                    method: v.method,
                    outcome: v.outcome,
                    celsius: v.celsius.map(Celsius::degrees),
                    remeasure: v.remeasure_of.is_some(),
                    symptoms: v.symptoms.clone(),
                    action: v.action,
                    recorded_by: v.recorded_by.clone(),
                })
                .collect(),
            changes: changes
                .into_iter()
                .map(|t| CaseChange {
                    id: t.id.to_string(),
                    kind: t.kind,
                    effective: t.effective.to_string(),
                    reason: t.reason.clone(),
                    at: china_minute(&t.at),
                    recorded_by: t.recorded_by.clone(),
                    applied: !ignored.contains(t.id.to_string().as_str()),
                })
                .collect(),
            entry,
        })
    }

    /// Writes the 居家观察每日随访表 for the China days `from`–`to` (`YYYY-MM-DD`, at most
    /// [`MAX_SHEET_DAYS`]): one row per case of this device whose period touches those days
    /// (cancelled cases left out), in compound and walking order; a column per day, each cell
    /// `✓36.5` (seen, well, with the day's highest reading), `!37.6` (fever or symptoms), `✗`
    /// (not seen, or no visit: missed), `?` (not known here: recorded on a device that has not
    /// synced since), empty (due today, or later), `–` (outside the period).
    ///
    /// Errors: `not_staff`, `invalid_date`, `range_too_long`, `invalid_format`, `export_failed`.
    pub fn observation_export(
        &self,
        from: &str,
        to: &str,
        format: &str,
        dir: &Path,
    ) -> AppResult<ExportResult> {
        self.observation_staff()?;
        let day = |s: &str, field: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| super::bad_date(field))
        };
        let (from, to) = (day(from, "from")?, day(to, "to")?);
        let span = (to - from).num_days() + 1;
        if !(1..=MAX_SHEET_DAYS).contains(&span) {
            return Err(AppError::new(
                "range_too_long",
                Some("to"),
                &format!("每日随访表最多 {MAX_SHEET_DAYS} 天，且结束日期不能早于开始日期"),
                &format!("The daily sheet spans 1 to {MAX_SHEET_DAYS} days, ending on or after its start"),
            ));
        }
        let today = self.china_today();
        let judged = self.judged_through()?.unwrap_or(NaiveDate::MIN);
        let reference = self.reference()?;
        let dates: Vec<NaiveDate> = from.iter_days().take(span as usize).collect();
        // (compound, walking order, name) to sort by, and the row.
        type SortedRow = ((String, Vec<(u8, u64, String)>, String), Vec<ExportValue>);
        let mut rows: Vec<SortedRow> = Vec::new();
        let cases = self.store().observation_cases()?;
        let names = self.store().observed_names()?;
        for (case, _, visits, transitions) in cases {
            let grid = case.grid(&visits, &transitions, today, judged);
            let touches = grid.days.iter().any(|d| d.date >= from && d.date <= to);
            if grid.status == CaseStatus::Cancelled || !touches {
                continue;
            }
            let name = names
                .get(&case.person_id.to_string())
                .cloned()
                .unwrap_or_else(|| "—".to_owned());
            let compound = reference
                .compounds
                .get(&case.compound)
                .map_or_else(|| case.compound.clone(), |c| c.name.clone());
            let address = case.address.clone().unwrap_or_default();
            let mut cells = vec![
                ExportValue::Text(name.clone()),
                ExportValue::Text(compound.clone()),
                ExportValue::Text(address.clone()),
                ExportValue::Text(reason_zh(case.reason).into()),
                ExportValue::Date(grid.start),
                ExportValue::Date(grid.end),
                ExportValue::Text(status_zh(grid.status).into()),
                ExportValue::Text(case.responsible.clone().unwrap_or_default()),
            ];
            cells.extend(dates.iter().map(|d| ExportValue::Text(day_mark(&grid, *d))));
            rows.push(((compound, walking_key(&address), name), cells));
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let mut headers: Vec<String> = [
            "姓名",
            "小区",
            "住址",
            "观察原因",
            "观察起始日（第0天）",
            "期满日",
            "状态",
            "包保责任人",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect();
        headers.extend(
            dates
                .iter()
                .map(|d| format!("{}月{}日", d.month(), d.day())),
        );
        let table = ExportTable {
            sheet: "居家观察每日随访表".into(),
            headers,
            rows: rows.into_iter().map(|r| r.1).collect(),
        };
        write_export(
            &table,
            "居家观察每日随访表",
            format,
            dir,
            local(self.now()),
            0,
        )
    }
}

/// A day's cell in the daily sheet (see [`AppCore::observation_export`]).
fn day_mark(grid: &CaseGrid, date: NaiveDate) -> String {
    let Some(d) = grid.days.iter().find(|d| d.date == date) else {
        return "–".into();
    };
    let reading = d
        .celsius
        .map(|c| format!("{:.1}", c.degrees()))
        .unwrap_or_default();
    match d.state {
        DayState::Seen => format!("✓{reading}"),
        DayState::SeenUnwell => format!("!{reading}"),
        DayState::NotSeen | DayState::Missed => "✗".into(),
        DayState::Unknown => "?".into(),
        DayState::Due | DayState::Future => String::new(),
    }
}

fn status_zh(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Open => "观察中",
        CaseStatus::Referred => "已转应急处置组",
        CaseStatus::Released => "已解除",
        CaseStatus::TransferredOut => "已转出",
        CaseStatus::Lost => "失访",
        CaseStatus::Cancelled => "已撤销",
    }
}

fn reason_zh(r: ObservationReason) -> &'static str {
    match r {
        ObservationReason::ReturneeHubei => "湖北返乡",
        ObservationReason::ReturneeElsewhere => "外地返乡",
        ObservationReason::CloseContact => "密切接触者",
        ObservationReason::FeverFollowUp => "发热随访",
        ObservationReason::Hotline => "热线举报",
        ObservationReason::KeyArea => "重点区域",
    }
}
