//! The sync story, on a real server on a loopback port and real device stores, for every backend
//! (SQLite always; PostgreSQL when `KADIAN_TEST_PG` is set). Each test fails without the
//! behaviour it names.

use std::sync::atomic::Ordering;
use std::time::Duration;

use kadian_device::sync::{start, sync_round, SyncSettings};
use kadian_device::{RecordSyncState, SyncError};
use kadian_domain::records::{Person, PersonCategory, Source};
use kadian_domain::sync::Role;
use kadian_tests::harness::{backends, register_walk_in, TestDevice, TestServer};

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

/// A resident of compound A (八一新苑).
fn resident(s: &TestServer, name: &str) -> Person {
    let mut p = Person::new(name, PersonCategory::Resident);
    p.community_code = Some(s.community_a.clone());
    p.compound = Some("八一新苑".into());
    p.building = Some("1号楼".into());
    p.room = Some("101".into());
    p
}

async fn rows(server: &TestServer, kind: &str) -> i64 {
    server.db.count(kind).await.expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t01_connection_lost_after_commit_leaves_exactly_one_row() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let id = register_walk_in(&d.core, &s.checkpoint_a, "王伟");
        s.faults.drop_after_commit.store(1, Ordering::SeqCst);
        let first = d.sync().await;
        assert!(matches!(first, Err(SyncError::Offline(_))), "{first:?}");
        assert_eq!(rows(&s, "passage").await, 1, "the server committed");
        d.sync().await.expect("retry");
        assert_eq!(rows(&s, "passage").await, 1, "the retry made no second row");
        assert_eq!(rows(&s, "temperature_reading").await, 1);
        assert_eq!(
            d.core
                .store()
                .record_sync_state(&id.to_string())
                .expect("state"),
            RecordSyncState::Acknowledged
        );
        assert_eq!(d.core.store().pending_count().expect("pending"), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t02_slow_answers_beyond_the_timeout_three_times_leave_one_row() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        register_walk_in(&d.core, &s.checkpoint_a, "李娜");
        *s.faults.delay.lock().expect("lock") = Duration::from_millis(1500);
        s.faults.delay_after_commit.store(3, Ordering::SeqCst);
        let client = d.client(Duration::from_millis(500));
        for _ in 0..3 {
            assert!(matches!(
                sync_round(&d.core, &client).await,
                Err(SyncError::Offline(_))
            ));
        }
        sync_round(&d.core, &client).await.expect("fourth try");
        assert_eq!(rows(&s, "passage").await, 1);
        assert_eq!(d.core.store().pending_count().expect("pending"), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t03_the_same_batch_pushed_twice_in_parallel_stores_each_record_once() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        for i in 0..20 {
            register_walk_in(&d.core, &s.checkpoint_a, &format!("访客{i}"));
        }
        let batch = d.core.store().push_batch(100).expect("batch");
        let request = kadian_domain::sync::PushRequest {
            device_time: chrono::Utc::now(),
            records: batch
                .iter()
                .map(kadian_device::OutboxEntry::to_push_record)
                .collect(),
        };
        let (c1, c2) = (
            d.client(Duration::from_secs(10)),
            d.client(Duration::from_secs(10)),
        );
        let (a, b2) = tokio::join!(c1.push(&request), c2.push(&request));
        let (a, b2) = (a.expect("push 1"), b2.expect("push 2"));
        assert_eq!(rows(&s, "passage").await, 20);
        assert_eq!(rows(&s, "temperature_reading").await, 20);
        for (x, y) in a.receipts.iter().zip(&b2.receipts) {
            assert_eq!(
                x.server_seq, y.server_seq,
                "both answers name the same stored row"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t05_one_invalid_record_in_fifty_is_rejected_and_the_queue_moves_on() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        for i in 0..50 {
            // Record 17 names a checkpoint the server does not know.
            let checkpoint = if i == 16 {
                "no-such-checkpoint".to_owned()
            } else {
                s.checkpoint_a.clone()
            };
            let p = kadian_domain::records::Passage {
                id: kadian_domain::records::new_id(),
                checkpoint_id: checkpoint,
                direction: kadian_domain::records::Direction::Out,
                at: kadian_domain::records::Instant::now_cst(),
                person_id: None,
                walk_in_name: Some(format!("访客{i}")),
                plate: None,
                companions: 0,
                purpose: None,
                destination: None,
                recorded_by: "v".into(),
            };
            d.core
                .store()
                .record_passage(
                    &kadian_device::PassageRegistration {
                        passage: p,
                        reading: None,
                        travel: None,
                    },
                    Source::User,
                )
                .expect("record");
        }
        let report = d.sync().await.expect("sync");
        assert_eq!((report.acknowledged, report.rejected), (49, 1));
        assert_eq!(rows(&s, "passage").await, 49);
        let rejected = d.core.store().rejected().expect("rejected");
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].code, "unknown_checkpoint");
        assert!(!rejected[0].message.is_empty());
        // The queue moves on.
        register_walk_in(&d.core, &s.checkpoint_a, "后来者");
        d.sync().await.expect("sync");
        assert_eq!(rows(&s, "passage").await, 50);
        assert_eq!(d.core.store().pending_count().expect("pending"), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t06_a_refused_token_stops_the_loop_and_keeps_local_data() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let device_id = d.core.store().enrolment().expect("e").expect("e").device_id;
        s.db.revoke(&device_id, chrono::Utc::now())
            .await
            .expect("revoke");
        let baseline = s.faults.requests.load(Ordering::SeqCst);
        for i in 0..3 {
            register_walk_in(&d.core, &s.checkpoint_a, &format!("访客{i}"));
        }
        let settings = SyncSettings {
            interval: Duration::from_millis(100),
            timeout: Duration::from_secs(5),
            max_backoff: Duration::from_millis(200),
            offline_retry: Duration::from_millis(200),
        };
        let handle = start(d.core.clone(), settings);
        tokio::time::sleep(Duration::from_millis(300)).await;
        for _ in 0..5 {
            d.core.written();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The health check (no token) and one push; then the loop waits for re-enrolment.
        assert_eq!(
            s.faults.pushes.load(Ordering::SeqCst),
            1,
            "one refused push, no retries"
        );
        assert_eq!(s.faults.requests.load(Ordering::SeqCst) - baseline, 2);
        assert!(handle.status().reenrol_needed);
        assert!(d.core.store().reenrol_needed().expect("flag"));
        assert_eq!(
            d.core.store().count("passage").expect("count"),
            3,
            "nothing local deleted"
        );
        // Enrolling again resumes the same outbox.
        let code = s.code(Role::Volunteer, &s.checkpoint_a).await;
        kadian_device::sync::enrol(&d.core, &s.url, &code, "重新注册", None)
            .await
            .expect("re-enrol");
        handle.nudge();
        for _ in 0..50 {
            if rows(&s, "passage").await == 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(rows(&s, "passage").await, 3);
        handle.stop();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t07_after_a_503_the_queue_drains_by_itself() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        s.faults.unavailable.store(1, Ordering::SeqCst);
        register_walk_in(&d.core, &s.checkpoint_a, "张三");
        // A long interval: only the backoff retry can drain it in time.
        let settings = SyncSettings {
            interval: Duration::from_secs(3600),
            timeout: Duration::from_secs(5),
            max_backoff: Duration::from_secs(2),
            offline_retry: Duration::from_secs(2),
        };
        let handle = start(d.core.clone(), settings);
        let mut drained = false;
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if d.core.store().pending_count().expect("pending") == 0 {
                drained = true;
                break;
            }
        }
        assert!(drained, "the queue did not drain by itself");
        assert_eq!(rows(&s, "passage").await, 1);
        assert!(
            handle
                .status()
                .failures
                .iter()
                .any(|(n, c)| n == "server_503" && *c == 1),
            "{:?}",
            handle.status()
        );
        handle.stop();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t08_twenty_thousand_events_drain_in_batches_and_resume_after_an_interruption() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        for i in 0..10_000 {
            register_walk_in(&d.core, &s.checkpoint_a, &format!("访客{i}"));
        }
        assert_eq!(d.core.store().pending_count().expect("pending"), 20_000);
        // Interrupt after 20 batches of 500.
        let pushes_before = s.faults.pushes.load(Ordering::SeqCst);
        let watcher = {
            let faults = s.faults.clone();
            tokio::spawn(async move {
                while faults.pushes.load(Ordering::SeqCst) < pushes_before + 20 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                faults.unavailable.store(1, Ordering::SeqCst);
            })
        };
        let first = d.sync().await;
        watcher.abort();
        assert!(matches!(first, Err(SyncError::Server(503))), "{first:?}");
        let stored = rows(&s, "passage").await + rows(&s, "temperature_reading").await;
        let pending = d.core.store().pending_count().expect("pending");
        assert!(
            (10_000..20_000).contains(&stored),
            "interrupted halfway: {stored}"
        );
        assert_eq!(
            stored + pending,
            20_000,
            "what the server has left the outbox"
        );
        d.sync().await.expect("resume");
        // Records the server could not store (`storage_error`, e.g. its disk is full) stay in
        // the outbox for the next round; rejected ones are listed with their reasons.
        let rejected = d.core.store().rejected().expect("rejected");
        assert!(rejected.is_empty(), "rejected: {:?}", &rejected[..1]);
        assert_eq!(
            d.core.store().pending_count().expect("pending"),
            0,
            "records left in the outbox: the server could not store them"
        );
        assert_eq!(rows(&s, "passage").await, 10_000);
        assert_eq!(rows(&s, "temperature_reading").await, 10_000);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t09_a_device_clock_two_days_fast_is_flagged_and_the_receive_time_is_right() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        d.core.set_clock_offset(chrono::Duration::days(2));
        register_walk_in(&d.core, &s.checkpoint_a, "钟快");
        let before = chrono::Utc::now();
        d.sync().await.expect("sync");
        let after = chrono::Utc::now();
        assert_eq!(rows(&s, "passage").await, 1, "stored, not refused");
        let flagged = s.db.flagged().await.expect("flagged");
        assert_eq!(flagged.len(), 2, "passage and reading flagged");
        for (_, device_time, received) in flagged {
            assert!(
                received >= before - chrono::Duration::seconds(1)
                    && received <= after + chrono::Duration::seconds(1)
            );
            assert!(device_time - received > chrono::Duration::hours(47));
        }
        assert!(d.core.last_skew().expect("skew") > 47 * 3600 * 1000);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t10_a_captive_portal_keeps_the_device_offline_and_marks_nothing_sent() {
    // A local HTTP server that answers everything with a login page, as hotel and café Wi-Fi do.
    let portal = axum::Router::new()
        .fallback(|| async { axum::response::Html("<html><body>请登录 Wi-Fi</body></html>") });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, portal).await;
    });
    let s = TestServer::start("sqlite").await;
    let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
    register_walk_in(&d.core, &s.checkpoint_a, "张三");
    let token = d.core.store().enrolment().expect("e").expect("e").token;
    let client = kadian_device::SyncClient::new(&url, Some(token), Duration::from_secs(5));
    let r = sync_round(&d.core, &client).await;
    assert!(
        matches!(&r, Err(SyncError::Offline(m)) if m.contains("captive")),
        "{r:?}"
    );
    assert_eq!(
        d.core.store().outbox("sent", 100).expect("outbox").len(),
        0,
        "nothing marked sent"
    );
    assert_eq!(d.core.store().pending_count().expect("pending"), 2);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t11_a_tablet_sees_only_its_community_and_cannot_write_into_another() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let a = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let other = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_b).await;
        register_walk_in(&other.core, &s.checkpoint_b, "季庄访客");
        other.sync().await.expect("sync b");
        register_walk_in(&a.core, &s.checkpoint_a, "八一访客");
        a.sync().await.expect("sync a");
        // Pull: A's tablet has its own passage, and nothing of B.
        {
            let store = a.core.store();
            assert_eq!(store.count("passage").expect("count"), 1);
            let compounds: Vec<String> = store
                .reference("compound")
                .expect("ref")
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            assert_eq!(compounds, vec![s.compound_a.clone()]);
            assert!(store
                .reference("checkpoint")
                .expect("ref")
                .iter()
                .all(|(id, _)| *id == s.checkpoint_a));
        }
        // Push a record for community B: rejected.
        register_walk_in(&a.core, &s.checkpoint_b, "越界");
        let report = a.sync().await.expect("sync");
        assert_eq!(report.rejected, 2, "passage and reading at B's checkpoint");
        let rejected = a.core.store().rejected().expect("rejected");
        assert!(
            rejected.iter().all(|r| r.code == "out_of_scope"),
            "{rejected:?}"
        );
        assert_eq!(rows(&s, "passage").await, 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t12_a_person_edited_on_two_devices_offline_is_merged_and_the_clash_listed() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let mut p = resident(&s, "赵敏");
        p.phone = Some("13800000001".into());
        laptop
            .core
            .store()
            .upsert_person(&p, Source::User)
            .expect("person");
        laptop.sync().await.expect("sync");
        tablet.sync().await.expect("pull");
        assert!(tablet.core.store().person(p.id).expect("p").is_some());
        // Offline: different fields.
        let mut on_laptop = p.clone();
        on_laptop.room = Some("202".into());
        laptop
            .core
            .store()
            .upsert_person(&on_laptop, Source::User)
            .expect("edit");
        let mut on_tablet = p.clone();
        on_tablet.phone = Some("13800000002".into());
        tablet
            .core
            .store()
            .upsert_person(&on_tablet, Source::User)
            .expect("edit");
        laptop.sync().await.expect("sync");
        tablet.sync().await.expect("sync");
        laptop.sync().await.expect("sync");
        for d in [&laptop, &tablet] {
            let (merged, _) = d.core.store().person(p.id).expect("p").expect("p");
            assert_eq!(merged.room.as_deref(), Some("202"));
            assert_eq!(merged.phone.as_deref(), Some("13800000002"));
        }
        // Offline: the same field.
        let (base, _) = laptop.core.store().person(p.id).expect("p").expect("p");
        let mut l2 = base.clone();
        l2.room = Some("303".into());
        laptop
            .core
            .store()
            .upsert_person(&l2, Source::User)
            .expect("edit");
        let mut t2 = base.clone();
        t2.room = Some("404".into());
        tablet
            .core
            .store()
            .upsert_person(&t2, Source::User)
            .expect("edit");
        laptop.sync().await.expect("sync");
        tablet.sync().await.expect("sync");
        laptop.sync().await.expect("sync");
        let (l, _) = laptop.core.store().person(p.id).expect("p").expect("p");
        let (t, _) = tablet.core.store().person(p.id).expect("p").expect("p");
        assert_eq!(
            l.room.as_deref(),
            Some("303"),
            "the server's value (first in) wins"
        );
        assert_eq!(t.room.as_deref(), Some("303"));
        let conflicts = laptop.core.store().conflicts().expect("conflicts");
        let c = conflicts
            .iter()
            .find(|c| c.field == "room")
            .expect("the clash is listed for compound staff");
        assert_eq!(c.kept_value.as_deref(), Some("\"303\""));
        assert_eq!(c.lost_value.as_deref(), Some("\"404\""));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t13_unsynced_rows_survive_a_schema_upgrade_and_sync() {
    use kadian_device::{DbKey, Store, StoreOptions, LATEST_VERSION};
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let enrolment = d.core.store().enrolment().expect("e").expect("e");
        // A store of the previous schema version with unsynced rows.
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("old.db");
        let key = DbKey::from_bytes([9; 32]);
        let mut old = StoreOptions::encrypted(key.clone());
        old.target_version = LATEST_VERSION - 1;
        {
            let store = Store::open(&path, &old).expect("old store");
            assert_eq!(store.schema_version().expect("v"), LATEST_VERSION - 1);
            drop(store);
            let core = kadian_device::AppCore::open_store(
                dir.path(),
                Store::open(&path, &old).expect("old"),
            );
            for i in 0..5 {
                register_walk_in(&core, &s.checkpoint_a, &format!("升级前{i}"));
            }
        }
        // The app is upgraded: the store opens at the new version with the rows, and they sync.
        let store = Store::open(&path, &StoreOptions::encrypted(key)).expect("new store");
        assert_eq!(store.schema_version().expect("v"), LATEST_VERSION);
        let core = kadian_device::AppCore::open_store(dir.path(), store);
        assert_eq!(core.store().pending_count().expect("pending"), 10);
        core.store().set_enrolment(&enrolment).expect("enrolment");
        let client = kadian_device::SyncClient::new(
            &enrolment.server_url,
            Some(enrolment.token.clone()),
            Duration::from_secs(10),
        );
        sync_round(&core, &client).await.expect("sync");
        assert_eq!(rows(&s, "passage").await, 5);
        assert_eq!(core.store().pending_count().expect("pending"), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t14_two_offline_edits_never_undo_another_devices_change() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let p = resident(&s, "钱多");
        laptop
            .core
            .store()
            .upsert_person(&p, Source::User)
            .expect("person");
        laptop.sync().await.expect("sync");
        tablet.sync().await.expect("pull");
        // The tablet edits twice while offline; meanwhile the laptop changes the building.
        let mut t = p.clone();
        t.room = Some("102".into());
        tablet
            .core
            .store()
            .upsert_person(&t, Source::User)
            .expect("edit 1");
        t.phone = Some("13900000009".into());
        tablet
            .core
            .store()
            .upsert_person(&t, Source::User)
            .expect("edit 2");
        let mut l = p.clone();
        l.building = Some("2号楼".into());
        laptop
            .core
            .store()
            .upsert_person(&l, Source::User)
            .expect("laptop edit");
        laptop.sync().await.expect("sync");
        tablet.sync().await.expect("sync");
        laptop.sync().await.expect("sync");
        for d in [&laptop, &tablet] {
            let (merged, _) = d.core.store().person(p.id).expect("p").expect("p");
            assert_eq!(
                merged.building.as_deref(),
                Some("2号楼"),
                "the laptop's change survives"
            );
            assert_eq!(merged.room.as_deref(), Some("102"));
            assert_eq!(merged.phone.as_deref(), Some("13900000009"));
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t15_a_pull_sends_back_neither_the_devices_own_events_nor_rereads_them() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        tablet.sync().await.expect("first sync");
        let cursor = tablet.core.store().pull_cursor().expect("cursor");
        // The tablet's own registration goes up; the pull after it brings nothing back.
        register_walk_in(&tablet.core, &s.checkpoint_a, "自己登记的访客");
        tablet
            .core
            .store()
            .upsert_person(&resident(&s, "自己登记的居民"), Source::User)
            .expect("person");
        let report = tablet.sync().await.expect("sync");
        assert_eq!(report.acknowledged, 3);
        let client = tablet.client(Duration::from_secs(10));
        let page = client.pull(cursor, 500).await.expect("pull");
        let kinds: Vec<&str> = page.changes.iter().map(|c| c.kind.as_str()).collect();
        assert!(
            !kinds.contains(&"passage") && !kinds.contains(&"temperature_reading"),
            "own events came back: {kinds:?}"
        );
        // Entities do come back: the server may have merged them.
        assert!(kinds.contains(&"person"), "{kinds:?}");
        // The cursor moved past the records left out: the next pull is empty.
        let again = client.pull(page.cursor, 500).await.expect("pull");
        assert!(again.changes.is_empty() && !again.more);
        assert_eq!(again.cursor, page.cursor);
        // Another device does get them.
        laptop.sync().await.expect("laptop");
        assert_eq!(laptop.core.store().count("passage").expect("count"), 1);
        assert_eq!(
            laptop
                .core
                .store()
                .count("temperature_reading")
                .expect("count"),
            1
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t16_the_server_reconnects_when_postgresql_drops_its_connection() {
    if !backends().contains(&"postgres") {
        eprintln!("t16: PostgreSQL only (KADIAN_TEST_PG not set)");
        return;
    }
    let s = TestServer::start("postgres").await;
    let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
    register_walk_in(&d.core, &s.checkpoint_a, "断线前");
    d.sync().await.expect("first sync");
    // PostgreSQL restarts, as far as the server can tell: its connection is terminated.
    let (admin, conn) = tokio_postgres::connect(s.db_url(), tokio_postgres::NoTls)
        .await
        .expect("admin connection");
    tokio::spawn(conn);
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .expect("terminate");
    register_walk_in(&d.core, &s.checkpoint_a, "断线后");
    // The request that meets the dead connection may fail; the rounds after it work.
    let mut synced = false;
    for _ in 0..5 {
        if d.sync().await.is_ok() && d.core.store().pending_count().expect("pending") == 0 {
            synced = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(synced, "the server never got its database back");
    assert_eq!(rows(&s, "passage").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t17_ten_wrong_codes_a_minute_then_429_even_for_a_right_code() {
    let s = TestServer::start("sqlite").await;
    let http = reqwest::Client::new();
    let enrol = |code: String| {
        let (http, url) = (http.clone(), s.url.clone());
        async move {
            let r = http
                .post(format!("{url}/api/v1/devices/enrol"))
                .json(&serde_json::json!({"code": code, "device_name": "t", "platform": "linux"}))
                .send()
                .await
                .expect("request");
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        }
    };
    for n in 0..10 {
        let (status, code) = enrol(format!("WRNG-CODE-{n:04}")).await;
        assert_eq!(
            (status, code.as_str()),
            (401, "enrol_code_invalid"),
            "attempt {n}"
        );
    }
    let good = s.code(Role::Volunteer, &s.checkpoint_a).await;
    let (status, code) = enrol(good).await;
    assert_eq!((status, code.as_str()), (429, "too_many_attempts"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t18_more_than_1000_records_or_4_mib_is_413_and_nothing_is_stored() {
    let s = TestServer::start("sqlite").await;
    let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
    for i in 0..501 {
        register_walk_in(&d.core, &s.checkpoint_a, &format!("访客{i}"));
    }
    let outbox = d.core.store().push_batch(2000).expect("outbox");
    assert_eq!(outbox.len(), 1002);
    let token = d
        .core
        .store()
        .enrolment()
        .expect("e")
        .expect("enrolled")
        .token;
    let push = |body: serde_json::Value| {
        let (url, token) = (s.url.clone(), token.clone());
        async move {
            let r = reqwest::Client::new()
                .post(format!("{url}/api/v1/sync/push"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("request");
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        }
    };
    let records: Vec<_> = outbox.iter().map(|e| e.to_push_record()).collect();
    let (status, code) =
        push(serde_json::json!({"device_time": chrono::Utc::now(), "records": records})).await;
    assert_eq!((status, code.as_str()), (413, "too_many_records"));
    let mut big = records[0].clone();
    big.body["purpose"] = serde_json::Value::String("长".repeat(1_500_000));
    let (status, _) =
        push(serde_json::json!({"device_time": chrono::Utc::now(), "records": [big]})).await;
    assert_eq!(status, 413);
    assert_eq!(rows(&s, "passage").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t19_a_tablet_gets_14_days_of_events_a_compound_laptop_all() {
    use kadian_device::PassageRegistration;
    use kadian_domain::records::{new_id, Direction, Instant, Passage};
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let writer = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        for (days, name) in [(20, "二十天前"), (2, "两天前")] {
            let p = Passage {
                id: new_id(),
                checkpoint_id: s.checkpoint_a.clone(),
                direction: Direction::In,
                at: Instant {
                    utc: chrono::Utc::now() - chrono::Duration::days(days),
                    offset_minutes: 480,
                },
                person_id: None,
                walk_in_name: Some(name.into()),
                plate: None,
                companions: 0,
                purpose: None,
                destination: None,
                recorded_by: "t19".into(),
            };
            writer
                .core
                .store()
                .record_passage(
                    &PassageRegistration {
                        passage: p,
                        reading: None,
                        travel: None,
                    },
                    Source::User,
                )
                .expect("record");
        }
        writer.sync().await.expect("push");
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        tablet.sync().await.expect("tablet pull");
        assert_eq!(tablet.core.store().count("passage").expect("count"), 1);
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        laptop.sync().await.expect("laptop pull");
        assert_eq!(laptop.core.store().count("passage").expect("count"), 2);
    })
    .await;
}

/// A `volunteer` body as a laptop would send it.
fn volunteer_body(compound: &str, name: &str, pin_hash: &str) -> serde_json::Value {
    let id = kadian_domain::records::volunteer::volunteer_id(compound, name).to_string();
    serde_json::json!({"id": id, "name": name, "compound": compound, "pin_hash": pin_hash, "retired": false})
}

/// Pushes one `volunteer` record with `body` from `device` straight through its client, and
/// returns the receipt's error code (None: accepted).
async fn push_volunteer(device: &TestDevice, body: serde_json::Value) -> Option<String> {
    use kadian_domain::sync::{PushRecord, PushRequest};
    let request = PushRequest {
        device_time: chrono::Utc::now(),
        records: vec![PushRecord {
            kind: "volunteer".into(),
            id: body["id"].as_str().unwrap_or_default().to_owned(),
            op: "create".into(),
            base_version: None,
            hash: String::new(),
            body,
        }],
    };
    let response = device
        .client(Duration::from_secs(10))
        .push(&request)
        .await
        .expect("push");
    response.receipts[0].error.as_ref().map(|e| e.code.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t20_compound_staff_set_volunteers_and_pins_that_tablets_check_offline() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        laptop.sync().await.expect("laptop pull");

        // Added on the laptop, synced, and the tablet checks the PIN with no server.
        let v = laptop
            .core
            .volunteer_save(None, " 李红梅 ", "2580")
            .expect("save");
        assert_eq!(v.name, "李红梅");
        assert!(v.pending, "not synced yet");
        laptop.sync().await.expect("push");
        assert!(!laptop.core.volunteer_list().expect("list")[0].pending);
        tablet.sync().await.expect("tablet pull");
        let shift = tablet.core.sign_in(&v.id, "2580").expect("sign in");
        assert_eq!(shift.volunteer_name, "李红梅");
        tablet.core.sign_out().expect("sign out");

        // A new PIN replaces the old one (same name: same volunteer).
        let again = laptop
            .core
            .volunteer_save(None, "李红梅", "1357")
            .expect("new PIN");
        assert_eq!(again.id, v.id);
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("pull");
        let old = tablet.core.sign_in(&v.id, "2580").expect_err("old PIN");
        assert_eq!(old.code, "pin_wrong");
        tablet.core.sign_in(&v.id, "1357").expect("new PIN");
        tablet.core.sign_out().expect("sign out");

        // Retired: off the sign-in list, and the PIN no longer works.
        laptop.core.volunteer_retire(&v.id, true).expect("retire");
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("pull");
        assert!(tablet
            .core
            .volunteers()
            .expect("list")
            .iter()
            .all(|x| x.id != v.id));
        let gone = tablet.core.sign_in(&v.id, "1357").expect_err("retired");
        assert_eq!(gone.code, "unknown_volunteer");
        assert!(laptop.core.volunteer_list().expect("list")[0].retired);

        // Restored with the PIN they had: signs in again (the server must not take the restore
        // for a resend of the first version, whose body it equals).
        laptop.core.volunteer_retire(&v.id, false).expect("restore");
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("pull");
        tablet.core.sign_in(&v.id, "1357").expect("restored");

        // Retired while on duty: no new records, but the shift can be handed over.
        laptop.core.volunteer_retire(&v.id, true).expect("retire");
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("pull");
        let refused = tablet
            .core
            .void_passage("00000000-0000-0000-0000-000000000000", "测试")
            .expect_err("retired on duty");
        assert_eq!(refused.code, "volunteer_retired");
        tablet.core.sign_out().expect("hand over");

        // Several changes on the laptop before one sync: the last of each wins.
        laptop.core.volunteer_retire(&v.id, false).expect("restore");
        laptop
            .core
            .volunteer_save(None, "李红梅", "2468")
            .expect("PIN 1");
        laptop
            .core
            .volunteer_save(None, "李红梅", "9753")
            .expect("PIN 2");
        laptop.core.volunteer_retire(&v.id, true).expect("retire");
        laptop.core.volunteer_retire(&v.id, false).expect("restore");
        laptop.sync().await.expect("push");
        tablet.sync().await.expect("pull");
        assert_eq!(
            tablet.core.sign_in(&v.id, "2468").expect_err("first").code,
            "pin_wrong"
        );
        tablet.core.sign_in(&v.id, "9753").expect("the last PIN");
        tablet.core.sign_out().expect("sign out");
        assert!(laptop
            .core
            .volunteer_list()
            .expect("list")
            .iter()
            .all(|x| !x.pending));

        // Bad input: a short PIN, a tablet setting volunteers, a PIN sent in clear.
        let short = laptop
            .core
            .volunteer_save(None, "王伟", "12")
            .expect_err("short PIN");
        assert_eq!(
            (short.code.as_str(), short.field.as_deref()),
            ("invalid_input", Some("pin"))
        );
        assert_eq!(
            tablet
                .core
                .volunteer_save(None, "王伟", "1234")
                .expect_err("tablet")
                .code,
            "not_staff"
        );
        let hash = kadian_domain::records::volunteer::hash_pin("1234").expect("hash");
        let (a, b) = (s.compound_a.as_str(), s.compound_b.as_str());
        let refused = |code: &str| Some(code.to_owned());
        assert_eq!(
            push_volunteer(&tablet, volunteer_body(a, "越权", &hash)).await,
            refused("not_allowed")
        );
        assert_eq!(
            push_volunteer(&laptop, volunteer_body(a, "越权", "1234")).await,
            refused("invalid_record"),
            "a PIN in clear"
        );
        let costly = hash.replace("m=19456", "m=4194304");
        assert_eq!(
            push_volunteer(&laptop, volunteer_body(a, "越权", &costly)).await,
            refused("invalid_record"),
            "a 4 GiB Argon2 cost"
        );
        assert_eq!(
            push_volunteer(&laptop, volunteer_body(b, "越权", &hash)).await,
            refused("out_of_scope")
        );
        // B's volunteer's id, moved into A: the id must be that of compound and name.
        let mut moved = volunteer_body(a, "越权", &hash);
        moved["id"] = volunteer_body(b, "越权", &hash)["id"].clone();
        assert_eq!(
            push_volunteer(&laptop, moved).await,
            refused("invalid_record")
        );
        // A clear PIN beside the hash is dropped, not stored or sent on.
        let mut extra = volunteer_body(a, "周到", &hash);
        extra["pin"] = serde_json::json!("1234");
        assert_eq!(push_volunteer(&laptop, extra).await, None);
        tablet.sync().await.expect("pull");
        let stored = tablet.core.store().reference("volunteer").expect("ref");
        let (_, body) = stored
            .iter()
            .find(|(_, b)| b["name"] == "周到")
            .expect("pulled");
        assert!(body.get("pin").is_none(), "{body}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t21_a_long_first_pull_counts_the_changes_as_they_land() {
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        for i in 0..5_000 {
            register_walk_in(&tablet.core, &s.checkpoint_a, &format!("访客{i}"));
        }
        tablet.sync().await.expect("push");
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        assert_eq!(laptop.core.round_progress().get(), (false, 0));
        let core = laptop.core.clone();
        let client = laptop.client(Duration::from_secs(30));
        let round = tokio::spawn(async move { sync_round(&core, &client).await });
        // While the round runs, the count grows page by page (10,000 events: 20 pages).
        let mut seen_midway = false;
        while !round.is_finished() {
            let (syncing, received) = laptop.core.round_progress().get();
            if syncing && received > 0 && received < 10_000 {
                seen_midway = true;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let report = round.await.expect("join").expect("round");
        assert!(seen_midway, "no page was counted while the round ran");
        let (syncing, received) = laptop.core.round_progress().get();
        assert!(!syncing);
        assert_eq!(received, report.pulled as i64);
        assert!(received >= 10_000, "{received}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t22_a_restore_from_a_backup_loses_nothing_acknowledged_and_skips_nothing_new() {
    each_backend(|b| async move {
        let mut s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let second = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        register_walk_in(&tablet.core, &s.checkpoint_a, "备份前的访客");
        for d in [&tablet, &second, &laptop] {
            d.sync().await.expect("sync before the backup");
        }
        let dir = tempfile::tempdir().expect("tmp");
        let backup = s.backup(dir.path()).await;

        // After the backup: the tablet's registrations and the laptop's void of one of them
        // are acknowledged, and the laptop reads past them. The restore takes them all away.
        let lost: Vec<uuid::Uuid> = (1..=3)
            .map(|i| register_walk_in(&tablet.core, &s.checkpoint_a, &format!("备份后的访客{i}")))
            .collect();
        tablet.sync().await.expect("tablet");
        laptop.sync().await.expect("laptop");
        kadian_tests::harness::void_passage(&laptop.core, lost[0], "社区工作人员");
        laptop.sync().await.expect("laptop pushes its void");
        assert_eq!(rows(&s, "passage").await, 4);
        let laptop_cursor = laptop.core.store().pull_cursor().expect("cursor");

        assert_eq!(s.restore(&backup).await, 2, "a new generation");
        assert_eq!(rows(&s, "passage").await, 1, "the backup's");
        assert_eq!(rows(&s, "correction").await, 0);

        // The laptop syncs first: its void of a passage the server lost waits for the tablet
        // instead of being refused for good.
        laptop.sync().await.expect("laptop after the restore");
        assert_eq!(laptop.core.store().rejected_count().expect("rejected"), 0);
        // A device that never saw past the backup pushes a new registration, which takes a
        // sequence number the laptop had read past before the restore.
        register_walk_in(&second.core, &s.checkpoint_a, "恢复后的访客");
        let report = second.sync().await.expect("second tablet");
        assert_eq!(
            report.resent_after_restore,
            Some(0),
            "it had nothing newer than the backup"
        );
        assert!(
            s.db.head().await.expect("head") <= laptop_cursor,
            "the new registration took sequence numbers the laptop had read past"
        );
        let report = tablet.sync().await.expect("tablet sends again");
        assert_eq!(
            report.resent_after_restore,
            Some(8),
            "its four registrations with their readings"
        );
        for d in [&laptop, &second, &tablet, &laptop] {
            d.sync().await.expect("settle");
        }

        // Every record is on the server once, and on every device of the compound.
        assert_eq!(rows(&s, "passage").await, 5);
        assert_eq!(rows(&s, "temperature_reading").await, 5);
        assert_eq!(rows(&s, "correction").await, 1);
        for (name, d) in [
            ("tablet", &tablet),
            ("second", &second),
            ("laptop", &laptop),
        ] {
            let store = d.core.store();
            assert_eq!(store.count("passage").expect("count"), 5, "{name}");
            assert_eq!(store.count("correction").expect("count"), 1, "{name}");
            assert_eq!(store.pending_count().expect("pending"), 0, "{name}");
            assert_eq!(store.rejected_count().expect("rejected"), 0, "{name}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t23_a_renamed_checkpoint_reaches_the_tablets_and_a_taken_name_is_refused() {
    use kadian_domain::places::PlaceWrite;
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        tablet.sync().await.expect("first sync");
        s.db.put_place(&PlaceWrite::Rename {
            id: s.checkpoint_a.clone(),
            name: "北门".into(),
        })
        .await
        .expect("rename");
        tablet.sync().await.expect("pull the new name");
        let names: Vec<String> = tablet
            .core
            .store()
            .reference("checkpoint")
            .expect("reference")
            .into_iter()
            .filter(|(id, _)| *id == s.checkpoint_a)
            .map(|(_, body)| body["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(names, ["北门"]);
        let other =
            s.db.put_place(&PlaceWrite::Checkpoint {
                compound: s.compound_a.clone(),
                name: "西门".into(),
            })
            .await
            .expect("second gate");
        let taken =
            s.db.put_place(&PlaceWrite::Rename {
                id: other,
                name: "北门".into(),
            })
            .await
            .expect_err("two gates of one compound with one name");
        assert!(taken.to_string().contains("already exists"), "{taken}");
        let unknown =
            s.db.put_place(&PlaceWrite::Rename {
                id: "no-such-place".into(),
                name: "南门".into(),
            })
            .await
            .expect_err("unknown id");
        assert!(
            unknown.to_string().contains("no compound or checkpoint"),
            "{unknown}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t24_a_retired_compound_takes_no_new_records_keeps_its_history_and_can_come_back() {
    use kadian_domain::places::PlaceWrite;
    each_backend(|b| async move {
        let s = TestServer::start(b).await;
        let tablet = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
        let laptop = TestDevice::enrolled(&s, Role::Compound, &s.compound_a).await;
        let unused = s.code(Role::Volunteer, &s.checkpoint_a).await;
        register_walk_in(&tablet.core, &s.checkpoint_a, "退休前");
        tablet.sync().await.expect("before retirement");
        assert_eq!(s.db.count("passage").await.expect("count"), 1);
        // A person the offline laptop registers (and edits) before the retirement and sends
        // after it is taken: it was made before.
        let mut before = resident(&s, "停用前登记");
        laptop
            .core
            .store()
            .upsert_person(&before, Source::User)
            .expect("person");
        laptop.sync().await.expect("laptop's first sync");
        before.phone = Some("13800000009".into());
        laptop
            .core
            .store()
            .upsert_person(&before, Source::User)
            .expect("edit");
        let made_offline = resident(&s, "停用前离线登记");
        laptop
            .core
            .store()
            .upsert_person(&made_offline, Source::User)
            .expect("person made offline");
        tokio::time::sleep(Duration::from_millis(5)).await;

        let retired_at = chrono::Utc::now();
        s.db.put_place(&PlaceWrite::Retire {
            id: s.compound_a.clone(),
            at: Some(retired_at),
        })
        .await
        .expect("retire");
        let r = s.db.reference().await.expect("reference");
        assert!(r.retired_at(&s.compound_a).is_some());
        assert_eq!(
            r.retired_at(&s.checkpoint_a),
            r.retired_at(&s.compound_a),
            "its gate retires with it"
        );
        assert!(r.retired_at(&s.compound_b).is_none(), "others stay");
        // Retiring again keeps the first instant.
        s.db.put_place(&PlaceWrite::Retire {
            id: s.compound_a.clone(),
            at: Some(retired_at + chrono::Duration::hours(1)),
        })
        .await
        .expect("retire again");
        let again = s.db.reference().await.expect("reference");
        assert_eq!(again.retired_at(&s.compound_a), r.retired_at(&s.compound_a));

        // The tablet learns it, and what it records from now on is refused, each record with its
        // reason; what it sent before stays.
        tokio::time::sleep(Duration::from_millis(5)).await;
        register_walk_in(&tablet.core, &s.checkpoint_a, "退休后");
        tablet.sync().await.expect("sync after retirement");
        let info = tablet
            .core
            .enrolment_info()
            .expect("info")
            .expect("enrolled");
        assert!(info.place_retired_at.is_some(), "{info:?}");
        let rejected = tablet.core.store().rejected().expect("rejected");
        assert_eq!(
            rejected.len(),
            2,
            "the passage and its reading: {rejected:?}"
        );
        assert!(
            rejected.iter().all(|r| r.code == "place_retired"),
            "{rejected:?}"
        );
        assert!(rejected[0].message.contains("停用"), "{rejected:?}");
        assert_eq!(s.db.count("passage").await.expect("count"), 1);
        // The laptop's edit and its person made offline before the retirement are taken; a
        // person made after it is not.
        let after = resident(&s, "停用后登记");
        laptop
            .core
            .store()
            .upsert_person(&after, Source::User)
            .expect("person after");
        laptop.sync().await.expect("laptop after retirement");
        let refused: Vec<String> = laptop
            .core
            .store()
            .rejected()
            .expect("rejected")
            .into_iter()
            .map(|r| format!("{} {}", r.entry.record_id, r.code))
            .collect();
        assert_eq!(refused, [format!("{} place_retired", after.id)]);
        assert_eq!(s.db.count("person").await.expect("count"), 2);

        // Its unused codes expired; no new code is issued for it; no compound is added under
        // the retired name.
        let d = TestDevice::new();
        let err = kadian_device::sync::enrol(&d.core, &s.url, &unused, "新平板", None)
            .await
            .expect_err("the code of a retired gate");
        assert!(err.to_string().contains("注册码"), "{err}");
        let issue = kadian_server::admin::issue_enrol_code(
            s.db.as_ref(),
            Role::Volunteer,
            &s.checkpoint_a,
            chrono::Duration::hours(1),
        )
        .await
        .expect_err("no code for a retired gate");
        assert!(issue.to_string().contains("retired"), "{issue}");
        let name = r.compounds[&s.compound_a].1.clone();
        let add =
            s.db.put_place(&PlaceWrite::Compound {
                community: s.community_a.clone(),
                name,
            })
            .await
            .expect_err("the name of a retired compound");
        assert!(
            add.to_string()
                .contains(&format!("compound reinstate --id {}", s.compound_a)),
            "{add}"
        );
        let gate =
            s.db.put_place(&PlaceWrite::Checkpoint {
                compound: s.compound_a.clone(),
                name: "新门".into(),
            })
            .await
            .expect_err("a gate of a retired compound");
        assert!(
            gate.to_string()
                .contains("the compound \"八一新苑\" was retired"),
            "{gate}"
        );

        // A gate retired on its own stays retired when its compound comes back.
        let west =
            s.db.put_place(&PlaceWrite::Checkpoint {
                compound: s.compound_b.clone(),
                name: "西门".into(),
            })
            .await
            .expect("gate");
        let south = s.checkpoint_b.clone();
        for (id, at) in [
            (&west, Some(chrono::Utc::now())),
            (&s.compound_b, Some(chrono::Utc::now())),
            // Retired again by hand while its compound is: the street means it.
            (&south, Some(chrono::Utc::now())),
            (&s.compound_b, None),
            (&s.compound_a, None),
        ] {
            s.db.put_place(&PlaceWrite::Retire { id: id.clone(), at })
                .await
                .expect("retire / reinstate");
        }
        let r = s.db.reference().await.expect("reference");
        assert!(r.retired_at(&west).is_some(), "retired on its own");
        assert!(
            r.retired_at(&s.checkpoint_b).is_some(),
            "retired by hand too: stays when B comes back"
        );
        assert!(r.retired_at(&s.compound_a).is_none());
        assert!(r.retired_at(&s.checkpoint_a).is_none(), "back with A");

        // Back in use: the tablet's banner goes and new records are taken again.
        register_walk_in(&tablet.core, &s.checkpoint_a, "恢复后");
        tablet.sync().await.expect("sync after reinstatement");
        let info = tablet
            .core
            .enrolment_info()
            .expect("info")
            .expect("enrolled");
        assert_eq!(info.place_retired_at, None);
        assert_eq!(s.db.count("passage").await.expect("count"), 2);
    })
    .await;
}
