//! Sync that no record can poison: hostile and unlucky pushes against a real server on a
//! loopback port, on every backend (SQLite always; PostgreSQL when `KADIAN_TEST_PG` is set).
//! Each test is named as the guarantee it pins and fails without it.

use kadian_domain::places::PlaceWrite;
use std::time::Duration;

use kadian_domain::records::{new_id, Person, PersonCategory, Source};
use kadian_domain::sync::{DeviceStatus, PushRecord, PushRequest, Receipt, ReceiptStatus, Role};
use kadian_tests::harness::{backends, push_raw, register_walk_in, TestDevice, TestServer};
use serde_json::{json, Value};

async fn each_backend<F, Fut>(f: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for b in backends() {
        eprintln!("backend: {b}");
        f(b).await;
    }
}

/// Pushes an update of the person `id` with `body`, made on version `base`, from `device`.
async fn push_person_update(device: &TestDevice, id: uuid::Uuid, body: Value) -> Vec<Receipt> {
    let request = PushRequest {
        device_time: chrono::Utc::now(),
        records: vec![PushRecord {
            kind: "person".into(),
            id: id.to_string(),
            op: "update".into(),
            base_version: Some(1),
            hash: String::new(),
            body,
        }],
    };
    device
        .client(Duration::from_secs(10))
        .push(&request)
        .await
        .expect("push")
        .receipts
}

fn code(r: &Receipt) -> Option<&str> {
    r.error.as_ref().map(|e| e.code.as_str())
}

fn now() -> Value {
    json!({"utc": chrono::Utc::now(), "offset_minutes": 480})
}

fn passage(checkpoint: &str, walk_in_name: Value) -> Value {
    json!({
        "id": new_id().to_string(), "checkpoint_id": checkpoint, "direction": "in", "at": now(),
        "person_id": null, "walk_in_name": walk_in_name, "plate": null, "companions": 0,
        "purpose": null, "recorded_by": "volunteer-1"
    })
}

fn travel(places: Value) -> Value {
    json!({
        "id": new_id().to_string(), "person_id": null, "passage_id": null, "places": places,
        "from_date": "2026-11-20", "to_date": "2026-11-30", "transport": "train",
        "transport_ref": "G1936", "declared_at": now(), "recorded_by": "volunteer-1"
    })
}

fn person_of(community: &str, compound: &str, name: &str) -> Person {
    let mut p = Person::new(name, PersonCategory::Resident);
    p.community_code = Some(community.to_owned());
    p.compound = Some(compound.to_owned());
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_no_device_could_apply_is_refused_and_a_fresh_tablet_syncs() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let cp = s.checkpoint_a.as_str();
        let mut letters =
            serde_json::to_value(person_of(&s.community_a, "八一新苑", "张三")).expect("json");
        letters["document_number"] = json!("ABCDEFGHIJKLMNOPQR");
        let mut long_name =
            serde_json::to_value(person_of(&s.community_a, "八一新苑", "张三")).expect("json");
        long_name["name"] = json!("名".repeat(500_000));
        let receipts = push_raw(
            &tablet,
            vec![
                ("passage", passage(cp, Value::Null)),
                ("passage", passage(cp, json!("   "))),
                ("passage", passage(cp, json!("长".repeat(700_000)))),
                (
                    "travel_declaration",
                    travel(json!([{"division_code": "420", "text": null}])),
                ),
                (
                    "travel_declaration",
                    travel(json!([{"division_code": null, "text": null}])),
                ),
                ("person", letters),
                ("person", long_name),
            ],
        )
        .await;
        assert_eq!(receipts.len(), 7);
        for r in &receipts {
            assert_eq!(r.status, ReceiptStatus::Rejected, "{r:?}");
            assert_eq!(code(r), Some("invalid_record"), "{r:?}");
        }
        // What the server keeps, every device applies: a new tablet finishes its first sync.
        register_walk_in(&tablet.core, cp, "正常访客");
        tablet.sync().await.expect("sync");
        let fresh = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        fresh.sync().await.expect("first sync");
        assert_eq!(fresh.core.store().count("passage").expect("count"), 1);
        assert_eq!(fresh.core.store().quarantined_count().expect("q"), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_relays_the_typed_record_never_the_body_as_sent() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let mut body = passage(&s.checkpoint_a, json!("李四"));
        body["script"] = json!("<img src=x onerror=alert(1)>");
        body["pin"] = json!("1234");
        let receipts = push_raw(&tablet, vec![("passage", body)]).await;
        assert_eq!(receipts[0].status, ReceiptStatus::Accepted, "{receipts:?}");
        let page = laptop
            .client(Duration::from_secs(10))
            .pull(0, 500)
            .await
            .expect("pull");
        let relayed = page
            .changes
            .iter()
            .find(|c| c.kind == "passage")
            .expect("the passage");
        assert!(relayed.body.get("script").is_none(), "{}", relayed.body);
        assert!(relayed.body.get("pin").is_none(), "{}", relayed.body);
        assert_eq!(relayed.body["walk_in_name"], "李四");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_record_has_one_id_however_it_is_spelled() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let body = passage(&s.checkpoint_a, json!("王五"));
        let id = body["id"].as_str().expect("id").to_owned();
        let spellings = [
            id.to_uppercase(),
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            id.replace('-', ""),
        ];
        let mut records = vec![("passage", body.clone())];
        for s in &spellings {
            let mut b = body.clone();
            b["id"] = json!(s);
            records.push(("passage", b));
        }
        let receipts = push_raw(&tablet, records).await;
        assert_eq!(receipts[0].status, ReceiptStatus::Accepted);
        for r in &receipts[1..] {
            assert_eq!(code(r), Some("invalid_record"), "{r:?}");
        }
        assert_eq!(s.db.count("passage").await.expect("count"), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_person_with_the_same_id_number_is_refused_and_tablets_keep_syncing() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let community = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let number = "41140219800101001X";
        let mut first = person_of(&s.community_a, "八一新苑", "赵一");
        first.document_number = Some(number.into());
        laptop
            .core
            .store()
            .upsert_person(&first, Source::User)
            .expect("first");
        // Typed offline on another laptop: another person, the same number.
        let mut second = person_of(&s.community_a, "八一新苑", "钱二");
        second.document_number = Some(number.into());
        community
            .core
            .store()
            .upsert_person(&second, Source::User)
            .expect("second");
        laptop.sync().await.expect("laptop");
        let report = community.sync().await.expect("community");
        assert_eq!(report.rejected, 1);
        let rejected = community.core.store().rejected().expect("rejected");
        assert_eq!(rejected[0].code, "document_number_in_use", "{rejected:?}");
        assert!(
            !rejected[0].message.contains("赵一"),
            "the holder is not named"
        );
        // The tablets of the compound sync, and hold the first person only.
        tablet.sync().await.expect("tablet");
        let store = tablet.core.store();
        assert!(store.person(first.id).expect("p").is_some());
        assert!(store.person(second.id).expect("p").is_none());
        assert_eq!(store.quarantined_count().expect("q"), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_cannot_change_or_read_a_person_of_another_community() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let owner = TestDevice::enrolled(&s, Role::Compound, &s.compound_b).await;
        let attacker = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let mut victim = person_of(&s.community_b, "季庄花园", "孙三");
        victim.document_number = Some("411402198001010011".into());
        victim.phone = Some("13912345678".into());
        owner
            .core
            .store()
            .upsert_person(&victim, Source::User)
            .expect("victim");
        owner.sync().await.expect("owner");
        // The attacker knows the id and pushes an "update" placed in its own compound.
        let mut forged = person_of(&s.community_a, "八一新苑", "孙三");
        forged.id = victim.id;
        let mut body = serde_json::to_value(&forged).expect("json");
        body["phone"] = json!("13000000000");
        let receipts = push_person_update(&attacker, victim.id, body).await;
        assert_eq!(code(&receipts[0]), Some("out_of_scope"), "{receipts:?}");
        // Nothing moved: the owner still pulls the person, unchanged; the attacker sees nothing.
        owner.sync().await.expect("owner");
        let (kept, _) = owner
            .core
            .store()
            .person(victim.id)
            .expect("p")
            .expect("still there");
        assert_eq!(kept.phone.as_deref(), Some("13912345678"));
        attacker.sync().await.expect("attacker");
        assert!(attacker
            .core
            .store()
            .person(victim.id)
            .expect("p")
            .is_none());
        assert_eq!(attacker.core.store().conflicts().expect("c").len(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_cannot_void_a_passage_of_another_compound() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let a = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let other = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_b).await;
        let theirs = register_walk_in(&other.core, &s.checkpoint_b, "季庄访客");
        other.sync().await.expect("other");
        let void = |target: uuid::Uuid| {
            json!({
                "id": new_id().to_string(), "target_kind": "passage", "target_id": target,
                "action": "void", "replacement_id": null, "reason": "误登记", "at": now(),
                "recorded_by": "volunteer-1"
            })
        };
        let receipts = push_raw(
            &a,
            vec![("correction", void(theirs)), ("correction", void(new_id()))],
        )
        .await;
        assert_eq!(code(&receipts[0]), Some("out_of_scope"), "{receipts:?}");
        assert_eq!(code(&receipts[1]), Some("unknown_target"), "{receipts:?}");
        // Its own passage it may void.
        let mine = register_walk_in(&a.core, &s.checkpoint_a, "八一访客");
        a.sync().await.expect("a");
        let receipts = push_raw(&a, vec![("correction", void(mine))]).await;
        assert_eq!(receipts[0].status, ReceiptStatus::Accepted, "{receipts:?}");
        assert_eq!(s.db.count("correction").await.expect("count"), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_edit_from_the_old_compound_cannot_move_a_person_back() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let a2 =
            s.db.put_place(&PlaceWrite::Compound {
                community: s.community_a.clone(),
                name: "八一花园".into(),
            })
            .await
            .expect("second compound");
        let a2_checkpoint =
            s.db.put_place(&PlaceWrite::Checkpoint {
                compound: a2.clone(),
                name: "北门".into(),
            })
            .await
            .expect("checkpoint");
        let community = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        let tablet_a1 = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let tablet_a2 = TestDevice::enrolled(&s, Role::Volunteer, &a2_checkpoint).await;
        let p = person_of(&s.community_a, "八一新苑", "周四");
        community
            .core
            .store()
            .upsert_person(&p, Source::User)
            .expect("person");
        community.sync().await.expect("community");
        tablet_a1.sync().await.expect("a1");
        // The community moves the person to 八一花园; offline, A1's tablet edits the phone.
        let mut moved = p.clone();
        moved.compound = Some("八一花园".into());
        community
            .core
            .store()
            .upsert_person(&moved, Source::User)
            .expect("move");
        community.sync().await.expect("community");
        let mut stale = p.clone();
        stale.phone = Some("13800000009".into());
        tablet_a1
            .core
            .store()
            .upsert_person(&stale, Source::User)
            .expect("stale edit");
        let report = tablet_a1.sync().await.expect("a1");
        assert_eq!(report.rejected, 1);
        assert_eq!(
            tablet_a1.core.store().rejected().expect("r")[0].code,
            "out_of_scope"
        );
        // The person stays in 八一花园, and its tablet has it.
        tablet_a2.sync().await.expect("a2");
        let (held, _) = tablet_a2
            .core
            .store()
            .person(p.id)
            .expect("p")
            .expect("the moved person reaches its new compound");
        assert_eq!(held.compound.as_deref(), Some("八一花园"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_belongs_to_one_kind_forever() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let volunteer_id = kadian_domain::records::volunteer::volunteer_id(&s.compound_a, "王伟");
        // A tablet cannot create a record under a derived (UUIDv5) id at all.
        let mut squat = person_of(&s.community_a, "八一新苑", "王伟");
        squat.id = volunteer_id;
        let receipts = push_raw(
            &tablet,
            vec![("person", serde_json::to_value(&squat).expect("json"))],
        )
        .await;
        assert_eq!(code(&receipts[0]), Some("invalid_record"), "{receipts:?}");
        // A passage's id cannot be reused as a person's, nor written as reference data.
        let body = passage(&s.checkpoint_a, json!("郑六"));
        let id: uuid::Uuid = body["id"].as_str().expect("id").parse().expect("uuid");
        push_raw(&tablet, vec![("passage", body)]).await;
        let mut reuse = person_of(&s.community_a, "八一新苑", "郑六");
        reuse.id = id;
        let receipts = push_raw(
            &tablet,
            vec![("person", serde_json::to_value(&reuse).expect("json"))],
        )
        .await;
        assert_eq!(code(&receipts[0]), Some("id_reused"), "{receipts:?}");
        let hash = kadian_domain::records::volunteer::hash_pin("1234").expect("hash");
        let err =
            s.db.put_volunteer(&kadian_domain::records::Volunteer {
                id,
                name: "郑六".into(),
                compound: s.compound_a.clone(),
                pin_hash: hash,
                retired: false,
            })
            .await
            .expect_err("a passage's id is no volunteer's");
        assert!(err.to_string().contains("one kind"), "{err}");
        assert_eq!(s.db.count("volunteer").await.expect("count"), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_wrong_codes_a_minute_even_in_one_burst() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let client = kadian_device::SyncClient::new(&s.url, None, Duration::from_secs(20));
        let attempts = (0..40).map(|i| {
            let client = client.clone();
            async move { client.enrol(&format!("WRONG-{i:04}"), "x", "linux").await }
        });
        let results = futures_util::future::join_all(attempts).await;
        let wrong = results
            .iter()
            .filter(|r| {
                matches!(r, Err(kadian_device::SyncError::Refused { code, .. }) if code == "enrol_code_invalid")
            })
            .count();
        let limited = results
            .iter()
            .filter(|r| matches!(r, Err(kadian_device::SyncError::Server(429))))
            .count();
        assert!(wrong <= 10, "{wrong} codes were checked in one burst");
        assert_eq!(wrong + limited, 40);
    })
    .await;
}

/// A small deterministic generator (xorshift64*): the same hostile records on every run.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The first value (a valid one) 85 % of the time, else any: most records are valid but
    /// for a field or two.
    fn pick<T: Clone>(&mut self, from: &[T]) -> T {
        if self.next() % 100 < 85 {
            return from[0].clone();
        }
        from[(self.next() % from.len() as u64) as usize].clone()
    }
}

fn nasty_text(g: &mut Gen) -> Value {
    g.pick(&[
        json!("张三"),
        Value::Null,
        json!(""),
        json!("   "),
        json!("阿依古丽·买买提"),
        json!("长".repeat(40)),
        json!("长".repeat(41)),
        json!("a".repeat(501)),
        json!("x\u{0}y"),
        json!("line\nbreak"),
        json!("<img src=x onerror=alert(1)>"),
        json!("G1936"),
        json!(12),
    ])
}

fn random_record(g: &mut Gen, s: &TestServer) -> (&'static str, Value) {
    let at = g.pick(&[
        json!({"utc": chrono::Utc::now(), "offset_minutes": 480}),
        json!({"utc": "1999-12-31T23:59:59Z", "offset_minutes": 480}),
        json!({"utc": "2100-01-01T00:00:00Z", "offset_minutes": 480}),
        json!({"utc": chrono::Utc::now(), "offset_minutes": 900}),
        json!({"utc": "not a time", "offset_minutes": 480}),
    ]);
    let id = new_id().to_string();
    match g.next() % 4 {
        0 => {
            let serial = g.next() % 100_000;
            let other = nasty_text(g);
            let number = g.pick(&[
                Value::Null,
                json!("41140219800101001X"),
                json!(format!("4114021980010{serial:05}")),
                json!("ABCDEFGHIJKLMNOPQR"),
                json!("4114021980"),
                json!(""),
            ]);
            (
                "person",
                json!({
                    "id": id, "name": nasty_text(g),
                    "document_type": g.pick(&[json!("resident_id"), json!("passport"), json!("alien")]),
                    "document_number": number, "phone": nasty_text(g), "sex": null,
                    "birth_date": g.pick(&[Value::Null, json!("1990-05-05"), json!("1800-01-01"), json!("2026-13-01")]),
                    "community_code": g.pick(&[json!(s.community_a.clone()), json!("411402001099"), json!("4114"), Value::Null]),
                    "compound": g.pick(&[json!("八一新苑"), other]),
                    "building": nasty_text(g), "unit": null, "room": nasty_text(g),
                    "category": g.pick(&[json!("resident"), json!("visitor"), json!("alien")]),
                }),
            )
        }
        1 => {
            let other = nasty_text(g);
            (
                "passage",
                json!({
                    "id": id, "checkpoint_id": g.pick(&[json!(s.checkpoint_a.clone()), json!(s.checkpoint_b.clone()), other]),
                    "direction": g.pick(&[json!("in"), json!("out"), json!("sideways")]), "at": at,
                    "person_id": null, "walk_in_name": nasty_text(g), "plate": nasty_text(g),
                    "companions": g.pick(&[json!(0), json!(200), json!(201), json!(65535), json!(-1)]),
                    "purpose": nasty_text(g), "recorded_by": nasty_text(g)
                }),
            )
        }
        2 => (
            "travel_declaration",
            json!({
                "id": id, "person_id": null, "passage_id": null,
                "places": g.pick(&[
                    json!([]),
                    json!([{"division_code": "4201", "text": null}]),
                    json!([{"division_code": "420", "text": "武汉"}]),
                    json!([{"division_code": null, "text": null}]),
                    json!([{"division_code": "420106", "text": "长".repeat(501)}]),
                    json!(vec![json!({"division_code": "42", "text": null}); 21]),
                ]),
                "from_date": g.pick(&[Value::Null, json!("2026-11-20"), json!("1970-01-01")]),
                "to_date": g.pick(&[Value::Null, json!("2026-11-30")]),
                "transport": g.pick(&[Value::Null, json!("train"), json!("rocket")]),
                "transport_ref": nasty_text(g), "declared_at": at, "recorded_by": nasty_text(g)
            }),
        ),
        _ => {
            let other = nasty_text(g);
            (
                "temperature_reading",
                json!({
                    "id": id, "passage_id": null, "person_id": null,
                    "checkpoint_id": g.pick(&[json!(s.checkpoint_a.clone()), other]), "at": at,
                    "celsius": g.pick(&[json!(36.5), json!(33.9), json!(43.0), json!(43.1), json!("36.5")]),
                    "fever": g.pick(&[json!(false), json!(true), json!("no")]),
                    "remeasure_of": null, "recorded_by": nasty_text(g)
                }),
            )
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatever_the_server_accepts_every_device_of_the_scope_applies() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let pusher = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        let mut g = Gen(0x6b61_6469_616e_0009);
        let mut accepted = std::collections::HashMap::<&str, i64>::new();
        let mut refused = 0;
        for _ in 0..6 {
            let records: Vec<(&str, Value)> = (0..100).map(|_| random_record(&mut g, &s)).collect();
            let kinds: Vec<&str> = records.iter().map(|(k, _)| *k).collect();
            let receipts = push_raw(&pusher, records).await;
            for (kind, r) in kinds.iter().zip(&receipts) {
                if r.status == ReceiptStatus::Accepted {
                    *accepted.entry(*kind).or_default() += 1;
                } else {
                    assert_eq!(r.status, ReceiptStatus::Rejected, "{r:?}");
                    assert_ne!(code(r), Some("storage_error"), "{r:?}");
                    refused += 1;
                }
            }
        }
        assert!(
            refused > 100,
            "the generator makes hostile records ({refused} refused)"
        );
        assert!(
            accepted.values().sum::<i64>() > 20,
            "and valid ones too: {accepted:?}"
        );
        // A fresh device of the same community takes every one of them.
        let fresh = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        fresh.sync().await.expect("first sync");
        let store = fresh.core.store();
        assert_eq!(
            store.quarantined().expect("q"),
            vec![],
            "every accepted record applies"
        );
        for (kind, n) in &accepted {
            assert_eq!(store.count(kind).expect("count"), *n, "{kind}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_cannot_take_over_a_community_record_it_does_not_see() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let community = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        // A person of community A in no known compound (the register named another one).
        let mut p = person_of(&s.community_a, "不存在的小区", "吴七");
        p.phone = Some("13700000000".into());
        community
            .core
            .store()
            .upsert_person(&p, Source::User)
            .expect("person");
        community.sync().await.expect("community");
        // The tablet knows the id and claims the person for its compound.
        let mut claim =
            serde_json::to_value(person_of(&s.community_a, "八一新苑", "吴七")).expect("json");
        claim["id"] = json!(p.id.to_string());
        let receipts = push_person_update(&tablet, p.id, claim).await;
        assert_eq!(code(&receipts[0]), Some("out_of_scope"), "{receipts:?}");
        tablet.sync().await.expect("tablet");
        assert!(tablet.core.store().person(p.id).expect("p").is_none());
        // Nor may a community device place a person in a compound of another community by id.
        let mut elsewhere = person_of(&s.community_a, &s.compound_b, "郑八");
        elsewhere.id = new_id();
        let receipts = push_raw(
            &community,
            vec![("person", serde_json::to_value(&elsewhere).expect("json"))],
        )
        .await;
        assert_eq!(receipts[0].status, ReceiptStatus::Accepted);
        let b_tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_b).await;
        b_tablet.sync().await.expect("b");
        assert!(b_tablet
            .core
            .store()
            .person(elsewhere.id)
            .expect("p")
            .is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_cannot_learn_whether_a_derived_id_exists_elsewhere() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let b_laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        // Compound B holds a person under an import-style (UUIDv5) id.
        let mut p = person_of(&s.community_b, "季庄花园", "冯九");
        p.id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, b"person:id:secret");
        let receipts = push_raw(
            &b_laptop,
            vec![("person", serde_json::to_value(&p).expect("json"))],
        )
        .await;
        assert_eq!(receipts[0].status, ReceiptStatus::Accepted);
        // The tablet probes that id and an unused one with a correction: the same answer.
        let probe = |id: uuid::Uuid| {
            json!({
                "id": id.to_string(), "target_kind": "passage", "target_id": new_id(),
                "action": "void", "replacement_id": null, "reason": "错", "at": now(),
                "recorded_by": "v1"
            })
        };
        let unused = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, b"person:id:nobody");
        let receipts = push_raw(
            &tablet,
            vec![("correction", probe(p.id)), ("correction", probe(unused))],
        )
        .await;
        assert_eq!(receipts[0].error, receipts[1].error, "{receipts:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_body_is_read_only_for_an_enrolled_device_and_http2_is_refused() {
    let s = TestServer::start("sqlite").await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = s.url.trim_start_matches("http://").to_owned();
    // Headers announcing 3 MiB, and no body: were the body read before the token, no answer
    // would come until the body did (or the request timed out).
    let mut conn = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    conn.write_all(
        format!(
            "POST /api/v1/sync/push HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            3 * 1024 * 1024
        )
        .as_bytes(),
    )
    .await
    .expect("headers");
    let mut answer = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut answer))
        .await
        .expect("answered before the body is sent")
        .expect("read");
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );
    // HTTP/2 spoken in clear (prior knowledge) gets 505.
    let mut conn = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    conn.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .expect("preface");
    // SETTINGS (empty), then HEADERS for GET /api/v1/health (HPACK: :method GET, :scheme http,
    // :path /api/v1/health as a literal, :authority x).
    conn.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0])
        .await
        .expect("settings");
    let mut block = vec![0x82, 0x86, 0x04, 14];
    block.extend_from_slice(b"/api/v1/health");
    block.extend_from_slice(&[0x01, 1, b'x']);
    let mut frame = vec![0, 0, block.len() as u8, 1, 0x05, 0, 0, 0, 1];
    frame.extend_from_slice(&block);
    conn.write_all(&frame).await.expect("headers");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    // Read frames until a HEADERS frame (type 1) of stream 1 arrives; its first HPACK byte
    // 0x8d… would be :status 200, anything else is the 505 (a literal status).
    let status_block = loop {
        let n = tokio::time::timeout_at(deadline, conn.read(&mut buf))
            .await
            .expect("an answer")
            .expect("read");
        assert!(n > 0, "closed without an answer");
        seen.extend_from_slice(&buf[..n]);
        let mut at = 0;
        let mut found = None;
        while seen.len() >= at + 9 {
            let len = (usize::from(seen[at]) << 16)
                | (usize::from(seen[at + 1]) << 8)
                | usize::from(seen[at + 2]);
            if seen.len() < at + 9 + len {
                break;
            }
            if seen[at + 3] == 1 {
                found = Some(seen[at + 9..at + 9 + len].to_vec());
            }
            at += 9 + len;
        }
        if let Some(f) = found {
            break f;
        }
    };
    assert_ne!(status_block.first(), Some(&0x88), "not 200 over HTTP/2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_device_could_not_apply_and_what_was_refused_reach_the_streets_device_list() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        tablet.sync().await.expect("first sync");
        // A pulled change this tablet could not apply (quarantined), and a record the server
        // refuses (a passage at a checkpoint the street does not have).
        {
            let mut store = tablet.core.store();
            let cursor = store.pull_cursor().expect("cursor");
            store
                .apply_pull(
                    &[kadian_domain::sync::Change {
                        kind: "passage".into(),
                        id: new_id().to_string(),
                        version: 1,
                        deleted: false,
                        body: json!({"hello": "world"}),
                    }],
                    cursor,
                )
                .expect("applied");
        }
        register_walk_in(&tablet.core, "no-such-checkpoint", "访客");
        let tablet_row = |devices: Vec<kadian_server::db::DeviceRow>| {
            devices
                .into_iter()
                .find(|d| d.role == Role::Volunteer)
                .expect("the tablet")
        };
        let before = tablet_row(s.db.devices().await.expect("devices"));
        assert_eq!(
            before.status,
            Some(DeviceStatus::default()),
            "the first sync found nothing waiting"
        );
        tablet.sync().await.expect("sync");
        let row = tablet_row(s.db.devices().await.expect("devices"));
        assert_eq!(
            row.status,
            Some(DeviceStatus {
                pending: 0,
                rejected: 1,
                quarantined: 1,
                oldest_pending: None,
            })
        );
        assert!(row.status_at.is_some());
        assert!(row.last_push_at.is_some(), "its push was kept");

        // A device that says nothing (an older app) is listed without a report.
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        laptop
            .client(Duration::from_secs(10))
            .pull(0, 500)
            .await
            .expect("pull");
        let devices = s.db.devices().await.expect("devices");
        let silent = devices
            .iter()
            .find(|d| d.role == Role::Compound)
            .expect("the laptop");
        assert_eq!((silent.status, silent.status_at), (None, None));

        // Hostile figures: bounded; a figure that is not a number drops the report, never the
        // pull.
        let token = tablet
            .core
            .store()
            .enrolment()
            .expect("store")
            .expect("enrolled")
            .token;
        let pull = |query: String| {
            let (url, token) = (s.url.clone(), token.clone());
            async move {
                reqwest::Client::new()
                    .get(format!("{url}/api/v1/sync/pull?cursor=0&limit=1&{query}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("request")
                    .status()
                    .as_u16()
            }
        };
        // A figure the device reports is kept as it says (the tablet's own rounds report 0
        // pending after a push that went through, so this is where a waiting count is seen).
        assert_eq!(
            pull(
                "pending=3&rejected=0&quarantined=0&oldest_pending=2026-12-06T00:03:00Z".to_owned()
            )
            .await,
            200
        );
        let oldest = chrono::DateTime::parse_from_rfc3339("2026-12-06T00:03:00Z")
            .expect("t")
            .with_timezone(&chrono::Utc);
        assert_eq!(
            tablet_row(s.db.devices().await.expect("devices")).status,
            Some(DeviceStatus {
                pending: 3,
                rejected: 0,
                quarantined: 0,
                oldest_pending: Some(oldest),
            })
        );
        // A moment years ahead, or not a moment, drops that figure alone.
        for odd in ["9999-01-01T00:00:00Z", "yesterday", "1970-01-01T00:00:00Z"] {
            assert_eq!(
                pull(format!(
                    "pending=3&rejected=0&quarantined=0&oldest_pending={odd}"
                ))
                .await,
                200
            );
            let status = tablet_row(s.db.devices().await.expect("devices")).status;
            assert_eq!(
                status.map(|s| (s.pending, s.oldest_pending)),
                Some((3, None)),
                "{odd}"
            );
        }
        assert_eq!(
            pull("pending=-5&rejected=99999999999999&quarantined=2".to_owned()).await,
            200
        );
        let row = tablet_row(s.db.devices().await.expect("devices"));
        assert_eq!(
            row.status,
            Some(DeviceStatus {
                pending: 0,
                rejected: 1_000_000_000,
                quarantined: 2,
                oldest_pending: None,
            })
        );
        assert_eq!(
            pull("pending=1&rejected=1&quarantined=abc".to_owned()).await,
            200
        );
        assert_eq!(
            pull("pending=1&rejected=99999999999999999999999&quarantined=1".to_owned()).await,
            200
        );
        assert_eq!(pull("pending=7".to_owned()).await, 200);
        assert_eq!(
            tablet_row(s.db.devices().await.expect("devices")).status,
            row.status,
            "kept as it was"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_device_holds_at_most_two_pushes_in_flight_and_slow_bodies_hold_no_enrolment_attempt() {
    use tokio::io::AsyncWriteExt;
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let token = tablet
            .core
            .store()
            .enrolment()
            .expect("store")
            .expect("enrolled")
            .token;
        let addr = s.url.trim_start_matches("http://").to_owned();
        // Two pushes whose bodies never finish, then a third from the same device: refused
        // before its body is read, with a reason the device retries on.
        let mut slow = Vec::new();
        for _ in 0..2 {
            let mut c = tokio::net::TcpStream::connect(&addr).await.expect("connect");
            c.write_all(
                format!(
                    "POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 4000000\r\n\r\n{{"
                )
                .as_bytes(),
            )
            .await
            .expect("write");
            slow.push(c);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let third = reqwest::Client::new()
            .post(format!("{}/api/v1/sync/push", s.url))
            .bearer_auth(&token)
            .json(&json!({"device_time": chrono::Utc::now(), "records": []}))
            .send()
            .await
            .expect("third push");
        assert_eq!(third.status(), 429);
        let said: Value = third.json().await.expect("json");
        assert_eq!(said["code"], "push_in_progress", "{said}");
        // Slow enrolment bodies from one address hold no attempt: a right code still enrols.
        let mut slow_enrol = Vec::new();
        for _ in 0..15 {
            let mut c = tokio::net::TcpStream::connect(&addr).await.expect("connect");
            c.write_all(b"POST /api/v1/devices/enrol HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                .await
                .expect("write");
            slow_enrol.push(c);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let laptop = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
        laptop.sync().await.expect("the laptop syncs");
        // Once the slow pushes end, the tablet pushes again.
        drop(slow);
        tokio::time::sleep(Duration::from_millis(500)).await;
        register_walk_in(&tablet.core, &s.checkpoint_a, "赵六");
        let round = tablet.sync().await.expect("sync");
        assert!(round.acknowledged >= 1, "{round:?}");
    })
    .await;
}
