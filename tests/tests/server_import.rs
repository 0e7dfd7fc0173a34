//! `kadian-server import`: the fixture registers go into the server row by row; a dry run stores
//! nothing; importing the same file twice stores nothing new; a home-observation register opens
//! a case per row that the compound's laptop then follows.

use std::path::PathBuf;

use kadian_domain::sync::Role;
use kadian_registers::RegisterKind;
use kadian_server::admin::import_register;
use kadian_tests::harness::{backends, TestDevice, TestServer};

fn fixture(name: &str) -> PathBuf {
    kadian_tests::shared_dir()
        .join("fixtures/registers")
        .join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_import_into_the_server_once() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let db = s.db.as_ref();
        let roster = fixture("八一社区_居民花名册.xlsx");
        let dry = import_register(
            db,
            &roster,
            RegisterKind::Roster,
            Some(&s.community_a),
            Some(&s.compound_a),
            true,
        )
        .await
        .expect("dry run");
        assert!(dry.dry_run);
        assert_eq!((dry.report.rows_total, dry.report.rejected), (238, 1));
        assert_eq!(
            s.db.count("person").await.expect("count"),
            0,
            "a dry run stores nothing"
        );

        let r = import_register(
            db,
            &roster,
            RegisterKind::Roster,
            Some(&s.community_a),
            Some(&s.compound_a),
            false,
        )
        .await
        .expect("import");
        assert_eq!(
            r.stored,
            236 + r.report.households,
            "one person per distinct ID number, and their households: {:?}",
            r.refused
        );
        assert!(r.refused.is_empty());
        assert_eq!(s.db.count("person").await.expect("count"), 236);

        let again = import_register(
            db,
            &roster,
            RegisterKind::Roster,
            Some(&s.community_a),
            Some(&s.compound_a),
            false,
        )
        .await
        .expect("again");
        assert_eq!(
            (again.stored, again.duplicates),
            (0, 236 + again.report.households),
            "the same register twice stores nothing new"
        );

        // Without --community, a roster with no 社区代码 column places nobody: every row is
        // refused as such (in the dry run too), nothing is stored.
        let before = s.db.count("person").await.expect("count");
        for dry_run in [true, false] {
            let r = import_register(db, &roster, RegisterKind::Roster, None, None, dry_run)
                .await
                .expect("unplaced");
            assert_eq!(r.stored, 0);
            assert_eq!(r.refused.len(), 236);
            assert!(r
                .refused
                .iter()
                .all(|x| x.error.as_ref().is_some_and(|e| e.code == "no_community")));
        }
        assert_eq!(s.db.count("person").await.expect("count"), before);

        let log = fixture("和谐社区_出入登记_utf8bom.csv");
        let r = import_register(
            db,
            &log,
            RegisterKind::GateLog,
            Some(&s.community_a),
            Some(&s.compound_a),
            false,
        )
        .await
        .expect("gate log");
        assert_eq!(s.db.count("passage").await.expect("count"), 120);
        assert_eq!(r.report.warned, 6);

        let returnees = fixture("季庄社区_返乡人员登记表.xlsx");
        let r = import_register(
            db,
            &returnees,
            RegisterKind::Returnees,
            Some(&s.community_b),
            Some(&s.compound_b),
            false,
        )
        .await
        .expect("returnees");
        assert_eq!(r.report.rows_total, 42);
        assert_eq!(s.db.count("travel_declaration").await.expect("count"), 42);

        let bad = import_register(
            db,
            &fixture("no-such-file.xlsx"),
            RegisterKind::Roster,
            Some(&s.community_a),
            None,
            false,
        )
        .await;
        assert!(bad.is_err(), "a file that cannot be read fails whole");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_street_wide_roster_takes_each_persons_community_from_the_register() {
    let s = TestServer::start("sqlite").await;
    let dir = tempfile::tempdir().expect("tmp");
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "姓名,性别,身份证号码,联系电话,社区代码,社区,小区\n\
         张三,男,41140219370119799X,13800138000,411402001018,八一社区,八一新苑\n\
         李四,女,412301198209159328,13800138001,411402001024,季庄社区,季庄花园\n\
         王五,女,11010519491231002X,13800138002,411402001099,无此社区,某小区\n",
    )
    .expect("write");
    let r = import_register(
        s.db.as_ref(),
        &roster,
        RegisterKind::Roster,
        None,
        None,
        false,
    )
    .await
    .expect("import");
    assert_eq!(r.stored, 2);
    assert_eq!(
        r.refused.len(),
        1,
        "a community the street does not have is refused: {:?}",
        r.refused
    );
    assert_eq!(
        r.refused[0].error.as_ref().map(|e| e.code.as_str()),
        Some("unknown_community")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_home_observation_register_opens_a_case_per_row_that_the_compound_laptop_follows() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let db = s.db.as_ref();
        let file = fixture("八一社区_居家观察人员台账.xlsx");
        let import = |dry_run: bool| {
            import_register(
                db,
                &file,
                RegisterKind::HomeObservation,
                Some(&s.community_a),
                None,
                dry_run,
            )
        };
        // A compound of another community is refused, before anything is read.
        let wrong = import_register(
            db,
            &file,
            RegisterKind::HomeObservation,
            Some(&s.community_a),
            Some(&s.compound_b),
            true,
        )
        .await
        .expect_err("another community's compound");
        assert!(wrong.to_string().contains("is in community"), "{wrong}");
        let dry = import(true).await.expect("dry run");
        assert_eq!(
            (
                dry.report.rows_total,
                dry.report.accepted,
                dry.report.warned,
                dry.report.rejected
            ),
            (56, 47, 6, 3),
            "{b}"
        );
        assert_eq!(
            dry.report.report_date.map(|d| d.to_string()).as_deref(),
            Some("2020-02-06")
        );
        assert_eq!(s.db.count("observation_case").await.expect("count"), 0);

        let r = import(false).await.expect("import");
        assert!(r.refused.is_empty(), "{b}: {:?}", r.refused);
        for table in ["person", "travel_declaration", "observation_case"] {
            assert_eq!(s.db.count(table).await.expect("count"), 53, "{b}: {table}");
        }
        // 14 rows' periods were over by the register's date (2020-02-06): released.
        assert_eq!(
            s.db.count("case_transition").await.expect("count"),
            14,
            "{b}"
        );
        assert_eq!(r.stored, 3 * 53 + 14);
        let again = import(false).await.expect("again");
        assert_eq!(
            (again.stored, again.duplicates),
            (0, 3 * 53 + 14),
            "{b}: once"
        );

        // The compound's laptop (八一新苑) receives every case, placed by its address, with the
        // responsible staff member the register gives.
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        laptop.sync().await.expect("sync");
        let cases = laptop.core.observation_list().expect("cases");
        assert_eq!(cases.len(), 53, "{b}");
        // The travel declarations are placed with their cases (the compound the address names),
        // not where the import ran (the community): the compound's laptop has them.
        assert_eq!(
            laptop
                .core
                .store()
                .count("travel_declaration")
                .expect("count"),
            53,
            "{b}"
        );
        let released = cases
            .iter()
            .filter(|c| c.status == kadian_domain::observation::CaseStatus::Released)
            .count();
        assert_eq!(released, 14, "{b}");
        // Its days before the import are the register's, not missed here.
        assert_eq!(cases.iter().map(|c| c.missed_in_a_row).max(), Some(0));
        let li = cases.iter().find(|c| c.name == "李珍").expect("李珍");
        assert_eq!(li.address, "13号楼1单元602");
        assert_eq!(li.compound_name, "八一新苑");
        assert_eq!(li.responsible.as_deref(), Some("曹思"));
        // Its 14 days (to 2020-02-11) were never visited here: nobody is released unseen, so
        // the period goes on to today, and the case waits for staff.
        let china_today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
        assert_eq!(li.end, china_today.to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_street_exports_its_registers_for_the_district_in_one_workbook() {
    use calamine::{open_workbook_auto, Data, Reader};
    for b in backends() {
        let s = TestServer::start(b).await;
        let db = s.db.as_ref();
        import_register(
            db,
            &fixture("八一社区_居家观察人员台账.xlsx"),
            RegisterKind::HomeObservation,
            Some(&s.community_a),
            None,
            false,
        )
        .await
        .expect("import");
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        kadian_tests::harness::register_walk_in(&tablet.core, &s.checkpoint_a, "送货人");
        let voided =
            kadian_tests::harness::register_walk_in(&tablet.core, &s.checkpoint_a, "登错了");
        kadian_tests::harness::void_passage(&tablet.core, voided, "volunteer-1");
        tablet.sync().await.expect("sync");

        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("平原街道.xlsx");
        let summary = kadian_server::export::export_street(
            db,
            &kadian_server::export::ExportOptions::default(),
            &path,
        )
        .await
        .expect("export");
        assert_eq!(summary.passages, 1, "{b}: {summary:?}");
        assert_eq!(summary.voided_left_out, 1, "{b}");
        assert_eq!(summary.unreadable, 0, "{b}");
        assert_eq!(
            summary.cases as i64,
            s.db.count("observation_case").await.expect("count")
        );
        assert!(summary.persons > 0 && summary.returnees > 0, "{summary:?}");

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "personal information: owner only");
        }
        let mut book = open_workbook_auto(&path).expect("the workbook opens");
        assert_eq!(
            book.sheet_names(),
            ["说明", "居民花名册", "出入登记", "返乡人员", "居家观察"]
        );
        let rows = |book: &mut calamine::Sheets<_>, name: &str| -> Vec<Vec<String>> {
            book.worksheet_range(name)
                .expect("sheet")
                .rows()
                .map(|r| r.iter().map(|c: &Data| c.to_string()).collect())
                .collect()
        };
        let gate_log = rows(&mut book, "出入登记");
        assert_eq!(gate_log[0][0], "卡点");
        assert_eq!(gate_log[0].last().map(String::as_str), Some("复测体温"));
        assert_eq!(gate_log.len(), 2, "header and the one passage kept");
        assert!(gate_log[1].contains(&"送货人".to_owned()), "{gate_log:?}");
        assert_eq!(gate_log[1][0], "八一新苑 东门");
        let cases = rows(&mut book, "居家观察");
        assert_eq!(cases.len(), summary.cases + 1);
        // Each case's status folded from its transitions (the register's 已解除 rows are
        // released, with the day), its compound by name.
        assert!(
            cases[1..]
                .iter()
                .all(|r| uuid::Uuid::parse_str(&r[4]).is_err()),
            "the compound by its name, not its id: {:?}",
            &cases[..2]
        );
        for r in &cases[1..] {
            match r[7].as_str() {
                "观察中" | "已转应急处置组" => assert!(r[8].is_empty(), "{r:?}"),
                "已解除观察" | "已转出" | "失联" | "已撤销" => {
                    assert!(!r[8].is_empty(), "{r:?}")
                }
                other => panic!("status {other:?}"),
            }
        }
        assert!(cases.iter().any(|r| r[7] == "已解除观察"));
        assert!(cases.iter().any(|r| r[7] == "观察中"));
        let persons = rows(&mut book, "居民花名册");
        assert_eq!(persons.len(), summary.persons + 1);
        // ID numbers stay text, in full.
        assert!(
            persons[1..].iter().any(|r| r[2].len() == 18),
            "{:?}",
            &persons[..2]
        );
        let about = rows(&mut book, "说明");
        let said = |key: &str| {
            about
                .iter()
                .find(|r| r[0] == key)
                .map(|r| r[1].clone())
                .unwrap_or_default()
        };
        assert_eq!(said("已作废或更正、未列入的出入登记"), "1");
        assert!(said("注意").contains("个人信息"));

        // One community, a range that ends before it starts, an unknown community.
        let err = kadian_server::export::export_street(
            db,
            &kadian_server::export::ExportOptions {
                community: Some("411402001999".into()),
                ..Default::default()
            },
            &path,
        )
        .await
        .expect_err("unknown community");
        assert!(err.to_string().contains("no community"), "{err}");
        let err = kadian_server::export::export_street(
            db,
            &kadian_server::export::ExportOptions {
                from: chrono::NaiveDate::from_ymd_opt(2026, 12, 2),
                to: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
                ..Default::default()
            },
            &path,
        )
        .await
        .expect_err("backwards range");
        assert!(err.to_string().contains("is after"), "{err}");
        let other = kadian_server::export::export_street(
            db,
            &kadian_server::export::ExportOptions {
                community: Some(s.community_b.clone()),
                ..Default::default()
            },
            &path,
        )
        .await
        .expect("community B");
        assert_eq!((other.passages, other.cases, other.persons), (0, 0, 0));
    }
}
