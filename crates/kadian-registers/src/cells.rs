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

/// A merged region of a sheet: its top-left and bottom-right cells, (row, column) from 0.
pub type Region = ((u32, u32), (u32, u32));

/// A sheet as rows of cells. `rows[i]` is the row Excel shows as `i + 1` (for CSV: line `i + 1`).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The sheet's name (`CSV` for a CSV file).
    pub sheet: String,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
    /// Its merged regions, as the file declares them (a merged cell's value is in its first
    /// cell only; see [`Grid::merges_filled_below`]).
    pub merged: Vec<Region>,
}

impl Grid {
    /// The grid with every cell merged down one column below `header` (0-based row index)
    /// holding its region's value: 包保责任人 merged over the rows of the people one person looks
    /// after reaches each of them. A region that starts at or above the header (a title, or a
    /// header cell merged down into the rows) fills nothing. Borrowed when nothing is merged.
    pub fn merges_filled_below(&self, header: usize) -> std::borrow::Cow<'_, Grid> {
        let below: Vec<Region> = self
            .merged
            .iter()
            .copied()
            .filter(|((top, _), _)| *top as usize > header)
            .collect();
        if below.is_empty() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut grid = self.clone();
        fill_merged_down(&mut grid.rows, &below);
        std::borrow::Cow::Owned(grid)
    }
}

/// Reads the first non-empty visible sheet of a workbook, or a CSV file. The extension says
/// whether the file is text (`.csv`, `.txt`) or a workbook (`.xlsx`, `.xlsm`, `.xls`, `.ods`;
/// `.xlsb` is named so it gets its own message); which kind of workbook is read from its bytes
/// (WPS and older tools save .xls bytes under .xlsx names and the reverse).
///
/// Errors: [`RegisterError::Io`], [`RegisterError::UnsupportedType`],
/// [`RegisterError::Workbook`], [`RegisterError::Encoding`], [`RegisterError::TooLarge`] and
/// [`RegisterError::SheetTooLarge`] (see [`crate::guard`] for the limits).
pub fn read_grid(path: &Path) -> Result<Grid, RegisterError> {
    let shown = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let text = match ext.as_str() {
        "csv" | "txt" => true,
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => false,
        _ => return Err(RegisterError::UnsupportedType { path: shown }),
    };
    let bytes = if text {
        crate::guard::read_at_most(
            path,
            crate::guard::MAX_TEXT_BYTES,
            crate::guard::Oversize::Text,
        )?
    } else {
        crate::guard::read_at_most(
            path,
            crate::guard::MAX_FILE_BYTES,
            crate::guard::Oversize::File,
        )?
    };
    read_grid_bytes(&shown, text, &bytes)
}

/// [`read_grid`] of a file's bytes: `text` for a CSV, else a workbook. `shown` names the file
/// in errors.
pub fn read_grid_bytes(shown: &str, text: bool, bytes: &[u8]) -> Result<Grid, RegisterError> {
    if bytes.len() as u64 > crate::guard::MAX_FILE_BYTES {
        return Err(RegisterError::TooLarge {
            path: shown.to_owned(),
            what: crate::guard::Oversize::File,
            found: bytes.len() as u64,
            limit: crate::guard::MAX_FILE_BYTES,
        });
    }
    if text {
        crate::guard::check_text(shown, bytes)?;
        return read_csv(shown, bytes);
    }
    use crate::guard::{self, ZipKind};
    let damaged = |detail: &str| RegisterError::Workbook {
        path: shown.to_owned(),
        detail: detail.to_owned(),
    };
    // What the bytes are decides the reader; each is checked first (`guard`).
    let kind = if guard::is_zip(bytes) {
        match guard::check_zip(shown, bytes, guard::Limits::REGISTER)? {
            ZipKind::Xlsx => Book::Xlsx,
            ZipKind::Ods => Book::Ods,
            // Excel's binary workbooks are rare among registers and their reader trusts the
            // counts the file declares: saved again as .xlsx they are read.
            ZipKind::Xlsb => {
                return Err(RegisterError::UnsupportedType {
                    path: shown.to_owned(),
                })
            }
            ZipKind::Unknown => {
                return Err(damaged("a zip file, but not an Excel or ODS workbook"))
            }
        }
    } else if guard::is_compound_file(bytes) {
        guard::check_xls(shown, bytes)?;
        Book::Xls
    } else {
        return Err(damaged("neither an .xlsx, an .xls nor an .ods workbook"));
    };
    // Whatever the checks missed, a panic in the workbook reader is this file's error, not the
    // end of the laptop's app.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_workbook(shown, kind, bytes)
    }))
    .unwrap_or_else(|_| Err(damaged("the workbook reader failed on this file")))
}

/// The kinds of workbook read (see [`read_grid_bytes`]).
#[derive(Debug, Clone, Copy)]
enum Book {
    Xlsx,
    Xls,
    Ods,
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

/// A CSV file's rows as Excel shows them: a quoted cell over several lines is one row, a blank
/// line is an empty row. Refused at the first non-empty row or column beyond the register limits.
fn read_csv(shown: &str, bytes: &[u8]) -> Result<Grid, RegisterError> {
    let text = decode_text(bytes).ok_or_else(|| RegisterError::Encoding {
        path: shown.to_owned(),
    })?;
    let too_large = |row: u64, column: u64| RegisterError::SheetTooLarge {
        path: shown.to_owned(),
        sheet: "CSV".into(),
        row,
        column,
        max_rows: crate::MAX_SHEET_ROWS,
        max_columns: crate::MAX_SHEET_COLUMNS,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut record = csv::StringRecord::new();
    // Line breaks in the file before the current record, up to `counted_to` (a byte offset);
    // line breaks inside quoted cells of the records before it.
    let (mut line_breaks, mut counted_to, mut inner_breaks) = (0usize, 0usize, 0usize);
    // Non-empty cells so far, against `guard::MAX_CELLS`.
    let mut cells = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(RegisterError::Workbook {
                    path: shown.to_owned(),
                    detail: e.to_string(),
                })
            }
        }
        // The row Excel shows: the record's line in the file, less the line breaks inside
        // quoted cells above it. (The reader's own line number is one early after a blank line:
        // it points at the blank line before the record.)
        let mut start = record
            .position()
            .map_or(counted_to, |p| p.byte() as usize)
            .clamp(counted_to, text.len());
        start += text.as_bytes()[start..]
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .count();
        line_breaks += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted_to = start;
        let line = (line_breaks + 1)
            .saturating_sub(inner_breaks)
            .max(rows.len() + 1);
        inner_breaks += record
            .iter()
            .map(|f| f.matches('\n').count())
            .sum::<usize>();
        let reach = record
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.trim().is_empty())
            .last()
            .map_or(0, |(i, _)| i + 1);
        if reach == 0 {
            continue;
        }
        if line > crate::MAX_SHEET_ROWS as usize || reach > crate::MAX_SHEET_COLUMNS as usize {
            return Err(too_large(line as u64, reach as u64));
        }
        cells += record.iter().filter(|f| !f.trim().is_empty()).count() as u64;
        if cells > crate::guard::MAX_CELLS {
            return Err(crate::guard::too_many_cells(shown, cells));
        }
        while rows.len() + 1 < line {
            rows.push(Vec::new());
        }
        rows.push(
            record
                .iter()
                .take(reach)
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
    Ok(Grid {
        sheet: "CSV".into(),
        rows,
        merged: Vec::new(),
    })
}

fn to_cell(d: calamine::Data) -> Cell {
    use calamine::Data;
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s),
        Data::Int(i) => Cell::Number(i as f64),
        Data::Float(f) => Cell::Number(f),
        Data::Bool(b) => Cell::Bool(b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => Cell::Date(d),
            None => Cell::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s),
        Data::Error(e) => Cell::Error(format!("{e:?}")),
    }
}

/// Cells of one sheet by position, refused as soon as one lies beyond the register limits.
#[derive(Default)]
struct SparseSheet {
    /// The file, for errors.
    path: String,
    cells: Vec<((u32, u32), Cell)>,
    /// Merged regions.
    merged: Vec<Region>,
}

impl SparseSheet {
    fn push(
        &mut self,
        pos: (u32, u32),
        cell: Cell,
        too_large: impl Fn(u32, u32) -> RegisterError,
    ) -> Result<(), RegisterError> {
        // An empty (often only formatted) cell takes nothing: workbooks formatted down to row
        // 1,048,576 are common and fine.
        if cell.is_empty() {
            return Ok(());
        }
        if pos.0 >= crate::MAX_SHEET_ROWS || pos.1 >= crate::MAX_SHEET_COLUMNS {
            return Err(too_large(pos.0, pos.1));
        }
        if self.cells.len() as u64 >= crate::guard::MAX_CELLS {
            return Err(crate::guard::too_many_cells(
                &self.path,
                self.cells.len() as u64 + 1,
            ));
        }
        self.cells.push((pos, cell));
        Ok(())
    }

    /// Rows from row 0, each from column 0 (empty cells filled in), sized to the cells there are.
    fn into_rows(mut self) -> Vec<Vec<Cell>> {
        self.cells.sort_by_key(|(p, _)| *p);
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for ((r, c), cell) in self.cells {
            let (r, c) = (r as usize, c as usize);
            if rows.len() <= r {
                rows.resize(r + 1, Vec::new());
            }
            let row = &mut rows[r];
            if row.len() <= c {
                row.resize(c + 1, Cell::Empty);
            }
            row[c] = cell;
        }
        rows
    }
}

/// A cell merged down over several rows of one column (包保责任人 over the rows of the people
/// one person looks after, a donation's date over its items) holds its value on its first row
/// only; every row it covers gets it. Regions across columns (a title over the table) are left
/// as they are, and a region is filled only over rows the sheet has (a hostile region down to
/// row 1,048,576 adds nothing).
fn fill_merged_down(rows: &mut [Vec<Cell>], merged: &[Region]) {
    // However many regions a file declares (overlapping, repeated), no more cells are visited
    // than a sheet of the register limits has rows, four times over.
    fill_merged_within(rows, merged, 4 * crate::MAX_SHEET_ROWS as usize);
}

/// [`fill_merged_down`], visiting at most `budget` cells.
fn fill_merged_within(rows: &mut [Vec<Cell>], merged: &[Region], mut budget: usize) {
    for &((top, column), (bottom, last_column)) in merged {
        if column != last_column || bottom <= top {
            continue;
        }
        let (top, column) = (top as usize, column as usize);
        let Some(value) = rows.get(top).and_then(|r| r.get(column)).cloned() else {
            continue;
        };
        for row in rows.iter_mut().take(bottom as usize + 1).skip(top + 1) {
            // A blank line inside the region stays blank (it is not a data row).
            if row.iter().all(Cell::is_empty) {
                continue;
            }
            if row.len() <= column {
                row.resize(column + 1, Cell::Empty);
            }
            if budget == 0 {
                return;
            }
            budget -= 1;
            if row[column].is_empty() {
                row[column] = value.clone();
            }
        }
    }
}

fn read_workbook(shown: &str, kind: Book, bytes: &[u8]) -> Result<Grid, RegisterError> {
    use calamine::{Reader, SheetVisible, Sheets};
    let damaged = |detail: String| RegisterError::Workbook {
        path: shown.to_owned(),
        detail,
    };
    let cursor = std::io::Cursor::new(bytes);
    let mut book = match kind {
        Book::Xlsx => calamine::Xlsx::new(cursor)
            .map(Sheets::Xlsx)
            .map_err(|e| damaged(e.to_string()))?,
        Book::Xls => calamine::Xls::new(cursor)
            .map(Sheets::Xls)
            .map_err(|e| damaged(e.to_string()))?,
        Book::Ods => calamine::Ods::new(cursor)
            .map(Sheets::Ods)
            .map_err(|e| damaged(e.to_string()))?,
    };
    // Hidden sheets (a lookup table, last year's copy) are read only when no visible one holds
    // anything.
    let mut names: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    names.sort_by_key(|(_, visible)| !*visible);
    for (name, _) in names {
        let too_large = |row: u32, column: u32| RegisterError::SheetTooLarge {
            path: shown.to_owned(),
            sheet: name.clone(),
            row: u64::from(row) + 1,
            column: u64::from(column) + 1,
            max_rows: crate::MAX_SHEET_ROWS,
            max_columns: crate::MAX_SHEET_COLUMNS,
        };
        let mut sheet = SparseSheet {
            path: shown.to_owned(),
            ..SparseSheet::default()
        };
        if let Sheets::Xls(x) = &book {
            // Registers from older Excel merge their 包保责任人 cells too.
            sheet.merged = x
                .merge_cells_by_sheet_name(&name)
                .map(|m| m.into_iter().map(|d| (d.start, d.end)).collect())
                .unwrap_or_default();
        }
        // .xlsx is read cell by cell, so a hostile file that places one cell at XFD1048576 is
        // refused at that cell instead of making the reader allocate the whole rectangle. .xls
        // and .ods are read whole by calamine, after `guard::check_xls` / `guard::check_zip`
        // measured how far their cells reach.
        match &mut book {
            Sheets::Xlsx(x) => {
                {
                    let mut reader = x
                        .worksheet_cells_reader(&name)
                        .map_err(|e| damaged(e.to_string()))?;
                    while let Some(c) = reader.next_cell().map_err(|e| damaged(e.to_string()))? {
                        let pos = c.get_position();
                        sheet.push(pos, to_cell(c.get_value().clone().into()), too_large)?;
                    }
                }
                sheet.merged = x
                    .merge_cells_by_sheet_name(&name)
                    .map_err(|e| damaged(e.to_string()))?
                    .into_iter()
                    .map(|d| (d.start, d.end))
                    .collect();
            }
            other => {
                let range = other
                    .worksheet_range(&name)
                    .map_err(|e| damaged(e.to_string()))?;
                if let Some(start) = range.start() {
                    for (r, row) in range.rows().enumerate() {
                        for (c, d) in row.iter().enumerate() {
                            let pos = (start.0 + r as u32, start.1 + c as u32);
                            sheet.push(pos, to_cell(d.clone()), too_large)?;
                        }
                    }
                }
            }
        }
        let merged = std::mem::take(&mut sheet.merged);
        let rows = sheet.into_rows();
        if rows.iter().any(|r| r.iter().any(|c| !c.is_empty())) {
            return Ok(Grid {
                sheet: name,
                rows,
                merged,
            });
        }
    }
    Ok(Grid {
        sheet: String::new(),
        rows: Vec::new(),
        merged: Vec::new(),
    })
}

#[cfg(test)]
mod merged {
    use super::{fill_merged_down, Cell};

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn a_cell_merged_down_reaches_every_row_it_covers_and_nothing_else() {
        let mut rows = vec![
            vec![t("台账")],
            vec![t("甲"), t("曹思")],
            vec![t("乙")],
            vec![],
            vec![t("丙"), Cell::Empty],
            vec![t("丁")],
        ];
        // 曹思 merged over rows 2–5 (a blank line inside); the title across columns A1:C1; a
        // hostile region down to the last row Excel has.
        fill_merged_down(
            &mut rows,
            &[((1, 1), (4, 1)), ((0, 0), (0, 2)), ((5, 0), (1_048_575, 0))],
        );
        assert_eq!(rows[2], vec![t("乙"), t("曹思")]);
        assert!(rows[3].is_empty(), "a blank line stays blank");
        assert_eq!(rows[4], vec![t("丙"), t("曹思")]);
        assert_eq!(rows[5], vec![t("丁")], "below the region nothing changes");
        assert_eq!(
            rows[0],
            vec![t("台账")],
            "a region across columns is not filled"
        );
        assert_eq!(rows.len(), 6);
    }
}

#[cfg(test)]
mod merged_budget {
    use super::{fill_merged_within, Cell};

    #[test]
    fn overlapping_regions_visit_no_more_cells_than_the_budget() {
        let mut rows: Vec<Vec<Cell>> = (0..10)
            .map(|i| vec![Cell::Text(format!("r{i}")), Cell::Empty])
            .collect();
        rows[0][1] = Cell::Text("曹思".into());
        // The same region declared over and over: rows 1–9 are reached once, then the budget
        // of 12 ends the work three steps into the second copy.
        fill_merged_within(&mut rows, &vec![((0, 1), (9, 1)); 1000], 12);
        assert!(rows.iter().all(|r| r[1] == Cell::Text("曹思".into())));
        let mut rows: Vec<Vec<Cell>> = (0..10)
            .map(|i| vec![Cell::Text(format!("r{i}")), Cell::Empty])
            .collect();
        rows[0][1] = Cell::Text("曹思".into());
        fill_merged_within(&mut rows, &[((0, 1), (9, 1))], 4);
        let filled = rows
            .iter()
            .filter(|r| r[1] == Cell::Text("曹思".into()))
            .count();
        assert_eq!(filled, 1 + 4, "the first row and four more");
    }
}
