//! 物资 on staff laptops, without a window or a server: stock is the sum of movements (never
//! typed), two dispatches of the same stock both kept and the stock shown below zero, a receipt
//! with less opens a difference for the sender, and bad input refused with its field. Donations:
//! received on the street laptop into stock where each line went, followed to the checkpoint by
//! the dispatches that name them, published as the donor allows.

mod common;

use common::{enrolled, open};
use kadian_device::areas::supplies::{
    DonationInput, DonationLineInput, MovementInput, SuppliesBoard,
};
use kadian_device::AppCore;
use kadian_domain::sync::{Change, Role};

const COMMUNITY: &str = "411402001018";

fn change(kind: &str, id: &str, body: serde_json::Value) -> Change {
    Change {
        kind: kind.into(),
        id: id.into(),
        version: 1,
        deleted: false,
        body,
    }
}

fn places(core: &AppCore) {
    core.store()
        .apply_pull(
            &[
                change(
                    "community",
                    COMMUNITY,
                    serde_json::json!({"code": COMMUNITY, "name": "八一社区", "street": "411402001"}),
                ),
                change(
                    "compound",
                    common::COMPOUND,
                    serde_json::json!({"id": common::COMPOUND, "name": "八一新苑", "community": COMMUNITY}),
                ),
                change(
                    "checkpoint",
                    "gate-1",
                    serde_json::json!({"id": "gate-1", "name": "东门", "compound": common::COMPOUND}),
                ),
            ],
            1,
        )
        .expect("places");
}

fn laptop(role: Role) -> (AppCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = open(&dir);
    store
        .set_enrolment(&kadian_device::Enrolment {
            server_url: "http://127.0.0.1:9".into(),
            device_id: "laptop".into(),
            token: "t".into(),
            role,
            scope: kadian_domain::sync::Scope {
                street: "411402001".into(),
                community: (role != Role::Street).then(|| COMMUNITY.to_owned()),
                compound: (role == Role::Compound).then(|| common::COMPOUND.to_owned()),
                checkpoint: None,
                zone: None,
            },
            cert_sha256: None,
            device_name: Some("物资笔记本".into()),
            street_name: None,
        })
        .expect("enrol");
    let core = AppCore::open_store(dir.path(), store);
    places(&core);
    (core, dir)
}

fn movement(holder: &str, kind: &str, quantity: i64) -> MovementInput {
    MovementInput {
        item: "surgical_mask".into(),
        holder: holder.into(),
        kind: kind.into(),
        quantity,
        ..MovementInput::default()
    }
}

fn row<'a>(b: &'a SuppliesBoard, holder: &str) -> &'a kadian_device::areas::supplies::StockRow {
    b.rows
        .iter()
        .find(|r| r.holder == holder && r.item == "surgical_mask")
        .expect("row")
}

#[test]
fn stock_is_the_sum_of_movements_and_two_dispatches_of_it_go_below_zero() {
    let (street, _dir) = laptop(Role::Street);
    street
        .supplies_record(&MovementInput {
            source: "donation".into(),
            note: "平原街道巾帼企业家协会".into(),
            ..movement("street", "received", 1000)
        })
        .expect("received");
    let community = format!("community:{COMMUNITY}");
    let b = street
        .supplies_record(&MovementInput {
            to: community.clone(),
            ..movement("street", "dispatched", 800)
        })
        .expect("dispatched");
    assert_eq!(row(&b, "street").on_hand, 200);
    assert_eq!(row(&b, &community).incoming, 800);
    assert_eq!(row(&b, &community).holder_name, "八一社区");
    assert_eq!(b.awaiting.len(), 1);
    // Another 500 from the same stock (the other laptop's dispatch, say): kept, shown short.
    let b = street
        .supplies_record(&MovementInput {
            to: community.clone(),
            ..movement("street", "dispatched", 500)
        })
        .expect("dispatched again");
    let s = row(&b, "street");
    assert_eq!(s.on_hand, -300);
    assert!(s.short);
    assert_eq!(street.store().pending_count().expect("outbox"), 3);
}

#[test]
fn a_receipt_with_less_opens_a_difference_for_the_sender() {
    let (street, _a) = laptop(Role::Street);
    let community = format!("community:{COMMUNITY}");
    let b = street
        .supplies_record(&MovementInput {
            to: community.clone(),
            ..movement("street", "dispatched", 500)
        })
        .expect("dispatched");
    let dispatch = b.awaiting[0].id.clone();
    // The community's laptop pulls the dispatch and confirms what arrived.
    let (mine, _b) = laptop(Role::Community);
    let held = street.store().stock_movements().expect("read");
    mine.store()
        .apply_pull(
            &[change(
                "stock_movement",
                &dispatch,
                serde_json::to_value(&held[0]).expect("json"),
            )],
            5,
        )
        .expect("pulled");
    let b = mine
        .supplies_record(&MovementInput {
            transfer_id: dispatch.clone(),
            ..movement(&community, "receipt_confirmed", 450)
        })
        .expect("confirmed");
    assert_eq!(row(&b, &community).on_hand, 450);
    assert!(b.awaiting.is_empty());
    assert_eq!(b.discrepancies.len(), 1);
    assert_eq!(b.discrepancies[0].difference, Some(50));
    // The street's dispatch it pulled is not the street's stock on this laptop.
    assert!(b.rows.iter().all(|r| r.holder == community), "{:?}", b.rows);
    // The sender sees the difference too, once it holds the receipt.
    let receipt = mine.store().stock_movements().expect("read");
    let receipt = receipt
        .iter()
        .find(|m| m.transfer_id.is_some())
        .expect("the receipt");
    street
        .store()
        .apply_pull(
            &[change(
                "stock_movement",
                &receipt.id.to_string(),
                serde_json::to_value(receipt).expect("json"),
            )],
            9,
        )
        .expect("pulled");
    let theirs = street.supplies_board().expect("board");
    assert_eq!(theirs.discrepancies[0].difference, Some(50));
    assert_eq!(row(&theirs, &community).on_hand, 450);
    // Used at hand-over and counted: the difference of a count may be negative.
    let b = mine
        .supplies_record(&movement(&community, "used", 50))
        .expect("used");
    let b2 = mine
        .supplies_record(&movement(&community, "adjustment", -10))
        .expect("counted");
    assert_eq!(row(&b2, &community).on_hand, 390);
    assert_eq!(row(&b, &community).used_7d, 50);
}

#[test]
fn bad_input_is_refused_with_its_field() {
    let (compound, _dir) = laptop(Role::Compound);
    let refused = |r: Result<SuppliesBoard, kadian_device::AppError>| {
        let e = r.expect_err("refused");
        (e.code, e.field.unwrap_or_default())
    };
    // A compound laptop keeps its checkpoints' stock, not the street's or its community's.
    assert_eq!(
        refused(compound.supplies_record(&movement("street", "used", 1))),
        ("not_allowed".into(), "holder".into())
    );
    assert_eq!(
        refused(compound.supplies_record(&movement(&format!("community:{COMMUNITY}"), "used", 1))),
        ("not_allowed".into(), "holder".into())
    );
    let gate = "checkpoint:gate-1";
    assert_eq!(
        refused(compound.supplies_record(&movement(gate, "used", 0))),
        ("invalid_input".into(), "quantity".into())
    );
    assert_eq!(
        refused(compound.supplies_record(&movement(gate, "adjustment", 0))),
        ("invalid_input".into(), "quantity".into())
    );
    // A dispatch goes down the levels only: a gate sends nothing to its community.
    assert_eq!(
        refused(compound.supplies_record(&MovementInput {
            to: format!("community:{COMMUNITY}"),
            ..movement(gate, "dispatched", 5)
        })),
        ("not_allowed".into(), "to".into())
    );
    assert_eq!(
        refused(compound.supplies_record(&MovementInput {
            item: "caviar".into(),
            ..movement(gate, "used", 1)
        })),
        ("invalid_input".into(), "item".into())
    );
    assert_eq!(
        refused(compound.supplies_record(&movement(gate, "teleported", 1))),
        ("invalid_input".into(), "kind".into())
    );
    assert_eq!(
        refused(compound.supplies_record(&MovementInput {
            transfer_id: "0190a1b2-0000-7000-8000-0000000000ff".into(),
            ..movement(gate, "receipt_confirmed", 1)
        })),
        ("not_found".into(), "transfer_id".into())
    );
    assert_eq!(
        refused(compound.supplies_record(&MovementInput {
            to: "checkpoint:nowhere".into(),
            ..movement(gate, "dispatched", 1)
        })),
        ("not_found".into(), "to".into())
    );
    assert_eq!(
        refused(compound.supplies_record(&movement(gate, "received", 5))),
        ("invalid_input".into(), "source".into())
    );
    assert_eq!(compound.store().pending_count().expect("outbox"), 0);
    // What it may do: its gate's shift used 40 masks.
    let b = compound
        .supplies_record(&movement(gate, "used", 40))
        .expect("used");
    assert_eq!(row(&b, gate).on_hand, -40);
    assert_eq!(row(&b, gate).holder_name, "八一新苑 东门");
}

#[test]
fn the_gate_confirms_a_delivery_with_the_volunteers_pin_and_records_what_its_shift_used() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = enrolled(&dir, Role::Volunteer, Some("gate-1"));
    let (wang, v) = common::pulled_volunteer("王志愿", "2468", false);
    store.apply_pull(&[v], 1).expect("volunteer");
    let tablet = AppCore::open_store(dir.path(), store);
    places(&tablet);
    // The community's dispatch of 300 masks to the gate, pulled.
    let (street, _d2) = laptop(Role::Street);
    let b = street
        .supplies_record(&MovementInput {
            to: "checkpoint:gate-1".into(),
            ..movement(&format!("community:{COMMUNITY}"), "dispatched", 300)
        })
        .expect("dispatched");
    let dispatch = b.awaiting[0].id.clone();
    let held = street.store().stock_movements().expect("read");
    tablet
        .store()
        .apply_pull(
            &[change(
                "stock_movement",
                &dispatch,
                serde_json::to_value(&held[0]).expect("json"),
            )],
            5,
        )
        .expect("pulled");
    assert_eq!(
        tablet.supplies_gate().expect_err("no one on duty").code,
        "not_signed_in"
    );
    tablet.sign_in(&wang, "2468").expect("signed in");
    let g = tablet.supplies_gate().expect("gate");
    assert_eq!(g.checkpoint, "八一新苑 东门");
    assert_eq!(g.awaiting.len(), 1);
    assert_eq!(g.awaiting[0].sent, 300);
    // A wrong PIN confirms nothing.
    let e = tablet
        .supplies_gate_confirm(&dispatch, 280, "1111")
        .expect_err("wrong PIN");
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("pin_wrong", Some("pin"))
    );
    assert_eq!(
        tablet.store().pending_count().expect("outbox"),
        1,
        "the volunteer's sign-in only"
    );
    let g = tablet
        .supplies_gate_confirm(&dispatch, 280, "2468")
        .expect("confirmed");
    assert!(g.awaiting.is_empty());
    assert_eq!(g.rows[0].on_hand, 280);
    // Confirmed once only.
    assert_eq!(
        tablet
            .supplies_gate_confirm(&dispatch, 280, "2468")
            .expect_err("again")
            .code,
        "not_found"
    );
    let g = tablet
        .supplies_gate_used("surgical_mask", 40)
        .expect("used");
    assert_eq!(g.rows[0].on_hand, 240);
    assert_eq!(g.used_this_shift[0].quantity, 40);
    assert_eq!(
        tablet
            .supplies_gate_used("surgical_mask", 0)
            .expect_err("0")
            .field
            .as_deref(),
        Some("quantity")
    );
    // The stock table of staff is not the tablet's.
    assert_eq!(
        tablet.supplies_board().expect_err("refused").code,
        "not_staff"
    );
    // A laptop is no gate.
    assert_eq!(
        street.supplies_gate().expect_err("a laptop").code,
        "not_a_gate"
    );
}

fn donation(lines: Vec<DonationLineInput>) -> DonationInput {
    DonationInput {
        donated_on: "2026-02-01".into(),
        donor: "康民大药房".into(),
        contact_name: "周晨".into(),
        contact_phone: "18406938116".into(),
        received_by: "郭静".into(),
        publish: true,
        lines,
        ..DonationInput::default()
    }
}

fn line(item: &str, quantity: i64, destination: &str) -> DonationLineInput {
    DonationLineInput {
        item: item.into(),
        quantity,
        destination: destination.into(),
    }
}

#[test]
fn a_donation_received_on_the_street_laptop_is_stock_where_it_went_and_followed_to_the_gate() {
    let (street, _dir) = laptop(Role::Street);
    let community = format!("community:{COMMUNITY}");
    let board = street
        .supplies_donation_record(&donation(vec![
            line("surgical_mask", 2000, &community),
            line("alcohol_75", 10000, "street"),
        ]))
        .expect("recorded");
    assert!(board.may_record);
    assert_eq!(board.donations.len(), 1);
    let d = &board.donations[0];
    assert_eq!(d.donor_kind.as_deref(), Some("enterprise"));
    assert_eq!(d.contact_phone.as_deref(), Some("184****8116"), "masked");
    assert_eq!(d.lines[0].destination, "八一社区");
    // The donation and its two received lots wait to be sent.
    assert_eq!(street.store().pending_count().expect("outbox"), 3);
    let stock = street.supplies_board().expect("board");
    assert_eq!(row(&stock, &community).on_hand, 2000);
    // The community sends 300 of them on to its gate, naming the donation.
    let lot = stock
        .lots
        .iter()
        .find(|l| l.holder == community)
        .expect("the donated lot");
    assert!(lot.label.contains("康民大药房"), "{}", lot.label);
    street
        .supplies_record(&MovementInput {
            to: "checkpoint:gate-1".into(),
            donation_id: lot.donation_id.clone(),
            ..movement(&community, "dispatched", 300)
        })
        .expect("dispatched");
    let board = street.supplies_donations().expect("donations");
    assert_eq!(board.donations[0].lines[0].onward, "八一新苑 东门 300只");
    assert_eq!(board.totals[0].item_name, "医用外科口罩");
    assert_eq!(board.totals[0].quantity, 2000);
    // The 公示表: one row per line, the donor named as allowed; the 物资台账: every movement.
    let out = tempfile::tempdir().expect("tmp");
    let public = street
        .supplies_donations_export("xlsx", out.path())
        .expect("公示表");
    assert_eq!(public.rows, 2);
    let grid = kadian_registers::read_grid(std::path::Path::new(&public.path)).expect("read");
    let text: Vec<String> = grid.rows[1].iter().map(|c| c.text()).collect();
    assert_eq!(text[2], "康民大药房");
    assert_eq!(text[8], "八一新苑 东门 300只");
    assert!(
        !grid
            .rows
            .iter()
            .flatten()
            .any(|c| c.text().contains("18406938116")),
        "no phone in the public list"
    );
    let ledger = street.supplies_export("xlsx", out.path()).expect("台账");
    assert_eq!(ledger.rows, 3);
}

#[test]
fn a_donor_not_to_be_named_is_published_as_a_well_wisher() {
    let (street, _dir) = laptop(Role::Street);
    street
        .supplies_donation_record(&DonationInput {
            publish: false,
            ..donation(vec![line("n95_mask", 200, "street")])
        })
        .expect("recorded");
    let out = tempfile::tempdir().expect("tmp");
    let public = street
        .supplies_donations_export("csv", out.path())
        .expect("公示表");
    let written = std::fs::read_to_string(&public.path).expect("read");
    assert!(written.contains("爱心人士"), "{written}");
    assert!(!written.contains("康民大药房"), "{written}");
}

#[test]
fn donations_are_the_streets_and_bad_ones_are_refused_with_their_field() {
    let (community, _dir) = laptop(Role::Community);
    let e = community
        .supplies_donation_record(&donation(vec![line("surgical_mask", 1, "street")]))
        .expect_err("a community laptop");
    assert_eq!(e.code, "not_allowed");
    assert!(!community.supplies_donations().expect("board").may_record);
    let (street, _d2) = laptop(Role::Street);
    for (input, field) in [
        (donation(vec![]), "lines"),
        (donation(vec![line("矿泉水", 5, "street")]), "lines.0.item"),
        (
            donation(vec![line("surgical_mask", 0, "street")]),
            "lines.0.quantity",
        ),
        (
            donation(vec![line("surgical_mask", 5, "community:999999999999")]),
            "lines.0.destination",
        ),
        (
            DonationInput {
                contact_phone: "1782730".into(),
                ..donation(vec![line("surgical_mask", 5, "street")])
            },
            "contact_phone",
        ),
        (
            DonationInput {
                donated_on: "2099-01-01".into(),
                ..donation(vec![line("surgical_mask", 5, "street")])
            },
            "donated_on",
        ),
    ] {
        let e = street
            .supplies_donation_record(&input)
            .expect_err("refused");
        assert_eq!(e.field.as_deref(), Some(field), "{e:?}");
    }
    // A dispatch naming a donation its holder never received.
    let e = street
        .supplies_record(&MovementInput {
            to: format!("community:{COMMUNITY}"),
            donation_id: "0190d5a1-0000-7000-8000-000000000001".into(),
            ..movement("street", "dispatched", 5)
        })
        .expect_err("no such lot");
    assert_eq!(e.field.as_deref(), Some("donation_id"));
    assert_eq!(street.store().pending_count().expect("outbox"), 0);
}

#[test]
fn the_allocation_plan_meets_needs_first_shares_the_rest_by_workload_and_approving_it_sends_it() {
    use kadian_device::areas::supplies::{AllocationInput, AllocationLineInput};
    let (street, _dir) = laptop(Role::Street);
    street
        .store()
        .apply_pull(
            &[change(
                "community",
                "411402001024",
                serde_json::json!({"code": "411402001024", "name": "季庄社区", "street": "411402001"}),
            )],
            2,
        )
        .expect("a second community");
    street
        .supplies_record(&MovementInput {
            source: "purchase".into(),
            ..movement("street", "received", 1000)
        })
        .expect("received");
    // 八一社区's gate used 70 masks this week and holds none: it lacks 70 for 7 days.
    street
        .supplies_record(&movement("checkpoint:gate-1", "used", 70))
        .expect("used");
    let plan = street
        .supplies_allocation("surgical_mask", 0, 7)
        .expect("plan");
    assert_eq!(plan.store_on_hand, 1000);
    assert_eq!(plan.available, 1000);
    let bayi = plan
        .rows
        .iter()
        .find(|r| r.name == "八一社区")
        .expect("八一社区");
    assert_eq!((bayi.checkpoints, bayi.staff_shifts), (1, 6));
    assert_eq!((bayi.on_hand, bayi.used_7d, bayi.need), (-70, 70, 70));
    assert_eq!(plan.rows.iter().map(|r| r.proposed).sum::<i64>(), 1000);
    // Staff change 季庄社区's line: without a reason it is refused, with one it is sent.
    let lines = |reason: &str| AllocationInput {
        item: "surgical_mask".into(),
        lines: plan
            .rows
            .iter()
            .map(|r| AllocationLineInput {
                community: r.community.clone(),
                quantity: if r.name == "季庄社区" {
                    200
                } else {
                    r.proposed
                },
                proposed: r.proposed,
                reason: if r.name == "季庄社区" {
                    reason.into()
                } else {
                    String::new()
                },
            })
            .collect(),
    };
    let e = street
        .supplies_allocation_approve(&lines(""))
        .expect_err("no reason");
    assert!(
        e.field.as_deref().is_some_and(|f| f.ends_with(".reason")),
        "{e:?}"
    );
    let b = street
        .supplies_allocation_approve(&lines("新设两个卡点"))
        .expect("approved");
    assert_eq!(b.awaiting.len(), 2);
    assert!(b
        .awaiting
        .iter()
        .any(|t| t.to == "季庄社区" && t.sent == 200));
    // The community laptop may not make the plan.
    let (community, _d2) = laptop(Role::Community);
    assert_eq!(
        community
            .supplies_allocation("surgical_mask", 0, 7)
            .expect_err("not the street")
            .code,
        "not_allowed"
    );
    assert_eq!(
        street
            .supplies_allocation("surgical_mask", 0, 0)
            .expect_err("0 days")
            .field
            .as_deref(),
        Some("target_days")
    );
}

/// The street's items as the server sends them: the plan's seven and 隔离衣.
fn with_gown() -> serde_json::Value {
    let mut items = kadian_domain::records::SupplyItems::default();
    items.items.push(kadian_domain::records::SupplyItem {
        code: "isolation_gown".into(),
        name: "隔离衣".into(),
        unit: "件".into(),
        pack_size: 10,
    });
    serde_json::to_value(items).expect("json")
}

#[test]
fn a_streets_own_item_is_listed_once_pulled_and_a_list_that_drops_the_plans_items_is_kept_out() {
    let (core, _dir) = laptop(Role::Street);
    let gown = MovementInput {
        item: "isolation_gown".into(),
        source: "purchase".into(),
        ..movement("street", "received", 40)
    };
    let err = core.supplies_record(&gown).expect_err("not stocked yet");
    assert_eq!(err.field.as_deref(), Some("item"));
    assert_eq!(core.supplies_board().expect("board").items.len(), 7);
    core.store()
        .apply_pull(&[change("supply_items", "supply_items", with_gown())], 2)
        .expect("pulled");
    let board = core.supplies_record(&gown).expect("recorded");
    assert!(board
        .items
        .iter()
        .any(|i| i.code == "isolation_gown" && i.name == "隔离衣" && i.unit == "件"));
    let r = board
        .rows
        .iter()
        .find(|r| r.item == "isolation_gown")
        .expect("its row");
    assert_eq!(
        (r.on_hand, r.item_name.as_str(), r.unit.as_str()),
        (40, "隔离衣", "件")
    );
    // A list without N95 (a hostile or broken server row) is kept out: the items stay.
    let mut broken = with_gown();
    broken["items"]
        .as_array_mut()
        .expect("items")
        .retain(|i| i["code"] != "n95_mask");
    let _ = core
        .store()
        .apply_pull(&[change("supply_items", "supply_items", broken)], 3);
    let items = core.supplies_board().expect("board").items;
    assert_eq!(items.len(), 8, "{items:?}");
}

fn ledger() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/registers/平原街道_物资捐赠台账.xlsx")
}

#[test]
fn the_donation_ledger_is_taken_in_on_the_street_laptop_once_with_its_row_report() {
    let (core, _dir) = laptop(Role::Street);
    let taken = core.supplies_import_donations(&ledger()).expect("taken in");
    assert_eq!(
        (
            taken.donations,
            taken.written,
            taken.changed,
            taken.held_already
        ),
        (20, 20, 0, 0)
    );
    assert_eq!(
        (taken.report.rows_total, taken.report.rejected),
        (42, 2),
        "every row reported, the two the fixture refuses refused"
    );
    assert_eq!(taken.board.donations.len(), 20);
    let outbox = core.store().pending_count().expect("outbox");
    let stock = core.supplies_board().expect("board");
    let street: i64 = stock
        .rows
        .iter()
        .filter(|r| r.holder == "street" && r.item == "surgical_mask")
        .map(|r| r.on_hand)
        .sum();
    assert!(street > 0, "the store's masks: {street}");
    // Taken in again (saved under another name too): nothing new, nothing doubled.
    let dir = tempfile::tempdir().expect("tmp");
    let copy = dir.path().join("捐赠台账（副本）.xlsx");
    std::fs::copy(ledger(), &copy).expect("copy");
    let again = core.supplies_import_donations(&copy).expect("again");
    assert_eq!(
        (again.written, again.changed, again.held_already),
        (0, 0, 20)
    );
    assert_eq!(core.store().pending_count().expect("outbox"), outbox);
    assert_eq!(core.supplies_board().expect("board").rows, stock.rows);
    // Bytes from the window: a file that is no ledger says so, and changes nothing.
    let err = core
        .supplies_import_donations_bytes("名单.csv", "姓名,电话\n张三,1\n".as_bytes())
        .expect_err("no ledger");
    assert_eq!(err.code, "file_unreadable");
    let err = core
        .supplies_import_donations_bytes("big.xlsx", &vec![0u8; 64 * 1024 * 1024 + 1])
        .expect_err("too large");
    assert_eq!(err.code, "file_too_large");
    assert_eq!(core.store().pending_count().expect("outbox"), outbox);
}

#[test]
fn a_ledger_line_of_the_streets_own_item_enters_stock_and_only_the_street_takes_a_ledger_in() {
    let (core, _dir) = laptop(Role::Street);
    core.store()
        .apply_pull(&[change("supply_items", "supply_items", with_gown())], 2)
        .expect("pulled");
    let csv = "捐赠日期,捐赠方,联系人,联系电话,物资名称,规格,数量,单位,接收人,去向\n\
               2026-02-10,商丘隆越汽车有限公司,李经理,13800000000,隔离衣,,30,件,王敏,街道仓库\n\
               2026-02-10,商丘隆越汽车有限公司,李经理,13800000000,矿泉水,,10,箱,王敏,八一社区\n";
    let taken = core
        .supplies_import_donations_bytes("捐赠台账.csv", csv.as_bytes())
        .expect("taken in");
    assert_eq!((taken.donations, taken.written), (1, 1));
    let board = core.supplies_board().expect("board");
    let gown = board
        .rows
        .iter()
        .find(|r| r.holder == "street" && r.item == "isolation_gown")
        .expect("the gowns in the store");
    assert_eq!(gown.on_hand, 30);
    assert_eq!(
        taken.board.donations[0].lines.len(),
        2,
        "the water kept on the donation"
    );
    let (community, _d) = laptop(Role::Community);
    let err = community
        .supplies_import_donations_bytes("捐赠台账.csv", csv.as_bytes())
        .expect_err("a community laptop");
    assert_eq!(err.code, "not_allowed");
}
