//! 消杀 on staff laptops, without a window or a server: a site listed in the laptop's own
//! compound and queued for the server; the day's slots due, done and overdue as the clock
//! moves; a disinfection without a slot keeping the next open one; a site and a disinfection
//! pulled from the server; and bad input refused with its field.

mod common;

use chrono::{DateTime, Utc};
use common::{enrolled, COMPOUND};
use kadian_device::areas::disinfection::{DisinfectionBoard, DisinfectionInput, SiteInput};
use kadian_device::AppCore;
use kadian_domain::sync::{Change, Role};

fn change(kind: &str, id: &str, body: serde_json::Value) -> Change {
    Change {
        kind: kind.into(),
        id: id.into(),
        version: 1,
        deleted: false,
        body,
    }
}

/// 八一新苑's laptop, its clock at `now`.
fn compound_laptop(now: &str) -> (AppCore, tempfile::TempDir) {
    laptop(Role::Compound, now)
}

/// A laptop of `role` holding 八一社区, 民西社区 and 八一新苑, its clock at `now`.
fn laptop(role: Role, now: &str) -> (AppCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let core = AppCore::open_store(dir.path(), enrolled(&dir, role, None));
    core.store()
        .apply_pull(
            &[
                change(
                    "community",
                    "411402001018",
                    serde_json::json!({"code": "411402001018", "name": "八一社区", "street": "411402001"}),
                ),
                change(
                    "community",
                    "411402001020",
                    serde_json::json!({"code": "411402001020", "name": "民西社区", "street": "411402001"}),
                ),
                change(
                    "compound",
                    COMPOUND,
                    serde_json::json!({"id": COMPOUND, "name": "八一新苑", "community": "411402001018"}),
                ),
            ],
            1,
        )
        .expect("places");
    at(&core, now);
    (core, dir)
}

/// Moves the laptop's clock to `now` (UTC).
fn at(core: &AppCore, now: &str) {
    let now: DateTime<Utc> = now.parse().expect("instant");
    core.set_clock_offset(now - Utc::now());
}

fn site(name: &str, slots: &[&str]) -> SiteInput {
    SiteInput {
        kind: "compound_public_area".into(),
        name: name.into(),
        address: "平原街道八一新苑".into(),
        responsible_unit: "八一新苑物业服务中心".into(),
        contact_name: "石国".into(),
        contact_phone: "13344575142".into(),
        times_per_day: u8::try_from(slots.len()).expect("few"),
        slots: slots.iter().map(|s| (*s).to_owned()).collect(),
        ..SiteInput::default()
    }
}

fn done(site_id: &str, slot: &str, at: &str) -> DisinfectionInput {
    DisinfectionInput {
        site_id: site_id.into(),
        slot: slot.into(),
        at: at.into(),
        areas: vec!["entrance".into(), "lift".into()],
        agent: "chlorine".into(),
        concentration_mg_l: Some(500),
        method: "spray".into(),
        done_by: "property_company".into(),
        ..DisinfectionInput::default()
    }
}

fn states(board: &DisinfectionBoard, name: &str) -> Vec<String> {
    board
        .sites
        .iter()
        .find(|s| s.name == name)
        .expect("the site")
        .slots
        .iter()
        .map(|s| s.state.clone())
        .collect()
}

#[test]
fn a_site_listed_on_the_compound_laptop_is_its_compounds_and_waits_for_the_server() {
    // 2026-02-10 09:00 China.
    let (core, _dir) = compound_laptop("2026-02-10T01:00:00Z");
    let board = core
        .disinfection_site_save(&site("八一新苑小区公共区域", &["16:00", "08:00"]))
        .expect("saved");
    let row = &board.sites[0];
    assert_eq!(row.compound.as_deref(), Some(COMPOUND));
    assert_eq!(row.place, "八一新苑");
    // The times in order; the phone masked in the list.
    assert_eq!(row.slot_times, vec!["08:00", "16:00"]);
    assert_ne!(row.contact_phone.as_deref(), Some("13344575142"));
    assert_eq!(board.day, "2026-02-10");
    assert_eq!(states(&board, "八一新苑小区公共区域"), vec!["due", "due"]);
    // On the schedule from the day it was listed: the day before has nothing to keep.
    assert_eq!(row.active_from.as_deref(), Some("2026-02-10"));
    let before = core.disinfection_board("2026-02-09").expect("board");
    assert!(states(&before, "八一新苑小区公共区域").is_empty());
    assert_eq!(before.total.due, 0);
    let queued = core.store().outbox("pending", 10).expect("outbox");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].kind, "disinfection_site");
}

#[test]
fn a_slot_goes_overdue_two_hours_after_its_time_and_a_record_for_it_clears_it() {
    let (core, _dir) = compound_laptop("2026-02-10T01:00:00Z");
    let board = core
        .disinfection_site_save(&site("八一新苑小区公共区域", &["08:00", "16:00"]))
        .expect("saved");
    let id = board.sites[0].id.clone();
    // 10:01 China: 08:00 is overdue by 121 minutes, 16:00 still due.
    at(&core, "2026-02-10T02:01:00Z");
    let board = core.disinfection_board("").expect("board");
    assert_eq!(
        states(&board, "八一新苑小区公共区域"),
        vec!["overdue", "due"]
    );
    assert_eq!(board.overdue.len(), 1);
    assert_eq!(board.overdue[0].minutes_late, 121);
    assert_eq!((board.total.due, board.total.overdue), (2, 1));
    // Recorded late, for 08:00, done at 09:50: kept.
    let board = core
        .disinfection_record(&done(&id, "08:00", "2026-02-10 09:50"))
        .expect("recorded");
    assert_eq!(states(&board, "八一新苑小区公共区域"), vec!["done", "due"]);
    assert!(board.overdue.is_empty());
    assert_eq!(board.sites[0].slots[0].done_at.as_deref(), Some("09:50"));
    // ＋ at 10:01: 16:00 is not due by 12:01, so nothing is kept (beyond the plan).
    let board = core
        .disinfection_record(&done(&id, "", ""))
        .expect("recorded");
    assert_eq!(states(&board, "八一新苑小区公共区域"), vec!["done", "due"]);
    assert_eq!(board.sites[0].extra, 1);
    // ＋ at 15:30: the next open slot, 16:00, named on the record.
    at(&core, "2026-02-10T07:30:00Z");
    let board = core
        .disinfection_record(&done(&id, "", ""))
        .expect("recorded");
    assert_eq!(states(&board, "八一新苑小区公共区域"), vec!["done", "done"]);
    let last = core
        .store()
        .disinfections_between(
            "2026-02-10T07:00:00Z".parse().expect("t"),
            "2026-02-10T08:00:00Z".parse().expect("t"),
        )
        .expect("read");
    assert_eq!(
        last[0].slot.map(|t| t.to_string()).as_deref(),
        Some("16:00:00")
    );
    let kinds: Vec<String> = core
        .store()
        .outbox("pending", 10)
        .expect("outbox")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            "disinfection_site",
            "disinfection",
            "disinfection",
            "disinfection"
        ]
    );
}

#[test]
fn the_disinfection_log_says_which_slot_each_record_kept() {
    let (core, dir) = compound_laptop("2026-02-10T12:00:00Z");
    let board = core
        .disinfection_site_save(&site("八一新苑小区公共区域", &["08:00"]))
        .expect("saved");
    let id = board.sites[0].id.clone();
    core.disinfection_record(&done(&id, "08:00", "2026-02-10 08:05"))
        .expect("recorded");
    core.disinfection_record(&done(&id, "", "2026-02-10 15:00"))
        .expect("recorded");
    let out = dir.path().join("exports");
    let file = core
        .disinfection_export("2026-02-10", "2026-02-10", "csv", &out)
        .expect("export");
    assert_eq!(file.rows, 2);
    assert!(file.file_name.starts_with("消杀记录表_20260210_20260210_"));
    let text = std::fs::read_to_string(&file.path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].contains("时段") && lines[0].contains("浓度（mg/L）"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("08:00")
            && lines[1].contains("出入口、电梯")
            && lines[1].contains("含氯消毒剂"),
        "{}",
        lines[1]
    );
    // The second kept nothing: the site has one slot a day.
    assert!(lines[2].contains("计划外"), "{}", lines[2]);
    let e = core
        .disinfection_export("2026-02-10", "2026-04-10", "csv", &out)
        .expect_err("refused");
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("invalid_input", Some("to"))
    );
}

#[test]
fn a_site_and_its_disinfection_pulled_from_the_server_show_on_the_board() {
    let (core, _dir) = compound_laptop("2026-02-10T12:00:00Z");
    let site_id = "0190a1b2-0000-7000-8000-0000000000aa";
    core.store()
        .apply_pull(
            &[
                change(
                    "disinfection_site",
                    site_id,
                    serde_json::json!({
                        "id": site_id, "kind": "supermarket", "name": "丹尼斯超市",
                        "community_code": "411402001018", "times_per_day": 2,
                        "slots": ["08:00:00"], "recorded_by": "import:平原街道_消杀点位清单.xlsx"
                    }),
                ),
                change(
                    "disinfection",
                    "0190a1b2-0000-7000-8000-0000000000ab",
                    serde_json::json!({
                        "id": "0190a1b2-0000-7000-8000-0000000000ab", "site_id": site_id,
                        "slot": "08:00:00",
                        "at": {"utc": "2026-02-10T00:05:00Z", "offset_minutes": 480},
                        "agent": "alcohol75", "method": "wipe", "done_by": "merchant",
                        "recorded_by": "街道防控办"
                    }),
                ),
            ],
            5,
        )
        .expect("pulled");
    // 20:00 China: 08:00 done by the merchant; the untimed slot due until midnight.
    let board = core.disinfection_board("2026-02-10").expect("board");
    assert_eq!(states(&board, "丹尼斯超市"), vec!["done", "due"]);
    assert_eq!(board.units[0].name, "八一社区");
    assert_eq!((board.units[0].done, board.units[0].due), (1, 2));
    // What was pulled does not go back.
    assert_eq!(core.store().pending_count().expect("outbox"), 0);
}

#[test]
fn bad_input_is_refused_with_its_field_and_nothing_is_stored() {
    let (core, _dir) = compound_laptop("2026-02-10T01:00:00Z");
    let refused = |r: Result<DisinfectionBoard, kadian_device::AppError>| {
        let e = r.expect_err("refused");
        (e.code, e.field.unwrap_or_default())
    };
    let mut no_name = site("", &["08:00"]);
    no_name.name = "  ".into();
    assert_eq!(
        refused(core.disinfection_site_save(&no_name)),
        ("invalid_input".into(), "name".into())
    );
    let mut twice = site("A", &["08:00", "8:00"]);
    twice.times_per_day = 2;
    assert_eq!(
        refused(core.disinfection_site_save(&twice)),
        ("invalid_input".into(), "slots".into())
    );
    let mut too_few = site("A", &["08:00", "16:00"]);
    too_few.times_per_day = 1;
    assert_eq!(
        refused(core.disinfection_site_save(&too_few)),
        ("invalid_input".into(), "times_per_day".into())
    );
    let mut bad_time = site("A", &["25:00"]);
    bad_time.times_per_day = 1;
    assert_eq!(
        refused(core.disinfection_site_save(&bad_time)),
        ("invalid_input".into(), "slots".into())
    );
    let mut kind = site("A", &["08:00"]);
    kind.kind = "spaceport".into();
    assert_eq!(
        refused(core.disinfection_site_save(&kind)),
        ("invalid_input".into(), "kind".into())
    );
    // A compound laptop lists no site in another community, nor at its community's level.
    let mut elsewhere = site("A", &["08:00"]);
    elsewhere.community = "411402001020".into();
    assert_eq!(
        refused(core.disinfection_site_save(&elsewhere)).0,
        "not_allowed"
    );
    let mut above = site("A", &["08:00"]);
    above.community = "411402001018".into();
    assert_eq!(
        refused(core.disinfection_site_save(&above)).0,
        "not_allowed"
    );
    let mut ends = site("A", &["08:00"]);
    ends.active_to = "2026-02-01".into();
    assert_eq!(
        refused(core.disinfection_site_save(&ends)),
        ("invalid_input".into(), "active_to".into())
    );
    assert_eq!(core.store().pending_count().expect("outbox"), 0);
    let board = core
        .disinfection_site_save(&site("八一新苑小区公共区域", &["08:00"]))
        .expect("saved");
    let id = board.sites[0].id.clone();
    assert_eq!(
        refused(core.disinfection_record(&done(&id, "09:00", ""))),
        ("invalid_input".into(), "slot".into())
    );
    assert_eq!(
        refused(core.disinfection_record(&done(&id, "08:00", "2026-02-10 23:00"))),
        ("invalid_input".into(), "at".into())
    );
    assert_eq!(
        refused(core.disinfection_record(&done(&id, "08:00", "10/02/2026 08:00"))),
        ("invalid_input".into(), "at".into())
    );
    let mut strong = done(&id, "08:00", "");
    strong.concentration_mg_l = Some(1_000_000);
    assert_eq!(
        refused(core.disinfection_record(&strong)).0,
        "invalid_input"
    );
    let mut areas = done(&id, "08:00", "");
    areas.areas = vec!["lift".into(), "lift".into()];
    assert_eq!(refused(core.disinfection_record(&areas)).0, "invalid_input");
    assert_eq!(
        refused(core.disinfection_record(&done("0190a1b2-0000-7000-8000-0000000000ff", "", ""))),
        ("not_found".into(), "site_id".into())
    );
    // Only the site was stored.
    assert_eq!(core.store().pending_count().expect("outbox"), 1);
}

#[test]
fn a_gate_tablet_records_its_checkpoints_disinfection_and_has_no_laptop_screens() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = enrolled(&dir, Role::Volunteer, Some(common::CHECKPOINT));
    let (wang, v) = common::pulled_volunteer("王志愿", "2468", false);
    store.apply_pull(&[v], 1).expect("volunteer");
    let core = AppCore::open_store(dir.path(), store);
    at(&core, "2026-02-10T02:00:00Z");
    let gate_site = "0190a1b2-0000-7000-8000-0000000000ca";
    core.store()
        .apply_pull(
            &[
                change(
                    "disinfection_site",
                    gate_site,
                    serde_json::json!({
                        "id": gate_site, "kind": "checkpoint", "name": "八一新苑东门卡点",
                        "community_code": "411402001018", "compound": COMPOUND,
                        "times_per_day": 2, "slots": ["08:00:00", "20:00:00"],
                        "recorded_by": "街道防控办"
                    }),
                ),
                change(
                    "disinfection_site",
                    "0190a1b2-0000-7000-8000-0000000000cb",
                    serde_json::json!({
                        "id": "0190a1b2-0000-7000-8000-0000000000cb", "kind": "compound_public_area",
                        "name": "八一新苑小区公共区域", "community_code": "411402001018",
                        "compound": COMPOUND, "times_per_day": 1, "recorded_by": "x"
                    }),
                ),
            ],
            2,
        )
        .expect("pulled");
    assert_eq!(
        core.disinfection_gate().expect_err("no one on duty").code,
        "not_signed_in"
    );
    core.sign_in(&wang, "2468").expect("sign in");
    // 10:00 China: the gate's 08:00 is due (overdue at 10:00 plus the grace), 20:00 ahead.
    let g = core.disinfection_gate().expect("gate");
    assert_eq!(g.sites.len(), 1, "only the checkpoint site");
    assert_eq!(g.sites[0].done, 0);
    let g = core
        .disinfection_gate_record(gate_site, "chlorine", "spray")
        .expect("recorded");
    assert_eq!(g.sites[0].done, 1);
    assert_eq!(g.sites[0].slots[0].state, "done");
    let held = core
        .store()
        .disinfections_between(
            "2026-02-09T16:00:00Z".parse().expect("utc"),
            "2026-02-10T16:00:00Z".parse().expect("utc"),
        )
        .expect("read");
    assert_eq!(held[0].recorded_by, wang);
    assert_eq!(held[0].concentration_mg_l, Some(500));
    assert_eq!(
        core.store().pending_count().expect("outbox"),
        2,
        "the disinfection and the volunteer's sign-in"
    );
    // Not the public area's; not an agent it does not know.
    assert_eq!(
        core.disinfection_gate_record("0190a1b2-0000-7000-8000-0000000000cb", "chlorine", "spray")
            .expect_err("not a gate's")
            .code,
        "not_found"
    );
    assert_eq!(
        core.disinfection_gate_record(gate_site, "vinegar", "spray")
            .expect_err("agent")
            .field
            .as_deref(),
        Some("agent")
    );
    assert_eq!(
        core.disinfection_board("").expect_err("refused").code,
        "not_staff"
    );
}

#[test]
fn a_key_areas_full_disinfection_is_a_slot_of_its_days_in_force() {
    use kadian_device::areas::screening::KeyAreaInput;
    // 10:00 China time on 2026-02-10.
    let (core, _dir) = compound_laptop("2026-02-10T02:00:00Z");
    let area = core
        .key_area_declare(&KeyAreaInput {
            compound: COMPOUND.into(),
            parts: "3".into(),
            reason: "confirmed".into(),
            declared_by: "community".into(),
            from: "2026-02-10".into(),
            review: "2026-02-24".into(),
            note: String::new(),
        })
        .expect("declared");
    let board = core.disinfection_board("2026-02-10").expect("board");
    let site = board
        .sites
        .iter()
        .find(|s| s.name == "八一新苑重点区域全面消杀（3）")
        .expect("its full disinfection listed");
    assert_eq!(site.slots.len(), 1, "once a day, untimed");
    assert_eq!(site.slots[0].state, "due");
    // Lifted: off the schedule from that day, and the overdue list never names it.
    core.key_area_change(&area.id, "lift", None, "14 天无新增")
        .expect("lifted");
    at(&core, "2026-02-11T02:00:00Z");
    let board = core.disinfection_board("2026-02-11").expect("board");
    let site = board
        .sites
        .iter()
        .find(|s| s.name.contains("全面消杀"))
        .expect("still listed");
    assert!(site.slots.is_empty(), "{:?}", site.slots);
    assert!(board
        .overdue
        .iter()
        .all(|o| !o.site_name.contains("全面消杀")));
}

#[test]
fn the_street_laptop_lists_a_site_in_the_community_it_picks() {
    let (street, _dir) = laptop(Role::Street, "2026-02-10T02:00:00Z");
    let board = street.disinfection_board("").expect("board");
    let names: Vec<&str> = board.communities.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["八一社区", "民西社区"]);
    let board = street
        .disinfection_site_save(&SiteInput {
            kind: "supermarket".into(),
            community: "411402001020".into(),
            ..site("丹尼斯超市", &["08:00"])
        })
        .expect("listed");
    let s = board
        .sites
        .iter()
        .find(|s| s.name == "丹尼斯超市")
        .expect("its site");
    assert_eq!(
        (s.community_code.as_deref(), s.compound.as_deref()),
        (Some("411402001020"), None)
    );
    // A compound laptop picks no community: its sites are its compound's.
    let (compound, _d2) = compound_laptop("2026-02-10T02:00:00Z");
    assert!(compound
        .disinfection_board("")
        .expect("board")
        .communities
        .is_empty());
}
