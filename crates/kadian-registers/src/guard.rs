//! What a register file is checked for before a reader sees it: its size; for a zipped
//! workbook (.xlsx, .xlsm, .ods) what its parts unpack to; for an .xls where its cells lie; for
//! a CSV how long its rows are. calamine reads a workbook's
//! shared strings and an .ods sheet whole when it opens them, so a file of a few kilobytes that
//! unpacks to gigabytes, or declares millions of texts or a row repeated a million times, would
//! take the laptop's memory before a single cell is looked at. Each check here streams the part
//! through the zip and XML libraries calamine itself uses, counting; nothing is kept.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use crate::{RegisterError, MAX_SHEET_COLUMNS, MAX_SHEET_ROWS};

/// Most bytes a register file may have on disk: 256 MiB (a 140,000-person resident register
/// saved as .xlsx is about 10 MiB, as CSV 15 MiB).
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// Most bytes one part of a zipped workbook may unpack to: 256 MiB.
pub const MAX_PART_BYTES: u64 = 256 << 20;
/// Most bytes all parts of a zipped workbook may unpack to together: 1 GiB.
pub const MAX_UNPACKED_BYTES: u64 = 1 << 30;
/// Most parts (files inside the zip) a workbook may have.
pub const MAX_PARTS: usize = 10_000;
/// Most bytes a CSV register may have: 64 MiB (a 140,000-person resident register is 15 MiB).
pub const MAX_TEXT_BYTES: u64 = 64 << 20;
/// Most bytes one record (row) of a CSV register may have, line breaks inside quoted cells
/// included: 1 MiB (a real row is under 1 KiB; a record of millions of commas or one giant cell
/// would cost gigabytes once split into fields).
pub const MAX_RECORD_BYTES: u64 = 1 << 20;
/// Most fields one record of a CSV register may have: 16,384 (Excel's last column, XFD).
pub const MAX_RECORD_FIELDS: u64 = 16_384;
/// Most non-empty cells a register's sheet may hold: 8,000,000 (a street's 140,000-person
/// resident register of 15 columns has about 2,100,000; 200,000 rows of 40 columns fit). The
/// grid of that many cells takes about 500 MB.
pub const MAX_CELLS: u64 = 8_000_000;
/// Most shared strings (the workbook's table of distinct texts) a workbook may declare: a
/// register at its largest ([`MAX_SHEET_ROWS`] × [`MAX_SHEET_COLUMNS`]) of distinct texts would
/// need 20 million, a real 140,000-person resident register about 600,000.
pub const MAX_SHARED_STRINGS: u64 = 4_000_000;

/// What of a file is too large, for [`RegisterError::TooLarge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// The file itself ([`MAX_FILE_BYTES`] bytes).
    File,
    /// One part of the workbook, unpacked ([`MAX_PART_BYTES`] bytes).
    Part,
    /// All parts together, unpacked ([`MAX_UNPACKED_BYTES`] bytes).
    Unpacked,
    /// The number of parts ([`MAX_PARTS`]).
    Parts,
    /// The shared strings ([`MAX_SHARED_STRINGS`] texts).
    SharedStrings,
    /// A CSV file ([`MAX_TEXT_BYTES`] bytes).
    Text,
    /// One record of a CSV file ([`MAX_RECORD_BYTES`] bytes).
    Record,
    /// The fields of one record of a CSV file ([`MAX_RECORD_FIELDS`]).
    Fields,
    /// The non-empty cells of a sheet ([`MAX_CELLS`]).
    Cells,
}

impl Oversize {
    /// What it is, in English.
    pub fn en(self) -> &'static str {
        match self {
            Oversize::File => "the file",
            Oversize::Part => "one part of the workbook, unpacked,",
            Oversize::Unpacked => "the workbook, unpacked,",
            Oversize::Parts => "the number of parts in the workbook",
            Oversize::SharedStrings => "the number of distinct texts in the workbook",
            Oversize::Text => "the CSV file",
            Oversize::Record => "one row of the CSV file",
            Oversize::Fields => "the number of fields in one row of the CSV file",
            Oversize::Cells => "the number of non-empty cells",
        }
    }

    /// What it is, in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Oversize::File => "文件大小",
            Oversize::Part => "工作簿中一个部件解压后的大小",
            Oversize::Unpacked => "工作簿解压后的大小",
            Oversize::Parts => "工作簿中的部件数",
            Oversize::SharedStrings => "工作簿中不同文字的条数",
            Oversize::Text => "CSV 文件大小",
            Oversize::Record => "CSV 文件中一行的长度",
            Oversize::Fields => "CSV 文件中一行的字段数",
            Oversize::Cells => "非空单元格的个数",
        }
    }

    /// The unit of its figures, in English (`bytes`, or empty for a count).
    pub fn unit_en(self) -> &'static str {
        match self {
            Oversize::File
            | Oversize::Part
            | Oversize::Unpacked
            | Oversize::Text
            | Oversize::Record => " bytes",
            Oversize::Parts | Oversize::SharedStrings | Oversize::Cells | Oversize::Fields => "",
        }
    }

    /// The unit of its figures, in Chinese (`字节`, or `个`).
    pub fn unit_zh(self) -> &'static str {
        match self {
            Oversize::File
            | Oversize::Part
            | Oversize::Unpacked
            | Oversize::Text
            | Oversize::Record => " 字节",
            Oversize::Parts | Oversize::SharedStrings | Oversize::Cells | Oversize::Fields => " 个",
        }
    }
}

/// The file at `path`, read whole when it is no larger than `limit` bytes (else `what` is too
/// large, said before anything is read).
pub fn read_at_most(
    path: &std::path::Path,
    limit: u64,
    what: Oversize,
) -> Result<Vec<u8>, RegisterError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| RegisterError::Io {
        path: shown.clone(),
        detail: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len > limit {
        return Err(too_large(&shown, what, len, limit));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // A file that grows while it is read stops at the limit all the same.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(&shown, what, bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// Checks a CSV file's size ([`MAX_TEXT_BYTES`]) and each record's bytes and fields
/// ([`MAX_RECORD_BYTES`], [`MAX_RECORD_FIELDS`]) before it is decoded and split into fields:
/// csv-core reads the records into fixed buffers, so a record that would need more stops it
/// there, quoted line breaks or not.
///
/// Errors: [`RegisterError::TooLarge`].
pub fn check_text(path: &str, bytes: &[u8]) -> Result<(), RegisterError> {
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(too_large(
            path,
            Oversize::Text,
            bytes.len() as u64,
            MAX_TEXT_BYTES,
        ));
    }
    let mut reader = csv_core::Reader::new();
    let mut output = vec![0u8; MAX_RECORD_BYTES as usize];
    let mut ends = vec![0usize; MAX_RECORD_FIELDS as usize];
    let mut input = bytes;
    loop {
        let (result, read, _, _) = reader.read_record(input, &mut output, &mut ends);
        input = &input[read..];
        match result {
            csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::Record => {}
            csv_core::ReadRecordResult::OutputFull => {
                return Err(too_large(
                    path,
                    Oversize::Record,
                    MAX_RECORD_BYTES + 1,
                    MAX_RECORD_BYTES,
                ))
            }
            csv_core::ReadRecordResult::OutputEndsFull => {
                return Err(too_large(
                    path,
                    Oversize::Fields,
                    MAX_RECORD_FIELDS + 1,
                    MAX_RECORD_FIELDS,
                ))
            }
            csv_core::ReadRecordResult::End => return Ok(()),
        }
    }
}

/// [`RegisterError::TooLarge`] of [`Oversize::Cells`] for a sheet that holds more than
/// [`MAX_CELLS`] non-empty cells.
pub fn too_many_cells(path: &str, found: u64) -> RegisterError {
    too_large(path, Oversize::Cells, found, MAX_CELLS)
}

fn too_large(path: &str, what: Oversize, found: u64, limit: u64) -> RegisterError {
    RegisterError::TooLarge {
        path: path.to_owned(),
        what,
        found,
        limit,
    }
}

/// True when `bytes` start as a zip archive does (an .xlsx, .xlsb or .ods, whatever its name).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The limits [`check_zip`] holds a workbook to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes one part may unpack to.
    pub part_bytes: u64,
    /// Most bytes all parts may unpack to together.
    pub unpacked_bytes: u64,
    /// Most parts.
    pub parts: usize,
    /// Most shared strings.
    pub shared_strings: u64,
}

impl Limits {
    /// A register's: [`MAX_PART_BYTES`], [`MAX_UNPACKED_BYTES`], [`MAX_PARTS`],
    /// [`MAX_SHARED_STRINGS`].
    pub const REGISTER: Limits = Limits {
        part_bytes: MAX_PART_BYTES,
        unpacked_bytes: MAX_UNPACKED_BYTES,
        parts: MAX_PARTS,
        shared_strings: MAX_SHARED_STRINGS,
    };
}

/// What a zipped workbook is, by the parts it holds (not by its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipKind {
    /// Office Open XML (`xl/workbook.xml`): .xlsx, .xlsm.
    Xlsx,
    /// Excel's binary workbook (`xl/workbook.bin`): .xlsb. Not read (`read_grid_bytes` says to
    /// save it as .xlsx).
    Xlsb,
    /// OpenDocument (`mimetype` and `content.xml`): .ods.
    Ods,
    /// None of these.
    Unknown,
}

/// Checks a zipped workbook's parts against `limits` ([`Limits::REGISTER`] for a register):
/// how many, what each and all unpack to, how many shared strings it declares (the `<si>` it
/// holds and the `uniqueCount` it claims, which calamine reserves room for), and for an .ods how
/// far down and across its non-empty cells reach and how many cells all its tables span
/// (repeated rows and columns counted). Returns what the workbook is.
///
/// Errors: [`RegisterError::Workbook`] (not a readable zip, a part that does not unpack),
/// [`RegisterError::TooLarge`], [`RegisterError::SheetTooLarge`].
pub fn check_zip(path: &str, bytes: &[u8], limits: Limits) -> Result<ZipKind, RegisterError> {
    let damaged = |detail: String| RegisterError::Workbook {
        path: path.to_owned(),
        detail,
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(e.to_string()))?;
    if zip.len() > limits.parts {
        return Err(too_large(
            path,
            Oversize::Parts,
            zip.len() as u64,
            limits.parts as u64,
        ));
    }
    let (mut xlsx, mut xlsb, mut mimetype, mut content) = (false, false, false, false);
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|e| damaged(e.to_string()))?;
        let name = part
            .name()
            .map_err(|e| damaged(e.to_string()))?
            .to_ascii_lowercase();
        xlsx |= name == "xl/workbook.xml";
        xlsb |= name == "xl/workbook.bin";
        mimetype |= name == "mimetype";
        content |= name == "content.xml";
        let budget = limits.part_bytes.min(limits.unpacked_bytes - total);
        let mut counted = Counted {
            inner: part.take(budget + 1),
            bytes: 0,
        };
        let over = |counted: &Counted<_>| {
            if budget == limits.part_bytes {
                too_large(path, Oversize::Part, counted.bytes, limits.part_bytes)
            } else {
                too_large(
                    path,
                    Oversize::Unpacked,
                    total + counted.bytes,
                    limits.unpacked_bytes,
                )
            }
        };
        // A part cut off at its budget reads as broken XML: that is the budget, not damage.
        let scanned = |r: Result<(), quick_xml::Error>, counted: &Counted<_>| match r {
            Err(_) if counted.bytes > budget => Err(over(counted)),
            Err(e) => Err(damaged(format!("{name}: {e}"))),
            Ok(()) => Ok(()),
        };
        if name.ends_with("sharedstrings.xml") {
            let mut strings = 0;
            let r = count_shared_strings(&mut counted, limits.shared_strings).map(|n| strings = n);
            scanned(r, &counted)?;
            if strings > limits.shared_strings {
                return Err(too_large(
                    path,
                    Oversize::SharedStrings,
                    strings,
                    limits.shared_strings,
                ));
            }
        } else if name == "content.xml" {
            let mut reach = Reach::Within;
            let r = ods_reach(&mut counted).map(|found| reach = found);
            scanned(r, &counted)?;
            match reach {
                Reach::Within => {}
                Reach::Beyond(sheet, row, column) => {
                    return Err(RegisterError::SheetTooLarge {
                        path: path.to_owned(),
                        sheet,
                        row,
                        column,
                        max_rows: MAX_SHEET_ROWS,
                        max_columns: MAX_SHEET_COLUMNS,
                    })
                }
                Reach::Cells(cells) => return Err(too_many_cells(path, cells)),
            }
        }
        // Whatever the scan above left unread (or all of any other part) is unpacked and counted.
        std::io::copy(&mut counted, &mut std::io::sink())
            .map_err(|e| damaged(format!("{name}: {e}")))?;
        if counted.bytes > budget {
            return Err(over(&counted));
        }
        total += counted.bytes;
    }
    Ok(if xlsx {
        ZipKind::Xlsx
    } else if xlsb {
        ZipKind::Xlsb
    } else if mimetype && content {
        ZipKind::Ods
    } else {
        ZipKind::Unknown
    })
}

/// Most bytes an .xls workbook may have: 64 MiB (a register saved as .xls is a few MiB; its
/// shared strings are read whole, at up to eight times their size).
pub const MAX_XLS_BYTES: u64 = 64 << 20;

/// True when `bytes` start as a compound file does (an .xls, whatever its name).
pub fn is_compound_file(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// Checks an .xls workbook (BIFF records in a compound file) before calamine reads it, which it
/// does whole: at most [`MAX_XLS_BYTES`]; no cell beyond column 256 (the format's last, IV) or a
/// sheet's declared dimensions beyond 65,536 × 256 (calamine reserves room for them); and the
/// sheets' used ranges, from A1 to their last cells, together at most [`MAX_CELLS`] (calamine
/// builds each as a full grid).
///
/// Errors: [`RegisterError::TooLarge`], [`RegisterError::SheetTooLarge`],
/// [`RegisterError::Workbook`] (no readable compound file).
pub fn check_xls(path: &str, bytes: &[u8]) -> Result<(), RegisterError> {
    if bytes.len() as u64 > MAX_XLS_BYTES {
        return Err(too_large(
            path,
            Oversize::File,
            bytes.len() as u64,
            MAX_XLS_BYTES,
        ));
    }
    let damaged = |detail: String| RegisterError::Workbook {
        path: path.to_owned(),
        detail,
    };
    let mut file =
        cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| damaged(e.to_string()))?;
    let Some(name) = ["/Workbook", "/Book"]
        .into_iter()
        .find(|n| file.is_stream(n))
    else {
        // calamine says what is missing.
        return Ok(());
    };
    let mut data = Vec::new();
    file.open_stream(name)
        .and_then(|s| s.take(MAX_XLS_BYTES + 1).read_to_end(&mut data))
        .map_err(|e| damaged(e.to_string()))?;
    let beyond = |row: u64, column: u64| RegisterError::SheetTooLarge {
        path: path.to_owned(),
        sheet: String::new(),
        row,
        column,
        max_rows: MAX_SHEET_ROWS,
        max_columns: MAX_SHEET_COLUMNS,
    };
    let u16_at = |b: &[u8], i: usize| -> Option<u64> {
        b.get(i..i + 2)
            .map(|x| u64::from(u16::from_le_bytes([x[0], x[1]])))
    };
    let u32_at = |b: &[u8], i: usize| -> Option<u64> {
        b.get(i..i + 4)
            .map(|x| u64::from(u32::from_le_bytes([x[0], x[1], x[2], x[3]])))
    };
    // The used range (last row, last column) of each substream open (BOF … EOF), and the cells
    // the closed ones span.
    let mut open: Vec<Option<(u64, u64)>> = Vec::new();
    let mut spanned = 0u64;
    let mut at = 0usize;
    while let (Some(kind), Some(len)) = (u16_at(&data, at), u16_at(&data, at + 2)) {
        let body = &data[(at + 4).min(data.len())..(at + 4 + len as usize).min(data.len())];
        at += 4 + len as usize;
        let cell = match kind {
            // BOF: a substream (the globals, a sheet, a chart) begins.
            0x0809 => {
                open.push(None);
                None
            }
            // EOF: it ends.
            0x000A => {
                if let Some(Some((row, column))) = open.pop() {
                    spanned = spanned.saturating_add((row + 1) * (column + 1));
                    if spanned > MAX_CELLS {
                        return Err(too_many_cells(path, spanned));
                    }
                }
                None
            }
            // DIMENSIONS: BIFF8 rows as u32, earlier ones as u16 (calamine reads both).
            0x0200 => {
                let (first_row, last_row, first_column, last_column) = if body.len() >= 14 {
                    (
                        u32_at(body, 0),
                        u32_at(body, 4),
                        u16_at(body, 8),
                        u16_at(body, 10),
                    )
                } else {
                    (
                        u16_at(body, 0),
                        u16_at(body, 2),
                        u16_at(body, 4),
                        u16_at(body, 6),
                    )
                };
                // The last row and column are given as one past the last (MS-XLS 2.4.90).
                if let (Some(r0), Some(r1), Some(c0), Some(c1)) =
                    (first_row, last_row, first_column, last_column)
                {
                    let rows = r1.saturating_sub(r0);
                    let columns = c1.saturating_sub(c0);
                    if rows > 65_536 || columns > 256 {
                        return Err(beyond(r1, c1));
                    }
                }
                None
            }
            // Cells whose row and column come first: NUMBER, LABEL, RSTRING, BOOLERR, RK,
            // LABELSST, FORMULA.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                u16_at(body, 0).zip(u16_at(body, 2))
            }
            // MULRK: a row, its first column, …, its last column.
            0x00BD => u16_at(body, 0).zip(body.len().checked_sub(2).and_then(|i| u16_at(body, i))),
            _ => None,
        };
        if let Some((row, column)) = cell {
            if column >= 256 {
                return Err(beyond(row + 1, column + 1));
            }
            if let Some(range) = open.last_mut() {
                let (r, c) = range.get_or_insert((0, 0));
                *r = (*r).max(row);
                *c = (*c).max(column);
            }
        }
    }
    // Substreams left open at the end are read by calamine too.
    for (row, column) in open.into_iter().flatten() {
        spanned = spanned.saturating_add((row + 1) * (column + 1));
    }
    if spanned > MAX_CELLS {
        return Err(too_many_cells(path, spanned));
    }
    Ok(())
}

/// A reader that counts what passes through it.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

fn local_name(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_owned()
}

/// How many `<si>` (shared string items) the part declares; stops counting one past `limit`.
fn count_shared_strings(part: &mut impl Read, limit: u64) -> Result<u64, quick_xml::Error> {
    let mut reader = xml_reader(part);
    let mut buf = Vec::new();
    let mut strings = 0u64;
    loop {
        match reader.read_event_into(&mut buf)? {
            // calamine reserves room for `uniqueCount` strings before it reads one.
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sst" => {
                let claimed = e
                    .attributes()
                    .flatten()
                    .filter(|a| matches!(a.key.local_name().as_ref(), "uniqueCount" | "count"))
                    .filter_map(|a| a.value.trim().parse::<u64>().ok())
                    .max()
                    .unwrap_or(0);
                if claimed > limit {
                    return Ok(claimed);
                }
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "si" => {
                strings += 1;
                if strings > limit {
                    return Ok(strings);
                }
            }
            Event::Eof => return Ok(strings),
            _ => {}
        }
        buf.clear();
    }
}

/// What [`ods_reach`] found.
#[derive(Debug, PartialEq, Eq)]
enum Reach {
    /// Every table within the limits.
    Within,
    /// The first table whose non-empty cells reach beyond the register limits: its name and the
    /// (1-based) row and column they reach.
    Beyond(String, u64, u64),
    /// The tables together span more cells than [`MAX_CELLS`] (calamine builds each, hidden ones
    /// too, as a full grid from its first to its last non-empty row and column): how many.
    Cells(u64),
}

/// An XML reader set as calamine sets its own (so that what calamine reads, this reads too).
fn xml_reader<R: Read>(part: R) -> quick_xml::Reader<std::io::BufReader<R>> {
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(part));
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    reader
}

/// How far the non-empty cells of an .ods `content.xml` reach, repeats counted: a row
/// `number-rows-repeated="1048576"` holding a value is a million rows, as calamine reads it.
fn ods_reach(part: &mut impl Read) -> Result<Reach, quick_xml::Error> {
    let mut reader = xml_reader(part);
    let mut buf = Vec::new();
    let mut sheet = String::new();
    // Rows of this table so far; the first and the last (exclusive) rows holding a value and
    // the widest reach; cells all tables span so far. The row being read: its repeats, the
    // column reached, how far its non-empty cells reach; the cell being read: its repeats and
    // whether it holds text.
    let mut rows = 0u64;
    let mut valued: Option<(u64, u64, u64)> = None;
    let mut spanned = 0u64;
    let mut row: Option<(u64, u64, u64)> = None;
    let mut cell: Option<(u64, bool)> = None;
    let repeats = |e: &BytesStart<'_>, attr: &str| -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == attr)
            .and_then(|a| a.value.trim().parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let has_value = |e: &BytesStart<'_>| {
        e.attributes()
            .flatten()
            .any(|a| a.key.as_ref() == "office:value-type")
    };
    loop {
        let event = reader.read_event_into(&mut buf)?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => match local_name(&e).as_str() {
                "table" if e.name().as_ref() == "table:table" => {
                    rows = 0;
                    valued = None;
                    sheet = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == "table:name")
                        .map(|a| a.value.into_owned())
                        .unwrap_or_default();
                }
                "table-row" if e.name().as_ref() == "table:table-row" => {
                    let r = repeats(&e, "table:number-rows-repeated");
                    if empty {
                        rows = rows.saturating_add(r);
                    } else {
                        row = Some((r, 0, 0));
                    }
                }
                "table-cell" | "covered-table-cell" if row.is_some() => {
                    let c = repeats(&e, "table:number-columns-repeated");
                    let valued_cell = has_value(&e);
                    if empty {
                        if let Some((_, column, reach)) = row.as_mut() {
                            *column = column.saturating_add(c);
                            if valued_cell {
                                *reach = *column;
                            }
                        }
                    } else {
                        cell = Some((c, valued_cell));
                    }
                }
                _ => {}
            },
            Event::Text(t) if t.chars().any(|c| !c.is_whitespace()) => {
                if let Some((_, holds)) = cell.as_mut() {
                    *holds = true;
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    if let (Some((c, holds)), Some((_, column, reach))) =
                        (cell.take(), row.as_mut())
                    {
                        *column = column.saturating_add(c);
                        if holds {
                            *reach = *column;
                        }
                    }
                }
                "table:table-row" => {
                    if let Some((r, _, reach)) = row.take() {
                        let last = rows.saturating_add(r);
                        if reach > 0 {
                            if last > u64::from(MAX_SHEET_ROWS)
                                || reach > u64::from(MAX_SHEET_COLUMNS)
                            {
                                return Ok(Reach::Beyond(sheet, last, reach));
                            }
                            let (first, _, widest) = valued.unwrap_or((rows, last, reach));
                            valued = Some((first, last, widest.max(reach)));
                        }
                        rows = last;
                    }
                }
                "table:table" => {
                    if let Some((first, last, widest)) = valued.take() {
                        spanned = spanned.saturating_add((last - first).saturating_mul(widest));
                        if spanned > MAX_CELLS {
                            return Ok(Reach::Cells(spanned));
                        }
                    }
                }
                _ => {}
            },
            Event::Eof => return Ok(Reach::Within),
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::{check_zip, ods_reach, Limits, Oversize, Reach};
    use crate::RegisterError;

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, body) in parts {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("start");
            w.write_all(body).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    const SMALL: Limits = Limits {
        part_bytes: 1000,
        unpacked_bytes: 1500,
        parts: 3,
        shared_strings: 10,
    };

    fn oversize(bytes: &[u8]) -> Option<(Oversize, u64)> {
        match check_zip("t.xlsx", bytes, SMALL) {
            Ok(_) => None,
            Err(RegisterError::TooLarge { what, found, .. }) => Some((what, found)),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_part_that_unpacks_beyond_its_limit_is_refused_whatever_the_zip_declares() {
        let ok = vec![b' '; 1000];
        let over = vec![b' '; 1001];
        assert_eq!(
            oversize(&zip_of(&[("xl/worksheets/sheet1.xml", &ok)])),
            None
        );
        assert_eq!(
            oversize(&zip_of(&[("xl/worksheets/sheet1.xml", &over)])),
            Some((Oversize::Part, 1001))
        );
        // Parts each within their limit, together beyond the workbook's.
        let half = vec![b' '; 800];
        assert_eq!(
            oversize(&zip_of(&[("a.xml", &half), ("b.xml", &half)])),
            Some((Oversize::Unpacked, 1501))
        );
        assert_eq!(
            oversize(&zip_of(&[("a", b""), ("b", b""), ("c", b""), ("d", b"")])),
            Some((Oversize::Parts, 4))
        );
    }

    #[test]
    fn shared_strings_are_counted_with_or_without_a_namespace_prefix() {
        let ten = "<sst><si><t>x</t></si>".to_owned() + &"<si/>".repeat(9) + "</sst>";
        let eleven = "<x:sst>".to_owned() + &"<x:si><x:t/></x:si>".repeat(11) + "</x:sst>";
        assert_eq!(
            oversize(&zip_of(&[("xl/sharedStrings.xml", ten.as_bytes())])),
            None
        );
        assert_eq!(
            oversize(&zip_of(&[("xl/sharedStrings.xml", eleven.as_bytes())])),
            Some((Oversize::SharedStrings, 11))
        );
    }

    #[test]
    fn a_zip_that_does_not_unpack_is_a_damaged_workbook() {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file("xl/worksheets/sheet1.xml", stored)
            .expect("start");
        w.write_all(&[b'x'; 500]).expect("write");
        let mut bytes = w.finish().expect("finish").into_inner();
        // Flip bytes inside the stored data: the checksum no longer matches.
        let at = bytes
            .windows(5)
            .position(|w| w == b"xxxxx")
            .expect("stored data");
        bytes[at..at + 5].copy_from_slice(b"yyyyy");
        let err = check_zip("t.xlsx", &bytes, SMALL).expect_err("crc");
        assert_eq!(err.code(), "workbook_damaged", "{err}");
    }

    fn reach(xml: &str) -> Reach {
        ods_reach(&mut xml.as_bytes()).expect("xml")
    }

    #[test]
    fn an_ods_row_repeated_a_million_times_with_a_value_reaches_a_million_rows() {
        let xml = r#"<office:document-content><office:body><office:spreadsheet>
            <table:table table:name="名册">
              <table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell></table:table-row>
              <table:table-row table:number-rows-repeated="1048575"><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>
            </table:table></office:spreadsheet></office:body></office:document-content>"#;
        assert_eq!(reach(xml), Reach::Beyond("名册".into(), 1_048_576, 1));
    }

    #[test]
    fn an_ods_value_repeated_across_many_columns_reaches_them() {
        let xml = r#"<table:table table:name="S"><table:table-row>
            <table:table-cell table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell>
            </table:table-row></table:table>"#;
        assert_eq!(reach(xml), Reach::Beyond("S".into(), 1, 16_384));
    }

    #[test]
    fn empty_repeated_rows_and_columns_as_libreoffice_writes_them_reach_nothing() {
        let xml = r#"<table:table table:name="S">
            <table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell>
              <table:table-cell table:number-columns-repeated="16383"/></table:table-row>
            <table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
            <table:table-row table:number-rows-repeated="10"><table:table-cell table:style-name="ce1" table:number-columns-repeated="300"><text:p> </text:p></table:table-cell></table:table-row>
            </table:table>"#;
        assert_eq!(reach(xml), Reach::Within);
    }

    #[test]
    fn ods_tables_within_the_limits_each_but_too_many_cells_together_are_said() {
        // A value at A1 and at CV200000, in three tables: 20,000,000 cells each as calamine
        // builds them.
        let table = |name: &str| {
            format!(
                r#"<table:table table:name="{name}"><table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell></table:table-row>
                <table:table-row table:number-rows-repeated="199998"><table:table-cell/></table:table-row>
                <table:table-row><table:table-cell table:number-columns-repeated="99"/><table:table-cell office:value-type="string"><text:p>b</text:p></table:table-cell></table:table-row></table:table>"#
            )
        };
        assert_eq!(reach(&table("S")), Reach::Cells(20_000_000));
        let small = r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell></table:table-row></table:table>"#;
        assert_eq!(reach(&small.repeat(3)), Reach::Within);
    }

    #[test]
    fn a_part_cut_at_its_budget_is_too_large_not_damaged_and_a_claimed_unique_count_counts() {
        let strings = "<sst><si><t>".to_owned() + &"x".repeat(2000) + "</t></si></sst>";
        assert_eq!(
            oversize(&zip_of(&[("xl/sharedStrings.xml", strings.as_bytes())])),
            Some((Oversize::Part, 1001))
        );
        let claimed = r#"<sst uniqueCount="99999999999" count="1"><si><t>x</t></si></sst>"#;
        assert_eq!(
            oversize(&zip_of(&[("xl/sharedStrings.xml", claimed.as_bytes())])),
            Some((Oversize::SharedStrings, 99_999_999_999))
        );
    }
}
