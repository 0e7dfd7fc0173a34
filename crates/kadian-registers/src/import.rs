//! Importing a register row by row: each data row goes through kadian-domain's rules and becomes
//! a person, a travel declaration, or a passage with its reading, or is rejected with its reasons.
//! The report says what happened to every row, by the row number Excel shows.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone};
use kadian_domain::observation::ObservationPolicy;
use kadian_domain::observation::TransitionKind;
use kadian_domain::records;
use kadian_domain::records::{
    address_line, new_id, observation_case_id_for_declaration, CaseTransition, Direction, Instant,
    ObservationCase, ObservationReason, Passage, Person, PersonCategory, TemperatureReading,
    TransportMode, TravelDeclaration, TravelPlace,
};
use kadian_domain::{
    Celsius, DocumentType, FeverThreshold, LicencePlate, Notice, PersonName, Phone,
    ResidentIdNumber, Severity, Sex,
};
use serde::Serialize;
use serde_json::{json, Map, Value};
use unicode_normalization::UnicodeNormalization;

use crate::address::{split_address, KnownCompound};
use crate::cells::{read_grid, Cell, Grid};
use crate::columns::{find_header, Column, HeaderMatch};
use crate::dates::{read_date, read_time, ReadDate};
use crate::households::compound_part;
use crate::places::Divisions;
use crate::RegisterError;

/// The kinds of register community staff keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RegisterKind {
    /// 居民花名册: one person per row.
    Roster,
    /// 返乡人员登记表: a person and their travel declaration (and a reading) per row.
    Returnees,
    /// 出入登记: a passage and its reading per row.
    GateLog,
    /// 居家观察人员台账: a person, their travel declaration and their observation case per row.
    HomeObservation,
    /// 村民花名册 by household: a person per row under their household (组, 门牌号, 户主, 与户主
    /// 关系); the household's cells only on its first row.
    HouseholdRoster,
    /// 区下发核查名单: a person to check per row, in a numbered batch (read by
    /// [`crate::check_list::read_check_list`], not by [`import_grid`]).
    DistrictCheckList,
    /// 消杀点位清单: a disinfection site per row (read by [`crate::sites::read_site_list`], not
    /// by [`import_grid`]).
    DisinfectionSites,
    /// 物资捐赠台账: a donation over one or more rows, an item per row (read by
    /// [`crate::donations::read_donation_ledger`], not by [`import_grid`]).
    DonationLedger,
}

/// What the import needs beyond the file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The kind, or `None` to tell it from the columns.
    pub kind: Option<RegisterKind>,
    /// Today's local date (birth dates after it are impossible).
    pub today: NaiveDate,
    /// The community the people belong to (12-digit code).
    pub community_code: Option<String>,
    /// Their compound, when the file does not say.
    pub compound: Option<String>,
    /// The checkpoint passages and readings are recorded at.
    pub checkpoint_id: String,
    /// Who imported (recorded_by of the events).
    pub recorded_by: String,
    /// The street's fever threshold.
    pub fever: FeverThreshold,
    /// The compounds an address may name (home-observation registers place each case in the
    /// compound its 现住址 names, else in `compound`).
    pub compounds: Vec<KnownCompound>,
    /// The street's observation policy, which imported cases open under.
    pub observation: ObservationPolicy,
}

impl ImportOptions {
    /// Options with defaults: kind detected, checkpoint `import`, fever at 37.3 °C.
    pub fn new(today: NaiveDate) -> Self {
        ImportOptions {
            kind: None,
            today,
            community_code: None,
            compound: None,
            checkpoint_id: "import".into(),
            recorded_by: "import".into(),
            fever: FeverThreshold::default(),
            compounds: Vec::new(),
            observation: ObservationPolicy::default(),
        }
    }
}

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Imported, nothing to flag.
    Accepted,
    /// Imported, with something a person must look at.
    Warned,
    /// Not imported; the issues say why.
    Rejected,
}

/// One finding on a row.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RowIssue {
    /// Field name (`id_number`, `temperature_c`, ...).
    pub field: String,
    /// Stable code.
    pub code: String,
    /// `warning` or `error`.
    #[ts(type = "\"warning\" | \"error\"")]
    pub severity: Severity,
    /// Message in zh-CN.
    pub message: String,
    /// Message in en.
    pub message_en: String,
}

impl From<Notice> for RowIssue {
    fn from(n: Notice) -> Self {
        RowIssue {
            field: n.field.as_str().to_owned(),
            code: n.code,
            severity: n.severity,
            message: n.message,
            message_en: n.message_en,
        }
    }
}

/// The report of one row.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RowReport {
    /// Row number as Excel shows it (CSV: line number, header = 1).
    pub row: usize,
    /// Accepted, warned or rejected.
    pub status: RowStatus,
    /// What was found.
    pub issues: Vec<RowIssue>,
    /// The values stored (`null` for a rejected row).
    #[ts(type = "Record<string, unknown> | null")]
    pub normalized: Option<Map<String, Value>>,
}

/// The import report (JSON through `--report`, and shown in the app before anything is stored).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportReport {
    /// The file name.
    pub file: String,
    /// The register kind.
    pub kind: RegisterKind,
    /// The sheet read.
    pub sheet: String,
    /// The header's row number.
    pub header_row: usize,
    /// The 填报日期 in the title rows (home-observation registers: year-less dates take its
    /// year, and an arrival after it is refused).
    #[ts(type = "string | null")]
    pub report_date: Option<NaiveDate>,
    /// Data rows (blank rows and the 合计 row are not data rows).
    pub rows_total: usize,
    /// Rows imported clean.
    pub accepted: usize,
    /// Rows imported with warnings.
    pub warned: usize,
    /// Rows not imported.
    pub rejected: usize,
    /// Distinct persons the file yields.
    pub persons_created: usize,
    /// Rows merged into a person already seen in the file.
    pub persons_merged: usize,
    /// Households (户) the file yields (a roster by household, or by building, unit and room).
    pub households: usize,
    /// Header texts no column could be found for.
    pub unmapped_columns: Vec<String>,
    /// Every data row.
    pub rows: Vec<RowReport>,
}

impl ImportReport {
    /// Adds a row's report, counted: rejected when an issue is an error (its values not
    /// kept), warned when it has any issue, else accepted. Returns its status.
    pub fn add_row(
        &mut self,
        row: usize,
        issues: Vec<RowIssue>,
        normalized: Map<String, Value>,
    ) -> RowStatus {
        let status = if issues.iter().any(|i| i.severity == Severity::Error) {
            self.rejected += 1;
            RowStatus::Rejected
        } else if issues.is_empty() {
            self.accepted += 1;
            RowStatus::Accepted
        } else {
            self.warned += 1;
            RowStatus::Warned
        };
        self.rows.push(RowReport {
            row,
            status,
            issues,
            normalized: (status != RowStatus::Rejected).then_some(normalized),
        });
        status
    }
}

/// A passage with the reading taken at it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedPassage {
    /// The passage.
    pub passage: Passage,
    /// Its reading.
    pub reading: Option<TemperatureReading>,
}

/// Everything a register yields, ready to store in one transaction, and its report.
#[derive(Debug, Clone)]
pub struct ImportBatch {
    /// The report.
    pub report: ImportReport,
    /// Distinct persons.
    pub persons: Vec<Person>,
    /// Passages (gate logs).
    pub passages: Vec<ImportedPassage>,
    /// Travel declarations (returnee registers).
    pub travel: Vec<TravelDeclaration>,
    /// Readings not tied to a passage (a returnee's temperature on arrival).
    pub readings: Vec<TemperatureReading>,
    /// Observation cases (home-observation registers).
    pub cases: Vec<ObservationCase>,
    /// Their releases: a row whose period ended by the register's date, or marked 已解除.
    pub transitions: Vec<CaseTransition>,
    /// Households (户): a village roster's, or a compound roster's by building, unit and room;
    /// each person names theirs.
    pub households: Vec<records::Household>,
}

/// Reads and imports a register file. A file that cannot be read at all is an error and yields
/// nothing.
pub fn import_file(
    path: &Path,
    options: &ImportOptions,
    divisions: &Divisions,
) -> Result<ImportBatch, RegisterError> {
    let grid = read_grid(path)?;
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    import_grid(&grid, &file, options, divisions)
}

fn kind_of(header: &HeaderMatch) -> RegisterKind {
    if header.find(Column::ObservationStart).is_some() {
        RegisterKind::HomeObservation
    } else if header.find(Column::Direction).is_some() {
        RegisterKind::GateLog
    } else if header.find(Column::ReturnedFrom).is_some()
        || header.find(Column::ReturnedOn).is_some()
    {
        RegisterKind::Returnees
    } else {
        RegisterKind::Roster
    }
}

/// Text of a cell, with the apostrophe that our CSV export puts before `=`, `+`, `-`, `@`
/// removed again.
pub(crate) fn cell_text(cell: &Cell) -> String {
    let t = cell.text();
    let trimmed = t.trim();
    match trimmed.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
        _ => trimmed.to_owned(),
    }
}

/// The header row of a street list (site list, donation ledger): the first of 20 rows whose
/// cells name enough of `columns` (each a key and the headings it goes by, compared without
/// spaces, full-width folded) for `enough`; with the columns found, by index.
pub(crate) fn find_keyed_header(
    grid: &Grid,
    columns: &[(&'static str, &[&str])],
    enough: impl Fn(&[(usize, &'static str)]) -> bool,
) -> Option<(usize, Vec<(usize, &'static str)>)> {
    for (i, row) in grid.rows.iter().enumerate().take(20) {
        let found: Vec<(usize, &'static str)> = row
            .iter()
            .enumerate()
            .filter_map(|(c, cell)| {
                let t: String = cell_text(cell)
                    .nfkc()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                columns
                    .iter()
                    .find(|(_, names)| names.contains(&t.as_str()))
                    .map(|(key, _)| (c, *key))
            })
            .collect();
        if enough(&found) {
            return Some((i, found));
        }
    }
    None
}

/// A contact's 联系电话 as a register writes it: 11 digits, or a landline `0370-xxxxxxx`;
/// anything else is warned (`phone_invalid`) and not kept.
pub(crate) fn contact_phone(raw: &str, issues: &mut Vec<RowIssue>) -> Option<String> {
    match Phone::parse(raw) {
        Ok(c) if !c.warnings.iter().any(|w| w.code == "phone_unrecognised") => Some(c.value.number),
        _ => {
            issues.push(issue(
                "phone",
                "phone_invalid",
                Severity::Warning,
                format!("联系电话“{raw}”无法识别，未保存"),
                format!("The phone “{raw}” cannot be read; not stored"),
            ));
            None
        }
    }
}

pub(crate) fn issue(
    field: &str,
    code: &str,
    severity: Severity,
    zh: String,
    en: String,
) -> RowIssue {
    RowIssue {
        field: field.into(),
        code: code.into(),
        severity,
        message: zh,
        message_en: en,
    }
}

/// The year a register is about: the most common year of its full dates, else a year in its
/// title rows, else this year.
fn register_year(
    grid: &Grid,
    header: &HeaderMatch,
    date_columns: &[usize],
    today: NaiveDate,
) -> i32 {
    let mut years: HashMap<i32, usize> = HashMap::new();
    for row in grid.rows.iter().skip(header.index + 1) {
        for &c in date_columns {
            if let Some(ReadDate::Full(d)) = row.get(c).and_then(read_date) {
                *years.entry(d.year()).or_default() += 1;
            }
        }
    }
    if let Some((y, _)) = years.into_iter().max_by_key(|(y, n)| (*n, *y)) {
        return y;
    }
    for row in grid.rows.iter().take(header.index) {
        for cell in row {
            let t: String = cell_text(cell).nfkc().collect();
            if let Some(pos) = t.find('年') {
                let digits: String = t[..pos]
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                if let Ok(y) = digits.parse::<i32>() {
                    if (1949..=2100).contains(&y) {
                        return y;
                    }
                }
            }
        }
    }
    today.year()
}

/// One row's reading: the values and issues found so far.
pub(crate) struct RowWork<'a> {
    pub(crate) cells: &'a [Cell],
    pub(crate) header: &'a HeaderMatch,
    pub(crate) issues: Vec<RowIssue>,
    pub(crate) normalized: Map<String, Value>,
}

impl RowWork<'_> {
    pub(crate) fn cell(&self, column: Column) -> Option<&Cell> {
        self.header
            .find(column)
            .and_then(|i| self.cells.get(i))
            .filter(|c| !c.is_empty() && !matches!(c, Cell::Error(_)))
    }

    pub(crate) fn text(&self, column: Column) -> Option<String> {
        self.cell(column).map(cell_text).filter(|t| !t.is_empty())
    }

    pub(crate) fn warn(&mut self, n: Notice) {
        self.issues.push(n.into());
    }

    pub(crate) fn set(&mut self, key: &str, value: Value) {
        self.normalized.insert(key.into(), value);
    }

    /// The person's sex and birth date in the report (`gender`, `birth_date`).
    pub(crate) fn sex_and_birth(&mut self, person: &Person) {
        self.set(
            "gender",
            person.sex.map(|s| json!(s.as_zh())).unwrap_or(Value::Null),
        );
        self.set(
            "birth_date",
            person
                .birth_date
                .map(|d| json!(d.to_string()))
                .unwrap_or(Value::Null),
        );
    }

    pub(crate) fn rejected(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }

    /// The name (required).
    pub(crate) fn name(&mut self) -> Option<String> {
        match PersonName::parse(&self.text(Column::Name).unwrap_or_default()) {
            Ok(c) => {
                for w in c.warnings {
                    self.warn(w);
                }
                self.set("name", json!(c.value.as_str()));
                Some(c.value.as_str().to_owned())
            }
            Err(e) => {
                self.warn(e);
                None
            }
        }
    }

    /// The ID number. One that cannot be trusted (an impossible birth date, an unknown
    /// province, digits Excel rounded) is dropped with a warning and the row goes in without
    /// it: a typo must not drop a resident from the register (issue 12); only a row with
    /// nothing to identify a person is rejected.
    pub(crate) fn id_number(&mut self, today: NaiveDate) -> Option<ResidentIdNumber> {
        let cell = self.cell(Column::IdNumber).cloned();
        let raw = match &cell {
            None => {
                self.set("id_number", Value::Null);
                self.issues.push(issue(
                    "id_number",
                    "id_missing",
                    Severity::Warning,
                    "没有身份证号码，请补充".into(),
                    "No ID number; please add it".into(),
                ));
                return None;
            }
            Some(Cell::Number(n)) if *n >= 1e15 => None,
            Some(c) => {
                let t = cell_text(c);
                let sci = t.contains(['E', 'e'])
                    && t.replace(['E', 'e', '+', '.'], "")
                        .chars()
                        .all(|c| c.is_ascii_digit());
                (!sci).then_some(t)
            }
        };
        let Some(raw) = raw else {
            self.set("id_number", Value::Null);
            self.issues.push(issue(
                "id_number",
                "id_excel_number",
                Severity::Warning,
                "身份证号码被 Excel 存成了数字，后几位已丢失；请把该列设为“文本”后重新填写".into(),
                "Excel stored the ID number as a number and its last digits are lost; format the column as Text and enter it again".into(),
            ));
            return None;
        };
        match ResidentIdNumber::parse(&raw, today) {
            Ok(c) => {
                for w in c.warnings {
                    self.warn(w);
                }
                self.set("id_number", json!(c.value.as_str()));
                Some(c.value)
            }
            Err(mut e) => {
                self.set("id_number", Value::Null);
                e.severity = Severity::Warning;
                // The row goes in without it: said, with the rule's own reason and code.
                e.message = format!("身份证号码无效（{}），未保存", e.message);
                e.message_en = format!("Invalid ID number ({}); not stored", e.message_en);
                self.warn(e);
                None
            }
        }
    }

    pub(crate) fn phone(&mut self) -> Option<String> {
        let Some(raw) = self.text(Column::Phone) else {
            self.set("phone", Value::Null);
            return None;
        };
        match Phone::parse(&raw) {
            Ok(c) => {
                for w in c.warnings {
                    self.warn(w);
                }
                self.set("phone", json!(c.value.number));
                Some(c.value.number)
            }
            Err(e) => {
                self.set("phone", Value::Null);
                self.warn(e);
                None
            }
        }
    }

    /// The temperature: empty is no reading; an unusable one is a warning and no reading (said
    /// as a file's problem, see [`for_a_file`]).
    fn temperature(&mut self, fever: FeverThreshold) -> Option<Celsius> {
        let parsed = self
            .text(Column::Temperature)
            .map(|raw| Celsius::parse(&raw));
        let value = match parsed {
            None => None,
            Some(Ok(c)) => {
                for w in c.warnings {
                    self.warn(w);
                }
                Some(c.value)
            }
            Some(Err(mut e)) => {
                e.severity = Severity::Warning;
                self.warn(for_a_file(e));
                None
            }
        };
        self.set(
            "temperature_c",
            value.map(|c| json!(c.degrees())).unwrap_or(Value::Null),
        );
        let flags: Vec<&str> = value
            .filter(|c| fever.is_fever(*c))
            .map(|_| "fever")
            .into_iter()
            .collect();
        self.set("flags", json!(flags));
        value
    }

    fn plate(&mut self, raw: &str, key: &str) -> Option<String> {
        match LicencePlate::parse(raw) {
            Ok(c) => {
                self.set(key, json!(c.value.as_str()));
                Some(c.value.as_str().to_owned())
            }
            Err(e) => {
                self.set(key, Value::Null);
                self.issues.push(issue(
                    "plate",
                    "plate_invalid",
                    Severity::Warning,
                    format!("车牌号“{raw}”无效（{}），未保存", e.message),
                    format!("Plate \"{raw}\" is invalid ({}); not stored", e.message_en),
                ));
                None
            }
        }
    }

    /// The train, flight or plate of a journey (`transport_ref`): a plate by the plate rules,
    /// a train or flight number upper-case without spaces, dots or a trailing 次 (`K1066次`).
    fn transport_ref(&mut self, transport: Option<TransportMode>) -> Option<String> {
        let reference = self
            .text(Column::TransportRef)
            .or_else(|| self.text(Column::Plate));
        let Some(r) = reference else {
            self.set("transport_ref", Value::Null);
            return None;
        };
        let first = r.trim().chars().next().unwrap_or(' ');
        let looks_like_plate = transport == Some(TransportMode::Car)
            || "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼".contains(first);
        if looks_like_plate {
            return self.plate(&r, "transport_ref");
        }
        let folded: String = r
            .nfkc()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect::<String>()
            .trim_end_matches('次')
            .to_uppercase();
        self.set("transport_ref", json!(folded));
        Some(folded)
    }

    fn date(
        &mut self,
        column: Column,
        key: &str,
        year: i32,
        today: NaiveDate,
    ) -> Option<NaiveDate> {
        let Some(cell) = self.cell(column).cloned() else {
            self.set(key, Value::Null);
            return None;
        };
        let date = match read_date(&cell) {
            Some(ReadDate::Full(d)) => Some(d),
            Some(ReadDate::NoYear { month, day }) => {
                let d = NaiveDate::from_ymd_opt(year, month, day);
                if let Some(d) = d {
                    self.issues.push(issue(
                        "date",
                        "date_year_assumed",
                        Severity::Warning,
                        format!("日期“{}”没有年份，按登记表的年份记为 {d}，请确认", cell_text(&cell)),
                        format!("\"{}\" has no year; read as {d} from the register's year, please confirm", cell_text(&cell)),
                    ));
                }
                d
            }
            None => None,
        };
        match date {
            Some(d) if d > today => {
                self.issues.push(issue(
                    "date",
                    "date_future",
                    Severity::Warning,
                    format!("日期 {d} 在今天之后，请核对"),
                    format!("{d} is after today; please check"),
                ));
            }
            None => {
                self.issues.push(issue(
                    "date",
                    "date_invalid",
                    Severity::Warning,
                    format!("无法识别日期“{}”，未保存", cell_text(&cell)),
                    format!("Cannot read the date \"{}\"; not stored", cell_text(&cell)),
                ));
            }
            _ => {}
        }
        self.set(
            key,
            date.map(|d| json!(d.to_string())).unwrap_or(Value::Null),
        );
        date
    }
}

fn category_of(text: Option<String>) -> PersonCategory {
    match text.as_deref() {
        Some(t) if t.contains("租") || t.contains("流动") => PersonCategory::Tenant,
        Some(t) if t.contains("访") || t.contains("外来") => PersonCategory::Visitor,
        _ => PersonCategory::Resident,
    }
}

fn sex_of(text: Option<String>) -> Option<Sex> {
    match text.as_deref().map(str::trim) {
        Some("男" | "M" | "m" | "male") => Some(Sex::Male),
        Some("女" | "F" | "f" | "female") => Some(Sex::Female),
        _ => None,
    }
}

fn transport_of(text: &str) -> Option<TransportMode> {
    Some(
        if text.contains("火车") || text.contains("高铁") || text.contains("动车") {
            TransportMode::Train
        } else if text.contains("飞") || text.contains("航") {
            TransportMode::Flight
        } else if text.contains("自驾") || text.contains("私家车") || text.contains("汽车") {
            TransportMode::Car
        } else if text.contains("客车") || text.contains("大巴") || text.contains("长途") {
            TransportMode::Coach
        } else if text.contains("船") {
            TransportMode::Ship
        } else if text.trim().is_empty() {
            return None;
        } else {
            TransportMode::Other
        },
    )
}

/// Namespace of the ids of imported records (UUIDv5): importing the same register twice, or on
/// two laptops, yields the same ids, so the server stores each record once. Records made at a
/// gate keep their UUIDv7.
const IMPORT_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6b61_6469_616e_4000_8000_7265_6769_7374);

/// The id of an imported record, from what identifies it.
fn import_id(key: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&IMPORT_NAMESPACE, key.as_bytes())
}

/// Imports an already-read grid (see [`import_file`]).
pub fn import_grid(
    grid: &Grid,
    file: &str,
    options: &ImportOptions,
    divisions: &Divisions,
) -> Result<ImportBatch, RegisterError> {
    if options.kind == Some(RegisterKind::DisinfectionSites) {
        return Err(RegisterError::NotARegister(
            "消杀点位清单 is imported as disinfection sites, not as a register",
        ));
    }
    if options.kind == Some(RegisterKind::DonationLedger) {
        return Err(RegisterError::NotARegister(
            "物资捐赠台账 is imported as donations (kadian-server import donations), not as a register",
        ));
    }
    if options.kind == Some(RegisterKind::DistrictCheckList) {
        return Err(RegisterError::NotARegister(
            "区下发核查名单 is imported as hotline reports (热线举报 → 导入核查名单), not as a register",
        ));
    }
    let mut header = find_header(grid).ok_or(RegisterError::NoHeader)?;
    // A register whose only address is 户籍地址 (a roster of registered residents) reads it as
    // the address, as before the district's check list told the two apart.
    if header.find(Column::Address).is_none() {
        for (_, c) in &mut header.columns {
            if *c == Column::RegisteredAddress {
                *c = Column::Address;
            }
        }
    }
    // Cells merged down the data rows (包保责任人 over the people one staff member visits) reach
    // every row they cover; a header merged down into the rows is no value.
    let grid = &*grid.merges_filled_below(header.index);
    let kind = match options.kind {
        // Residents by household (a village's roster) are residents too.
        Some(RegisterKind::Roster) | None if crate::households::lists_households(&header) => {
            RegisterKind::HouseholdRoster
        }
        Some(k) => k,
        None => kind_of(&header),
    };
    if header.find(Column::Name).is_none() {
        return Err(RegisterError::MissingColumn("姓名 (name)"));
    }
    if kind == RegisterKind::GateLog && header.find(Column::Direction).is_none() {
        return Err(RegisterError::MissingColumn("进/出 (direction)"));
    }
    let date_columns: Vec<usize> = [Column::ReturnedOn, Column::Date]
        .iter()
        .filter_map(|c| header.find(*c))
        .collect();
    let report_date = report_date_of(grid, &header);
    // A home-observation register's year-less dates take its 填报日期's year.
    let year = match (kind, report_date) {
        (RegisterKind::HomeObservation, Some(d)) => d.year(),
        _ => register_year(grid, &header, &date_columns, options.today),
    };
    // The day the register speaks of: arrivals after it are impossible.
    let as_of = report_date.unwrap_or(options.today);
    let tz = chrono::FixedOffset::east_opt(8 * 3600).ok_or(RegisterError::NoHeader)?;

    let mut batch = ImportBatch {
        report: ImportReport {
            file: file.to_owned(),
            kind,
            sheet: grid.sheet.clone(),
            header_row: header.index + 1,
            report_date,
            rows_total: 0,
            accepted: 0,
            warned: 0,
            rejected: 0,
            persons_created: 0,
            persons_merged: 0,
            households: 0,
            unmapped_columns: header.unmapped.clone(),
            rows: Vec::new(),
        },
        persons: Vec::new(),
        passages: Vec::new(),
        travel: Vec::new(),
        readings: Vec::new(),
        cases: Vec::new(),
        transitions: Vec::new(),
        households: Vec::new(),
    };
    // The compound (or village) the register is of, and the households it lists.
    let register_compound = crate::households::register_compound(
        grid,
        &header,
        options.compound.as_deref(),
        &options.compounds,
    );
    let mut households = crate::households::Households::default();
    // A village roster's household the rows below its first belong to.
    let mut current_household: Option<usize> = None;
    // Person identity within the file: ID number, else name + phone.
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let mut after_total = false;

    for (index, cells) in grid.rows.iter().enumerate().skip(header.index + 1) {
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        let first: String = cells
            .iter()
            .find(|c| !c.is_empty())
            .map(cell_text)
            .unwrap_or_default();
        let first: String = first.nfkc().filter(|c| !c.is_whitespace()).collect();
        let row_number = index + 1;
        if first.starts_with("合计") || first.starts_with("总计") {
            after_total = true;
            continue;
        }
        if after_total {
            // Below the 合计 row are notes (填表说明, 填报人); a row that reads as a person is
            // not imported, and said, never dropped in silence.
            let has_name = header
                .find(Column::Name)
                .and_then(|i| cells.get(i))
                .is_some_and(|c| !c.is_empty());
            let filled = header
                .columns
                .iter()
                .filter(|(i, _)| cells.get(*i).is_some_and(|c| !c.is_empty()))
                .count();
            if has_name && filled >= 3 {
                batch.report.rejected += 1;
                batch.report.rows_total += 1;
                batch.report.rows.push(RowReport {
                    row: row_number,
                    status: RowStatus::Rejected,
                    issues: vec![issue(
                        "record",
                        "after_total_row",
                        Severity::Error,
                        "这一行在合计行之后，没有导入：请把它移到合计行之前再导入".into(),
                        "This row is below the total (合计) row and was not imported: move it above and import again".into(),
                    )],
                    normalized: None,
                });
            }
            continue;
        }
        let mut w = RowWork {
            cells,
            header: &header,
            issues: Vec::new(),
            normalized: Map::new(),
        };
        // An Excel error value (#N/A of a broken VLOOKUP, #REF!) is no value: said, and read
        // as an empty cell.
        for (i, column) in &header.columns {
            if let Some(Cell::Error(e)) = cells.get(*i) {
                w.issues.push(issue(
                    &serde_json::to_value(column)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    "excel_error",
                    Severity::Warning,
                    format!("这一格是 Excel 错误值（{e}），按空白处理，请核对原表"),
                    format!("This cell holds an Excel error ({e}); read as empty, check the file"),
                ));
            }
        }
        let name = w.name();
        let id = if kind == RegisterKind::GateLog && header.find(Column::IdNumber).is_none() {
            None
        } else {
            w.id_number(options.today)
        };
        let phone = w.phone();

        let mut person = Person::new(name.clone().unwrap_or_default(), PersonCategory::Resident);
        person.phone = phone.clone();
        person.community_code = w
            .text(Column::CommunityCode)
            .or_else(|| options.community_code.clone());
        person.compound = w
            .text(Column::Compound)
            .or_else(|| options.compound.clone());
        person.building = w.text(Column::Building);
        person.unit = w.text(Column::Unit);
        person.room = w.text(Column::Room);
        person.category = category_of(w.text(Column::Category));
        let written_sex = sex_of(w.text(Column::Gender));
        if let Some(id) = &id {
            person.document_type = if id.is_residence_permit() {
                DocumentType::ResidencePermit
            } else {
                DocumentType::ResidentId
            };
            person.document_number = Some(id.as_str().to_owned());
            person.sex = Some(id.sex());
            person.birth_date = Some(id.birth_date());
            if written_sex.is_some_and(|s| s != id.sex())
                && matches!(kind, RegisterKind::Roster | RegisterKind::HouseholdRoster)
            {
                w.issues.push(issue(
                    "gender",
                    "gender_mismatch",
                    Severity::Warning,
                    format!(
                        "登记的性别与身份证号码不符，按身份证记为{}",
                        id.sex().as_zh()
                    ),
                    format!(
                        "The written sex differs from the ID number's; {} recorded from the ID",
                        id.sex().as_zh()
                    ),
                ));
            }
        } else {
            person.sex = written_sex;
        }
        if kind == RegisterKind::Roster {
            w.sex_and_birth(&person);
            for (key, value) in [
                ("compound", &person.compound),
                ("building", &person.building),
                ("unit", &person.unit),
                ("room", &person.room),
            ] {
                w.set(key, value.as_ref().map(|v| json!(v)).unwrap_or(Value::Null));
            }
            w.set("category", json!(person.category.as_str()));
        }
        // The household the row's person is a member of: (index, relation, the row starts it).
        let mut member: Option<(usize, Option<records::Relation>, bool)> = None;
        match (kind, register_compound) {
            (RegisterKind::HouseholdRoster, village) => {
                // Sex and birth date from the ID number only (a newborn without one has
                // neither on file until it is added).
                if id.is_none() {
                    person.sex = None;
                }
                w.sex_and_birth(&person);
                member = village_member(
                    &mut w,
                    &mut person,
                    village,
                    &mut households,
                    &mut current_household,
                    divisions,
                );
            }
            (RegisterKind::Roster, _) => {
                // By building, unit and room, in the compound the row (or the import) names.
                let named = person
                    .compound
                    .as_deref()
                    .and_then(|n| options.compounds.iter().find(|c| c.name == n || c.id == n));
                let part = |v: &Option<String>| v.as_deref().and_then(compound_part);
                if let (Some(c), Some(room)) = (named.or(register_compound), part(&person.room)) {
                    let (key, i) = households.at(
                        c,
                        records::HouseholdPlace::Compound {
                            building: part(&person.building),
                            unit: part(&person.unit),
                            room: Some(room),
                        },
                    );
                    // An address the household cannot store (a control character, 41
                    // characters) leaves the person without one, said; never a failed commit.
                    match households
                        .list
                        .get(i)
                        .and_then(|h| records::check_household(h).err())
                    {
                        None => {
                            w.set("household", json!(key));
                            member = Some((i, None, false));
                        }
                        Some(n) => w.issues.push(issue(
                            "household",
                            &n.code,
                            Severity::Warning,
                            format!("住址无法作为一户保存（{}），此人暂不归户", n.message),
                            format!(
                                "The address cannot be kept as a household ({}); the person is not placed in one",
                                n.message_en
                            ),
                        )),
                    }
                }
            }
            _ => {}
        }

        // Kind-specific fields.
        let mut passage: Option<ImportedPassage> = None;
        let mut travel: Option<TravelDeclaration> = None;
        let mut arrival_reading: Option<TemperatureReading> = None;
        let mut case: Option<ObservationCase> = None;
        let mut release: Option<NaiveDate> = None;
        match kind {
            // (A check list and a site list are refused above: each has its own reader.)
            RegisterKind::Roster
            | RegisterKind::HouseholdRoster
            | RegisterKind::DistrictCheckList
            | RegisterKind::DisinfectionSites
            | RegisterKind::DonationLedger => {}
            RegisterKind::HomeObservation => {
                let read = observation_row(
                    &mut w,
                    &mut person,
                    id.as_ref(),
                    options,
                    divisions,
                    year,
                    as_of,
                );
                travel = read.travel;
                case = read.case;
                release = read.released_on;
            }
            RegisterKind::Returnees => {
                let from_text = w.text(Column::ReturnedFrom);
                let code = from_text
                    .as_deref()
                    .and_then(|t| divisions.resolve(t))
                    .map(|d| d.code.clone());
                if let (Some(t), None) = (&from_text, &code) {
                    w.issues.push(issue(
                        "returned_from",
                        "place_unknown",
                        Severity::Warning,
                        format!("无法识别返回地“{t}”，请选择省市区"),
                        format!("Cannot place \"{t}\"; pick the province, city and district"),
                    ));
                }
                w.set(
                    "returned_from_code",
                    code.as_ref().map(|c| json!(c)).unwrap_or(Value::Null),
                );
                let returned_on = w.date(Column::ReturnedOn, "returned_on", year, options.today);
                let celsius = w.temperature(options.fever);
                let transport = w.text(Column::Transport).and_then(|t| transport_of(&t));
                let transport_ref = w.transport_ref(transport);
                let declared_at = returned_on
                    .and_then(|d| tz.from_local_datetime(&d.and_time(NaiveTime::MIN)).single())
                    .map(|d| d.with_timezone(&chrono::Utc))
                    .unwrap_or_else(chrono::Utc::now);
                let at = Instant {
                    utc: declared_at,
                    offset_minutes: 480,
                };
                travel = Some(TravelDeclaration {
                    id: new_id(),
                    person_id: None,
                    passage_id: None,
                    places: vec![TravelPlace {
                        division_code: code,
                        text: from_text,
                    }],
                    from_date: None,
                    to_date: returned_on,
                    transport,
                    transport_ref,
                    declared_at: at,
                    recorded_by: options.recorded_by.clone(),
                });
                arrival_reading = celsius.map(|c| TemperatureReading {
                    id: new_id(),
                    passage_id: None,
                    person_id: None,
                    checkpoint_id: options.checkpoint_id.clone(),
                    at,
                    celsius: c,
                    fever: options.fever.is_fever(c),
                    remeasure_of: None,
                    recorded_by: options.recorded_by.clone(),
                });
            }
            RegisterKind::GateLog => {
                let direction = match w.text(Column::Direction).as_deref().map(str::trim) {
                    Some("进" | "入" | "进入" | "in" | "IN") => Some(Direction::In),
                    Some("出" | "离开" | "外出" | "out" | "OUT") => Some(Direction::Out),
                    other => {
                        let shown = other.unwrap_or("").to_owned();
                        w.issues.push(issue(
                            "direction",
                            "direction_invalid",
                            Severity::Error,
                            format!("进/出“{shown}”无法识别（应为“进”或“出”）"),
                            format!("Direction \"{shown}\" is neither 进 (in) nor 出 (out)"),
                        ));
                        None
                    }
                };
                w.set(
                    "direction",
                    direction.map(|d| json!(d.as_str())).unwrap_or(Value::Null),
                );
                let date = match w.cell(Column::Date).and_then(read_date) {
                    Some(ReadDate::Full(d)) => Some(d),
                    Some(ReadDate::NoYear { month, day }) => {
                        NaiveDate::from_ymd_opt(year, month, day)
                    }
                    None => None,
                };
                let time = w.cell(Column::Time).and_then(read_time).or_else(|| {
                    // A single date-time column.
                    w.cell(Column::Date).and_then(|c| match c {
                        Cell::Date(d) => Some(d.time()),
                        _ => None,
                    })
                });
                let at = match (date, time) {
                    (Some(d), Some(t)) => tz.from_local_datetime(&d.and_time(t)).single(),
                    _ => None,
                };
                if at.is_none() {
                    w.issues.push(issue(
                        "at",
                        "at_invalid",
                        Severity::Error,
                        "缺少或无法识别出入日期和时间".into(),
                        "The date and time of the passage are missing or unreadable".into(),
                    ));
                }
                w.set(
                    "at",
                    at.map(|a| json!(a.to_rfc3339())).unwrap_or(Value::Null),
                );
                let celsius = w.temperature(options.fever);
                let plate = match w.text(Column::Plate) {
                    Some(p) => w.plate(&p, "plate"),
                    None => {
                        w.set("plate", Value::Null);
                        None
                    }
                };
                if let (Some(direction), Some(at)) = (direction, at) {
                    let instant = Instant {
                        utc: at.with_timezone(&chrono::Utc),
                        offset_minutes: 480,
                    };
                    let p = Passage {
                        id: new_id(),
                        checkpoint_id: options.checkpoint_id.clone(),
                        direction,
                        at: instant,
                        person_id: None,
                        walk_in_name: None,
                        plate,
                        companions: 0,
                        purpose: w.text(Column::Purpose),
                        destination: w.text(Column::Destination),
                        recorded_by: w
                            .text(Column::RecordedBy)
                            .unwrap_or_else(|| options.recorded_by.clone()),
                    };
                    let reading = celsius.map(|c| TemperatureReading {
                        id: new_id(),
                        passage_id: Some(p.id),
                        person_id: None,
                        checkpoint_id: p.checkpoint_id.clone(),
                        at: instant,
                        celsius: c,
                        fever: options.fever.is_fever(c),
                        remeasure_of: None,
                        recorded_by: p.recorded_by.clone(),
                    });
                    passage = Some(ImportedPassage {
                        passage: p,
                        reading,
                    });
                }
                // A gate log does not say who lives here: its people are visitors until a
                // roster says otherwise.
                person.category = PersonCategory::Visitor;
            }
        }

        // What the row would store must be storable by every device (the rules the server and
        // the device store apply): a record that breaks one is this row's error, not a failed
        // commit of the whole file.
        if name.is_some() && !w.rejected() {
            let mut broken = Vec::new();
            broken.extend(records::check_person(&person).err());
            if let Some(p) = &passage {
                let mut linked = p.passage.clone();
                linked.person_id = Some(person.id);
                broken.extend(records::check_passage(&linked).err());
                if let Some(r) = &p.reading {
                    broken.extend(records::check_reading(r).err());
                }
            }
            if let Some(t) = &travel {
                broken.extend(records::check_travel(t).err());
            }
            if let Some(r) = &arrival_reading {
                broken.extend(records::check_reading(r).err());
            }
            if let Some(c) = &case {
                broken.extend(records::check_observation_case(c).err());
            }
            for n in broken {
                w.issues.push(issue(
                    n.field.as_str(),
                    &n.code,
                    Severity::Error,
                    n.message,
                    n.message_en,
                ));
            }
        }

        // Identity within the file, and the row's outcome.
        let rejected = w.rejected() || name.is_none();
        if !rejected {
            let key = match (&person.document_number, &phone) {
                (Some(d), _) => format!("id:{d}"),
                (None, Some(p)) => format!("np:{}|{p}", person.name),
                // Nothing else to know them by: their row, within their place and name, so
                // that the same file imported again is the same person, and row 12 of another
                // village's roster is not.
                (None, None) => format!(
                    "row:{}|{}|{}|{row_number}",
                    person.community_code.as_deref().unwrap_or(""),
                    person.compound.as_deref().unwrap_or(""),
                    person.name
                ),
            };
            person.id = import_id(&format!("person:{key}"));
            let person_id = match seen.get(&key) {
                Some(&(first_row, idx)) => {
                    batch.report.persons_merged += 1;
                    if matches!(
                        kind,
                        RegisterKind::Roster
                            | RegisterKind::HomeObservation
                            | RegisterKind::HouseholdRoster
                    ) {
                        w.issues.push(issue(
                            "id_number",
                            "duplicate_person",
                            Severity::Warning,
                            format!("与第 {first_row} 行是同一人，已合并（保留第 {first_row} 行的住址）"),
                            format!("Same person as row {first_row}; merged (row {first_row}'s address kept)"),
                        ));
                    }
                    batch.persons[idx].id
                }
                None => {
                    seen.insert(key, (row_number, batch.persons.len()));
                    if let Some((i, _, _)) = member {
                        person.household = households.list.get(i).map(|h| h.id);
                    }
                    batch.persons.push(person.clone());
                    person.id
                }
            };
            // A household's head is the person of its 户主 row (once: a second is said); a
            // person listed again stays in the household where they were first.
            if let Some((i, Some(records::Relation::Head), _)) = member {
                if households.headed(i) {
                    w.issues.push(issue(
                        "relation",
                        "household_head_duplicate",
                        Severity::Warning,
                        "这一户已有户主，又一人登记为户主：请核对".into(),
                        "This household has a head already, and this row names another: please check".into(),
                    ));
                } else {
                    let here = batch
                        .persons
                        .iter()
                        .find(|p| p.id == person_id)
                        .is_some_and(|p| p.household == households.list.get(i).map(|h| h.id));
                    households.set_head(
                        i,
                        here.then_some(person_id),
                        &person.name,
                        phone.as_deref(),
                    );
                }
            }
            if let Some(mut p) = passage {
                p.passage.person_id = Some(person_id);
                p.passage.id = import_id(&format!(
                    "passage:{}:{}:{}:{person_id}",
                    p.passage.checkpoint_id,
                    p.passage.at.utc.timestamp(),
                    p.passage.direction.as_str()
                ));
                if let Some(r) = &mut p.reading {
                    r.person_id = Some(person_id);
                    r.passage_id = Some(p.passage.id);
                    r.id = import_id(&format!("reading:{}", p.passage.id));
                }
                batch.passages.push(p);
            }
            if let Some(mut t) = travel {
                t.person_id = Some(person_id);
                t.id = import_id(&format!(
                    "travel:{person_id}:{:?}:{:?}",
                    t.to_date,
                    t.places
                        .first()
                        .and_then(|p| p.division_code.clone().or_else(|| p.text.clone()))
                ));
                if let Some(mut r) = arrival_reading {
                    r.person_id = Some(person_id);
                    r.id = import_id(&format!("arrival:{}", t.id));
                    batch.readings.push(r);
                }
                if let Some(mut c) = case {
                    c.person_id = person_id;
                    // As 纳入居家观察 from the returnee list derives it: the row's declaration
                    // opened from either place is one case.
                    c.id = observation_case_id_for_declaration(t.id);
                    c.origin_id = Some(t.id);
                    if let Some(on) = release {
                        batch.transitions.push(CaseTransition {
                            id: import_id(&format!("release:{}", c.id)),
                            case_id: c.id,
                            kind: TransitionKind::Release,
                            effective: on,
                            reason:
                                "登记表：观察期已满或已解除 / the register: period over or released"
                                    .into(),
                            at: china_midnight(on),
                            recorded_by: options.recorded_by.clone(),
                        });
                    }
                    batch.cases.push(c);
                }
                batch.travel.push(t);
            }
        }
        let status = if rejected {
            RowStatus::Rejected
        } else if w.issues.is_empty() {
            RowStatus::Accepted
        } else {
            RowStatus::Warned
        };
        match status {
            RowStatus::Accepted => batch.report.accepted += 1,
            RowStatus::Warned => batch.report.warned += 1,
            RowStatus::Rejected => batch.report.rejected += 1,
        }
        batch.report.rows_total += 1;
        batch.report.rows.push(RowReport {
            row: row_number,
            status,
            issues: w.issues,
            normalized: (!rejected).then_some(w.normalized),
        });
    }
    batch.report.persons_created = batch.persons.len();
    // A household only a merged duplicate row named has no member: not one of the file's.
    let lived_in: std::collections::HashSet<uuid::Uuid> =
        batch.persons.iter().filter_map(|p| p.household).collect();
    batch.households = households
        .list
        .into_iter()
        .filter(|h| lived_in.contains(&h.id))
        .collect();
    batch.report.households = batch.households.len();
    Ok(batch)
}

/// A village roster's row: the household it starts (its 组, 门牌号 or 户主 filled) or belongs to
/// (all three blank: the household above), the person's relation to the head, registration and
/// residence, and where a member away lives. Sets the row's normalized household fields and
/// its issues; returns (household, relation, the row starts it), or `None` when the row's
/// household cannot be told (the row is rejected then).
fn village_member(
    w: &mut RowWork<'_>,
    person: &mut Person,
    village: Option<&KnownCompound>,
    households: &mut crate::households::Households,
    current: &mut Option<usize>,
    divisions: &Divisions,
) -> Option<(usize, Option<records::Relation>, bool)> {
    use crate::households::{parse_door, parse_group, residence};
    let group_text = w.text(Column::Group);
    let door_text = w.text(Column::Room);
    let head_text = w.text(Column::HouseholdHead);
    let starts = group_text.is_some() || door_text.is_some() || head_text.is_some();
    person.room = None;
    let Some(village) = village else {
        w.issues.push(issue(
            "compound",
            "village_unknown",
            Severity::Error,
            "不知道这份花名册是哪个村（小区）的：导入时请选择村".into(),
            "Which village this roster is of is not known: choose it when importing".into(),
        ));
        return None;
    };
    if person.compound.is_none() {
        person.compound = Some(village.name.clone());
    }
    if person.community_code.is_none() {
        person.community_code = Some(village.community_code.clone());
    }
    let relation = w
        .text(Column::Relation)
        .and_then(|t| records::Relation::from_register(&t));
    let index = if starts {
        let group = group_text.as_deref().and_then(parse_group);
        let door = door_text.as_deref().and_then(|d| parse_door(d, group));
        *current = None;
        match (group, door) {
            (None, _) => {
                let shown = group_text.unwrap_or_default();
                w.issues.push(issue(
                    "group",
                    "group_missing",
                    Severity::Error,
                    format!("这一户的组“{shown}”缺失或无法识别（应为 1组、一组、第1组）"),
                    format!("This household's group \"{shown}\" is missing or unreadable (write 1组, 一组 or 第1组)"),
                ));
                return None;
            }
            (Some(_), None) => {
                w.issues.push(issue(
                    "house_number",
                    "house_number_missing",
                    Severity::Error,
                    "这一户没有门牌号：请补上后再导入这一户".into(),
                    "This household has no door number: add it and import the household again"
                        .into(),
                ));
                return None;
            }
            (Some(group), Some(door)) => {
                let (_, i) = households.at(
                    village,
                    records::HouseholdPlace::Village {
                        group,
                        house_number: door,
                    },
                );
                if let Some(h) = &head_text {
                    households.name_head(i, h);
                }
                // What the household would store must be storable (a 户主 cell of 60
                // characters, a door number with a control character): this row's error, and
                // the rows under it belong to no household, rather than a failed commit.
                if let Some(n) = households
                    .list
                    .get(i)
                    .and_then(|h| records::check_household(h).err())
                {
                    w.issues.push(issue(
                        "household",
                        &n.code,
                        Severity::Error,
                        n.message,
                        n.message_en,
                    ));
                    return None;
                }
                *current = Some(i);
                i
            }
        }
    } else {
        match *current {
            Some(i) => i,
            None => {
                w.issues.push(issue(
                    "household",
                    "household_unknown",
                    Severity::Error,
                    "这一行不属于任何一户：上面没有可用的组和门牌号".into(),
                    "This row belongs to no household: no usable group and door number above it"
                        .into(),
                ));
                return None;
            }
        }
    };
    let household = households.list.get(index)?;
    let (group, door) = match &household.place {
        records::HouseholdPlace::Village {
            group,
            house_number,
        } => (Some(*group), Some(house_number.clone())),
        records::HouseholdPlace::Compound { .. } => (None, None),
    };
    w.set(
        "household",
        json!(records::household_key(
            &household.community_code,
            &household.compound,
            &household.place
        )),
    );
    w.set("group", json!(group));
    w.set("house_number", json!(door));
    w.set(
        "relation",
        relation
            .and_then(|r| serde_json::to_value(r).ok())
            .unwrap_or(Value::Null),
    );
    if relation.is_none() {
        w.issues.push(issue(
            "relation",
            "relation_missing",
            Severity::Warning,
            "没有填写与户主关系，请补充".into(),
            "The relation to the head of the household is empty; please add it".into(),
        ));
    }
    if starts && relation != Some(records::Relation::Head) {
        w.issues.push(issue(
            "relation",
            "household_head_missing",
            Severity::Warning,
            "这一户的第一行不是户主：请核对户主".into(),
            "This household's first row is not its head: please check who the head is".into(),
        ));
    }
    person.relation = relation;
    let (registered, living) = match w.text(Column::Residence) {
        Some(t) => match residence(&t) {
            Some(r) => (Some(r.0), Some(r.1)),
            None => {
                w.issues.push(issue(
                    "residence",
                    "residence_unknown",
                    Severity::Warning,
                    format!("户籍/常住“{t}”无法识别（应为 户在人在、户在人不在、人在户不在）"),
                    format!("Residence \"{t}\" is not 户在人在, 户在人不在 or 人在户不在"),
                ));
                (None, None)
            }
        },
        None => (None, None),
    };
    person.registered_here = registered;
    person.living_here = living;
    w.set("registered", json!(registered));
    w.set("resident", json!(living));
    let away = w.text(Column::AwayPlace);
    let code = away
        .as_deref()
        .and_then(|t| divisions.resolve(t))
        .map(|d| d.code.clone());
    if let (Some(t), None) = (&away, &code) {
        w.issues.push(issue(
            "away_place",
            "away_place_unresolved",
            Severity::Warning,
            format!("无法识别外出地点“{t}”，请选择省市区"),
            format!("Cannot place \"{t}\"; pick the province, city and district"),
        ));
    }
    w.set("away_place_code", json!(code));
    person.away_place_code = code;
    Some((index, relation, starts))
}

/// The 填报日期 (or 填表日期) in the rows above the header: `填报日期：2020年2月6日` in one cell,
/// or the label in one cell and the date in the next.
fn report_date_of(grid: &Grid, header: &HeaderMatch) -> Option<NaiveDate> {
    report_date_above(grid, header.index)
}

/// The 填报日期 (or 填表日期) in the rows above the header (`header` a 0-based row index):
/// `填报日期：2020年2月6日` in one cell, or the label in one cell and the date in the next.
pub(crate) fn report_date_above(grid: &Grid, header: usize) -> Option<NaiveDate> {
    for row in grid.rows.iter().take(header) {
        for (i, cell) in row.iter().enumerate() {
            let text: String = cell_text(cell)
                .nfkc()
                .filter(|c| !c.is_whitespace())
                .collect();
            let Some(at) = ["填报日期", "填表日期", "填报时间"]
                .iter()
                .find_map(|label| text.find(label).map(|p| p + label.len()))
            else {
                continue;
            };
            let rest = text[at..].trim_start_matches([':', '：']);
            let read = if rest.is_empty() {
                row.get(i + 1).and_then(read_date)
            } else {
                read_date(&Cell::Text(rest.to_owned()))
            };
            if let Some(ReadDate::Full(d)) = read {
                return Some(d);
            }
        }
    }
    None
}

/// How a register names a means of transport (`transport_mode` in its report).
fn transport_name(mode: TransportMode) -> &'static str {
    match mode {
        TransportMode::Train => "train",
        TransportMode::Flight => "plane",
        TransportMode::Car => "car",
        TransportMode::Coach => "bus",
        TransportMode::Ship => "ship",
        TransportMode::Other => "other",
    }
}

/// What a home-observation row yields before its person's id is known (the import sets the
/// ids, derived from the person, afterwards).
struct ObservationRead {
    travel: Option<TravelDeclaration>,
    case: Option<ObservationCase>,
    /// The day the case was released by the register's date (its period over, or 已解除).
    released_on: Option<NaiveDate>,
}

/// 00:00 of a China date, as an instant.
fn china_midnight(d: NaiveDate) -> Instant {
    Instant {
        utc: d.and_time(NaiveTime::MIN).and_utc() - chrono::Duration::hours(8),
        offset_minutes: 480,
    }
}

/// One row of a 居家观察人员台账, by the rules of `../shared/fixtures/README.md`: the person is
/// known by an ID number or a usable phone (neither: rejected); sex and birth date come from
/// the ID number only; the compound is the one the 现住址 names (else the import's); the start
/// (day 0) is the 隔离开始日期, or the arrival when that is empty or earlier (warned); an arrival
/// after the register's 填报日期 is refused; the last day is start + the policy's days.
#[allow(clippy::too_many_arguments)]
fn observation_row(
    w: &mut RowWork<'_>,
    person: &mut Person,
    id: Option<&ResidentIdNumber>,
    options: &ImportOptions,
    divisions: &Divisions,
    year: i32,
    as_of: NaiveDate,
) -> ObservationRead {
    let nothing = ObservationRead {
        travel: None,
        case: None,
        released_on: None,
    };
    let phone_usable =
        person.phone.is_some() && !w.issues.iter().any(|i| i.code == "phone_unrecognised");
    if id.is_none() && !phone_usable {
        w.issues.push(issue(
            "id_number",
            "id_and_phone_unusable",
            Severity::Error,
            "身份证号码和联系电话都无法使用，无法确定是哪个人；请补充后重新导入".into(),
            "Neither the ID number nor the phone can be used, so the person cannot be told; add one and import again".into(),
        ));
    }
    person.sex = id.map(ResidentIdNumber::sex);
    w.sex_and_birth(person);

    // Where: the compound the address names, then building, unit and room.
    let address = w.text(Column::Address);
    let split = address
        .as_deref()
        .map(|t| split_address(t, &options.compounds))
        .unwrap_or_default();
    let by_name = |name: &str| options.compounds.iter().find(|c| c.name == name);
    let compound = w
        .text(Column::Compound)
        .as_deref()
        .and_then(by_name)
        .or_else(|| split.compound.and_then(|i| options.compounds.get(i)));
    let compound = match compound {
        Some(c) => Some(c),
        None => {
            let fallback = options.compound.as_deref().and_then(by_name);
            // An address that names a place (西城花园3号楼…) none of the known compounds is in
            // the import's compound only by assumption: said, not silent.
            if let (Some(c), true) = (fallback, split.names_a_place()) {
                let shown = address.clone().unwrap_or_default();
                w.issues.push(issue(
                    "address",
                    "compound_assumed",
                    Severity::Warning,
                    format!("住址“{shown}”里没有认出本社区的小区，按导入时的小区“{}”计，请核对", c.name),
                    format!("The address \"{shown}\" names no compound known here; counted in {}, please check", c.name),
                ));
            }
            fallback
        }
    };
    match compound {
        Some(c) => {
            person.compound = Some(c.name.clone());
            person.community_code = Some(c.community_code.clone());
        }
        None => {
            let shown = address.clone().unwrap_or_default();
            w.issues.push(issue(
                "address",
                "compound_unresolved",
                Severity::Error,
                format!("住址“{shown}”里没有本社区的小区，不知道由哪个小区随访；请写明小区，或导入时指定小区"),
                format!("The address \"{shown}\" names none of the community's compounds, so nobody would visit; name the compound, or give one to the import"),
            ));
        }
    }
    person.building = w.text(Column::Building).or(split.building);
    person.unit = w.text(Column::Unit).or(split.unit);
    person.room = w.text(Column::Room).or(split.room);
    for (key, value) in [
        ("compound", &person.compound),
        ("building", &person.building),
        ("unit", &person.unit),
        ("room", &person.room),
    ] {
        w.set(key, value.as_ref().map(|v| json!(v)).unwrap_or(Value::Null));
    }

    // From where.
    let from_text = w.text(Column::ReturnedFrom);
    let origin = from_text
        .as_deref()
        .and_then(|t| divisions.resolve(t))
        .map(|d| d.code.clone());
    if origin.is_none() {
        let (zh, en) = match &from_text {
            Some(t) => (
                format!("来源地“{t}”不是可识别的地名，请核对省市区"),
                format!("The origin \"{t}\" names no place; check the province, city and district"),
            ),
            None => (
                "没有来源地，请补充".to_owned(),
                "No origin; please add it".to_owned(),
            ),
        };
        w.issues.push(issue(
            "origin",
            "origin_unresolved",
            Severity::Warning,
            zh,
            en,
        ));
    }
    w.set(
        "origin_code",
        origin.as_ref().map(|c| json!(c)).unwrap_or(Value::Null),
    );

    // When: the arrival (never after the register's date) and day 0.
    let arrived = w.date(Column::ReturnedOn, "arrived_on", year, NaiveDate::MAX);
    if let Some(a) = arrived.filter(|a| *a > as_of) {
        w.issues.push(issue(
            "arrived_on",
            "arrival_in_future",
            Severity::Error,
            format!("返回日期 {a} 在填报日期 {as_of} 之后：人还没有到，不能纳入居家观察"),
            format!("The arrival {a} is after the register's date {as_of}: the person has not arrived yet"),
        ));
    }
    let start_written = w.cell(Column::ObservationStart).is_some();
    let start_read = w.date(
        Column::ObservationStart,
        "observation_start",
        year,
        NaiveDate::MAX,
    );
    if let Some(s) = start_read.filter(|s| *s > as_of) {
        w.issues.push(issue(
            "observation_start",
            "observation_start_after_report",
            Severity::Warning,
            format!("隔离开始日期 {s} 在填报日期 {as_of} 之后，请核对"),
            format!("The observation start {s} is after the register's date {as_of}; please check"),
        ));
    }
    let start = match (arrived, start_read) {
        (Some(a), Some(s)) if s < a => {
            w.issues.push(issue(
                "observation_start",
                "observation_start_before_arrival",
                Severity::Warning,
                format!("隔离开始日期 {s} 早于返回日期 {a}，按返回日期计"),
                format!(
                    "The observation start {s} is before the arrival {a}; counted from the arrival"
                ),
            ));
            Some(a)
        }
        (_, Some(s)) => Some(s),
        (Some(a), None) => {
            w.issues.push(issue(
                "observation_start",
                "observation_start_missing",
                Severity::Warning,
                if start_written {
                    format!("隔离开始日期无法识别，按返回日期 {a} 计")
                } else {
                    format!("没有隔离开始日期，按返回日期 {a} 计")
                },
                format!("No readable observation start; counted from the arrival {a}"),
            ));
            Some(a)
        }
        (None, None) => {
            w.issues.push(issue(
                "observation_start",
                "observation_start_missing",
                Severity::Error,
                "没有返回日期，也没有隔离开始日期：无法计算观察期".into(),
                "Neither an arrival nor an observation start: the period cannot be counted".into(),
            ));
            None
        }
    };
    if arrived.is_none() && start.is_some() {
        w.issues.push(issue(
            "arrived_on",
            "arrival_missing",
            Severity::Warning,
            "没有返回日期，按隔离开始日期计".into(),
            "No arrival date; the observation start is used".into(),
        ));
    }
    let end = start.map(|s| s + chrono::Days::new(u64::from(options.observation.days)));
    w.set(
        "observation_start",
        start.map(|d| json!(d.to_string())).unwrap_or(Value::Null),
    );
    w.set(
        "observation_end",
        end.map(|d| json!(d.to_string())).unwrap_or(Value::Null),
    );

    // How, and who visits.
    let transport = w.text(Column::Transport).and_then(|t| transport_of(&t));
    w.set(
        "transport_mode",
        transport
            .map(|t| json!(transport_name(t)))
            .unwrap_or(Value::Null),
    );
    let transport_ref = w.transport_ref(transport);
    let responsible = w.text(Column::Responsible);
    w.set(
        "responsible_name",
        responsible
            .as_ref()
            .map(|r| json!(r))
            .unwrap_or(Value::Null),
    );
    let responsible_phone = match w.text(Column::ResponsiblePhone) {
        None => None,
        Some(raw) => match Phone::parse(&raw) {
            Ok(c) if c.warnings.is_empty() => Some(c.value.number),
            _ => {
                w.issues.push(issue(
                    "responsible_phone",
                    "responsible_phone_invalid",
                    Severity::Warning,
                    format!("责任人电话“{raw}”无法识别，未保存"),
                    format!("The responsible's phone \"{raw}\" is not a phone number; not stored"),
                ));
                None
            }
        },
    };
    w.set(
        "responsible_phone",
        responsible_phone
            .as_ref()
            .map(|p| json!(p))
            .unwrap_or(Value::Null),
    );

    let notes = w.text(Column::Remark);
    // By the register's date the period was over (the last day before it), or the row says
    // the person was released: the case is imported released, on its last day or that date.
    let released_on = match end {
        Some(e) if e < as_of => Some(e),
        Some(_) if notes.as_deref().is_some_and(|n| n.contains("解除")) => Some(as_of),
        _ => None,
    };
    w.set(
        "status",
        json!(if released_on.is_some() {
            "released"
        } else {
            "open"
        }),
    );
    let (Some(start), Some(compound)) = (start, compound) else {
        return nothing;
    };
    let tz_midnight = china_midnight;
    let places = if origin.is_some() || from_text.is_some() {
        vec![TravelPlace {
            division_code: origin.clone(),
            text: from_text,
        }]
    } else {
        Vec::new()
    };
    let travel = TravelDeclaration {
        id: new_id(),
        person_id: None,
        passage_id: None,
        places,
        from_date: None,
        to_date: arrived.or(Some(start)),
        transport,
        transport_ref,
        declared_at: tz_midnight(arrived.unwrap_or(start)),
        recorded_by: options.recorded_by.clone(),
    };
    let reason = if origin.as_deref().is_some_and(|c| c.starts_with("42")) {
        ObservationReason::ReturneeHubei
    } else {
        ObservationReason::ReturneeElsewhere
    };
    let case = ObservationCase {
        id: new_id(),
        person_id: person.id,
        community_code: compound.community_code.clone(),
        compound: compound.id.clone(),
        address: address_line(
            person.building.as_deref(),
            person.unit.as_deref(),
            person.room.as_deref(),
        )
        .or(split.rest),
        reason,
        origin_id: None,
        start_date: start,
        // Visits before the import are in the register, not here: those days are unknown.
        followed_from: Some(options.today),
        policy: options.observation,
        responsible,
        responsible_phone,
        backup: None,
        notes,
    };
    ObservationRead {
        travel: Some(travel),
        case: Some(case),
        released_on,
    }
}

/// A temperature rule's refusal, said of a register's cell instead of a reading at the gate: the
/// gate's advice (「请重新测量」, "measure again") means nothing for a spreadsheet row, so the
/// message says what the import does with it and what to check.
fn for_a_file(mut e: Notice) -> Notice {
    let zh = e
        .message
        .replace("，请重新测量并填写", "")
        .replace("，请重新测量", "");
    let en = e.message_en.replace("; measure again", "");
    e.message = format!("{zh}：这一行按没有体温导入，请核对原表");
    e.message_en = format!("{en}: the row is imported without a temperature; check the file");
    e
}

#[cfg(test)]
mod file_messages {
    use super::for_a_file;
    use kadian_domain::Celsius;

    #[test]
    fn an_unusable_temperature_in_a_file_is_not_told_to_measure_again() {
        for raw in ["abc", "45.5"] {
            let e = for_a_file(Celsius::parse(raw).expect_err("refused"));
            assert!(!e.message.contains("测量"), "{}", e.message);
            assert!(e.message.ends_with("请核对原表"), "{}", e.message);
            assert!(!e.message_en.contains("measure"), "{}", e.message_en);
        }
    }
}
