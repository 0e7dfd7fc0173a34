//! Supplies (物资) through the server, on every backend: two offline laptops dispatching the
//! same stock are both kept and the stock shows below zero, nothing lost; a receipt with less
//! opens a difference for the sender; `report supplies` says what the laptops say; hostile
//! movements refused by the kind's rules and scopes.

use chrono::Utc;
use kadian_device::areas::supplies::MovementInput;
use kadian_domain::records::new_id;
use kadian_domain::sync::{ReceiptStatus, Role};
use kadian_server::supplies::supplies;
use kadian_tests::harness::{backends, push_raw, TestDevice, TestServer};

fn movement(holder: &str, kind: &str, quantity: i64) -> MovementInput {
    MovementInput {
        item: "surgical_mask".into(),
        holder: holder.into(),
        kind: kind.into(),
        quantity,
        ..MovementInput::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_offline_dispatches_of_one_stock_are_both_kept_and_a_short_receipt_is_a_difference() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let office = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let other = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let community = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        office.sync().await.expect("places");
        other.sync().await.expect("places");
        community.sync().await.expect("places");
        office
            .core
            .supplies_record(&MovementInput {
                source: "donation".into(),
                ..movement("street", "received", 1000)
            })
            .expect("received");
        office.sync().await.expect("push");
        other.sync().await.expect("pull");
        // Both offline, both send from the same 1000.
        let to = format!("community:{}", s.community_a);
        office
            .core
            .supplies_record(&MovementInput {
                to: to.clone(),
                ..movement("street", "dispatched", 800)
            })
            .expect("one");
        other
            .core
            .supplies_record(&MovementInput {
                to: to.clone(),
                ..movement("street", "dispatched", 500)
            })
            .expect("two");
        for d in [&office, &other] {
            let r = d.sync().await.expect("push");
            assert_eq!(r.rejected, 0, "{b}");
        }
        let report = supplies(&*s.db, Utc::now()).await.expect("report");
        let line = |holder: &str| {
            report
                .stock
                .iter()
                .find(|l| serde_json::to_value(&l.holder).expect("json")["level"] == holder)
                .expect("line")
                .clone()
        };
        assert_eq!(line("street").on_hand, -300, "{b}: nothing lost");
        assert!(line("street").short);
        assert_eq!(report.awaiting.len(), 2, "{b}");
        // The community pulls both dispatches and confirms one with less than was sent.
        community.sync().await.expect("pull");
        let board = community.core.supplies_board().expect("board");
        assert_eq!(board.awaiting.len(), 2, "{b}");
        // Its own stock only: the street's store is not shown from the dispatches it pulled.
        assert!(
            board.rows.iter().all(|r| r.holder == to),
            "{b}: {:?}",
            board.rows
        );
        let eight_hundred = board
            .awaiting
            .iter()
            .find(|t| t.sent == 800)
            .expect("the 800")
            .id
            .clone();
        community
            .core
            .supplies_record(&MovementInput {
                transfer_id: eight_hundred,
                ..movement(&to, "receipt_confirmed", 780)
            })
            .expect("confirmed");
        community.sync().await.expect("push");
        let report = supplies(&*s.db, Utc::now()).await.expect("report");
        assert_eq!(line_of(&report, "community").on_hand, 780, "{b}");
        assert_eq!(report.discrepancies.len(), 1, "{b}");
        assert_eq!(report.discrepancies[0].difference(), Some(20));
        // The 日报's 物资 columns: the community's masks at the day's end; the donation
        // received at the street's store in 合计 only, with its remark.
        let today = kadian_server::china_time::china_today();
        let daily =
            kadian_server::report::daily(&*s.db, today, kadian_domain::FeverThreshold::default())
                .await
                .expect("daily");
        let row = daily
            .rows
            .iter()
            .find(|r| r.community_code == s.community_a)
            .expect("八一社区")
            .figures;
        assert_eq!(
            (row.supplies_masks, row.supplies_donations),
            (780, 0),
            "{b}"
        );
        assert_eq!(daily.total.supplies_donations, 1, "{b}");
        assert!(!daily.not_built.iter().any(|c| c.contains("supplies")));
        let sheet = kadian_server::report::daily_sheet(&daily, "王芳", "0370-1234567");
        let cells = &sheet
            .rows
            .iter()
            .find(|r| r.unit == "八一社区")
            .expect("八一社区")
            .values;
        assert_eq!(cells[38], Some(780.0), "{b}");
        assert_eq!(cells[39], None, "no use yet: no days of cover");
        assert_eq!(
            sheet.total.remark, "含街道自留（未交办的举报、街道直管点位、街道仓库）",
            "{b}: the street's own, not records the layout could not place"
        );
        // The community laptop's 概况 counts the same.
        let board = community
            .core
            .dashboard(&kadian_device::areas::dashboard::DashboardQuery {
                date: today.to_string(),
                community: None,
                compound: None,
                zone: None,
            })
            .expect("dashboard");
        assert_eq!(board.unit.figures.supplies_masks, 780, "{b}");
        assert!(!board.not_built.contains(&"supplies".to_owned()));
        // The street laptop shows the same.
        office.sync().await.expect("pull");
        let board = office.core.supplies_board().expect("board");
        assert_eq!(board.discrepancies.len(), 1, "{b}");
        assert_eq!(board.discrepancies[0].difference, Some(20));
        let street_row = board
            .rows
            .iter()
            .find(|r| r.holder == "street")
            .expect("street");
        assert_eq!(street_row.on_hand, -300, "{b}");
    }
}

fn line_of(
    report: &kadian_server::supplies::SuppliesOverview,
    level: &str,
) -> kadian_server::supplies::StockLine {
    report
        .stock
        .iter()
        .find(|l| serde_json::to_value(&l.holder).expect("json")["level"] == level)
        .expect("line")
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_movements_are_refused() {
    for b in backends() {
        eprintln!("backend: {b}");
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let body = |holder: serde_json::Value, kind: &str, q: i64| {
            serde_json::json!({
                "id": new_id().to_string(), "item": "surgical_mask", "holder": holder,
                "kind": kind, "quantity": q,
                "at": {"utc": Utc::now(), "offset_minutes": 480}, "recorded_by": "x",
            })
        };
        let gate = serde_json::json!({"level": "checkpoint", "id": s.checkpoint_a});
        let code = |r: Vec<kadian_domain::sync::Receipt>| {
            assert_eq!(r[0].status, ReceiptStatus::Rejected);
            r[0].error.as_ref().expect("error").code.clone()
        };
        assert_eq!(
            code(
                push_raw(
                    &tablet,
                    vec![("stock_movement", body(gate.clone(), "used", 5))]
                )
                .await
            ),
            "not_allowed",
            "{b}"
        );
        // A compound laptop does not keep the street's store, nor another compound's gate.
        assert_eq!(
            code(
                push_raw(
                    &laptop,
                    vec![(
                        "stock_movement",
                        body(serde_json::json!({"level": "street"}), "used", 5)
                    )]
                )
                .await
            ),
            "out_of_scope",
            "{b}"
        );
        let theirs = serde_json::json!({"level": "checkpoint", "id": s.checkpoint_b});
        assert_eq!(
            code(push_raw(&laptop, vec![("stock_movement", body(theirs, "used", 5))]).await),
            "out_of_scope",
            "{b}"
        );
        assert_eq!(
            code(
                push_raw(
                    &laptop,
                    vec![("stock_movement", body(gate.clone(), "used", 0))]
                )
                .await
            ),
            "invalid_record",
            "{b}"
        );
        let mut item = body(gate.clone(), "used", 5);
        item["item"] = serde_json::json!("caviar");
        assert_eq!(
            code(push_raw(&laptop, vec![("stock_movement", item)]).await),
            "invalid_record",
            "{b}"
        );
        let unknown = serde_json::json!({"level": "checkpoint", "id": "nowhere"});
        assert_eq!(
            code(push_raw(&laptop, vec![("stock_movement", body(unknown, "used", 5))]).await),
            "unknown_checkpoint",
            "{b}"
        );
        // Nor its community's stock, though it may add records at its community's level.
        let theirs = serde_json::json!({"level": "community", "code": s.community_a});
        assert_eq!(
            code(push_raw(&laptop, vec![("stock_movement", body(theirs, "used", 5))]).await),
            "out_of_scope",
            "{b}"
        );
        // A dispatch goes down the levels: the street's laptop sends nothing sideways.
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        let mut sideways = body(
            serde_json::json!({"level": "community", "code": s.community_a}),
            "dispatched",
            5,
        );
        sideways["to"] = serde_json::json!({"level": "community", "code": s.community_b});
        assert_eq!(
            code(push_raw(&street, vec![("stock_movement", sideways)]).await),
            "not_allowed",
            "{b}"
        );
        let ok = push_raw(&laptop, vec![("stock_movement", body(gate, "used", 5))]).await;
        assert_eq!(ok[0].status, ReceiptStatus::Accepted, "{b}");
        // The gate's tablet receives no stock movements (notes name donors and staff).
        tablet.sync().await.expect("tablet");
        assert!(
            tablet
                .core
                .store()
                .stock_movements()
                .expect("read")
                .is_empty(),
            "{b}"
        );
    }
}
