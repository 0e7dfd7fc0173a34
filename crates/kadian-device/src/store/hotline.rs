//! The hotline_report and report_action tables (热线举报, 处置记录): reports are entities with a
//! version, actions events; each written with its outbox row in the same transaction. The
//! device's own numbers come from `hotline_number`, one counter per China day.

use chrono::NaiveDate;
use kadian_domain::records::{
    self, HotlineReport, RecordKind, ReportAction, ReportActionKind, Source,
};
use rusqlite::{params, OptionalExtension, Transaction};

use super::error::{Result, StoreError};
use super::outbox::{enqueue, enqueue_entity};
use super::Store;

/// The version held of a report, if it is held.
pub(crate) fn held_hotline_report_version(tx: &Transaction<'_>, id: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT version FROM hotline_report WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Writes a report: a new one or a change of one held here (on the version held). Pulled ones
/// take the server's version and queue nothing. Errors: the report's rules.
pub(crate) fn upsert_hotline_report_tx(
    tx: &Transaction<'_>,
    r: &HotlineReport,
    source: Source,
    version: Option<i64>,
) -> Result<usize> {
    records::check_hotline_report(r).map_err(StoreError::Invalid)?;
    let id = r.id.to_string();
    let held = held_hotline_report_version(tx, &id)?;
    tx.prepare_cached(
        "INSERT INTO hotline_report (id, number, received_at, batch, community_code, compound, body, version, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET number = excluded.number, received_at = excluded.received_at,
             batch = excluded.batch, community_code = excluded.community_code,
             compound = excluded.compound, body = excluded.body, version = excluded.version",
    )?
    .execute(params![
        id,
        r.number,
        super::ts(r.received_at.utc),
        r.batch,
        r.community_code,
        r.compound,
        serde_json::to_string(r)?,
        version.unwrap_or_else(|| held.unwrap_or(0)),
        source.as_str(),
    ])?;
    // Its actions may have come before it (a report moved here after they were recorded).
    note_result_clash_tx(tx, &id)?;
    enqueue_entity(tx, RecordKind::HotlineReport, r.id, held, r, source)
}

/// Stores a report action once. Errors: the action's rules.
pub(crate) fn insert_report_action_tx(
    tx: &Transaction<'_>,
    a: &ReportAction,
    source: Source,
) -> Result<usize> {
    records::check_report_action(a).map_err(StoreError::Invalid)?;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO report_action (id, report_id, at_utc, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            a.id.to_string(),
            a.report_id.to_string(),
            super::ts(a.at.utc),
            serde_json::to_string(a)?,
            source.as_str(),
        ])?;
    if inserted == 0 {
        return Ok(0);
    }
    if matches!(
        a.kind,
        ReportActionKind::CheckResult | ReportActionKind::Reopen
    ) {
        note_result_clash_tx(tx, &a.report_id.to_string())?;
    }
    enqueue(
        tx,
        RecordKind::ReportAction,
        a.id,
        "create",
        None,
        a,
        source,
    )
}

/// The conflict-list id of a report's disagreeing results.
fn result_clash_id(report_id: &str) -> String {
    format!("result:{report_id}")
}

/// Lists a report whose results disagree (two devices checked it apart and found different
/// things: `kadian_domain::hotline::fold`'s `conflicting`) on the conflict list, field
/// `result`: the result that stands as the kept value, the other as the lost one, found here
/// (`device`). When they agree again (a reopening, a settled clash) an unsettled entry leaves
/// the list.
fn note_result_clash_tx(tx: &Transaction<'_>, report_id: &str) -> Result<()> {
    let report: Option<String> = tx
        .query_row(
            "SELECT body FROM hotline_report WHERE id = ?1",
            [report_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(report) = report.and_then(|b| serde_json::from_str::<HotlineReport>(&b).ok()) else {
        return Ok(());
    };
    let actions: Vec<ReportAction> = tx
        .prepare_cached("SELECT body FROM report_action WHERE report_id = ?1")?
        .query_map([report_id], |r| r.get::<_, String>(0))?
        .filter_map(|b| b.ok().and_then(|b| serde_json::from_str(&b).ok()))
        .collect();
    let state =
        kadian_domain::hotline::fold(&report, report.received_at.utc, &actions, |a| a.at.utc);
    let id = result_clash_id(report_id);
    let kept = state.result;
    let lost = state.conflicting.iter().find(|r| Some(**r) != kept);
    match (kept, lost) {
        (Some(kept), Some(lost)) => {
            tx.prepare_cached(
                "INSERT INTO sync_conflict (id, record_kind, record_id, field, kept_value, lost_value, origin, at_utc)
                 VALUES (?1, ?2, ?3, 'result', ?4, ?5, 'device', ?6)
                 ON CONFLICT (id) DO UPDATE SET kept_value = excluded.kept_value,
                     lost_value = excluded.lost_value, resolved = 0",
            )?
            .execute(params![
                id,
                RecordKind::HotlineReport.as_str(),
                report_id,
                serde_json::to_string(&kept)?,
                serde_json::to_string(lost)?,
                super::ts(chrono::Utc::now()),
            ])?;
        }
        _ => {
            tx.execute(
                "DELETE FROM sync_conflict WHERE id = ?1 AND resolved = 0",
                [&id],
            )?;
        }
    }
    Ok(())
}

/// One step of a report's writing, in the order it is written (see
/// [`Store::write_hotline`]).
#[derive(Debug, Clone)]
pub enum HotlineWrite {
    /// A report, new or changed.
    Report(Box<HotlineReport>),
    /// An action on a report held here (or written before it in the same call).
    Action(Box<ReportAction>),
}

impl HotlineWrite {
    /// A report to write.
    pub fn report(r: HotlineReport) -> HotlineWrite {
        HotlineWrite::Report(Box::new(r))
    }

    /// An action to write.
    pub fn action(a: ReportAction) -> HotlineWrite {
        HotlineWrite::Action(Box::new(a))
    }
}

impl Store {
    /// Takes this device's next report number of the China day `day` (1, 2, …), in its own
    /// transaction: a number once taken is never given again, even if the intake is abandoned.
    pub fn take_hotline_sequence(&mut self, day: NaiveDate) -> Result<u32> {
        self.write(|tx| {
            let last: i64 = tx.query_row(
                "INSERT INTO hotline_number (day, last) VALUES (?1, 1)
                 ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last",
                [day.to_string()],
                |r| r.get(0),
            )?;
            Ok(u32::try_from(last).unwrap_or(u32::MAX))
        })
    }

    /// Writes reports and actions in one transaction, in the order given (an assignment's
    /// action before the report it moves, so the server places the action with the unit the
    /// report leaves). Errors: `NotFound` for an action on a report not held here; each
    /// record's rules (nothing is written then).
    pub fn write_hotline(&mut self, steps: &[HotlineWrite], source: Source) -> Result<usize> {
        self.write_hotline_with_case(None, None, steps, source)
    }

    /// Settles a report's disagreeing results: `steps` (a reopening and the result chosen) are
    /// written first, then its entry leaves the conflict list, in one transaction. Errors: the
    /// steps' rules.
    pub fn settle_result_clash(&mut self, report_id: &str, steps: &[ReportAction]) -> Result<()> {
        self.write(|tx| {
            for a in steps {
                insert_report_action_tx(tx, a, Source::User)?;
            }
            tx.execute(
                "UPDATE sync_conflict SET resolved = 1 WHERE id = ?1 AND resolved = 0",
                [result_clash_id(report_id)],
            )?;
            Ok(())
        })
    }

    /// Writes, in one transaction, a person registered from a report (if any), the observation
    /// case its disposition opens (if not held yet) and the report's steps: all or nothing.
    /// Errors: each record's rules; `NotFound` for a step on a report not held here.
    pub fn write_hotline_with_case(
        &mut self,
        person: Option<&kadian_domain::records::Person>,
        case: Option<&kadian_domain::records::ObservationCase>,
        steps: &[HotlineWrite],
        source: Source,
    ) -> Result<usize> {
        self.write(|tx| {
            let mut queued = 0;
            if let Some(p) = person {
                queued += usize::from(super::persons::upsert_person_tx(tx, p, source)?.created);
            }
            if let Some(c) = case {
                queued += super::observation::upsert_case_tx(tx, c, source, None)?;
            }
            for step in steps {
                queued += match step {
                    HotlineWrite::Report(r) => upsert_hotline_report_tx(tx, r, source, None)?,
                    HotlineWrite::Action(a) => {
                        let report = a.report_id.to_string();
                        if held_hotline_report_version(tx, &report)?.is_none() {
                            return Err(StoreError::NotFound {
                                kind: RecordKind::HotlineReport.as_str(),
                                id: report,
                            });
                        }
                        insert_report_action_tx(tx, a, source)?
                    }
                };
            }
            Ok(queued)
        })
    }

    /// Every report held here, by receipt.
    pub fn hotline_reports(&self) -> Result<Vec<HotlineReport>> {
        self.bodies(
            "SELECT body FROM hotline_report ORDER BY received_at, id",
            [],
        )
    }

    /// One report, if held.
    pub fn hotline_report(&self, id: uuid::Uuid) -> Result<Option<HotlineReport>> {
        Ok(self
            .bodies(
                "SELECT body FROM hotline_report WHERE id = ?1",
                [id.to_string()],
            )?
            .into_iter()
            .next())
    }

    /// Every action held here, by time.
    pub fn report_actions(&self) -> Result<Vec<ReportAction>> {
        self.bodies("SELECT body FROM report_action ORDER BY at_utc, id", [])
    }

    /// The actions of one report, by time.
    pub fn report_actions_of(&self, report: uuid::Uuid) -> Result<Vec<ReportAction>> {
        self.bodies(
            "SELECT body FROM report_action WHERE report_id = ?1 ORDER BY at_utc, id",
            [report.to_string()],
        )
    }
}
