//! Importing a register row by row: each data row goes through kadian-domain's rules and becomes
//! a person, a travel declaration, or a passage with its reading, or is rejected with its reasons.
//! The report says what happened to every row, by the row number Excel shows.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone};
use kadian_domain::records;
use kadian_domain::records::{
    new_id, Direction, Instant, Passage, Person, PersonCategory, TemperatureReading, TransportMode,
    TravelDeclaration, TravelPlace,
};
use kadian_domain::{
    Celsius, DocumentType, FeverThreshold, LicencePlate, Notice, PersonName, Phone,
    ResidentIdNumber, Severity, Sex,
};
use serde::Serialize;
use serde_json::{json, Map, Value};
use unicode_normalization::UnicodeNormalization;

use crate::cells::{read_grid, Cell, Grid};
use crate::columns::{find_header, Column, HeaderMatch};
use crate::dates::{read_date, read_time, ReadDate};
use crate::places::Divisions;
use crate::RegisterError;

/// The three kinds of register community staff keep.
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
    /// Header texts no column could be found for.
    pub unmapped_columns: Vec<String>,
    /// Every data row.
    pub rows: Vec<RowReport>,
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
    if header.find(Column::Direction).is_some() {
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
fn cell_text(cell: &Cell) -> String {
    let t = cell.text();
    let trimmed = t.trim();
    match trimmed.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
        _ => trimmed.to_owned(),
    }
}

fn issue(field: &str, code: &str, severity: Severity, zh: String, en: String) -> RowIssue {
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
struct RowWork<'a> {
    cells: &'a [Cell],
    header: &'a HeaderMatch,
    issues: Vec<RowIssue>,
    normalized: Map<String, Value>,
}

impl RowWork<'_> {
    fn cell(&self, column: Column) -> Option<&Cell> {
        self.header
            .find(column)
            .and_then(|i| self.cells.get(i))
            .filter(|c| !c.is_empty())
    }

    fn text(&self, column: Column) -> Option<String> {
        self.cell(column).map(cell_text).filter(|t| !t.is_empty())
    }

    fn warn(&mut self, n: Notice) {
        self.issues.push(n.into());
    }

    fn set(&mut self, key: &str, value: Value) {
        self.normalized.insert(key.into(), value);
    }

    fn rejected(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }

    /// The name (required).
    fn name(&mut self) -> Option<String> {
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

    /// The ID number. `reject_invalid`: an invalid number rejects the row (rosters) instead of
    /// being dropped with a warning (returnee registers, where losing the person is worse).
    fn id_number(&mut self, today: NaiveDate, reject_invalid: bool) -> Option<ResidentIdNumber> {
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
                if reject_invalid { Severity::Error } else { Severity::Warning },
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
                if !reject_invalid {
                    e.severity = Severity::Warning;
                }
                self.warn(e);
                None
            }
        }
    }

    fn phone(&mut self) -> Option<String> {
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
    let header = find_header(grid).ok_or(RegisterError::NoHeader)?;
    let kind = options.kind.unwrap_or_else(|| kind_of(&header));
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
    let year = register_year(grid, &header, &date_columns, options.today);
    let tz = chrono::FixedOffset::east_opt(8 * 3600).ok_or(RegisterError::NoHeader)?;

    let mut batch = ImportBatch {
        report: ImportReport {
            file: file.to_owned(),
            kind,
            sheet: grid.sheet.clone(),
            header_row: header.index + 1,
            rows_total: 0,
            accepted: 0,
            warned: 0,
            rejected: 0,
            persons_created: 0,
            persons_merged: 0,
            unmapped_columns: header.unmapped.clone(),
            rows: Vec::new(),
        },
        persons: Vec::new(),
        passages: Vec::new(),
        travel: Vec::new(),
        readings: Vec::new(),
    };
    // Person identity within the file: ID number, else name + phone.
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();

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
        if first.starts_with("合计") || first.starts_with("总计") {
            break;
        }
        let row_number = index + 1;
        let mut w = RowWork {
            cells,
            header: &header,
            issues: Vec::new(),
            normalized: Map::new(),
        };
        let name = w.name();
        let reject_invalid_id = kind == RegisterKind::Roster;
        let id = if kind == RegisterKind::GateLog && header.find(Column::IdNumber).is_none() {
            None
        } else {
            w.id_number(options.today, reject_invalid_id)
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
            if written_sex.is_some_and(|s| s != id.sex()) && kind == RegisterKind::Roster {
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
            w.set(
                "gender",
                person.sex.map(|s| json!(s.as_zh())).unwrap_or(Value::Null),
            );
            w.set(
                "birth_date",
                person
                    .birth_date
                    .map(|d| json!(d.to_string()))
                    .unwrap_or(Value::Null),
            );
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

        // Kind-specific fields.
        let mut passage: Option<ImportedPassage> = None;
        let mut travel: Option<TravelDeclaration> = None;
        let mut arrival_reading: Option<TemperatureReading> = None;
        match kind {
            RegisterKind::Roster => {}
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
                let reference = w
                    .text(Column::TransportRef)
                    .or_else(|| w.text(Column::Plate));
                let transport_ref = match reference {
                    None => {
                        w.set("transport_ref", Value::Null);
                        None
                    }
                    Some(r) => {
                        let first = r.trim().chars().next().unwrap_or(' ');
                        let looks_like_plate = transport == Some(TransportMode::Car)
                            || "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
                                .contains(first);
                        if looks_like_plate {
                            w.plate(&r, "transport_ref")
                        } else {
                            let folded: String = r
                                .nfkc()
                                .filter(|c| !c.is_whitespace())
                                .collect::<String>()
                                .to_uppercase();
                            w.set("transport_ref", json!(folded));
                            Some(folded)
                        }
                    }
                };
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
                (None, None) => format!("row:{row_number}"),
            };
            person.id = import_id(&format!("person:{key}"));
            let person_id = match seen.get(&key) {
                Some(&(first_row, idx)) => {
                    batch.report.persons_merged += 1;
                    if kind == RegisterKind::Roster {
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
                    batch.persons.push(person.clone());
                    person.id
                }
            };
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
    Ok(batch)
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
