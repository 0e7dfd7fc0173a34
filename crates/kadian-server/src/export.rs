//! `kadian-server export`: the street's data for the district, as one `.xlsx` workbook whose
//! sheets are the registers community staff keep (kadian-registers' export tables: 居民花名册,
//! 出入登记, 返乡人员), plus 居家观察 (each case with its status folded from its transitions) and
//! 说明 (what the file holds, and what it leaves out). ID numbers and phones are written in
//! full: the district acts on them. The file is personal information under PIPL and the CAC
//! notice of 2020-02-09; the command says so and the audit log records who exported what.
//!
//! The records are read as devices read them (the pull, page by page, street-wide or one
//! community), each checked by its kind's rules again; a stored body that no longer passes is
//! counted and left out, never fatal.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{NaiveDate, Utc};
use kadian_domain::observation::{fold_status, CaseStatus, TransitionFact};
use kadian_domain::records::{
    check_record, CorrectionAction, FollowUpVisit, ObservationCase, Passage, Person, RecordKind,
    TemperatureReading, TravelDeclaration, TypedRecord,
};
use kadian_registers::export::{
    export_workbook, passages_table, residents_table, returnees_table, ExportTable, ExportValue,
    PassageExport, ReturneeExport,
};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{Database, PullFilter};

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Events (passages, travel declarations) from this China date (inclusive); `None`: from
    /// the first.
    pub from: Option<NaiveDate>,
    /// Events up to this China date (inclusive); `None`: up to today.
    pub to: Option<NaiveDate>,
    /// Only this community (12-digit code); `None`: the whole street.
    pub community: Option<String>,
}

/// What a written export holds: rows per sheet, and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    /// Persons (居民花名册).
    pub persons: usize,
    /// Passages in the date range (出入登记), voided ones left out.
    pub passages: usize,
    /// Passages left out because a correction voided or replaced them.
    pub voided_left_out: usize,
    /// Travel declarations in the date range (返乡人员).
    pub returnees: usize,
    /// Home-observation cases (居家观察).
    pub cases: usize,
    /// Stored bodies that no longer pass their kind's rules, left out.
    pub unreadable: usize,
}

/// Everything read from the store, typed (the export's and the daily report's source).
#[derive(Default)]
pub(crate) struct Read {
    pub(crate) persons: HashMap<Uuid, Person>,
    pub(crate) passages: Vec<Passage>,
    pub(crate) readings: Vec<TemperatureReading>,
    pub(crate) travels: Vec<TravelDeclaration>,
    pub(crate) cases: Vec<ObservationCase>,
    pub(crate) transitions: HashMap<Uuid, Vec<TransitionFact>>,
    /// Follow-up visits.
    pub(crate) visits: Vec<FollowUpVisit>,
    /// Referrals to the emergency response group.
    pub(crate) referrals: Vec<kadian_domain::records::Referral>,
    /// Disinfection sites (消杀点位).
    pub(crate) sites: Vec<kadian_domain::records::DisinfectionSite>,
    /// Disinfections done (消杀记录).
    pub(crate) disinfections: Vec<kadian_domain::records::Disinfection>,
    /// Shift events (签到, 交班) of the days read.
    pub(crate) shift_events: Vec<kadian_domain::records::ShiftEvent>,
    /// Records voided or replaced by a correction.
    pub(crate) corrected: HashSet<Uuid>,
    pub(crate) unreadable: usize,
}

impl Read {
    /// Takes one stored record, checked by its kind's rules again (one that fails is counted
    /// in `unreadable`, not taken). Returns its id when it was taken.
    pub(crate) fn add(&mut self, kind: RecordKind, body: &serde_json::Value) -> Option<Uuid> {
        self.take(check_record(kind, body).ok())
    }

    /// [`Read::add`] for a stored body as JSON text, read straight into its type.
    pub(crate) fn add_text(&mut self, kind: RecordKind, body: &str) -> Option<Uuid> {
        self.take(kadian_domain::records::check_record_text(kind, body).ok())
    }

    /// Takes a record that passed its kind's rules (`None`: one that did not, counted).
    fn take(&mut self, typed: Option<TypedRecord>) -> Option<Uuid> {
        let Some(typed) = typed else {
            self.unreadable += 1;
            return None;
        };
        Some(match typed {
            TypedRecord::Person(p) => {
                let id = p.id;
                self.persons.insert(p.id, p);
                id
            }
            TypedRecord::Passage(p) => {
                let id = p.id;
                self.passages.push(p);
                id
            }
            TypedRecord::TemperatureReading(r) => {
                let id = r.id;
                self.readings.push(r);
                id
            }
            TypedRecord::TravelDeclaration(t) => {
                let id = t.id;
                self.travels.push(t);
                id
            }
            TypedRecord::ObservationCase(c) => {
                let id = c.id;
                self.cases.push(c);
                id
            }
            TypedRecord::CaseTransition(t) => {
                self.transitions
                    .entry(t.case_id)
                    .or_default()
                    .push(TransitionFact {
                        id: t.id.to_string(),
                        kind: t.kind,
                        effective: t.effective,
                        recorded_at: t.at.utc.to_rfc3339(),
                    });
                t.id
            }
            TypedRecord::Correction(c) => {
                // Voided, or replaced by its amendment (which is a passage of its own).
                if matches!(c.action, CorrectionAction::Void | CorrectionAction::Amend) {
                    self.corrected.insert(c.target_id);
                }
                c.id
            }
            TypedRecord::FollowUpVisit(v) => {
                let id = v.id;
                self.visits.push(v);
                id
            }
            TypedRecord::Volunteer(v) => v.id,
            TypedRecord::Household(h) => h.id,
            TypedRecord::Screening(s) => s.id,
            TypedRecord::KeyArea(k) => k.id,
            TypedRecord::KeyAreaChange(k) => k.id,
            TypedRecord::HouseholdVisit(v) => v.id,
            TypedRecord::PersonLink(l) => l.id,
            // Read with their clocks by `report hotline` (crate::hotline), not here.
            TypedRecord::HotlineReport(r) => r.id,
            TypedRecord::ReportAction(a) => a.id,
            TypedRecord::DisinfectionSite(site) => {
                let id = site.id;
                self.sites.push(site);
                id
            }
            TypedRecord::StockMovement(m) => m.id,
            TypedRecord::Donation(d) => d.id,
            TypedRecord::ShiftEvent(e) => {
                let id = e.id;
                self.shift_events.push(e);
                id
            }
            TypedRecord::Disinfection(d) => {
                let id = d.id;
                self.disinfections.push(d);
                id
            }
            // Not in the district's export; the daily report counts those raised at a gate.
            TypedRecord::Referral(r) => {
                let id = r.id;
                self.referrals.push(r);
                id
            }
        })
    }
}

/// Reads every record in scope (the whole street, or one community) as devices pull them, each
/// checked by its kind's rules again; a stored body that no longer passes is counted, not fatal.
pub(crate) async fn read_all(db: &dyn Database, community: Option<&str>) -> anyhow::Result<Read> {
    let filter = PullFilter {
        community: community.map(str::to_owned),
        compound: None,
        zone: None,
        events_since: None,
        // No device's events are left out.
        device_id: String::new(),
    };
    let mut read = Read::default();
    let mut cursor = 0;
    loop {
        let (changes, next, more) = db.pull(&filter, cursor, 2_000).await?;
        for change in changes.into_iter().filter(|c| !c.deleted) {
            if let Ok(kind) = change.kind.parse::<RecordKind>() {
                read.add(kind, &change.body);
            } // else reference data
        }
        if !more || next <= cursor {
            break;
        }
        cursor = next;
    }
    Ok(read)
}

fn china_date(at: chrono::DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&crate::china_time::offset()).date_naive()
}

/// The status as the street's registers write it.
fn status_zh(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => "观察中",
        CaseStatus::Referred => "已转应急处置组",
        CaseStatus::Released => "已解除观察",
        CaseStatus::TransferredOut => "已转出",
        CaseStatus::Lost => "失联",
        CaseStatus::Cancelled => "已撤销",
    }
}

/// Puts a column in front of a table: `values[i]` for row `i`.
fn with_first_column(
    mut table: ExportTable,
    header: &str,
    values: Vec<ExportValue>,
) -> ExportTable {
    table.headers.insert(0, header.to_owned());
    for (row, v) in table.rows.iter_mut().zip(values) {
        row.insert(0, v);
    }
    table
}

fn text(s: impl Into<String>) -> ExportValue {
    let s = s.into();
    if s.is_empty() {
        ExportValue::Empty
    } else {
        ExportValue::Text(s)
    }
}

/// Writes the street's (or one community's) data to `path` as `.xlsx`. Errors: no street yet,
/// an unknown community, a date range that ends before it starts, the file not writable.
pub async fn export_street(
    db: &dyn Database,
    options: &ExportOptions,
    path: &Path,
) -> anyhow::Result<ExportSummary> {
    let (street, street_name) = db
        .street()
        .await?
        .ok_or_else(|| anyhow::anyhow!("initialise the street first (kadian-server init)"))?;
    let reference = db.reference().await?;
    if let Some(c) = options
        .community
        .as_deref()
        .filter(|c| !reference.communities.contains_key(*c))
    {
        anyhow::bail!("no community {c} in this street (see `kadian-server compound list`)");
    }
    let today = china_date(Utc::now());
    let from = options.from.unwrap_or(NaiveDate::MIN);
    let to = options.to.unwrap_or(today);
    if from > to {
        anyhow::bail!("--from {from} is after --to {to}");
    }
    let in_range = |d: NaiveDate| d >= from && d <= to;
    let read = read_all(db, options.community.as_deref()).await?;
    let mut summary = ExportSummary {
        unreadable: read.unreadable,
        ..ExportSummary::default()
    };

    // 居民花名册: every person in scope, by compound and name.
    let mut persons: Vec<&Person> = read.persons.values().collect();
    persons.sort_by(|a, b| (&a.compound, &a.name, a.id).cmp(&(&b.compound, &b.name, b.id)));
    let persons_owned: Vec<Person> = persons.iter().map(|p| (*p).clone()).collect();
    summary.persons = persons_owned.len();
    let residents = residents_table(&persons_owned);

    // 出入登记: passages in the range, voided ones left out, with the gate, the first reading and
    // a re-measure's.
    let mut first_reading: HashMap<Uuid, &TemperatureReading> = HashMap::new();
    let mut remeasured: HashMap<Uuid, &TemperatureReading> = HashMap::new();
    let by_id: HashMap<Uuid, &TemperatureReading> =
        read.readings.iter().map(|r| (r.id, r)).collect();
    // A voided reading (作废) is no reading.
    for r in read
        .readings
        .iter()
        .filter(|r| !read.corrected.contains(&r.id))
    {
        match (r.passage_id, r.remeasure_of) {
            (Some(p), None) => {
                first_reading.entry(p).or_insert(r);
            }
            (_, Some(of)) => {
                if let Some(p) = by_id.get(&of).and_then(|o| o.passage_id) {
                    let e = remeasured.entry(p).or_insert(r);
                    if r.at.utc > e.at.utc {
                        *e = r;
                    }
                }
            }
            (None, None) => {}
        }
    }
    let mut passages: Vec<&Passage> = Vec::new();
    for p in &read.passages {
        if !in_range(china_date(p.at.utc)) {
            continue;
        }
        if read.corrected.contains(&p.id) {
            summary.voided_left_out += 1;
            continue;
        }
        passages.push(p);
    }
    passages.sort_by_key(|p| (p.at.utc, p.id));
    summary.passages = passages.len();
    let rows: Vec<PassageExport<'_>> = passages
        .iter()
        .map(|p| {
            let person = p.person_id.and_then(|id| read.persons.get(&id));
            PassageExport {
                name: person
                    .map(|x| x.name.as_str())
                    .or(p.walk_in_name.as_deref())
                    .unwrap_or(""),
                phone: person.and_then(|x| x.phone.as_deref()),
                passage: p,
                reading: first_reading.get(&p.id).copied(),
            }
        })
        .collect();
    let mut gate_log = passages_table(&rows);
    let remeasure_column: Vec<ExportValue> = passages
        .iter()
        .map(|p| {
            remeasured.get(&p.id).map_or(ExportValue::Empty, |r| {
                ExportValue::Number(r.celsius.degrees())
            })
        })
        .collect();
    gate_log.headers.push("复测体温".into());
    for (row, v) in gate_log.rows.iter_mut().zip(remeasure_column) {
        row.push(v);
    }
    let gates: Vec<ExportValue> = passages
        .iter()
        .map(|p| text(reference.place_name(&p.checkpoint_id)))
        .collect();
    let gate_log = with_first_column(gate_log, "卡点", gates);

    // 返乡人员: declarations in the range (by arrival date, else the day declared).
    let mut travels: Vec<(&TravelDeclaration, &Person)> = read
        .travels
        .iter()
        .filter(|t| in_range(t.to_date.unwrap_or_else(|| china_date(t.declared_at.utc))))
        .filter_map(|t| Some((t, read.persons.get(&t.person_id?)?)))
        .collect();
    travels.sort_by_key(|(t, _)| (t.declared_at.utc, t.id));
    summary.returnees = travels.len();
    let returnee_rows: Vec<ReturneeExport<'_>> = travels
        .iter()
        .map(|(t, p)| ReturneeExport {
            person: p,
            travel: t,
            reading: t.passage_id.and_then(|id| first_reading.get(&id).copied()),
        })
        .collect();
    let returnees = returnees_table(&returnee_rows, &kadian_registers::Divisions::bundled());

    // 居家观察: every case in scope, its status folded from its transitions.
    let mut cases: Vec<&ObservationCase> = read.cases.iter().collect();
    cases.sort_by_key(|c| (c.start_date, c.id));
    summary.cases = cases.len();
    let observation = ExportTable {
        sheet: "居家观察".into(),
        headers: [
            "姓名",
            "身份证号码",
            "联系电话",
            "社区",
            "小区",
            "住址",
            "观察起始日期",
            "状态",
            "结束日期",
            "包保责任人",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect(),
        rows: cases
            .iter()
            .map(|c| {
                let person = read.persons.get(&c.person_id);
                let folded = fold_status(
                    c.start_date,
                    read.transitions.get(&c.id).map_or(&[][..], Vec::as_slice),
                );
                vec![
                    text(person.map(|p| p.name.clone()).unwrap_or_default()),
                    text(
                        person
                            .and_then(|p| p.document_number.clone())
                            .unwrap_or_default(),
                    ),
                    text(person.and_then(|p| p.phone.clone()).unwrap_or_default()),
                    text(
                        reference
                            .communities
                            .get(&c.community_code)
                            .cloned()
                            .unwrap_or_else(|| c.community_code.clone()),
                    ),
                    text(reference.place_name(&c.compound)),
                    text(c.address.clone().unwrap_or_default()),
                    ExportValue::Date(folded.start),
                    text(status_zh(folded.status)),
                    folded
                        .ended_on
                        .map_or(ExportValue::Empty, ExportValue::Date),
                    text(c.responsible.clone().unwrap_or_default()),
                ]
            })
            .collect(),
    };

    // 说明: what the file is.
    let scope = match options.community.as_deref() {
        Some(c) => format!(
            "{street_name} {}",
            reference.communities.get(c).cloned().unwrap_or_default()
        ),
        None => format!("{street_name}（{street}）全街道"),
    };
    let range = match options.from {
        Some(f) => format!("{f} 至 {to}"),
        None => format!("至 {to}"),
    };
    let about_rows: Vec<(&str, String)> = vec![
        ("范围", scope),
        ("出入登记、返乡人员的日期", range),
        (
            "导出时间（北京时间）",
            crate::china_time::china_minute(Utc::now()),
        ),
        ("居民", summary.persons.to_string()),
        ("出入登记", summary.passages.to_string()),
        (
            "已作废或更正、未列入的出入登记",
            summary.voided_left_out.to_string(),
        ),
        ("返乡人员", summary.returnees.to_string()),
        ("居家观察", summary.cases.to_string()),
        ("未通过校验、未列入的记录", summary.unreadable.to_string()),
        (
            "注意",
            "本文件含个人信息，仅用于疫情防控，按规定保管、用后删除（《个人信息保护法》；中央网信办 2020-02-09 通知）".into(),
        ),
    ];
    let about = ExportTable {
        sheet: "说明".into(),
        headers: vec!["项目".into(), "内容".into()],
        rows: about_rows
            .into_iter()
            .map(|(k, v)| vec![text(k), text(v)])
            .collect(),
    };

    write_private(path, |partial| {
        export_workbook(
            &[about, residents, gate_log, returnees, observation],
            partial,
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    })?;
    Ok(summary)
}

/// Writes a file of personal information: first beside it (`<name>.partial`), readable by its
/// owner only (0600 on Unix), then renamed into place, so a failed write leaves any earlier file
/// whole and nobody else on the machine can read it.
fn write_private(
    path: &Path,
    write: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".partial");
    let partial = path.with_file_name(name);
    let done = write(&partial).and_then(|()| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o600))?;
        }
        std::fs::rename(&partial, path)?;
        Ok(())
    });
    if done.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_goes_in_front_of_every_row() {
        let t = ExportTable {
            sheet: "s".into(),
            headers: vec!["a".into()],
            rows: vec![vec![text("1")], vec![text("2")]],
        };
        let t = with_first_column(t, "卡点", vec![text("东门"), ExportValue::Empty]);
        assert_eq!(t.headers, ["卡点", "a"]);
        assert_eq!(t.rows[0], [text("东门"), text("1")]);
        assert_eq!(t.rows[1], [ExportValue::Empty, text("2")]);
        assert_eq!(text(""), ExportValue::Empty);
    }
}
