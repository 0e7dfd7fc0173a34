//! Exports that Excel opens safely and that import back to the same records: ID numbers and
//! phones as text, dates as real dates (Asia/Shanghai), and no text cell that Excel would run as
//! a formula.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, Workbook};

use crate::RegisterError;

/// One exported value.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportValue {
    /// Nothing.
    Empty,
    /// Text (IDs and phones too: always text, never a number Excel could round).
    Text(String),
    /// A number (temperatures, counts).
    Number(f64),
    /// A calendar date.
    Date(NaiveDate),
    /// A local date and time (Asia/Shanghai).
    DateTime(NaiveDateTime),
}

/// A table to export: a sheet name, column headers, rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportTable {
    /// Sheet name (`居民花名册`, ...).
    pub sheet: String,
    /// Column headers, in the words registers use so the file imports back.
    pub headers: Vec<String>,
    /// Rows of values, each as long as `headers`.
    pub rows: Vec<Vec<ExportValue>>,
}

/// True when Excel would read this text as a formula: it starts with `=`, `+`, `-` or `@` (or a
/// tab or carriage return that hides one), except plain numbers (`-1`, `+3.5`) and phone numbers
/// (`+86 138 0013 8000`), which Excel reads as values. (OWASP, "CSV Injection".)
pub fn is_formula_like(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if matches!(first, '\t' | '\r') {
        return true;
    }
    if !matches!(first, '=' | '+' | '-' | '@') {
        return false;
    }
    let rest = &text[first.len_utf8()..];
    let numeric = !rest.is_empty() && rest.parse::<f64>().is_ok() && first != '=' && first != '@';
    let phone = first == '+'
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        && rest.chars().filter(char::is_ascii_digit).count() >= 7;
    !(numeric || phone)
}

/// The text as a CSV cell: a formula-like text gets a leading `'` (removed again on import).
fn guard(text: &str) -> String {
    if is_formula_like(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Writes the table as CSV in UTF-8 with a BOM (so Excel detects the encoding).
pub fn export_csv(table: &ExportTable, path: &Path) -> Result<(), RegisterError> {
    let err = |e: &dyn std::fmt::Display| RegisterError::Export(e.to_string());
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(table.headers.iter().map(|h| guard(h)))
            .map_err(|e| err(&e))?;
        for row in &table.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|v| match v {
                    ExportValue::Empty => String::new(),
                    ExportValue::Text(t) => guard(t),
                    ExportValue::Number(n) => n.to_string(),
                    ExportValue::Date(d) => d.format("%Y-%m-%d").to_string(),
                    ExportValue::DateTime(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
                })
                .collect();
            w.write_record(&cells).map_err(|e| err(&e))?;
        }
        w.flush().map_err(|e| err(&e))?;
    }
    std::fs::write(path, out).map_err(|e| err(&e))
}

/// Writes the table as `.xlsx`: text as string cells (never formulas), numbers as numbers, dates
/// as date cells formatted `yyyy-mm-dd` (date-times `yyyy-mm-dd hh:mm:ss`).
pub fn export_xlsx(table: &ExportTable, path: &Path) -> Result<(), RegisterError> {
    export_workbook(std::slice::from_ref(table), path)
}

/// Writes several tables as the sheets of one `.xlsx`, in order, each as [`export_xlsx`] writes
/// one. Errors: `RegisterError::Export` (a sheet name Excel refuses, a sheet over 1,048,575
/// rows, the file not writable).
pub fn export_workbook(tables: &[ExportTable], path: &Path) -> Result<(), RegisterError> {
    let err = |e: &dyn std::fmt::Display| RegisterError::Export(e.to_string());
    let mut book = Workbook::new();
    for table in tables {
        write_sheet(&mut book, table)?;
    }
    book.save(path).map_err(|e| err(&e))
}

fn write_sheet(book: &mut Workbook, table: &ExportTable) -> Result<(), RegisterError> {
    let err = |e: &dyn std::fmt::Display| RegisterError::Export(e.to_string());
    let sheet = book.add_worksheet();
    sheet.set_name(&table.sheet).map_err(|e| err(&e))?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (c, h) in table.headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(|e| err(&e))?;
        sheet.set_column_width(c as u16, 14).map_err(|e| err(&e))?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            let written = match v {
                ExportValue::Empty => continue,
                ExportValue::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                ExportValue::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                ExportValue::Date(d) => {
                    sheet.write_datetime_with_format(r, c, d, &date).map(|_| ())
                }
                ExportValue::DateTime(d) => sheet
                    .write_datetime_with_format(r, c, d, &datetime)
                    .map(|_| ()),
            };
            written.map_err(|e| err(&e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_guard() {
        for f in [
            "=1+1",
            "=HYPERLINK(\"x\")",
            "@SUM(A1)",
            "-2+3+cmd|' /C calc'!A0",
            "+A1",
            "\t=1",
        ] {
            assert!(is_formula_like(f), "{f}");
        }
        for v in [
            "-1",
            "+3.5",
            "+86 138 0013 8000",
            "+8613800138000",
            "张三",
            "0370-3221234",
            "",
        ] {
            assert!(!is_formula_like(v), "{v}");
        }
    }
}

use kadian_domain::records::{
    Passage, Person, PersonCategory, TemperatureReading, TransportMode, TravelDeclaration,
};

use crate::places::Divisions;

fn text(v: &Option<String>) -> ExportValue {
    v.as_ref()
        .map(|t| ExportValue::Text(t.clone()))
        .unwrap_or(ExportValue::Empty)
}

fn local(utc: chrono::DateTime<chrono::Utc>) -> NaiveDateTime {
    utc.with_timezone(&chrono_tz::Asia::Shanghai).naive_local()
}

/// The resident register (居民花名册) of these persons, in the columns the roster import reads.
pub fn residents_table(persons: &[Person]) -> ExportTable {
    let headers = [
        "姓名",
        "性别",
        "身份证号码",
        "联系电话",
        "社区代码",
        "小区",
        "楼栋",
        "单元",
        "门牌号",
        "人员类别",
    ];
    ExportTable {
        sheet: "居民花名册".into(),
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows: persons
            .iter()
            .map(|p| {
                vec![
                    ExportValue::Text(p.name.clone()),
                    p.sex
                        .map(|s| ExportValue::Text(s.as_zh().into()))
                        .unwrap_or(ExportValue::Empty),
                    text(&p.document_number),
                    text(&p.phone),
                    text(&p.community_code),
                    text(&p.compound),
                    text(&p.building),
                    text(&p.unit),
                    text(&p.room),
                    ExportValue::Text(
                        match p.category {
                            PersonCategory::Resident => "常住",
                            PersonCategory::Tenant => "租户",
                            PersonCategory::Visitor => "访客",
                        }
                        .into(),
                    ),
                ]
            })
            .collect(),
    }
}

/// One passage to export with who it was.
#[derive(Debug, Clone)]
pub struct PassageExport<'a> {
    /// The person's (or walk-in's) name.
    pub name: &'a str,
    /// Their phone.
    pub phone: Option<&'a str>,
    /// The passage.
    pub passage: &'a Passage,
    /// The reading at it.
    pub reading: Option<&'a TemperatureReading>,
}

/// A gate log (出入登记) in the columns the gate-log import reads; times in Asia/Shanghai.
pub fn passages_table(rows: &[PassageExport<'_>]) -> ExportTable {
    let headers = [
        "日期",
        "时间",
        "姓名",
        "联系电话",
        "体温",
        "进/出",
        "车牌号",
        "事由",
        "去往",
        "登记人",
    ];
    ExportTable {
        sheet: "出入登记".into(),
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                let at = local(r.passage.at.utc);
                vec![
                    ExportValue::Date(at.date()),
                    ExportValue::Text(at.format("%H:%M:%S").to_string()),
                    ExportValue::Text(r.name.to_owned()),
                    r.phone
                        .map(|p| ExportValue::Text(p.to_owned()))
                        .unwrap_or(ExportValue::Empty),
                    r.reading
                        .map(|x| ExportValue::Number(x.celsius.degrees()))
                        .unwrap_or(ExportValue::Empty),
                    ExportValue::Text(
                        if r.passage.direction == kadian_domain::records::Direction::In {
                            "进"
                        } else {
                            "出"
                        }
                        .into(),
                    ),
                    text(&r.passage.plate),
                    text(&r.passage.purpose),
                    text(&r.passage.destination),
                    ExportValue::Text(r.passage.recorded_by.clone()),
                ]
            })
            .collect(),
    }
}

/// One returnee to export.
#[derive(Debug, Clone)]
pub struct ReturneeExport<'a> {
    /// The person.
    pub person: &'a Person,
    /// Their travel declaration.
    pub travel: &'a TravelDeclaration,
    /// Their reading on arrival.
    pub reading: Option<&'a TemperatureReading>,
}

/// A returnee register (返乡人员登记表); the place is written as its full official name
/// (`广东省深圳市南山区`) so the import places it at the same code.
pub fn returnees_table(rows: &[ReturneeExport<'_>], divisions: &Divisions) -> ExportTable {
    let headers = [
        "姓名",
        "身份证号码",
        "联系电话",
        "从何地返回",
        "返回日期",
        "交通方式",
        "车次/航班/车牌",
        "返回时体温(℃)",
    ];
    let place = |code: &str| divisions.full_name(code).unwrap_or_default();
    ExportTable {
        sheet: "返乡人员".into(),
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                let first = r.travel.places.first();
                let from = first
                    .and_then(|p| p.division_code.as_deref().map(place))
                    .or_else(|| first.and_then(|p| p.text.clone()));
                vec![
                    ExportValue::Text(r.person.name.clone()),
                    text(&r.person.document_number),
                    text(&r.person.phone),
                    text(&from),
                    r.travel
                        .to_date
                        .map(ExportValue::Date)
                        .unwrap_or(ExportValue::Empty),
                    ExportValue::Text(
                        match r.travel.transport {
                            Some(TransportMode::Train) => "火车",
                            Some(TransportMode::Flight) => "飞机",
                            Some(TransportMode::Car) => "自驾",
                            Some(TransportMode::Coach) => "客车",
                            Some(TransportMode::Ship) => "船",
                            Some(TransportMode::Other) => "其他",
                            None => "",
                        }
                        .into(),
                    ),
                    text(&r.travel.transport_ref),
                    r.reading
                        .map(|x| ExportValue::Number(x.celsius.degrees()))
                        .unwrap_or(ExportValue::Empty),
                ]
            })
            .collect(),
    }
}
