//! What the review desk (compound, community and street laptops) asks of the device: passages,
//! temperature readings and travel declarations over a date range, a person's whole history,
//! the returnee list with the day home observation ends, the sync conflicts and rejected
//! records, the place list of the travel declaration, and exports to .xlsx and .csv.
//!
//! Lists mask ID numbers and phones; the person page shows them in full to compound, community
//! and street roles only (a volunteer tablet sees them masked everywhere). Exports carry full
//! values: they are the registers reported upward and must import back unchanged.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kadian_domain::records::{
    Direction, Instant, Passage, Person, TemperatureReading, TravelDeclaration,
};
use kadian_domain::sync::Role;
use kadian_domain::Celsius;
use kadian_registers::export::{
    export_csv, export_xlsx, passages_table, returnees_table, ExportTable, ExportValue,
    PassageExport, ReturneeExport,
};
use kadian_registers::places::Divisions;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::core::AppCore;
use crate::gate::{
    celsius_f64, day_start_utc, local, mask_document, mask_phone, AppError, AppResult, PassageView,
    CST_MINUTES,
};
use crate::lookup::ReadingRow;

/// Days of home observation (居家观察) after arrival.
pub const OBSERVATION_DAYS: i64 = 14;
/// Most rows a list or export holds; beyond it the list says it was cut.
pub const LIST_LIMIT: usize = 20_000;

/// A range of local (China) calendar days, both ends included, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct DayRange {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
}

/// One temperature reading in a list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ReadingView {
    /// Reading id.
    pub id: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Local date and time, `YYYY-MM-DD HH:MM`.
    pub local: String,
    /// Person id.
    pub person_id: Option<String>,
    /// Name.
    pub name: String,
    /// °C.
    pub celsius: f64,
    /// ≥ 37.3 °C.
    pub fever: bool,
    /// The reading this one re-measures.
    pub remeasure_of: Option<String>,
    /// Checkpoint name.
    pub checkpoint_name: String,
    /// Who measured (volunteer name).
    pub recorded_by: String,
}

/// A travel declaration in a list (the returnee list too).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TravelView {
    /// Declaration id.
    pub id: String,
    /// Person id.
    pub person_id: Option<String>,
    /// Name.
    pub name: String,
    /// ID number, masked.
    pub id_masked: Option<String>,
    /// Phone, masked.
    pub phone_masked: Option<String>,
    /// Where from, full names (`广东省深圳市南山区`).
    pub places: Vec<String>,
    /// Left there.
    pub from_date: Option<String>,
    /// Arrived (the day observation starts).
    pub to_date: Option<String>,
    /// The last day of home observation: arrival + 14 days.
    pub observation_ends: Option<String>,
    /// Days of observation left from today (0 on the last day; negative: over).
    #[ts(type = "number | null")]
    pub days_left: Option<i64>,
    /// Transport.
    pub transport: Option<String>,
    /// Train or flight number, or plate.
    pub transport_ref: Option<String>,
    /// Who took the declaration (volunteer name).
    pub recorded_by: String,
}

/// A sync conflict as staff read it: whose record, which field, the value kept and the one not
/// applied, shown as text.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ConflictView {
    /// Conflict id (for [`AppCore::settle_conflict`]).
    pub id: String,
    /// Record kind (`person`, ...).
    pub record_kind: String,
    /// Record id.
    pub record_id: String,
    /// Person id when the record is a person (opens the person page).
    pub person_id: Option<String>,
    /// Whose record: the person's name, or the kind and the id's first 8 characters.
    pub who: String,
    /// Field name as in the record (`phone`, `room`, ...); the UI shows its label.
    pub field: String,
    /// The value now stored (the server's), as text; empty when there is none. A document number
    /// or phone is masked (`138****8000`).
    pub kept: String,
    /// The value not applied (this device's, or the other device's), as text.
    pub lost: String,
    /// `server` (merged there) or `device` (an edit here overtaken by the server's version).
    pub origin: String,
    /// True when the value not applied can be chosen instead (person fields); otherwise only
    /// keeping the stored value settles it.
    pub can_keep_lost: bool,
}

/// `unknown_person`: the id names no person on this device.
fn unknown_person() -> AppError {
    AppError::new(
        "unknown_person",
        None,
        "本机没有这个人的登记",
        "This person is not on this device",
    )
}

/// A conflict's stored JSON value as text: a string without its quotes, `null` as empty.
fn conflict_text(json: Option<&str>) -> String {
    match json.map(serde_json::from_str::<serde_json::Value>) {
        Some(Ok(serde_json::Value::String(s))) => s,
        Some(Ok(serde_json::Value::Null)) | None => String::new(),
        Some(Ok(v)) => v.to_string(),
        Some(Err(_)) => json.unwrap_or_default().to_owned(),
    }
}

/// A conflict's value as the lists show it: a document number or phone masked like everywhere
/// else (the person page reveals them), any other field as it is.
fn masked_value(field: &str, text: String) -> String {
    match field {
        "document_number" if !text.is_empty() => mask_document(&text),
        "phone" if !text.is_empty() => mask_phone(&text),
        _ => text,
    }
}

/// The person fields staff may settle by choosing a value (the record's own fields, not its id).
const SETTLEABLE_PERSON_FIELDS: &[&str] = &[
    "name",
    "document_type",
    "document_number",
    "phone",
    "sex",
    "birth_date",
    "compound",
    "building",
    "unit",
    "room",
    "category",
];

/// A person's full document number and phone, asked for on the person page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Revealed {
    /// Document number in full, as stored.
    pub document_number: Option<String>,
    /// Phone in full, as stored.
    pub phone: Option<String>,
}

/// A person with their whole history.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PersonPage {
    /// Person id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `resident`, `tenant`, `visitor`.
    pub category: String,
    /// Document type.
    pub document_type: String,
    /// Document number, masked as in every list (`110105********002X`); the full value comes
    /// only from [`AppCore::person_reveal`].
    pub document_number: Option<String>,
    /// Phone, masked (`138****8000`).
    pub phone: Option<String>,
    /// True when this device's role may reveal the full values (compound, community and street
    /// staff; never a volunteer's tablet).
    pub can_reveal: bool,
    /// Compound, building, unit, room.
    pub address: String,
    /// Passages, newest first.
    pub passages: Vec<PassageView>,
    /// Readings, newest first.
    pub readings: Vec<ReadingView>,
    /// Travel declarations, newest first.
    pub travels: Vec<TravelView>,
}

/// A list of passages, readings or travel declarations for the laptop's tables.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ReviewList<T: TS> {
    /// Rows.
    pub rows: Vec<T>,
    /// True when the range held more than [`LIST_LIMIT`] rows and the list was cut.
    pub truncated: bool,
}

/// A record the server rejected, for the sync panel.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RejectedView {
    /// Outbox sequence (re-queue it with this).
    #[ts(type = "number")]
    pub seq: i64,
    /// Record kind.
    pub kind: String,
    /// Record id.
    pub record_id: String,
    /// The server's code.
    pub code: String,
    /// The server's reason.
    pub message: String,
    /// What the record is, in a few words (name, time).
    pub summary: String,
}

/// One node of the place picker (province → city → district), as Vant's Cascader reads it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PlaceNode {
    /// Name (`广东省`).
    pub text: String,
    /// GB/T 2260 code (`44`, `4403`, `440305`).
    pub value: String,
    /// Cities of a province, districts of a city.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<PlaceNode>>,
}

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

/// A file written by an export.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ExportResult {
    /// Full path of the file.
    pub path: String,
    /// Rows written (without the header).
    pub rows: u32,
    /// Voided passages of the list that were left out of the file (0 for other lists).
    pub voided_left_out: u32,
    /// The file's name (`出入登记_20261201-203000.xlsx`).
    pub file_name: String,
    /// The folder it is in.
    pub folder: String,
}

/// The national division codes bundled with kadian-registers, parsed once.
pub fn divisions() -> &'static Divisions {
    static D: OnceLock<Divisions> = OnceLock::new();
    D.get_or_init(Divisions::bundled)
}

/// The full name of a place code (`440305` → `广东省深圳市南山区`); the code itself when unknown.
pub fn place_name(code: &str) -> String {
    divisions()
        .full_name(code)
        .unwrap_or_else(|| code.to_owned())
}

/// The place tree of the travel declaration: provinces, their cities, their districts.
pub fn place_tree() -> &'static [PlaceNode] {
    static T: OnceLock<Vec<PlaceNode>> = OnceLock::new();
    T.get_or_init(|| {
        let d = divisions();
        let node = |code: &str, depth: u8| -> Option<Vec<PlaceNode>> {
            fn walk(d: &Divisions, code: &str, depth: u8) -> Option<Vec<PlaceNode>> {
                if depth == 0 {
                    return None;
                }
                let kids: Vec<PlaceNode> = d
                    .children(code)
                    .map(|c| PlaceNode {
                        text: c.name.clone(),
                        value: c.code.clone(),
                        children: walk(d, &c.code, depth - 1),
                    })
                    .collect();
                Some(kids).filter(|k| !k.is_empty())
            }
            walk(d, code, depth)
        };
        node("", 3).unwrap_or_default()
    })
}

fn range_utc(r: &DayRange) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let parse = |s: &str, field: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::new(
                "invalid_date",
                Some(field),
                "日期格式应为 年-月-日",
                "The date must be YYYY-MM-DD",
            )
        })
    };
    let (from, to) = (parse(&r.from, "from")?, parse(&r.to, "to")?);
    if from > to {
        return Err(AppError::new(
            "range_reversed",
            Some("from"),
            "开始日期晚于结束日期",
            "The first day is after the last day",
        ));
    }
    Ok((day_start_utc(from), day_start_utc(to) + Duration::days(1)))
}

impl AppCore {
    fn role(&self) -> AppResult<Option<Role>> {
        Ok(self.store().enrolment()?.map(|e| e.role))
    }

    fn reading_view(&self, names: &crate::gate::Names, r: ReadingRow) -> ReadingView {
        ReadingView {
            local: local(r.at).format("%Y-%m-%d %H:%M").to_string(),
            id: r.id,
            at: r.at,
            person_id: r.person_id,
            name: r.name,
            celsius: celsius_f64(r.tenths),
            fever: r.fever,
            remeasure_of: r.remeasure_of,
            checkpoint_name: names
                .checkpoints
                .get(&r.checkpoint_id)
                .cloned()
                .unwrap_or_default(),
            recorded_by: names.volunteer(&r.recorded_by),
        }
    }

    fn travel_view(
        &self,
        names: &crate::gate::Names,
        t: TravelDeclaration,
        person: Option<&Person>,
        today: NaiveDate,
    ) -> TravelView {
        let ends = t.to_date.map(|d| d + Duration::days(OBSERVATION_DAYS));
        TravelView {
            id: t.id.to_string(),
            person_id: t.person_id.map(|p| p.to_string()),
            name: person.map(|p| p.name.clone()).unwrap_or_default(),
            id_masked: person.and_then(|p| p.document_number.as_deref().map(mask_document)),
            phone_masked: person.and_then(|p| p.phone.as_deref().map(mask_phone)),
            places: t
                .places
                .iter()
                .map(|p| {
                    p.division_code
                        .as_deref()
                        .map(place_name)
                        .or_else(|| p.text.clone())
                        .unwrap_or_default()
                })
                .collect(),
            from_date: t.from_date.map(|d| d.to_string()),
            to_date: t.to_date.map(|d| d.to_string()),
            observation_ends: ends.map(|d| d.to_string()),
            days_left: ends.map(|d| (d - today).num_days()),
            transport: t.transport.map(|m| {
                serde_json::to_value(m)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
            transport_ref: t.transport_ref,
            recorded_by: names.volunteer(&t.recorded_by),
        }
    }

    /// Passages at every checkpoint this device sees, over a range of days, newest first.
    pub fn review_passages(&self, range: &DayRange) -> AppResult<ReviewList<PassageView>> {
        let (from, to) = range_utc(range)?;
        let names = self.names()?;
        let mut rows = self.store().passages_in_range(from, to, LIST_LIMIT + 1)?;
        let truncated = rows.len() > LIST_LIMIT;
        rows.truncate(LIST_LIMIT);
        Ok(ReviewList {
            rows: rows.into_iter().map(|r| names.passage_view(r)).collect(),
            truncated,
        })
    }

    /// Temperature readings over a range of days, newest first.
    pub fn review_readings(&self, range: &DayRange) -> AppResult<ReviewList<ReadingView>> {
        let (from, to) = range_utc(range)?;
        let names = self.names()?;
        let mut rows = self.store().readings_between(from, to, LIST_LIMIT + 1)?;
        let truncated = rows.len() > LIST_LIMIT;
        rows.truncate(LIST_LIMIT);
        Ok(ReviewList {
            rows: rows
                .into_iter()
                .map(|r| self.reading_view(&names, r))
                .collect(),
            truncated,
        })
    }

    fn travels_with_people(
        &self,
        list: Vec<TravelDeclaration>,
    ) -> AppResult<Vec<(TravelDeclaration, Option<Person>)>> {
        let store = self.store();
        list.into_iter()
            .map(|t| {
                let p = match t.person_id {
                    Some(id) => store.person(id)?.map(|(p, _)| p),
                    None => None,
                };
                Ok((t, p))
            })
            .collect()
    }

    /// Travel declarations taken over a range of days, newest first.
    pub fn review_travels(&self, range: &DayRange) -> AppResult<ReviewList<TravelView>> {
        let (from, to) = range_utc(range)?;
        let names = self.names()?;
        let list = self.store().travels_declared_between(from, to)?;
        let today = local(self.now()).date();
        let rows = self
            .travels_with_people(list)?
            .into_iter()
            .map(|(t, p)| self.travel_view(&names, t, p.as_ref(), today))
            .collect();
        Ok(ReviewList {
            rows,
            truncated: false,
        })
    }

    fn returnee_declarations(&self) -> AppResult<Vec<(TravelDeclaration, Option<Person>)>> {
        let today = local(self.now()).date();
        // Observation runs through arrival + 14 days: arrivals from 14 days ago on.
        let list = self
            .store()
            .travels_arrived_since(today - Duration::days(OBSERVATION_DAYS))?;
        self.travels_with_people(list)
    }

    /// The returnee list: travel declarations whose arrival was within the last 14 days, with
    /// the last day of home observation, soonest arrival first.
    pub fn returnees(&self) -> AppResult<Vec<TravelView>> {
        let names = self.names()?;
        let today = local(self.now()).date();
        Ok(self
            .returnee_declarations()?
            .into_iter()
            .map(|(t, p)| self.travel_view(&names, t, p.as_ref(), today))
            .collect())
    }

    /// Unresolved sync conflicts, newest first, with the person's name where the record is a
    /// person.
    pub fn conflicts(&self) -> AppResult<Vec<ConflictView>> {
        let store = self.store();
        let mut out = Vec::new();
        for c in store.conflicts()? {
            let person = if c.record_kind == "person" {
                match Uuid::parse_str(&c.record_id) {
                    Ok(id) => store.person(id)?.map(|(p, _)| p),
                    Err(_) => None,
                }
            } else {
                None
            };
            let short: String = c.record_id.chars().take(8).collect();
            out.push(ConflictView {
                who: person
                    .as_ref()
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| format!("{} {short}", c.record_kind)),
                person_id: person.as_ref().map(|p| p.id.to_string()),
                can_keep_lost: person.is_some()
                    && SETTLEABLE_PERSON_FIELDS.contains(&c.field.as_str()),
                kept: masked_value(&c.field, conflict_text(c.kept_value.as_deref())),
                lost: masked_value(&c.field, conflict_text(c.lost_value.as_deref())),
                id: c.id,
                record_kind: c.record_kind,
                record_id: c.record_id,
                field: c.field,
                origin: c.origin,
            });
        }
        Ok(out)
    }

    /// Settles a sync conflict. `keep_lost = false` keeps the stored value (nothing changes but
    /// the list); `keep_lost = true` writes the value not applied as a new version of the person
    /// (checked by the person's rules, synced like any edit). Every open conflict of that
    /// record's field is settled with it. Errors: `not_a_desk` on a tablet, `unknown_conflict`,
    /// `cannot_keep_lost` (not a person field), the person's rule errors.
    pub fn settle_conflict(&self, conflict_id: &str, keep_lost: bool) -> AppResult<()> {
        if matches!(self.role()?, Some(Role::Volunteer) | None) {
            return Err(AppError::new(
                "not_a_desk",
                None,
                "同步冲突在小区、社区或街道的电脑上处理",
                "Sync conflicts are settled on compound, community or street laptops",
            ));
        }
        let mut store = self.store();
        let c = store.conflict(conflict_id)?.ok_or_else(|| {
            AppError::new(
                "unknown_conflict",
                None,
                "这条冲突已经处理过或不存在",
                "This conflict was settled already or does not exist",
            )
        })?;
        let mut chosen = None;
        if keep_lost {
            let cannot = || {
                AppError::new(
                    "cannot_keep_lost",
                    Some("field"),
                    "这一项只能保留现有的值",
                    "Only the stored value can be kept for this field",
                )
            };
            if c.record_kind != "person" || !SETTLEABLE_PERSON_FIELDS.contains(&c.field.as_str()) {
                return Err(cannot());
            }
            let id = Uuid::parse_str(&c.record_id).map_err(|_| cannot())?;
            let (person, _) = store.person(id)?.ok_or_else(cannot)?;
            let mut body = serde_json::to_value(&person).map_err(|_| cannot())?;
            let lost: serde_json::Value = c
                .lost_value
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|_| cannot())?
                .unwrap_or(serde_json::Value::Null);
            body[c.field.as_str()] = lost;
            let person: kadian_domain::records::Person =
                serde_json::from_value(body).map_err(|_| cannot())?;
            chosen = Some(person);
        }
        store.settle_conflicts(&c.record_id, &c.field, chosen.as_ref())?;
        drop(store);
        if chosen.is_some() {
            self.written();
        }
        Ok(())
    }

    /// The full document number and phone of one person, for compound, community and street
    /// staff. Errors: `not_allowed` on a volunteer's tablet (or before enrolment),
    /// `unknown_person` when the person is not on this device.
    pub fn person_reveal(&self, person_id: &str) -> AppResult<Revealed> {
        if matches!(self.role()?, Some(Role::Volunteer) | None) {
            return Err(AppError::new(
                "not_allowed",
                None,
                "平板上不能查看完整的证件号和手机号",
                "Full ID numbers and phones cannot be shown on a gate tablet",
            ));
        }
        let id = Uuid::parse_str(person_id).map_err(|_| unknown_person())?;
        let (p, _) = self.store().person(id)?.ok_or_else(unknown_person)?;
        Ok(Revealed {
            document_number: p.document_number,
            phone: p.phone,
        })
    }

    /// A person with their whole history. ID number and phone are masked here as in the lists,
    /// for every role: a full value is shown only when staff ask for it
    /// ([`AppCore::person_reveal`]), one person at a time. (The reveal's reason and audit trail
    /// come with the privacy issue; until then asking is the act.)
    pub fn person_page(&self, person_id: &str) -> AppResult<PersonPage> {
        let id = Uuid::parse_str(person_id).map_err(|_| unknown_person())?;
        let can_reveal = !matches!(self.role()?, Some(Role::Volunteer) | None);
        let names = self.names()?;
        let today = local(self.now()).date();
        let store = self.store();
        let (p, _) = store.person(id)?.ok_or_else(unknown_person)?;
        let passages = store.passages_of_person(id, LIST_LIMIT)?;
        let readings = store.readings_of_person(id)?;
        let travels = store.travels_of_person(id)?;
        drop(store);
        Ok(PersonPage {
            id: p.id.to_string(),
            name: p.name.clone(),
            category: p.category.as_str().to_owned(),
            document_type: p.document_type.as_str().to_owned(),
            document_number: p.document_number.as_deref().map(mask_document),
            phone: p.phone.as_deref().map(mask_phone),
            can_reveal,
            address: [&p.compound, &p.building, &p.unit, &p.room]
                .iter()
                .filter_map(|v| v.as_deref())
                .collect::<Vec<_>>()
                .join(" "),
            passages: passages
                .into_iter()
                .map(|r| names.passage_view(r))
                .collect(),
            readings: readings
                .into_iter()
                .map(|r| self.reading_view(&names, r))
                .collect(),
            travels: travels
                .into_iter()
                .map(|t| self.travel_view(&names, t, Some(&p), today))
                .collect(),
        })
    }

    /// Pulled changes this device could not apply, with the reason (newest first).
    pub fn quarantined_changes(&self) -> AppResult<Vec<crate::replica::QuarantinedChange>> {
        Ok(self.store().quarantined()?)
    }

    /// Records the server rejected, with its reason.
    pub fn rejected_records(&self) -> AppResult<Vec<RejectedView>> {
        Ok(self
            .store()
            .rejected()?
            .into_iter()
            .map(|r| {
                let body: serde_json::Value =
                    serde_json::from_str(&r.entry.body).unwrap_or_default();
                let summary = [
                    body["name"].as_str(),
                    body["walk_in_name"].as_str(),
                    body["at"]["utc"].as_str(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                RejectedView {
                    seq: r.entry.seq,
                    kind: r.entry.kind.clone(),
                    record_id: r.entry.record_id.clone(),
                    code: r.code,
                    message: r.message,
                    summary,
                }
            })
            .collect())
    }

    /// Puts a rejected record back in the queue (after its cause was fixed, e.g. the reference
    /// data it needed has arrived). False when it was not rejected.
    pub fn requeue(&self, seq: i64) -> AppResult<bool> {
        let done = self.store().requeue(seq)?;
        if done {
            self.written();
        }
        Ok(done)
    }

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
                    self.today(&crate::gate::TodayFilter::default())?.passages
                } else {
                    self.review_passages(&range)?.rows
                };
                voided_left_out = rows.iter().filter(|r| r.voided).count();
                (self.passages_export(&rows)?, "出入登记")
            }
            ExportKind::Readings => {
                let rows = self.review_readings(&range)?.rows;
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
        let ext = match format {
            "xlsx" => "xlsx",
            "csv" => "csv",
            _ => {
                return Err(AppError::new(
                    "invalid_format",
                    Some("format"),
                    "只能导出 Excel（.xlsx）或 CSV",
                    "Export as .xlsx or .csv",
                ))
            }
        };
        std::fs::create_dir_all(dir).map_err(|e| export_failed(dir, &e))?;
        let stamp = local(self.now()).format("%Y%m%d-%H%M%S");
        let path: PathBuf = dir.join(format!("{stem}_{stamp}.{ext}"));
        let written = if ext == "xlsx" {
            export_xlsx(&table, &path)
        } else {
            export_csv(&table, &path)
        };
        written.map_err(|e| export_failed(&path, &e))?;
        Ok(ExportResult {
            path: path.display().to_string(),
            rows: u32::try_from(table.rows.len()).unwrap_or(u32::MAX),
            voided_left_out: u32::try_from(voided_left_out).unwrap_or(u32::MAX),
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            folder: dir.display().to_string(),
        })
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
                recorded_by: r.recorded_by.clone(),
            };
            let reading = r.celsius.map(|c| TemperatureReading {
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

fn export_failed(path: &Path, e: &dyn std::fmt::Display) -> AppError {
    AppError::new(
        "export_failed",
        None,
        &format!("文件没有写成：{}（{e}）", path.display()),
        &format!("The file could not be written: {} ({e})", path.display()),
    )
}
