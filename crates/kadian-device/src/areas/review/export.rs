//! Exports of the review desk's lists (and the gate's today) to .xlsx and .csv, full values,
//! in the registers' own layout so they import back unchanged.

use std::path::Path;

use kadian_domain::records::{Direction, Instant, Passage, TemperatureReading};
use kadian_domain::Celsius;
use kadian_registers::export::{
    passages_table, returnees_table, ExportTable, ExportValue, PassageExport, ReturneeExport,
};
use serde::Deserialize;
use ts_rs::TS;
use uuid::Uuid;

use super::super::views::{write_export, ExportResult, PassageView};
use super::DayRange;
use crate::app_error::AppResult;
use crate::core::AppCore;
use crate::local_time::{local, CST_MINUTES};
use crate::places::divisions;

/// Which list to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExportKind {
    /// Today's passages at this gate.
    Today,
    /// Passages over the range (出入登记).
    Passages,
    /// Readings over the range.
    Readings,
    /// Returnees under observation (返乡人员登记表).
    Returnees,
}

impl AppCore {
    /// Writes a list to `dir` as `.xlsx` or `.csv` (UTF-8 with BOM); returns the file. Passages
    /// go out in the gate-log columns and returnees in the returnee-register columns, so both
    /// import back to the same records.
    pub fn export(
        &self,
        kind: ExportKind,
        range: Option<&DayRange>,
        format: &str,
        dir: &Path,
    ) -> AppResult<ExportResult> {
        let today = local(self.now()).date();
        let range = range.cloned().unwrap_or(DayRange {
            from: today.to_string(),
            to: today.to_string(),
        });
        let mut voided_left_out = 0;
        let (table, stem) = match kind {
            ExportKind::Today | ExportKind::Passages => {
                let rows = if kind == ExportKind::Today {
                    // The gate's today: this checkpoint's passages on the China day.
                    let checkpoint = self.enrolled_checkpoint()?;
                    let names = self.names()?;
                    let rows = self
                        .store()
                        .passages_on_day(&checkpoint, today, CST_MINUTES)?;
                    rows.into_iter().map(|r| names.passage_view(r)).collect()
                } else {
                    self.review_passages(&range)?.rows
                };
                voided_left_out = rows.iter().filter(|r| r.voided).count();
                (self.passages_export(&rows)?, "出入登记")
            }
            ExportKind::Readings => {
                let all = self.review_readings(&range)?.rows;
                voided_left_out = all.iter().filter(|r| r.voided).count();
                let rows: Vec<_> = all.into_iter().filter(|r| !r.voided).collect();
                let table = ExportTable {
                    sheet: "体温记录".into(),
                    headers: ["时间", "姓名", "体温", "发热", "复测", "卡点", "测量人"]
                        .iter()
                        .map(|h| (*h).to_owned())
                        .collect(),
                    rows: rows
                        .iter()
                        .map(|r| {
                            vec![
                                ExportValue::DateTime(local(r.at)),
                                ExportValue::Text(r.name.clone()),
                                ExportValue::Number(r.celsius),
                                ExportValue::Text(if r.fever { "是" } else { "否" }.into()),
                                ExportValue::Text(
                                    if r.remeasure_of.is_some() {
                                        "是"
                                    } else {
                                        "否"
                                    }
                                    .into(),
                                ),
                                ExportValue::Text(r.checkpoint_name.clone()),
                                ExportValue::Text(r.recorded_by.clone()),
                            ]
                        })
                        .collect(),
                };
                (table, "体温记录")
            }
            ExportKind::Returnees => {
                let list = self.returnee_declarations()?;
                let rows: Vec<ReturneeExport<'_>> = list
                    .iter()
                    .filter_map(|(t, p)| {
                        p.as_ref().map(|person| ReturneeExport {
                            person,
                            travel: t,
                            reading: None,
                        })
                    })
                    .collect();
                (returnees_table(&rows, divisions()), "返乡人员")
            }
        };
        write_export(
            &table,
            stem,
            format,
            dir,
            local(self.now()),
            voided_left_out,
        )
    }

    fn passages_export(&self, rows: &[PassageView]) -> AppResult<ExportTable> {
        let store = self.store();
        let mut owned = Vec::with_capacity(rows.len());
        for r in rows.iter().filter(|r| !r.voided) {
            let phone = match r.person_id.as_deref().and_then(|p| Uuid::parse_str(p).ok()) {
                Some(id) => store.person(id)?.and_then(|(p, _)| p.phone),
                None => None,
            };
            let at = Instant {
                utc: r.at,
                offset_minutes: CST_MINUTES,
            };
            let passage = Passage {
                id: Uuid::parse_str(&r.id).unwrap_or_default(),
                checkpoint_id: r.checkpoint_id.clone(),
                direction: if r.direction == "in" {
                    Direction::In
                } else {
                    Direction::Out
                },
                at,
                person_id: None,
                walk_in_name: Some(r.name.clone()),
                plate: r.plate.clone(),
                companions: 0,
                purpose: r.purpose.clone(),
                destination: r.destination.clone(),
                recorded_by: r.recorded_by.clone(),
            };
            // A fever re-measured stays the fever in the gate log (the re-measure is a row of
            // its own in the readings export): the list shows 「38.5 → 复测 36.9」, and the
            // file must not say 36.9 alone.
            let reading = r.first_celsius.or(r.celsius).map(|c| TemperatureReading {
                id: Uuid::nil(),
                passage_id: None,
                person_id: None,
                checkpoint_id: r.checkpoint_id.clone(),
                at,
                celsius: Celsius::from_tenths((c * 10.0).round() as i16),
                fever: r.fever,
                remeasure_of: None,
                recorded_by: r.recorded_by.clone(),
            });
            owned.push((r.name.clone(), phone, passage, reading));
        }
        let rows: Vec<PassageExport<'_>> = owned
            .iter()
            .map(|(name, phone, passage, reading)| PassageExport {
                name,
                phone: phone.as_deref(),
                passage,
                reading: reading.as_ref(),
            })
            .collect();
        Ok(passages_table(&rows))
    }
}
