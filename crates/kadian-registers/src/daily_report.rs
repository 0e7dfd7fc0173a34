//! The street's daily report (日报) as a workbook in the layout the district expects
//! (../shared/fixtures/templates/平原街道疫情防控工作日报_模板.xlsx): a title, 数据截至, the
//! 填报单位 / 填报人 / 联系电话 / 签发人 line, three header rows of column groups (卡点, 返乡人员,
//! 居家观察, 重点区域, 热线, 排查, 消杀, 物资, 备注), one row per community, 合计, and the notes.
//! Printed on A3 landscape (as the template), one page wide. Zone subtotals go on a second sheet (片区小计) in the
//! same columns, so the first sheet stays the template's.
//!
//! The numbers come from the caller; an empty cell is a column whose area is not counted.

use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::RegisterError;

/// The number columns, C to AS (43), in the template's order, by their leaf heading.
pub const NUMBER_COLUMNS: [&str; 43] = [
    "开设数（个）",
    "在岗人次",
    "人员进出 进",
    "人员进出 出",
    "车辆进出 进",
    "车辆进出 出",
    "外省车辆",
    "体温异常",
    "复测正常",
    "转应急处置组",
    "当日新增 湖北",
    "当日新增 其他",
    "在册",
    "在管",
    "新增",
    "解除",
    "应随访",
    "已随访",
    "未见",
    "异常",
    "转诊",
    "外出违规",
    "小区数",
    "覆盖户",
    "当日入户",
    "异常",
    "受理",
    "已核查",
    "逾期",
    "纳入观察",
    "登记户",
    "已排查户",
    "户覆盖率（%）",
    "登记人",
    "已掌握人",
    "应消杀点位",
    "已完成",
    "逾期",
    "口罩库存（只）",
    "可用天数",
    "消毒液（L）",
    "酒精（L）",
    "当日接收捐赠（批）",
];

/// A unit's figures in the template's number columns ([`NUMBER_COLUMNS`]): every column Kadian
/// counts filled (a column it did not count would be left empty, `None`, never 0). 户覆盖率 is 已排查户 ÷ 登记户 in per cent (one decimal), empty without
/// households.
pub fn figure_values(f: &kadian_domain::figures::Figures) -> [Option<f64>; 43] {
    let mut v = [None; 43];
    for (i, n) in [
        (0, f.checkpoints_open),
        (1, f.duty_shifts),
        (2, f.passages_in),
        (3, f.passages_out),
        (4, f.vehicles_in),
        (5, f.vehicles_out),
        (6, f.out_of_province_vehicles),
        (7, f.fevers),
        (8, f.remeasured_normal),
        (9, f.gate_referrals),
        (10, f.returnees_hubei),
        (11, f.returnees_other),
        (12, f.returnees_registered),
        (13, f.observation_in_care),
        (14, f.observation_new),
        (15, f.observation_released),
        (16, f.visits_due),
        (17, f.visits_seen),
        (18, f.visits_missed),
        (19, f.observation_unwell),
        (20, f.observation_referred),
        (21, f.observation_breaches),
        (22, f.key_area_compounds),
        (23, f.key_area_households),
        (24, f.key_area_visited),
        (25, f.key_area_unwell),
        (30, f.households_registered),
        (31, f.households_screened),
        (33, f.persons_registered),
        (34, f.persons_accounted),
        (26, f.hotline_received),
        (27, f.hotline_checked),
        (28, f.hotline_overdue),
        (29, f.hotline_observation_opened),
        (35, f.disinfection_sites),
        (36, f.disinfection_sites_done),
        (37, f.disinfection_sites_overdue),
        (38, f.supplies_masks),
        (42, f.supplies_donations),
    ] {
        v[i] = Some(f64::from(n));
    }
    v[32] = f.household_rate();
    v[39] = f.mask_cover_days();
    // 消毒液 and 酒精 in litres, to one decimal (counted in mL).
    let litres = |ml: u32| (f64::from(ml) / 100.0).round() / 10.0;
    v[40] = Some(litres(f.supplies_disinfectant_ml));
    v[41] = Some(litres(f.supplies_alcohol_ml));
    v
}

/// One row: a serial number (序号; none on 合计 and subtotals), the unit's name, the 43 number
/// columns (`None`: left empty), and a remark (备注).
#[derive(Debug, Clone, PartialEq)]
pub struct DailyReportRow {
    /// 序号.
    pub serial: Option<u32>,
    /// 社区（村）, or a zone's name.
    pub unit: String,
    /// Columns C to AS, as [`NUMBER_COLUMNS`].
    pub values: [Option<f64>; 43],
    /// 备注.
    pub remark: String,
}

/// What the sheet says besides the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyReportSheet {
    /// The street's name (`平原街道`): the title and 填报单位 use it.
    pub street: String,
    /// Said after the title, e.g. `（本机核对稿，未签发）` on a copy counted on a laptop; empty on
    /// the server's report.
    pub title_note: String,
    /// 数据截至, as people write it (`2026年12月6日16时05分`), or `未知`.
    pub data_as_of: String,
    /// 填报人.
    pub filled_by: String,
    /// 联系电话.
    pub phone: String,
    /// 签发人.
    pub signer: String,
    /// One row per community.
    pub rows: Vec<DailyReportRow>,
    /// 合计.
    pub total: DailyReportRow,
    /// Late additions (补报) to days signed before, one row each under 合计 (its unit says the
    /// day, its remark why); not in 合计.
    pub late: Vec<DailyReportRow>,
    /// Zone subtotals (片区小计), on their own sheet; none: no sheet.
    pub zones: Vec<DailyReportRow>,
    /// Notes after the table (注：…), one line each.
    pub notes: Vec<String>,
}

/// Merged header cells of the template: (first row, first column, last row, last column,
/// text), rows and columns from 0 (row 3 is the template's row 4).
const HEADER: &[(u32, u16, u32, u16, &str)] = &[
    (3, 0, 5, 0, "序号"),
    (3, 1, 5, 1, "社区（村）"),
    (3, 2, 3, 11, "卡点"),
    (3, 12, 3, 14, "返乡人员"),
    (3, 15, 3, 23, "居家观察"),
    (3, 24, 3, 27, "重点区域"),
    (3, 28, 3, 31, "热线"),
    (3, 32, 3, 36, "排查"),
    (3, 37, 3, 39, "消杀"),
    (3, 40, 3, 44, "物资"),
    (3, 45, 5, 45, "备注"),
    (4, 4, 4, 5, "人员进出（人次）"),
    (4, 6, 4, 7, "车辆进出（辆次）"),
    (4, 12, 4, 13, "当日新增"),
    (5, 4, 5, 4, "进"),
    (5, 5, 5, 5, "出"),
    (5, 6, 5, 6, "进"),
    (5, 7, 5, 7, "出"),
    (5, 12, 5, 12, "湖北"),
    (5, 13, 5, 13, "其他"),
];

/// The leaf headings that span rows 5 and 6 (every number column but the split ones).
fn single_leaf(column: u16) -> Option<&'static str> {
    match column {
        4..=7 | 12 | 13 => None,
        2..=44 => Some(NUMBER_COLUMNS[usize::from(column - 2)]),
        _ => None,
    }
}

const LAST_COLUMN: u16 = 45;

/// Writes the daily report to `path` (.xlsx). Errors: [`RegisterError::Export`] when the file
/// cannot be written.
pub fn write_daily_report(sheet: &DailyReportSheet, path: &Path) -> Result<(), RegisterError> {
    book(sheet)?
        .save(path)
        .map_err(|e| RegisterError::Export(e.to_string()))
}

/// The daily report as the bytes of an .xlsx file (what a server sends a laptop). Errors:
/// [`RegisterError::Export`].
pub fn daily_report_bytes(sheet: &DailyReportSheet) -> Result<Vec<u8>, RegisterError> {
    book(sheet)?
        .save_to_buffer()
        .map_err(|e| RegisterError::Export(e.to_string()))
}

fn book(sheet: &DailyReportSheet) -> Result<Workbook, RegisterError> {
    let err = |e: &dyn std::fmt::Display| RegisterError::Export(e.to_string());
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("汇总").map_err(|e| err(&e))?;
    write_sheet(ws, sheet, &sheet.rows, Some(&sheet.total), true).map_err(|e| err(&e))?;
    if !sheet.zones.is_empty() {
        let ws = book.add_worksheet();
        ws.set_name("片区小计").map_err(|e| err(&e))?;
        write_sheet(ws, sheet, &sheet.zones, None, false).map_err(|e| err(&e))?;
    }
    Ok(book)
}

fn write_sheet(
    ws: &mut Worksheet,
    s: &DailyReportSheet,
    rows: &[DailyReportRow],
    total: Option<&DailyReportRow>,
    notes: bool,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let title = Format::new()
        .set_bold()
        .set_font_size(18)
        .set_align(FormatAlign::Center);
    let centred = Format::new().set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let bold_cell = Format::new().set_bold().set_border(FormatBorder::Thin);
    ws.merge_range(
        0,
        0,
        0,
        LAST_COLUMN,
        &format!("{}新冠肺炎疫情防控工作日报{}", s.street, s.title_note),
        &title,
    )?;
    ws.merge_range(
        1,
        0,
        1,
        LAST_COLUMN,
        &format!("（数据截至：{}）", s.data_as_of),
        &centred,
    )?;
    let plain = Format::new();
    ws.merge_range(
        2,
        0,
        2,
        9,
        &format!("填报单位：{}办事处（盖章）", s.street),
        &plain,
    )?;
    ws.merge_range(2, 10, 2, 19, &format!("填报人：{}", s.filled_by), &plain)?;
    ws.merge_range(2, 20, 2, 31, &format!("联系电话：{}", s.phone), &plain)?;
    ws.merge_range(
        2,
        32,
        2,
        LAST_COLUMN,
        &format!("签发人：{}", s.signer),
        &plain,
    )?;
    for (r1, c1, r2, c2, text) in HEADER {
        if r1 == r2 && c1 == c2 {
            ws.write_string_with_format(*r1, *c1, *text, &head)?;
        } else {
            ws.merge_range(*r1, *c1, *r2, *c2, text, &head)?;
        }
    }
    for c in 2..=44u16 {
        if let Some(text) = single_leaf(c) {
            ws.merge_range(4, c, 5, c, text, &head)?;
        }
    }
    let mut r = 6u32;
    let mut put = |ws: &mut Worksheet, row: &DailyReportRow, fmt: &Format| {
        if let Some(n) = row.serial {
            ws.write_number_with_format(r, 0, f64::from(n), fmt)?;
        } else {
            ws.write_blank(r, 0, fmt)?;
        }
        ws.write_string_with_format(r, 1, &row.unit, fmt)?;
        for (i, v) in row.values.iter().enumerate() {
            let c = 2 + i as u16;
            match v {
                Some(v) => ws.write_number_with_format(r, c, *v, fmt)?,
                None => ws.write_blank(r, c, fmt)?,
            };
        }
        ws.write_string_with_format(r, LAST_COLUMN, &row.remark, fmt)?;
        r += 1;
        Ok::<u32, rust_xlsxwriter::XlsxError>(r - 1)
    };
    for row in rows {
        put(ws, row, &cell)?;
    }
    let mut last = rows.len() as u32 + 5;
    if let Some(t) = total {
        let at = put(ws, t, &bold_cell)?;
        // 合计 spans 序号 and 社区（村）, as in the template.
        ws.merge_range(at, 0, at, 1, &t.unit, &bold_cell)?;
        last = at;
        for late in &s.late {
            last = put(ws, late, &cell)?;
        }
    }
    if notes {
        for (n, line) in (last + 2..).zip(&s.notes) {
            ws.merge_range(n, 0, n, LAST_COLUMN, line, &plain)?;
        }
    }
    ws.set_column_width(0, 5)?;
    ws.set_column_width(1, 12)?;
    for c in 2..=44u16 {
        ws.set_column_width(c, 7)?;
    }
    ws.set_column_width(LAST_COLUMN, 14)?;
    ws.set_row_height(4, 30)?;
    ws.set_landscape();
    ws.set_paper_size(8); // A3, as the template
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(3, 5)?;
    Ok(())
}
