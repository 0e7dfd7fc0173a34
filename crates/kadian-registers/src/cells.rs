//! Reading a register file into a grid of cells, whatever it was saved as: `.xlsx`/`.xls`
//! (calamine) or `.csv` (UTF-8 with or without BOM, or GBK/GB18030 from older Excel).

use std::path::Path;

use chrono::NaiveDateTime;

use crate::RegisterError;

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing (or only white space).
    Empty,
    /// Text, as typed.
    Text(String),
    /// A number cell (Excel stores IDs typed without a leading `'` as numbers).
    Number(f64),
    /// A date cell (Excel's own date type).
    Date(NaiveDateTime),
    /// A boolean cell.
    Bool(bool),
    /// An Excel error value (`#N/A`, ...).
    Error(String),
}

impl Cell {
    /// True for an empty cell or one holding only white space.
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text: numbers without a trailing `.0`, dates as ISO 8601.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%dT%H:%M:%S").to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// A sheet as rows of cells. `rows[i]` is the row Excel shows as `i + 1` (for CSV: line `i + 1`).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The sheet's name (`CSV` for a CSV file).
    pub sheet: String,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

/// Reads the first non-empty sheet of a workbook, or a CSV file.
///
/// Errors: [`RegisterError::Io`], [`RegisterError::UnsupportedType`],
/// [`RegisterError::Workbook`], [`RegisterError::Encoding`].
pub fn read_grid(path: &Path) -> Result<Grid, RegisterError> {
    let shown = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => {
            let bytes = std::fs::read(path).map_err(|e| RegisterError::Io {
                path: shown.clone(),
                detail: e.to_string(),
            })?;
            read_csv(&bytes).ok_or(RegisterError::Encoding { path: shown })
        }
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => read_workbook(path),
        _ => Err(RegisterError::UnsupportedType { path: shown }),
    }
}

/// Decodes CSV bytes: UTF-8 (BOM stripped) when valid, else GB18030 (a superset of GBK).
/// `None` when neither decodes cleanly.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_owned());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

fn read_csv(bytes: &[u8]) -> Option<Grid> {
    let text = decode_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for record in reader.records() {
        let record = record.ok()?;
        let line = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(rows.len() + 1);
        while rows.len() + 1 < line {
            rows.push(Vec::new());
        }
        rows.push(
            record
                .iter()
                .map(|f| {
                    if f.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(f.to_owned())
                    }
                })
                .collect(),
        );
    }
    Some(Grid {
        sheet: "CSV".into(),
        rows,
    })
}

fn read_workbook(path: &Path) -> Result<Grid, RegisterError> {
    use calamine::{Data, Reader};
    let shown = path.display().to_string();
    let damaged = |detail: String| RegisterError::Workbook {
        path: shown.clone(),
        detail,
    };
    if !path.exists() {
        return Err(RegisterError::Io {
            path: shown.clone(),
            detail: "no such file".into(),
        });
    }
    let mut book = calamine::open_workbook_auto(path).map_err(|e| damaged(e.to_string()))?;
    for name in book.sheet_names().to_owned() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| damaged(e.to_string()))?;
        let Some((row0, col0)) = range.start() else {
            continue;
        };
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); row0 as usize];
        for r in range.rows() {
            let mut cells = vec![Cell::Empty; col0 as usize];
            cells.extend(r.iter().map(|d| match d {
                Data::Empty => Cell::Empty,
                Data::String(s) if s.trim().is_empty() => Cell::Empty,
                Data::String(s) => Cell::Text(s.clone()),
                Data::Int(i) => Cell::Number(*i as f64),
                Data::Float(f) => Cell::Number(*f),
                Data::Bool(b) => Cell::Bool(*b),
                Data::DateTime(dt) => match dt.as_datetime() {
                    Some(d) => Cell::Date(d),
                    None => Cell::Number(dt.as_f64()),
                },
                Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
                Data::Error(e) => Cell::Error(format!("{e:?}")),
            }));
            rows.push(cells);
        }
        if rows.iter().any(|r| r.iter().any(|c| !c.is_empty())) {
            return Ok(Grid { sheet: name, rows });
        }
    }
    Ok(Grid {
        sheet: String::new(),
        rows: Vec::new(),
    })
}
