//! Registers in and out. Community staff keep their people in Excel and CSV files shaped for
//! printing: title rows, a "填报单位" line, a 合计 row, GBK from older Excel, IDs typed with spaces
//! or stored as numbers. This crate reads them row by row through kadian-domain's rules into
//! records and an import report, and writes exports that Excel opens safely and that import
//! back to the same records.

pub mod address;
pub mod cells;
pub mod check_list;
pub mod columns;
pub mod daily_report;
pub mod dates;
pub mod donations;
pub mod export;
pub mod guard;
pub mod households;
pub mod import;
pub mod places;
pub mod sites;

pub use address::{split_address, KnownCompound, SplitAddress};
pub use cells::{read_grid, read_grid_bytes, Cell, Grid, Region};
pub use columns::{Column, HeaderMatch};
pub use export::{
    export_csv, export_xlsx, passages_table, residents_table, returnees_table, ExportTable,
    ExportValue, PassageExport, ReturneeExport,
};
pub use import::{
    import_file, import_grid, ImportBatch, ImportOptions, ImportReport, ImportedPassage,
    RegisterKind, RowIssue, RowReport, RowStatus,
};
pub use places::Divisions;

/// Why a register could not be read at all (row problems are in the report, not here). A file
/// that fails as a whole changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The file cannot be opened or read.
    #[error("cannot read {path}: {detail}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        detail: String,
    },
    /// Not a format we read (`.xlsx`, `.xls`, `.csv`).
    #[error("{path}: unsupported file type; save the register as .xlsx, .xls or .csv")]
    UnsupportedType {
        /// The file.
        path: String,
    },
    /// The workbook is damaged or not really Excel.
    #[error("{path}: not a readable Excel workbook ({detail})")]
    Workbook {
        /// The file.
        path: String,
        /// What the reader said.
        detail: String,
    },
    /// The CSV is neither UTF-8 nor GBK/GB18030.
    #[error("{path}: the text encoding is neither UTF-8 nor GBK; save it again as \"CSV UTF-8\"")]
    Encoding {
        /// The file.
        path: String,
    },
    /// No row looks like a header (姓名, 身份证号码, ...).
    #[error("no header row found in the first 20 rows (expected columns such as 姓名, 身份证号码, 联系电话)")]
    NoHeader,
    /// The file is read by another import (a district check list is taken in as hotline
    /// reports).
    #[error("{0}")]
    NotARegister(&'static str),
    /// The header has no column the register kind needs.
    #[error("the register has no {0} column")]
    MissingColumn(&'static str),
    /// A sheet reaches beyond [`MAX_SHEET_ROWS`] rows or [`MAX_SHEET_COLUMNS`] columns (a real
    /// register never does; a hostile file with one cell at XFD1048576 would need gigabytes).
    #[error("{path}: the sheet {sheet} reaches row {row} and column {column}; a register has at most {max_rows} rows and {max_columns} columns. Delete the cells far below or to the right and save again")]
    SheetTooLarge {
        /// The file.
        path: String,
        /// The sheet.
        sheet: String,
        /// The farthest row (1-based).
        row: u64,
        /// The farthest column (1-based).
        column: u64,
        /// [`MAX_SHEET_ROWS`].
        max_rows: u32,
        /// [`MAX_SHEET_COLUMNS`].
        max_columns: u32,
    },
    /// The file, or what a zipped workbook unpacks to, is beyond what a register can be (see
    /// [`guard`]): refused before it is read, so a small hostile file cannot take the memory.
    #[error("{path}: {} is over what a register can have ({found}{} read, at most {limit}{}); check that this is the right file, or split it and import each part", .what.en(), .what.unit_en(), .what.unit_en())]
    TooLarge {
        /// The file.
        path: String,
        /// What is too large.
        what: guard::Oversize,
        /// Its size (bytes, parts or texts).
        found: u64,
        /// The limit, in the same unit.
        limit: u64,
    },
    /// Writing an export failed.
    #[error("cannot write the export: {0}")]
    Export(String),
}

/// Most rows of a register's sheet (a street has about 140,000 residents).
pub const MAX_SHEET_ROWS: u32 = 200_000;
/// Most columns of a register's sheet.
pub const MAX_SHEET_COLUMNS: u32 = 100;

impl RegisterError {
    /// Stable code for the UI and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            RegisterError::Io { .. } => "file_unreadable",
            RegisterError::UnsupportedType { .. } => "file_type_unsupported",
            RegisterError::Workbook { .. } => "workbook_damaged",
            RegisterError::Encoding { .. } => "encoding_unknown",
            RegisterError::NoHeader => "header_not_found",
            RegisterError::MissingColumn(_) => "column_missing",
            RegisterError::SheetTooLarge { .. } => "sheet_too_large",
            RegisterError::TooLarge { .. } => "file_too_large",
            RegisterError::Export(_) => "export_failed",
            RegisterError::NotARegister(_) => "not_a_register",
        }
    }

    /// What went wrong, in Chinese, for the laptop's screen (the English is the `Display`).
    pub fn message_zh(&self) -> String {
        match self {
            RegisterError::Io { detail, .. } => format!("文件读不了：{detail}"),
            RegisterError::UnsupportedType { .. } => {
                "不支持这种文件：请另存为 .xlsx、.xls 或 .csv".into()
            }
            RegisterError::Workbook { detail, .. } => {
                format!("这不是一个能读的 Excel 工作簿（文件可能已损坏）：{detail}")
            }
            RegisterError::Encoding { .. } => {
                "文件的文字编码既不是 UTF-8 也不是 GBK：请另存为“CSV UTF-8”".into()
            }
            RegisterError::NoHeader => {
                "前 20 行里没有找到表头（应有 姓名、身份证号码、联系电话 等列）".into()
            }
            RegisterError::MissingColumn(column) => format!("表中没有“{column}”列"),
            RegisterError::SheetTooLarge {
                sheet,
                row,
                column,
                max_rows,
                max_columns,
                ..
            } => format!(
                "工作表“{sheet}”用到了第 {row} 行、第 {column} 列；名册最多 {max_rows} 行、{max_columns} 列。请删掉下方或右侧多余的单元格后再保存"
            ),
            RegisterError::TooLarge {
                what, found, limit, ..
            } => format!(
                "{}超过名册的上限（读到 {found}{unit}，最多 {limit}{unit}）：请确认选对了文件，或拆成几个文件分别导入",
                what.zh(),
                unit = what.unit_zh()
            ),
            RegisterError::Export(detail) => format!("导出文件写不了：{detail}"),
            RegisterError::NotARegister(_) => {
                "区下发核查名单要在“热线举报 → 导入核查名单”里导入，不是名册".into()
            }
        }
    }
}
