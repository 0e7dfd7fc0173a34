//! `kadian-server import`: the fixture registers go into the server row by row; a dry run stores
//! nothing; importing the same file twice stores nothing new.

use std::path::PathBuf;

use kadian_registers::RegisterKind;
use kadian_server::admin::import_register;
use kadian_tests::harness::{backends, TestServer};

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
            &s.community_a,
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
            &s.community_a,
            Some(&s.compound_a),
            false,
        )
        .await
        .expect("import");
        assert_eq!(
            r.stored, 236,
            "one person per distinct ID number: {:?}",
            r.refused
        );
        assert!(r.refused.is_empty());
        assert_eq!(s.db.count("person").await.expect("count"), 236);

        let again = import_register(
            db,
            &roster,
            RegisterKind::Roster,
            &s.community_a,
            Some(&s.compound_a),
            false,
        )
        .await
        .expect("again");
        assert_eq!(
            (again.stored, again.duplicates),
            (0, 236),
            "the same register twice stores nothing new"
        );

        let log = fixture("和谐社区_出入登记_utf8bom.csv");
        let r = import_register(
            db,
            &log,
            RegisterKind::GateLog,
            &s.community_a,
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
            &s.community_b,
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
            &s.community_a,
            None,
            false,
        )
        .await;
        assert!(bad.is_err(), "a file that cannot be read fails whole");
    }
}
