//! The four registers of `../shared/fixtures/registers/` import with exactly the expected status
//! per row and the expected normalized values (`expected/*.json`).

use std::path::PathBuf;

use chrono::NaiveDate;
use kadian_registers::{import_file, Divisions, ImportOptions, RowStatus};
use serde_json::Value;

fn fixtures() -> PathBuf {
    std::env::var_os("KADIAN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
        .join("fixtures/registers")
}

fn check(file: &str) {
    let dir = fixtures();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.join("expected")
                .join(file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file))
                .with_extension("json"),
        )
        .expect("expected json"),
    )
    .expect("json");
    let options = ImportOptions::new(NaiveDate::from_ymd_opt(2026, 11, 29).expect("date"));
    let batch = import_file(&dir.join(file), &options, &Divisions::bundled()).expect("import");
    let report = &batch.report;
    let count = |k: &str| expected[k].as_u64().expect(k) as usize;
    if let Some(h) = expected.get("header_row") {
        assert_eq!(
            report.header_row as u64,
            h.as_u64().expect("header_row"),
            "{file}: header row"
        );
    }
    let exp_rows = expected["rows"].as_array().expect("rows");
    assert_eq!(report.rows.len(), exp_rows.len(), "{file}: data rows");
    let mut mismatches = Vec::new();
    for (got, exp) in report.rows.iter().zip(exp_rows) {
        let row = exp["row"].as_u64().expect("row") as usize;
        assert_eq!(got.row, row, "{file}: row numbers out of step");
        let status = match got.status {
            RowStatus::Accepted => "accepted",
            RowStatus::Warned => "warned",
            RowStatus::Rejected => "rejected",
        };
        let codes: Vec<&str> = got.issues.iter().map(|i| i.code.as_str()).collect();
        if status != exp["status"] {
            mismatches.push(format!(
                "row {row}: status {status} {codes:?}, expected {} {}",
                exp["status"], exp["codes"]
            ));
        }
        for code in exp["codes"].as_array().expect("codes") {
            if !codes.contains(&code.as_str().unwrap_or("")) {
                mismatches.push(format!("row {row}: code {code} missing from {codes:?}"));
            }
        }
        match (&got.normalized, exp["normalized"].as_object()) {
            (None, None) => {}
            (Some(n), Some(e)) => {
                for (k, v) in e {
                    if n.get(k) != Some(v) {
                        mismatches.push(format!("row {row}: {k} = {:?}, expected {v}", n.get(k)));
                    }
                }
            }
            (n, e) => mismatches.push(format!("row {row}: normalized {n:?}, expected {e:?}")),
        }
    }
    assert!(mismatches.is_empty(), "{file}:\n{}", mismatches.join("\n"));
    assert_eq!(report.rows_total, count("rows_total"), "{file}: rows_total");
    assert_eq!(report.accepted, count("accepted"), "{file}: accepted");
    assert_eq!(report.warned, count("warned"), "{file}: warned");
    assert_eq!(report.rejected, count("rejected"), "{file}: rejected");
    assert_eq!(
        report.persons_created,
        count("persons_unique"),
        "{file}: persons"
    );
}

#[test]
fn resident_roster_xlsx() {
    check("八一社区_居民花名册.xlsx");
}

#[test]
fn returnee_register_xlsx() {
    check("季庄社区_返乡人员登记表.xlsx");
}

#[test]
fn gate_log_csv_utf8_bom() {
    check("和谐社区_出入登记_utf8bom.csv");
}

#[test]
fn gate_log_csv_gbk() {
    check("侯庄社区_出入登记_gbk.csv");
}
