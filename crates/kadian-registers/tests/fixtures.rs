//! The four registers of `../shared/fixtures/registers/` import with exactly the expected status
//! per row and the expected normalized values (`expected/*.json`).

use std::path::PathBuf;

use chrono::NaiveDate;
use kadian_registers::{import_file, Divisions, ImportOptions, KnownCompound, RowStatus};
use serde_json::Value;

fn fixtures() -> PathBuf {
    std::env::var_os("KADIAN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
        .join("fixtures/registers")
}

/// The compounds the fixtures name (the table in `../shared/fixtures/README.md`).
fn compounds() -> Vec<KnownCompound> {
    [
        ("八一新苑", "411402001018"),
        ("西城花园", "411402001020"),
        ("金桥小区", "411402001024"),
        ("建设小区", "411402001001"),
        ("平原小区", "411402001007"),
        ("季庄村", "411402001024"),
        ("福荣小区", "411402001019"),
        ("师院家属院", "411402001021"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, community))| KnownCompound {
        id: format!("compound-{i}"),
        name: (*name).into(),
        community_code: (*community).into(),
    })
    .collect()
}

/// Where the fixtures contradict each other, and which one this import follows. The returnee
/// register refuses `宁AD1234` as a new-energy plate missing a digit; the home-observation
/// register accepts four plates of exactly that form (`鄂AD7662`, `鄂KD4918`, `粤BF0798`,
/// `鄂AF7300`). GA 36-2018 lets an ordinary plate's five-character serial begin with D or F, so
/// the plate is kept (the gate asks about it: `plate_maybe_new_energy`); these rows keep their
/// status, but not the expected code and value. (file, row, code or key not expected to hold,
/// the value stored instead).
const DEVIATIONS: &[(&str, usize, &str, &str)] = &[
    (
        "季庄社区_返乡人员登记表.xlsx",
        7,
        "plate_invalid",
        "宁AD1234",
    ),
    (
        "季庄社区_返乡人员登记表.xlsx",
        17,
        "plate_invalid",
        "宁AD1234",
    ),
    (
        "季庄社区_返乡人员登记表.xlsx",
        42,
        "plate_invalid",
        "宁AD1234",
    ),
];

/// The fixtures' code names that are suggestions (`../shared/fixtures/README.md`: "your own
/// codes may differ, the status may not"), and the codes the rules give instead: an invalid ID
/// number dropped from a row is reported under the rule that refused it.
const CODE_ALIASES: &[(&str, &[&str])] = &[(
    "id_invalid",
    &[
        "id_format",
        "id_province",
        "id_birth_date",
        "id_birth_future",
        "id_checksum",
    ],
)];

fn check(file: &str) -> kadian_registers::ImportBatch {
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
    let mut options = ImportOptions::new(NaiveDate::from_ymd_opt(2026, 11, 29).expect("date"));
    options.compounds = compounds();
    let batch = import_file(&dir.join(file), &options, &Divisions::bundled()).expect("import");
    let report = &batch.report;
    let count = |k: &str| expected[k].as_u64().expect(k) as usize;
    if let Some(d) = expected.get("report_date") {
        assert_eq!(
            report.report_date.map(|d| d.to_string()).as_deref(),
            d.as_str(),
            "{file}: report date"
        );
    }
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
        let deviation = DEVIATIONS
            .iter()
            .find(|(f, r, _, _)| *f == file && *r == row);
        if let (Some((_, _, _, stored)), Some(n)) = (deviation, &got.normalized) {
            if n.get("transport_ref") != Some(&Value::from(*stored)) {
                mismatches.push(format!("row {row}: the plate {stored} is kept"));
            }
        }
        for code in exp["codes"].as_array().expect("codes") {
            if deviation.is_some_and(|(_, _, c, _)| code == c) {
                continue;
            }
            let code = code.as_str().unwrap_or("");
            let itself = [code];
            let ours = CODE_ALIASES
                .iter()
                .find(|(theirs, _)| *theirs == code)
                .map_or(&itself[..], |(_, ours)| ours);
            if !ours.iter().any(|c| codes.contains(c)) {
                mismatches.push(format!("row {row}: code {code} missing from {codes:?}"));
            }
        }
        match (&got.normalized, exp["normalized"].as_object()) {
            (None, None) => {}
            (Some(n), Some(e)) => {
                for (k, v) in e {
                    if deviation.is_some() && k == "transport_ref" {
                        continue;
                    }
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
    batch
}

#[test]
fn resident_roster_xlsx() {
    let batch = check("八一社区_居民花名册.xlsx");
    // Households by building, unit and room: every person in one, each household's members
    // at one address.
    assert!(batch.persons.iter().all(|p| p.household.is_some()));
    type Address = (Option<String>, Option<String>, Option<String>);
    let mut at: std::collections::HashMap<uuid::Uuid, Address> = std::collections::HashMap::new();
    for p in &batch.persons {
        let address = (p.building.clone(), p.unit.clone(), p.room.clone());
        let first = at
            .entry(p.household.expect("household"))
            .or_insert(address.clone());
        assert_eq!(*first, address, "{}", p.name);
    }
    assert_eq!(at.len(), batch.households.len());
    assert!(batch.households.len() > 100, "{}", batch.households.len());
}

#[test]
fn village_roster_by_household_csv_gbk() {
    let batch = check("季庄村_居民花名册_gbk.csv");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("expected/季庄村_居民花名册_gbk.json"))
            .expect("expected"),
    )
    .expect("json");
    assert_eq!(
        batch.report.kind,
        kadian_registers::RegisterKind::HouseholdRoster,
        "told from its columns"
    );
    assert_eq!(
        batch.households.len() as u64,
        expected["households"].as_u64().expect("households")
    );
    assert_eq!(
        batch.persons.len() as u64,
        expected["persons"].as_u64().expect("persons")
    );
    // The village is the one its title names, and every household is of it.
    assert!(batch
        .households
        .iter()
        .all(|h| h.community_code == "411402001024" && h.compound == "compound-5"));
    // 季诺强 heads 1组 9号, whose four rows name it; the household a 户主 row names without
    // that person's own row has its head's name only.
    let head = batch
        .persons
        .iter()
        .find(|p| p.name == "季诺强")
        .expect("季诺强");
    let h = batch
        .households
        .iter()
        .find(|h| Some(h.id) == head.household)
        .expect("household");
    assert_eq!(h.head_id, Some(head.id));
    let members = batch
        .persons
        .iter()
        .filter(|p| p.household == Some(h.id))
        .count();
    assert_eq!(members, 3, "the row without a name is not a member");
    let fu = batch
        .households
        .iter()
        .find(|h| h.head_name.as_deref() == Some("傅涵"))
        .expect("傅涵's household");
    assert_eq!(fu.head_id, None);
    // The person listed twice stays where first listed.
    let cao: Vec<_> = batch
        .persons
        .iter()
        .filter(|p| p.name == "曹丽兰")
        .collect();
    assert_eq!(cao.len(), 1);
    assert_eq!(cao[0].relation, Some(kadian_domain::records::Relation::Son));
}

#[test]
fn home_observation_register_xlsx() {
    let batch = check("八一社区_居家观察人员台账.xlsx");
    assert_eq!(
        batch.report.kind,
        kadian_registers::RegisterKind::HomeObservation,
        "told from its columns"
    );
    // One case per imported row, in the compound its address names, counted from day 0, with
    // the 包保责任人 merged over the rows they look after.
    assert_eq!(batch.cases.len(), 53);
    assert_eq!(batch.travel.len(), 53);
    // Periods over by the 填报日期 (2020-02-06) are imported released, on their last day.
    assert_eq!(batch.transitions.len(), 14);
    assert!(batch
        .cases
        .iter()
        .all(|c| c.followed_from == Some(NaiveDate::from_ymd_opt(2026, 11, 29).expect("date"))));
    let by_person = |name: &str| {
        let p = batch.persons.iter().find(|p| p.name == name).expect(name);
        batch
            .cases
            .iter()
            .find(|c| c.person_id == p.id)
            .expect("case")
    };
    let c = by_person("李珍");
    assert_eq!(c.compound, "compound-0");
    assert_eq!(c.community_code, "411402001018");
    assert_eq!(c.address.as_deref(), Some("13号楼1单元602"));
    assert_eq!(c.start_date.to_string(), "2020-01-28");
    assert_eq!(c.responsible.as_deref(), Some("曹思"));
    assert_eq!(c.responsible_phone.as_deref(), Some("18356194289"));
    assert_eq!(
        c.reason,
        kadian_domain::records::ObservationReason::ReturneeHubei
    );
    let origin = batch
        .travel
        .iter()
        .find(|t| Some(t.id) == c.origin_id)
        .expect("the case's origin is the row's travel declaration");
    assert_eq!(
        c.id,
        kadian_domain::records::observation_case_id_for_declaration(origin.id),
        "as 纳入居家观察 from the returnee list makes it: one case either way"
    );
    let li_jiehao = by_person("李杰浩");
    let release = batch
        .transitions
        .iter()
        .find(|t| t.case_id == li_jiehao.id)
        .expect("released");
    assert_eq!(release.effective.to_string(), "2020-01-28");
    assert_eq!(origin.places[0].division_code.as_deref(), Some("420102"));
    assert_eq!(
        by_person("周洋").reason,
        kadian_domain::records::ObservationReason::ReturneeElsewhere,
        "郑州 is not Hubei"
    );
    assert_eq!(
        by_person("易娟").notes.as_deref(),
        Some("社区排查发现后开始观察")
    );
    // Imported twice, the same ids: the server stores each record once.
    let again = check("八一社区_居家观察人员台账.xlsx");
    let ids = |b: &kadian_registers::ImportBatch| b.cases.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(&batch), ids(&again));
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

/// The district's check list (第3批): every row's status and values as `expected/` says, the
/// batch and issue day from the title rows, the two people listed twice merged into their first
/// row, and one person to check per distinct person.
#[test]
fn district_check_list_xlsx() {
    let file = "平原街道_区下发核查名单_第3批.xlsx";
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(
            fixtures()
                .join("expected")
                .join(file.replace(".xlsx", ".json")),
        )
        .expect("expected json"),
    )
    .expect("json");
    let grid = kadian_registers::read_grid(&fixtures().join(file)).expect("grid");
    let today = NaiveDate::from_ymd_opt(2020, 2, 5).expect("date");
    let list =
        kadian_registers::check_list::read_check_list(&grid, file, None, today, &compounds())
            .expect("read");
    assert_eq!(list.batch, Some(3));
    assert_eq!(
        list.issued_at.map(|t| t.to_string()).as_deref(),
        Some("2020-02-04 20:00:00")
    );
    let r = &list.report;
    assert_eq!(r.rows_total, 72, "the data rows");
    assert_eq!(
        list.entries.len() as u64,
        expected["persons_unique"].as_u64().expect("n")
    );
    assert_rows_as_expected(r, &expected);
    // 钟建 (rows 20 and 54) and 夏博阳 (42 and 62): one person each, the later row merged in.
    let zhong = list.entries.iter().find(|e| e.row == 20).expect("row 20");
    assert_eq!(zhong.repeats.len(), 1);
    assert_eq!(zhong.repeats[0].0, 54);
    assert!(list.entries.iter().all(|e| e.row != 54 && e.row != 62));
}

/// A home-observation register whose only address column is 户籍地址 keeps reading it as the
/// address the case is placed by (the check list tells 户籍地址 from 现居住地址; a register with
/// only the one means where they live).
#[test]
fn a_register_with_only_a_registered_address_reads_it_as_the_address() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("居家观察.csv");
    std::fs::write(
        &path,
        "姓名,身份证号码,联系电话,户籍地址,来源地,返回日期,隔离开始日期\n张伟,420106198605304444,13800138000,八一新苑3号楼2单元501,湖北武汉,2026-11-28,2026-11-28\n",
    )
    .expect("write");
    let mut options = ImportOptions::new(NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"));
    options.compounds = compounds();
    options.community_code = Some("411402001018".into());
    let batch = import_file(&path, &options, &Divisions::bundled()).expect("import");
    assert_eq!(batch.cases.len(), 1, "{:?}", batch.report.rows);
    assert_eq!(batch.cases[0].compound, "compound-0");
}

/// Two rows of one person without an ID number, known by one phone, are one person to check.
#[test]
fn a_check_list_merges_a_person_listed_twice_by_phone_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("第4批.csv");
    std::fs::write(
        &path,
        "序号,姓名,身份证号,手机号,现居住地址,来源\n1,李娜,,13800138000,八一新苑5号楼,大数据推送\n2,李娜,,13800138000,八一新苑5号楼,铁路旅客信息\n3,王强,,13900139000,西城花园1号楼,大数据推送\n",
    )
    .expect("write");
    let grid = kadian_registers::read_grid(&path).expect("grid");
    let today = NaiveDate::from_ymd_opt(2020, 2, 5).expect("date");
    let list = kadian_registers::check_list::read_check_list(
        &grid,
        "第4批.csv",
        None,
        today,
        &compounds(),
    )
    .expect("read");
    assert_eq!(list.batch, Some(4));
    assert_eq!(list.entries.len(), 2);
    assert_eq!(list.entries[0].repeats.len(), 1);
    assert_eq!(list.report.rows[1].status, RowStatus::Warned);
    // No 下发时间 in the file: received today at 00:00, the same however often it is read.
    assert_eq!(list.received_at(today).to_string(), "2020-02-05 00:00:00");
    let r = list.entries[0].report("411402001", 4, list.received_at(today), &compounds());
    assert_eq!(r.number, "411402001-20200205-Q04-002");
    assert_eq!(r.compound.as_deref(), Some("compound-0"));
}

/// The street's communities the site list names (the street's residents' committees, as in
/// `../shared/tools/gen_roster.py`); 金桥社区 is not one of them.
fn communities() -> Vec<kadian_registers::sites::KnownCommunity> {
    [
        ("411402001001", "新区社区"),
        ("411402001002", "保湾社区"),
        ("411402001003", "侯庄社区"),
        ("411402001004", "福禄社区"),
        ("411402001005", "崔曹社区"),
        ("411402001007", "和谐社区"),
        ("411402001016", "方庄社区"),
        ("411402001017", "桂林社区"),
        ("411402001018", "八一社区"),
        ("411402001019", "福荣社区"),
        ("411402001020", "民西社区"),
        ("411402001021", "师院社区"),
        ("411402001022", "刘庄社区"),
        ("411402001023", "苏庄社区"),
        ("411402001024", "季庄社区"),
    ]
    .iter()
    .map(|(code, name)| kadian_registers::sites::KnownCommunity {
        code: (*code).into(),
        name: (*name).into(),
    })
    .collect()
}

/// The disinfection site list: every row's status and values as `expected/` says (section
/// lines and the note are no rows), the site typed twice registered once.
#[test]
fn disinfection_site_list_xlsx() {
    let file = "平原街道_消杀点位清单.xlsx";
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(
            fixtures()
                .join("expected")
                .join(file.replace(".xlsx", ".json")),
        )
        .expect("expected json"),
    )
    .expect("json");
    let grid = kadian_registers::read_grid(&fixtures().join(file)).expect("grid");
    let list = kadian_registers::sites::read_site_list(&grid, file, &communities()).expect("read");
    let r = &list.report;
    assert_eq!(r.rows_total, 42, "the data rows");
    assert_eq!(
        list.entries.len() as u64,
        expected["sites_unique"].as_u64().expect("n")
    );
    assert_rows_as_expected(r, &expected);
}

/// Every row of `expected/<file>.json` (district check list, site list) as the report says it:
/// its status, its codes among the report's, its normalized values, the row it repeats.
/// The report's header row and counts are `expected`'s (the rows not accepted listed when they
/// differ), and each of its rows as `expected` says row by row.
fn assert_rows_as_expected(r: &kadian_registers::ImportReport, expected: &Value) {
    assert_eq!(
        r.header_row as u64,
        expected["header_row"].as_u64().expect("n")
    );
    let count = |k: &str| expected[k].as_u64().expect("count") as usize;
    assert_eq!(
        (r.rows_total, r.accepted, r.warned, r.rejected),
        (
            count("rows_total"),
            count("accepted"),
            count("warned"),
            count("rejected")
        ),
        "{:#?}",
        r.rows
            .iter()
            .filter(|x| x.status != RowStatus::Accepted)
            .map(|x| (
                x.row,
                x.status,
                x.issues.iter().map(|i| i.code.clone()).collect::<Vec<_>>()
            ))
            .collect::<Vec<_>>()
    );
    for want in expected["rows"].as_array().expect("rows") {
        let row = want["row"].as_u64().expect("row") as usize;
        let got = r
            .rows
            .iter()
            .find(|x| x.row == row)
            .unwrap_or_else(|| panic!("row {row} reported"));
        let status = match got.status {
            RowStatus::Accepted => "accepted",
            RowStatus::Warned => "warned",
            RowStatus::Rejected => "rejected",
        };
        assert_eq!(status, want["status"], "row {row}: {:?}", got.issues);
        let codes: Vec<&str> = got.issues.iter().map(|i| i.code.as_str()).collect();
        for code in want["codes"].as_array().expect("codes") {
            assert!(
                codes.contains(&code.as_str().expect("code")),
                "row {row}: {codes:?} lacks {code}"
            );
        }
        let Some(fields) = want["normalized"].as_object() else {
            continue;
        };
        let n = got.normalized.as_ref().expect("normalized");
        for (key, value) in fields {
            assert_eq!(
                n.get(key).unwrap_or(&Value::Null),
                value,
                "row {row} field {key}"
            );
        }
        if let Some(first) = want.get("duplicate_of") {
            assert_eq!(n.get("duplicate_of"), Some(first), "row {row}");
        }
    }
}

/// The donation ledger: every row's status and values as `expected/` says (merged cells, 同上
/// and 〃 repeat the value above; the 合计 row is no row), its donations counted by date, donor
/// and contact, and the base units per item its rows bring.
#[test]
fn donation_ledger_xlsx() {
    let file = "平原街道_物资捐赠台账.xlsx";
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(
            fixtures()
                .join("expected")
                .join(file.replace(".xlsx", ".json")),
        )
        .expect("expected json"),
    )
    .expect("json");
    let grid = kadian_registers::read_grid(&fixtures().join(file)).expect("grid");
    let ledger = kadian_registers::donations::read_donation_ledger(
        &grid,
        file,
        &communities(),
        &compounds(),
        &kadian_domain::records::SupplyItems::default(),
    )
    .expect("read");
    assert_rows_as_expected(&ledger.report, &expected);
    assert_eq!(
        ledger.entries.len() as u64,
        expected["donations"].as_u64().expect("n")
    );
    let totals: std::collections::BTreeMap<String, i64> =
        serde_json::from_value(expected["totals"].clone()).expect("totals");
    assert_eq!(ledger.totals(), totals);
    // Imported as records: each a valid donation, its stocked lines received where they went.
    let donations: Vec<_> = ledger
        .entries
        .iter()
        .map(|e| e.donation("411402001", "import:test"))
        .collect();
    for d in &donations {
        kadian_domain::records::check_donation(d).expect("a valid donation");
        for m in d.receipts() {
            kadian_domain::records::check_stock_movement(&m).expect("a valid receipt");
        }
    }
    let received: i64 = donations
        .iter()
        .flat_map(|d| d.receipts())
        .map(|m| m.quantity)
        .sum();
    assert_eq!(received, totals.values().sum::<i64>());
}
