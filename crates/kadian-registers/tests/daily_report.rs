//! The daily report's workbook against the district's template
//! (../shared/fixtures/templates/平原街道疫情防控工作日报_模板.xlsx): the same header cells and
//! merges, the rows where the template has them, the numbers where they were given.

use std::path::PathBuf;

use calamine::{open_workbook, Data, Dimensions, Reader, Xlsx};
use kadian_registers::daily_report::{write_daily_report, DailyReportRow, DailyReportSheet};

fn template() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/templates/平原街道疫情防控工作日报_模板.xlsx")
}

fn row(serial: Option<u32>, unit: &str, first: f64) -> DailyReportRow {
    let mut values = [None; 43];
    values[0] = Some(first);
    values[2] = Some(first * 10.0);
    DailyReportRow {
        serial,
        unit: unit.into(),
        values,
        remark: String::new(),
    }
}

fn cells(path: &std::path::Path, sheet: &str) -> (calamine::Range<Data>, Vec<Dimensions>) {
    let mut book: Xlsx<_> = open_workbook(path).expect("open");
    let range = book.worksheet_range(sheet).expect("sheet");
    let mut merges = book.merge_cells_by_sheet_name(sheet).expect("merges");
    merges.sort_by_key(|d| (d.start, d.end));
    (range, merges)
}

fn text(r: &calamine::Range<Data>, row: u32, col: u32) -> String {
    r.get_value((row, col))
        .map(|v| v.to_string())
        .unwrap_or_default()
}

#[test]
fn the_workbook_has_the_templates_header_and_a_row_per_community() {
    let communities = [
        "新区社区",
        "保湾社区",
        "侯庄社区",
        "福禄社区",
        "崔曹社区",
        "老君台社区",
        "和谐社区",
        "方庄社区",
        "桂林社区",
        "八一社区",
        "福荣社区",
        "民西社区",
        "师院社区",
        "刘庄社区",
        "苏庄社区",
        "季庄社区",
    ];
    let sheet = DailyReportSheet {
        street: "平原街道".into(),
        title_note: String::new(),
        data_as_of: "2026年12月6日16时00分".into(),
        filled_by: "王芳".into(),
        phone: "0370-1234567".into(),
        signer: String::new(),
        rows: communities
            .iter()
            .enumerate()
            .map(|(i, c)| row(Some(i as u32 + 1), c, 6.0))
            .collect(),
        total: row(None, "合计", 96.0),
        late: vec![DailyReportRow {
            remark: "该日日报签发后到达".into(),
            ..row(None, "补报 12月5日", 2.0)
        }],
        zones: vec![row(None, "第一片区", 12.0)],
        notes: vec!["注：1. 数据截至每日16:00".into()],
    };
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("日报.xlsx");
    write_daily_report(&sheet, &out).expect("write");

    let (ours, our_merges) = cells(&out, "汇总");
    let (theirs, their_merges) = cells(&template(), "汇总");
    // The three header rows, cell by cell, and every merge of the header (rows 4–6).
    for r in 3..6 {
        for c in 0..46 {
            assert_eq!(
                text(&ours, r, c),
                text(&theirs, r, c),
                "row {} column {}",
                r + 1,
                c + 1
            );
        }
    }
    let header = |m: &Vec<Dimensions>| -> Vec<Dimensions> {
        m.iter()
            .filter(|d| d.start.0 >= 3 && d.end.0 <= 5)
            .copied()
            .collect()
    };
    assert_eq!(header(&our_merges), header(&their_merges));
    // The title, the 数据截至 line and the 填报 line say what the template says, filled in.
    assert_eq!(text(&ours, 0, 0), text(&theirs, 0, 0));
    assert_eq!(text(&ours, 1, 0), "（数据截至：2026年12月6日16时00分）");
    assert_eq!(text(&ours, 2, 0), text(&theirs, 2, 0));
    assert_eq!(text(&ours, 2, 10), "填报人：王芳");
    assert_eq!(text(&ours, 2, 32), "签发人：");
    // The communities where the template lists them, 合计 under them.
    for r in 6..22 {
        assert_eq!(
            text(&ours, r, 0),
            text(&theirs, r, 0),
            "序号 of row {}",
            r + 1
        );
        assert_eq!(text(&ours, r, 1), text(&theirs, r, 1), "row {}", r + 1);
    }
    assert_eq!(text(&ours, 22, 0), "合计");
    assert_eq!(ours.get_value((22, 2)), Some(&Data::Float(96.0)));
    assert_eq!(ours.get_value((6, 4)), Some(&Data::Float(60.0)));
    // A late addition to a signed day under 合计, with why.
    assert_eq!(text(&ours, 23, 1), "补报 12月5日");
    assert_eq!(ours.get_value((23, 2)), Some(&Data::Float(2.0)));
    assert_eq!(text(&ours, 23, 45), "该日日报签发后到达");
    // A column not counted stays empty, never 0.
    assert_eq!(text(&ours, 6, 3), "");
    // The zones on their own sheet, in the same columns.
    let (zones, _) = cells(&out, "片区小计");
    assert_eq!(text(&zones, 3, 2), "卡点");
    assert_eq!(text(&zones, 6, 1), "第一片区");
    assert_eq!(zones.get_value((6, 2)), Some(&Data::Float(12.0)));
}
