//! A 居家观察人员台账 beyond the fixture: an address naming another place, a start after the
//! register's date, a returnee register with a 包保干部 column, an end-date column.

use chrono::NaiveDate;
use kadian_registers::{import_file, Divisions, ImportOptions, KnownCompound, RegisterKind};

fn import(csv: &str, compound: Option<&str>) -> kadian_registers::ImportBatch {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("台账.csv");
    std::fs::write(&path, csv).expect("write");
    let mut options = ImportOptions::new(NaiveDate::from_ymd_opt(2026, 12, 6).expect("date"));
    options.compounds = vec![KnownCompound {
        id: "c1".into(),
        name: "八一新苑".into(),
        community_code: "411402001018".into(),
    }];
    options.compound = compound.map(str::to_owned);
    import_file(&path, &options, &Divisions::bundled()).expect("import")
}

fn codes(batch: &kadian_registers::ImportBatch, row: usize) -> Vec<String> {
    batch
        .report
        .rows
        .iter()
        .find(|r| r.row == row)
        .expect("row")
        .issues
        .iter()
        .map(|i| i.code.clone())
        .collect()
}

const HEADER: &str = "填报日期：2026年12月5日\n姓名,身份证号,联系电话,现住址,来源地,返回日期,隔离开始日期,包保责任人\n";

#[test]
fn an_address_naming_another_place_is_placed_by_assumption_and_says_so() {
    let batch = import(
        &format!(
            "{HEADER}张三,,13800138000,西城花园3号楼1单元101,武汉,2026-12-01,2026-12-01,曹思\n\
             李四,,13800138001,3-1-402,武汉,2026-12-01,2026-12-01,曹思\n"
        ),
        Some("八一新苑"),
    );
    assert_eq!(batch.report.kind, RegisterKind::HomeObservation);
    assert!(codes(&batch, 3).contains(&"compound_assumed".to_owned()));
    assert!(
        !codes(&batch, 4).contains(&"compound_assumed".to_owned()),
        "an address of numbers only is the import's compound: {:?}",
        codes(&batch, 4)
    );
    assert!(batch.cases.iter().all(|c| c.compound == "c1"));
    // Without a compound for the import, the place it names is not guessed.
    let batch = import(
        &format!(
            "{HEADER}张三,,13800138000,西城花园3号楼1单元101,武汉,2026-12-01,2026-12-01,曹思\n"
        ),
        None,
    );
    assert!(codes(&batch, 3).contains(&"compound_unresolved".to_owned()));
    assert!(batch.cases.is_empty());
}

#[test]
fn a_start_after_the_registers_date_is_questioned_and_an_arrival_after_it_refused() {
    let batch = import(
        &format!(
            "{HEADER}张三,,13800138000,八一新苑3-1-402,武汉,2026-12-04,2026-12-06,曹思\n\
             李四,,13800138001,八一新苑3-1-403,武汉,2026-12-06,,曹思\n"
        ),
        None,
    );
    assert_eq!(
        batch.report.report_date,
        NaiveDate::from_ymd_opt(2026, 12, 5)
    );
    assert!(codes(&batch, 3).contains(&"observation_start_after_report".to_owned()));
    assert!(codes(&batch, 4).contains(&"arrival_in_future".to_owned()));
    assert_eq!(batch.cases.len(), 1);
    assert!(batch.transitions.is_empty(), "nobody's period is over");
}

#[test]
fn a_returnee_register_with_a_responsible_column_stays_a_returnee_register() {
    let batch = import(
        "姓名,身份证号,联系电话,从何地返回,返回日期,包保干部,解除隔离日期\n\
         张三,,13800138000,武汉,2026-12-01,曹思,2026-12-15\n",
        None,
    );
    assert_eq!(batch.report.kind, RegisterKind::Returnees);
    assert!(batch.cases.is_empty());
}

#[test]
fn an_excel_error_is_no_value_and_a_header_merged_into_the_rows_is_no_responsible() {
    // #N/A in a name (a broken VLOOKUP) and in 包保责任人; a CSV cannot hold an error cell, so
    // the grid is built as calamine reads one.
    use kadian_registers::{import_grid, Cell, Grid};
    let t = |s: &str| Cell::Text(s.into());
    let header = [
        "姓名",
        "身份证号",
        "联系电话",
        "现住址",
        "来源地",
        "返回日期",
        "隔离开始日期",
        "包保责任人",
    ];
    let grid = Grid {
        sheet: "Sheet1".into(),
        rows: vec![
            header.iter().map(|h| t(h)).collect(),
            vec![
                Cell::Error("NA".into()),
                Cell::Empty,
                t("13800138000"),
                t("八一新苑3-1-402"),
                t("武汉"),
                t("2026-12-01"),
                t("2026-12-01"),
                t("曹思"),
            ],
            vec![
                t("李四"),
                Cell::Empty,
                t("13800138001"),
                t("八一新苑3-1-403"),
                t("武汉"),
                t("2026-12-01"),
                t("2026-12-01"),
                Cell::Empty,
            ],
        ],
        // The 包保责任人 header cell merged down over both rows (H1:H3).
        merged: vec![((0, 7), (2, 7))],
    };
    let mut options = ImportOptions::new(NaiveDate::from_ymd_opt(2026, 12, 6).expect("date"));
    options.compounds = vec![KnownCompound {
        id: "c1".into(),
        name: "八一新苑".into(),
        community_code: "411402001018".into(),
    }];
    let batch = import_grid(&grid, "台账.xlsx", &options, &Divisions::bundled()).expect("import");
    let first: Vec<&str> = batch.report.rows[0]
        .issues
        .iter()
        .map(|i| i.code.as_str())
        .collect();
    assert!(
        first.contains(&"excel_error") && first.contains(&"name_missing"),
        "{first:?}"
    );
    assert_eq!(
        batch.report.rows[0].status,
        kadian_registers::RowStatus::Rejected
    );
    assert_eq!(batch.cases.len(), 1);
    assert_eq!(
        batch.cases[0].responsible, None,
        "the header's text is not a person"
    );
}
