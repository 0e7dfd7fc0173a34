//! The dashboard (概况) on a street laptop's store, without a server: a day's figures per street,
//! community and compound counted from the records it holds, equal to counts taken straight
//! from the records here; the level below adds up to the unit; the scope is kept.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use kadian_device::areas::dashboard::{DashboardQuery, Level, TREND_DAYS};
use kadian_device::{AppCore, Enrolment, PassageRegistration};
use kadian_domain::figures::Figures;
use kadian_domain::records::{
    new_id, Correction, CorrectionAction, Direction, Instant, Passage, RecordKind, Source,
    TemperatureReading, TravelDeclaration, TravelPlace,
};
use kadian_domain::sync::{Role, Scope};
use kadian_domain::{Celsius, FeverThreshold};
use serde_json::json;

const STREET: &str = "411402001";
const A: &str = "411402001018";
const B: &str = "411402001019";
/// Compounds: (id, community); checkpoints: (id, compound, retired).
const COMPOUNDS: [(&str, &str); 3] = [("c1", A), ("c2", A), ("c3", B)];
const GATES: [(&str, &str, bool); 4] = [
    ("g1", "c1", false),
    ("g2", "c2", false),
    ("g3", "c3", false),
    ("g4", "c3", true),
];

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("date")
}

/// A China wall-clock time on `day` + `days`, as UTC.
fn china(days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .expect("offset")
        .from_local_datetime(
            &(day() + Duration::days(days))
                .and_hms_opt(hour, minute, 0)
                .expect("time"),
        )
        .single()
        .expect("instant")
        .with_timezone(&Utc)
}

fn laptop(
    role: Role,
    community: Option<&str>,
    compound: Option<&str>,
) -> (AppCore, tempfile::TempDir) {
    laptop_of_zone(role, community, compound, None)
}

/// The street's grid zone: `c1` of community A and `c3` of community B.
const ZONE: &str = "0190a000-0000-7000-8000-000000000001";

fn laptop_of_zone(
    role: Role,
    community: Option<&str>,
    compound: Option<&str>,
    zone: Option<&str>,
) -> (AppCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::open(&dir);
    store
        .set_enrolment(&Enrolment {
            server_url: "http://127.0.0.1:9".into(),
            device_id: "device-1".into(),
            token: "t".into(),
            role,
            scope: Scope {
                street: STREET.into(),
                community: community.map(str::to_owned),
                compound: compound.map(str::to_owned),
                checkpoint: None,
                zone: zone.map(str::to_owned),
            },
            cert_sha256: None,
            device_name: Some("街道笔记本".into()),
            street_name: None,
        })
        .expect("enrol");
    let mut changes = vec![
        common::change(
            "community",
            A,
            json!({"code": A, "name": "八一社区", "street": STREET}),
        ),
        common::change(
            "community",
            B,
            json!({"code": B, "name": "季庄村", "street": STREET}),
        ),
    ];
    for (id, community) in COMPOUNDS {
        changes.push(common::change(
            "compound",
            id,
            json!({"id": id, "name": format!("小区{id}"), "community": community}),
        ));
    }
    for (id, compound, retired) in GATES {
        let mut body = json!({"id": id, "name": format!("{id}门"), "compound": compound});
        if retired {
            body["retired_at"] = json!("2026-02-01T00:00:00Z");
        }
        changes.push(common::change("checkpoint", id, body));
    }
    changes.push(common::change(
        "zone",
        ZONE,
        json!({"id": ZONE, "name": "第一片区", "leader": "王敏", "phone": null, "compounds": ["c1", "c3"]}),
    ));
    store.apply_pull(&changes, 1).expect("reference");
    (AppCore::open_store(dir.path(), store), dir)
}

/// A small random-looking day at the gates (and the days either side), from a fixed seed: what
/// was recorded, to count straight from.
struct Day {
    passages: Vec<Passage>,
    readings: Vec<TemperatureReading>,
    voided: Vec<uuid::Uuid>,
}

fn record_day(core: &AppCore) -> Day {
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut out = Day {
        passages: Vec::new(),
        readings: Vec::new(),
        voided: Vec::new(),
    };
    let mut store = core.store();
    for i in 0..400 {
        let gate = GATES[next(4) as usize].0;
        // Mostly on the day, some the day before or after (China time), some near midnight.
        let days = [0, 0, 0, -1, 1][next(5) as usize];
        let at = china(days, next(24) as u32, next(60) as u32);
        let plate = match next(6) {
            0 => Some(format!("豫N{:05}", i)),
            1 => Some(format!("鄂A{:05}", i)),
            _ => None,
        };
        let passage = Passage {
            id: new_id(),
            checkpoint_id: gate.into(),
            direction: if next(2) == 0 {
                Direction::In
            } else {
                Direction::Out
            },
            at: Instant {
                utc: at,
                offset_minutes: 480,
            },
            person_id: None,
            walk_in_name: Some(format!("访客{i}")),
            plate,
            companions: 0,
            purpose: None,
            destination: None,
            recorded_by: "v1".into(),
        };
        let tenths = [365, 366, 372, 373, 380, 391][next(6) as usize];
        let celsius = Celsius::from_tenths(tenths);
        let reading = TemperatureReading {
            id: new_id(),
            passage_id: Some(passage.id),
            person_id: None,
            checkpoint_id: gate.into(),
            at: passage.at,
            celsius,
            fever: FeverThreshold::default().is_fever(celsius),
            remeasure_of: None,
            recorded_by: "v1".into(),
        };
        store
            .record_passage(
                &PassageRegistration {
                    passage: passage.clone(),
                    reading: Some(reading.clone()),
                    travel: None,
                },
                Source::Sync,
            )
            .expect("passage");
        // Some fevers are re-measured normal a minute later.
        if reading.fever && next(2) == 0 {
            let again = TemperatureReading {
                id: new_id(),
                at: Instant {
                    utc: at + Duration::minutes(1),
                    offset_minutes: 480,
                },
                celsius: Celsius::from_tenths(364),
                fever: false,
                remeasure_of: Some(reading.id),
                ..reading.clone()
            };
            store.record_reading(&again, Source::Sync).expect("again");
            out.readings.push(again);
        }
        if next(20) == 0 {
            let c = Correction {
                id: new_id(),
                target_kind: RecordKind::Passage,
                target_id: passage.id,
                action: CorrectionAction::Void,
                replacement_id: None,
                reason: "登记错了".into(),
                at: passage.at,
                recorded_by: "v1".into(),
            };
            store.record_correction(&c, Source::Sync).expect("void");
            out.voided.push(passage.id);
        }
        out.passages.push(passage);
        out.readings.push(reading);
    }
    out
}

/// The gate's figures of the day for the gates in `gates`, counted straight from the records.
fn expected(d: &Day, gates: &[&str]) -> Figures {
    let start = china(0, 0, 0);
    let end = china(1, 0, 0);
    let mut f = Figures::default();
    for p in &d.passages {
        if !gates.contains(&p.checkpoint_id.as_str())
            || d.voided.contains(&p.id)
            || p.at.utc < start
            || p.at.utc >= end
        {
            continue;
        }
        let inward = p.direction == Direction::In;
        if inward {
            f.passages_in += 1;
        } else {
            f.passages_out += 1;
        }
        if let Some(plate) = &p.plate {
            if inward {
                f.vehicles_in += 1;
            } else {
                f.vehicles_out += 1;
            }
            if !plate.starts_with('豫') {
                f.out_of_province_vehicles += 1;
            }
        }
        let first = d
            .readings
            .iter()
            .find(|r| r.passage_id == Some(p.id) && r.remeasure_of.is_none())
            .expect("reading");
        if first.fever {
            f.fevers += 1;
            if d.readings.iter().any(|r| r.remeasure_of == Some(first.id)) {
                f.remeasured_normal += 1;
            }
        }
    }
    f
}

fn gate_figures(f: &Figures) -> Figures {
    Figures {
        passages_in: f.passages_in,
        passages_out: f.passages_out,
        vehicles_in: f.vehicles_in,
        vehicles_out: f.vehicles_out,
        out_of_province_vehicles: f.out_of_province_vehicles,
        fevers: f.fevers,
        remeasured_normal: f.remeasured_normal,
        ..Figures::default()
    }
}

fn query(community: Option<&str>, compound: Option<&str>) -> DashboardQuery {
    DashboardQuery {
        date: day().to_string(),
        community: community.map(str::to_owned),
        compound: compound.map(str::to_owned),
        zone: None,
    }
}

#[test]
fn the_street_dashboard_equals_counts_taken_straight_from_the_records_at_every_level() {
    let (core, _d) = laptop(Role::Street, None, None);
    let recorded = record_day(&core);

    let street = core.dashboard(&query(None, None)).expect("street");
    assert_eq!(street.unit.level, Level::Street);
    assert_eq!(
        gate_figures(&street.unit.figures),
        expected(&recorded, &["g1", "g2", "g3", "g4"])
    );
    assert!(street.unit.figures.passages_in > 50, "the day has passages");
    assert!(street.unit.figures.fevers > 0 && street.unit.figures.remeasured_normal > 0);
    // The retired gate is not open; the three others are.
    assert_eq!(street.unit.figures.checkpoints_open, 3);
    // Figures counted from records pass the checks a report must pass before signing.
    assert!(street.unit.failed.is_empty());
    assert!(street.below.iter().all(|u| u.failed.is_empty()));
    // One row per community, adding up to the street.
    assert_eq!(
        street
            .below
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>(),
        ["八一社区", "季庄村"]
    );
    let mut sum = Figures::default();
    for u in &street.below {
        sum += u.figures;
    }
    assert_eq!(sum, street.unit.figures);
    assert_eq!(street.below_rest, None, "every record is in a community");

    // A community: its compounds, adding up to it, and the way back up.
    let a = core.dashboard(&query(Some(A), None)).expect("community");
    assert_eq!(
        gate_figures(&a.unit.figures),
        expected(&recorded, &["g1", "g2"])
    );
    assert_eq!(a.above.len(), 1);
    assert_eq!(a.above[0].level, Level::Street);
    assert_eq!(a.below.len(), 2);
    let mut sum = Figures::default();
    for u in &a.below {
        sum += u.figures;
    }
    assert_eq!(sum, a.unit.figures);

    // A compound with a retired gate: its records still count, the gate is not open.
    let c3 = core.dashboard(&query(None, Some("c3"))).expect("compound");
    assert_eq!(c3.unit.level, Level::Compound);
    assert_eq!(
        gate_figures(&c3.unit.figures),
        expected(&recorded, &["g3", "g4"])
    );
    assert_eq!(c3.unit.figures.checkpoints_open, 1);
    assert_eq!(
        c3.above.iter().map(|u| u.level).collect::<Vec<_>>(),
        [Level::Street, Level::Community]
    );

    // The trend: 14 days ending on the day, the last one the day's figures.
    assert_eq!(street.trend.len() as u64, TREND_DAYS);
    assert_eq!(street.trend.last().expect("day").date, day().to_string());
    assert_eq!(
        street.trend.last().expect("day").figures,
        street.unit.figures
    );
    assert_eq!(street.trend[0].date, "2026-02-17");
    // The day before holds the passages recorded then.
    assert!(street.trend[TREND_DAYS as usize - 2].figures.passages_in > 0);

    // Never synced: it says so.
    assert_eq!(street.data_as_of, None);

    // A passage at a checkpoint this laptop does not know counts in the street's total, and
    // the row of what no community holds makes the communities add up to it.
    let mut stray = recorded.passages[0].clone();
    stray.id = new_id();
    stray.checkpoint_id = "gone".into();
    stray.direction = Direction::In;
    stray.at = Instant {
        utc: china(0, 12, 0),
        offset_minutes: 480,
    };
    core.store()
        .record_passage(
            &PassageRegistration {
                passage: stray,
                reading: None,
                travel: None,
            },
            Source::Sync,
        )
        .expect("stray");
    let again = core.dashboard(&query(None, None)).expect("street");
    assert_eq!(
        again.unit.figures.passages_in,
        street.unit.figures.passages_in + 1
    );
    let rest = again.below_rest.expect("a rest row");
    assert_eq!((rest.passages_in, rest.passages_out), (1, 0));
}

#[test]
fn a_returnee_counts_once_where_the_person_lives_and_from_hubei_by_the_place_code() {
    let (core, _d) = laptop(Role::Street, None, None);
    let mut p = common::person("王五", "11010519491231002X", "13800138000");
    p.community_code = Some(B.into());
    p.compound = Some("c3".into());
    let mut store = core.store();
    store.upsert_person(&p, Source::Sync).expect("person");
    let travel = |code: &str| TravelDeclaration {
        id: new_id(),
        person_id: Some(p.id),
        passage_id: None,
        places: vec![TravelPlace {
            division_code: Some(code.into()),
            text: None,
        }],
        from_date: None,
        to_date: Some(day()),
        transport: None,
        transport_ref: None,
        declared_at: Instant::now_cst(),
        recorded_by: "v1".into(),
    };
    // Declared twice (the gate and a laptop): one returnee, from Hubei.
    store
        .record_travel(&travel("4201"), Source::Sync)
        .expect("one");
    store
        .record_travel(&travel("420102"), Source::Sync)
        .expect("two");
    drop(store);
    let street = core.dashboard(&query(None, None)).expect("street");
    assert_eq!(street.unit.figures.returnees_hubei, 1);
    assert_eq!(street.unit.figures.returnees_other, 0);
    assert_eq!(street.unit.figures.returnees_registered, 1);
    let jizhuang = street.below.iter().find(|u| u.id == B).expect("B");
    assert_eq!(jizhuang.figures.returnees_hubei, 1);
    // The day after: still on file, no longer new.
    let next = core
        .dashboard(&DashboardQuery {
            date: (day() + Duration::days(1)).to_string(),
            community: None,
            compound: None,
            zone: None,
        })
        .expect("next day");
    assert_eq!(
        (
            next.unit.figures.returnees_hubei,
            next.unit.figures.returnees_registered
        ),
        (0, 1)
    );
}

#[test]
fn a_laptop_sees_only_its_own_scope_and_a_bad_date_is_said() {
    let (community, _d) = laptop(Role::Community, Some(A), None);
    let own = community.dashboard(&query(None, None)).expect("own");
    assert_eq!(own.unit.level, Level::Community);
    assert!(own.above.is_empty(), "no way up past its own community");
    assert_eq!(own.below.len(), 2);
    let e = community
        .dashboard(&query(Some(B), None))
        .expect_err("other");
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("not_found", Some("community"))
    );
    let e = community
        .dashboard(&query(None, Some("c3")))
        .expect_err("other's compound");
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("not_found", Some("compound"))
    );

    let (compound, _c) = laptop(Role::Compound, Some(A), Some("c1"));
    let own = compound.dashboard(&query(None, None)).expect("own");
    assert_eq!(
        (own.unit.level, own.unit.id.as_str()),
        (Level::Compound, "c1")
    );
    assert!(own.above.is_empty() && own.below.is_empty());
    let e = compound
        .dashboard(&query(None, Some("c2")))
        .expect_err("neighbour");
    assert_eq!(e.code, "not_found");

    let e = compound
        .dashboard(&DashboardQuery {
            date: "03/02/2026".into(),
            community: None,
            compound: None,
            zone: None,
        })
        .expect_err("date");
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("invalid_date", Some("date"))
    );

    let (tablet, _t) = laptop(Role::Volunteer, Some(A), Some("c1"));
    assert_eq!(
        tablet
            .dashboard(&query(None, None))
            .expect_err("tablet")
            .code,
        "not_staff"
    );
}

#[test]
fn the_counts_read_a_time_range_of_an_index_and_only_the_readings_that_can_count() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut store = common::open(&dir);
    let (from, to) = ("2026-03-01", "2026-03-02");
    for (sql, index, params) in [
        (
            kadian_device::SQL_COUNTED_PASSAGES,
            "COVERING INDEX passage_at",
            vec![&from as &dyn rusqlite::ToSql, &to],
        ),
        (
            kadian_device::SQL_COUNTED_READINGS,
            "COVERING INDEX reading_counted",
            vec![&from as &dyn rusqlite::ToSql, &to],
        ),
        (
            kadian_device::SQL_REMEASURED_READINGS,
            "COVERING INDEX reading_counted",
            vec![&from as &dyn rusqlite::ToSql, &to],
        ),
    ] {
        let plan: String = store.explain(sql, &params).expect("plan").join(" | ");
        assert!(
            plan.contains(&format!("USING {index}")) && !plan.contains("TEMP B-TREE"),
            "{plan}"
        );
    }

    // Normal first readings nothing re-measures are left out; a re-measured one is read.
    let reading = |tenths: i16, minutes: i64, of: Option<&TemperatureReading>| {
        let celsius = Celsius::from_tenths(tenths);
        TemperatureReading {
            id: new_id(),
            passage_id: None,
            person_id: None,
            checkpoint_id: "g1".into(),
            at: Instant {
                utc: china(0, 9, 0) + Duration::minutes(minutes),
                offset_minutes: 480,
            },
            celsius,
            fever: FeverThreshold::default().is_fever(celsius),
            remeasure_of: of.map(|r| r.id),
            recorded_by: "v1".into(),
        }
    };
    let normal = reading(360, 0, None);
    let warm = reading(371, 1, None);
    let fever = reading(380, 2, None);
    let fever_again = reading(364, 3, Some(&fever));
    let low = reading(362, 4, None);
    let low_again = reading(390, 5, Some(&low));
    for r in [&normal, &warm, &fever, &fever_again, &low, &low_again] {
        store.record_reading(r, Source::Sync).expect("reading");
    }
    let read = |threshold: i16| {
        let mut ids = Vec::new();
        store
            .each_counted_reading(china(0, 0, 0), china(1, 0, 0), threshold, |r| {
                ids.push(r.id)
            })
            .expect("read");
        ids.sort();
        ids
    };
    let mut expected = vec![fever.id, fever_again.id, low.id, low_again.id];
    expected.sort();
    assert_eq!(read(373), expected);
    // A threshold the partial index does not serve (36.5 °C) reads every reading.
    assert_eq!(read(365).len(), 6);
    // 37.0 °C: the warm reading is a fever.
    assert_eq!(read(370).len(), 5);
}

#[test]
fn the_laptop_writes_the_days_report_in_the_template_and_it_reads_back() {
    let (core, dir) = laptop(Role::Street, None, None);
    record_day(&core);
    let board = core.dashboard(&query(None, None)).expect("street");
    let out = dir.path().join("exports");
    let written = core
        .dashboard_export(&query(None, None), "王芳", "0370-1234567", &out)
        .expect("export");
    assert!(
        written.file_name.starts_with("日报核对稿_20260302_"),
        "{}",
        written.file_name
    );
    assert_eq!(written.rows, 2, "a row per community");
    let grid = kadian_registers::read_grid(std::path::Path::new(&written.path)).expect("read back");
    let text = |c: &kadian_registers::Cell| match c {
        kadian_registers::Cell::Text(t) => t.clone(),
        kadian_registers::Cell::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let row_of = |name: &str| {
        grid.rows
            .iter()
            .find(|r| r.iter().any(|c| text(c) == name))
            .unwrap_or_else(|| panic!("no row {name}"))
            .iter()
            .map(text)
            .collect::<Vec<_>>()
    };
    // 合计: 开设数 in column C, 在岗人次 in D, 人员进出 进 in E, 体温异常 in J.
    let total = row_of("合计");
    let f = board.unit.figures;
    assert_eq!(total[2], f.checkpoints_open.to_string());
    assert_eq!(
        total[3],
        f.duty_shifts.to_string(),
        "在岗人次 counted: 0, not empty"
    );
    assert_eq!(total[4], f.passages_in.to_string());
    assert_eq!(total[9], f.fevers.to_string());
    let a = row_of("八一社区");
    assert_eq!(a[4], board.below[0].figures.passages_in.to_string());
    let all: String = grid.rows.iter().flatten().map(text).collect();
    assert!(
        all.contains("王芳") && all.contains("0370-1234567"),
        "填报人, 联系电话"
    );
    assert!(
        all.contains("本机核对稿，未签发"),
        "it says it is not the signed report"
    );

    // The 日报 is the street's: not from a community's level.
    let e = core
        .dashboard_export(&query(Some(A), None), "王芳", "", &out)
        .expect_err("community");
    assert_eq!(e.code, "street_only");
    // What would show in the file as something else than typed is refused, by field.
    for odd in ["王\n芳", "王_x000A_芳", "王\u{202E}芳"] {
        let e = core
            .dashboard_export(&query(None, None), "王芳", odd, &out)
            .expect_err(odd);
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("invalid_text", Some("phone"))
        );
    }

    let e = core
        .dashboard_export(&query(None, None), &"长".repeat(41), "", &out)
        .expect_err("too long");
    assert_eq!(
        (e.code.as_str(), e.field.as_deref()),
        ("too_long", Some("filled_by"))
    );
}

fn zone_query(zone: Option<&str>, compound: Option<&str>) -> DashboardQuery {
    DashboardQuery {
        zone: zone.map(str::to_owned),
        ..query(None, compound)
    }
}

#[test]
fn a_zone_counts_its_compounds_across_communities_on_the_street_and_the_zone_laptop() {
    let (street, _d) = laptop(Role::Street, None, None);
    let recorded = record_day(&street);
    let board = street.dashboard(&query(None, None)).expect("street");
    // The street's zones, with what no zone holds (c2's gate g2) beside them.
    assert_eq!(
        board
            .zones
            .iter()
            .map(|z| (z.level, z.name.as_str()))
            .collect::<Vec<_>>(),
        [(Level::Zone, "第一片区")]
    );
    let zone_gates = ["g1", "g3", "g4"];
    assert_eq!(
        gate_figures(&board.zones[0].figures),
        expected(&recorded, &zone_gates)
    );
    assert_eq!(
        gate_figures(&board.zones_rest.expect("c2 is in no zone")),
        expected(&recorded, &["g2"])
    );
    // The zone opened from the street: its compounds by community, the street above.
    let zone = street
        .dashboard(&zone_query(Some(ZONE), None))
        .expect("zone");
    assert_eq!(
        (zone.unit.level, zone.unit.name.as_str()),
        (Level::Zone, "第一片区")
    );
    assert_eq!(
        zone.below.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["c1", "c3"]
    );
    assert_eq!(
        zone.above.iter().map(|u| u.level).collect::<Vec<_>>(),
        [Level::Street]
    );
    assert_eq!(zone.unit.figures.checkpoints_open, 2, "g4 is retired");
    assert!(zone.zones.is_empty());
    // A compound opened from the zone goes back up through the zone.
    let c3 = street
        .dashboard(&zone_query(Some(ZONE), Some("c3")))
        .expect("c3");
    assert_eq!(
        c3.above.iter().map(|u| u.level).collect::<Vec<_>>(),
        [Level::Street, Level::Zone]
    );
    // A compound outside the zone is not in it; a zone the street does not have is not found.
    for (z, c, field) in [
        (Some(ZONE), Some("c2"), "compound"),
        (Some("z9"), None, "zone"),
    ] {
        let e = street.dashboard(&zone_query(z, c)).expect_err("outside");
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("not_found", Some(field))
        );
    }

    // The zone leader's laptop opens on its zone, counts the same, and goes no wider.
    let (leader, _z) = laptop_of_zone(Role::Zone, None, None, Some(ZONE));
    let own = leader.dashboard(&query(None, None)).expect("own zone");
    assert_eq!((own.unit.level, own.unit.id.as_str()), (Level::Zone, ZONE));
    assert!(own.above.is_empty(), "no way up past its own zone");
    let c1 = leader.dashboard(&query(None, Some("c1"))).expect("c1");
    assert_eq!(
        c1.above.iter().map(|u| u.level).collect::<Vec<_>>(),
        [Level::Zone]
    );
    for (q, field) in [
        (query(Some(A), None), "community"),
        (query(None, Some("c2")), "compound"),
        (zone_query(Some("z9"), None), "zone"),
    ] {
        let e = leader.dashboard(&q).expect_err("outside its zone");
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("not_found", Some(field))
        );
    }
    // The 日报 is the street's: not from a zone.
    let e = leader
        .dashboard_export(&query(None, None), "王敏", "13900000000", _z.path())
        .expect_err("zone");
    assert_eq!(e.code, "street_only");
}

#[test]
fn a_zone_laptop_pulls_again_from_the_start_when_its_zone_gains_a_compound() {
    let (leader, _z) = laptop_of_zone(Role::Zone, None, None, Some(ZONE));
    let mut store = leader.store();
    let zone = |compounds: serde_json::Value, version: i64| {
        let mut c = common::change(
            "zone",
            ZONE,
            json!({"id": ZONE, "name": "第一片区", "leader": "王敏", "phone": format!("1390000000{version}"), "compounds": compounds}),
        );
        c.version = version;
        c
    };
    // Its leader's phone changes: nothing more to pull.
    store
        .apply_pull(&[zone(json!(["c1", "c3"]), 2)], 40)
        .expect("same");
    assert_eq!(store.pull_cursor().expect("cursor"), 40);
    // c2 joins: its records from before are behind the cursor, so the pull starts again.
    store
        .apply_pull(&[zone(json!(["c1", "c2", "c3"]), 3)], 50)
        .expect("grown");
    assert_eq!(store.pull_cursor().expect("cursor"), 0);
    // Pulled again from the start, the zone is as held: the cursor moves on.
    store
        .apply_pull(&[zone(json!(["c1", "c2", "c3"]), 3)], 50)
        .expect("again");
    assert_eq!(store.pull_cursor().expect("cursor"), 50);
    // Another zone's growth, on a street laptop, is only data.
    drop(store);
    let (street, _d) = laptop(Role::Street, None, None);
    let mut store = street.store();
    store
        .apply_pull(&[zone(json!(["c1", "c2", "c3"]), 3)], 60)
        .expect("street");
    assert_eq!(store.pull_cursor().expect("cursor"), 60);
}
