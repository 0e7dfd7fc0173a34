//! Grid zones (片区) through a real server on a loopback port, on every backend (SQLite always;
//! PostgreSQL when `KADIAN_TEST_PG` is set): a zone leader's laptop sees the compounds of its
//! zone across communities and nothing else, writes nowhere else, and takes in a compound put
//! in its zone later with that compound's history; the street's laptop counts per zone.

use kadian_device::areas::dashboard::{DashboardQuery, Level};
use kadian_device::reference::ReferenceData;
use kadian_domain::figures::china_date;
use kadian_domain::places::PlaceWrite;
use kadian_domain::records::new_id;
use kadian_domain::sync::{ReceiptStatus, Role};
use kadian_tests::harness::{backends, push_raw, register_walk_in, TestDevice, TestServer};
use serde_json::{json, Value};

fn passage_at(checkpoint: &str) -> Value {
    json!({
        "id": new_id().to_string(), "checkpoint_id": checkpoint, "direction": "in",
        "at": {"utc": chrono::Utc::now(), "offset_minutes": 480},
        "person_id": null, "walk_in_name": "送货人", "plate": null, "companions": 0,
        "purpose": null, "recorded_by": "片区长"
    })
}

fn today(zone: Option<String>, compound: Option<&str>) -> DashboardQuery {
    DashboardQuery {
        date: china_date(chrono::Utc::now()).to_string(),
        community: None,
        compound: compound.map(str::to_owned),
        zone,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_laptop_sees_its_compounds_across_communities_and_takes_in_one_put_in_later() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        // A second compound of 八一社区, in no zone yet, with its own gate.
        let compound_c =
            s.db.put_place(&PlaceWrite::Compound {
                community: s.community_a.clone(),
                name: "八一小区".into(),
            })
            .await
            .expect("compound");
        let checkpoint_c =
            s.db.put_place(&PlaceWrite::Checkpoint {
                compound: compound_c.clone(),
                name: "北门".into(),
            })
            .await
            .expect("checkpoint");
        let zone =
            s.db.put_place(&PlaceWrite::Zone {
                name: "第一片区".into(),
                leader: "王敏".into(),
                phone: Some("13900000001".into()),
                compounds: vec![s.compound_a.clone()],
            })
            .await
            .expect("zone");
        // A zone the street does not have gets no code.
        let refused = kadian_server::admin::issue_enrol_code(
            s.db.as_ref(),
            Role::Zone,
            "第九十九片区",
            chrono::Duration::hours(1),
        )
        .await
        .expect_err("unknown zone");
        assert!(refused.to_string().contains("unknown zone"), "{refused}");

        // A day at three gates: 八一新苑 (in the zone), 季庄花园 (another community) and 八一小区
        // (the zone's community, not in the zone).
        for (gate, n) in [
            (&s.checkpoint_a, 1),
            (&s.checkpoint_b, 2),
            (&checkpoint_c, 4),
        ] {
            let tablet = TestDevice::enrolled(&s, Role::Volunteer, gate).await;
            for i in 0..n {
                register_walk_in(&tablet.core, gate, &format!("访客{i}"));
            }
            tablet.sync().await.expect("tablet");
        }

        // The leader's laptop, enrolled by the zone's name.
        let leader = TestDevice::enrolled(&s, Role::Zone, "第一片区").await;
        let e = leader.core.store().enrolment().expect("s").expect("e");
        assert_eq!(
            (
                e.role,
                e.scope.zone.as_deref(),
                e.scope.community.as_deref()
            ),
            (Role::Zone, Some(zone.as_str()), None)
        );
        leader.sync().await.expect("leader");
        let info = leader.core.enrolment_info().expect("info").expect("e");
        assert_eq!(info.place_name.as_deref(), Some("第一片区"));
        let board = leader.core.dashboard(&today(None, None)).expect("zone");
        assert_eq!(
            (board.unit.level, board.unit.name.as_str()),
            (Level::Zone, "第一片区")
        );
        assert_eq!(
            board.unit.figures.passages_in, 1,
            "its compound's gate only"
        );
        assert_eq!(board.unit.figures.checkpoints_open, 1);
        let reference = ReferenceData::read(&leader.core.store()).expect("reference");
        assert_eq!(
            reference.compounds.keys().collect::<Vec<_>>(),
            [&s.compound_a],
            "no compound outside the zone reaches it"
        );
        assert_eq!(
            reference.communities.keys().collect::<Vec<_>>(),
            [&s.community_a]
        );

        // It writes nowhere outside its zone: not at another community's gate, not at its
        // community's other compound; at its own compound's gate it may.
        let receipts = push_raw(
            &leader,
            vec![
                ("passage", passage_at(&s.checkpoint_b)),
                ("passage", passage_at(&checkpoint_c)),
                ("passage", passage_at(&s.checkpoint_a)),
            ],
        )
        .await;
        let codes: Vec<Option<&str>> = receipts
            .iter()
            .map(|r| r.error.as_ref().map(|e| e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [Some("out_of_scope"), Some("out_of_scope"), None],
            "{receipts:?}"
        );
        assert_eq!(receipts[2].status, ReceiptStatus::Accepted);

        // 季庄花园 joins the zone: the laptop's next sync brings its gate and the passages
        // recorded there before it joined.
        s.db.put_place(&PlaceWrite::Zone {
            name: "第一片区".into(),
            leader: "王敏".into(),
            phone: None,
            compounds: vec![s.compound_b.clone()],
        })
        .await
        .expect("grown");
        leader.sync().await.expect("leader again");
        let board = leader.core.dashboard(&today(None, None)).expect("zone");
        // (Its own passage pushed by hand never reached its store: a device's own events are
        // not sent back.)
        assert_eq!(board.unit.figures.passages_in, 1 + 2);
        assert_eq!(board.unit.figures.checkpoints_open, 2);
        assert_eq!(
            board
                .below
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>(),
            ["八一新苑", "季庄花园"]
        );
        // A compound cannot be in two zones.
        let taken =
            s.db.put_place(&PlaceWrite::Zone {
                name: "第二片区".into(),
                leader: "李强".into(),
                phone: None,
                compounds: vec![s.compound_b.clone()],
            })
            .await
            .expect_err("taken");
        assert!(taken.to_string().contains("第一片区"), "{taken}");

        // The street's laptop counts per zone, and what no zone holds beside it.
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        street.sync().await.expect("street");
        let board = street.core.dashboard(&today(None, None)).expect("street");
        assert_eq!(board.unit.figures.passages_in, 1 + 1 + 2 + 4);
        assert_eq!(
            board
                .zones
                .iter()
                .map(|z| (z.name.as_str(), z.figures.passages_in))
                .collect::<Vec<_>>(),
            [("第一片区", 4)]
        );
        assert_eq!(board.zones_rest.expect("八一小区").passages_in, 4);
        // A community laptop holds no zone.
        let community = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        community.sync().await.expect("community");
        assert!(ReferenceData::read(&community.core.store())
            .expect("reference")
            .zones
            .is_empty());
    }
}
