//! Sync benchmarks (part of `cargo xtask bench`): one device pushing 100,000 events to a server on
//! loopback, the same records one per request, the server's raw bulk insert, and a community
//! laptop's first pull; on SQLite, and on PostgreSQL when `KADIAN_TEST_PG` is set. Prints rows of
//! the benchmark table (figure, value, target, ratio).
//!
//! Options: `--events N` (default 100000), `--single N` (records sent one per request; default
//! 5000: the rate is measured on a sample, 100,000 of them would take minutes).

use std::time::{Duration, Instant as Clock};

use anyhow::Result;
use kadian_device::sync::sync_round;
use kadian_device::PassageRegistration;
use kadian_domain::places::PlaceWrite;
use kadian_domain::records::{Person, PersonCategory, Source};
use kadian_domain::sync::{PushRequest, Role};
use kadian_tests::cli_number;
use kadian_tests::harness::{backends, bulk_store, push_record, TestDevice, TestServer};

fn row(figure: &str, value: f64, unit: &str, target: Option<(f64, bool)>) {
    // target: (value, higher_is_better)
    let (t, ratio) = match target {
        Some((t, true)) => (format!("≥ {t} {unit}"), format!("{:.2}", t / value)),
        Some((t, false)) => (format!("≤ {t} {unit}"), format!("{:.2}", value / t)),
        None => ("—".into(), "—".into()),
    };
    println!("| {figure} | {value:.1} {unit} | {t} | {ratio} |");
}

/// `n` passages with their readings at `checkpoint` over the `days_back` days before now, as
/// the other benchmarks make them ([`kadian_tests::bench_passage`]).
fn registrations(checkpoint: &str, n: usize, days_back: i64) -> Vec<PassageRegistration> {
    let now = chrono::Utc::now();
    (0..n)
        .map(|i| {
            let (passage, reading) = kadian_tests::bench_passage(i, n, days_back, checkpoint, now);
            PassageRegistration {
                passage,
                reading: Some(reading),
                travel: None,
            }
        })
        .collect()
}

async fn bench_backend(backend: &str, events: usize, single: usize) -> Result<()> {
    // 1. One device pushes `events` events end to end (batches of 500).
    let s = TestServer::start(backend).await;
    let d = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
    d.core
        .store()
        .record_passages(&registrations(&s.checkpoint_a, events / 2, 1), Source::User)?;
    let client = d.client(Duration::from_secs(60));
    let t = Clock::now();
    sync_round(&d.core, &client).await?;
    let batched = events as f64 / t.elapsed().as_secs_f64();
    anyhow::ensure!(
        s.db.count("passage").await? as usize == events / 2,
        "not all events arrived"
    );
    row(
        &format!("[{backend}] push {events} events, batches of 500, end to end"),
        batched,
        "events/s",
        Some((20_000.0, true)),
    );

    // 2. The same kind of records one per request (a sample of `single`).
    let d2 = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_a).await;
    d2.core
        .store()
        .record_passages(&registrations(&s.checkpoint_a, single / 2, 1), Source::User)?;
    let rows = d2.core.store().push_batch(single)?;
    let c2 = d2.client(Duration::from_secs(60));
    let t = Clock::now();
    for e in &rows {
        let req = PushRequest {
            device_time: chrono::Utc::now(),
            records: vec![e.to_push_record()],
        };
        c2.push(&req).await?;
    }
    let one_by_one = rows.len() as f64 / t.elapsed().as_secs_f64();
    row(
        &format!(
            "[{backend}] one record per request ({} sampled)",
            rows.len()
        ),
        one_by_one,
        "events/s",
        None,
    );
    row(
        &format!("[{backend}] batched ÷ one per request"),
        batched / one_by_one,
        "×",
        Some((50.0, true)),
    );

    // 3. The server's raw bulk insert of the same rows (no HTTP, no device), batches of 1000.
    let regs = registrations(&s.checkpoint_a, events / 2, 1);
    let mut records = Vec::with_capacity(events);
    for r in &regs {
        records.push(push_record("passage", serde_json::to_value(&r.passage)?));
        records.push(push_record(
            "temperature_reading",
            serde_json::to_value(r.reading.as_ref())?,
        ));
    }
    let t = Clock::now();
    bulk_store(&s.db, &records).await?;
    let raw = events as f64 / t.elapsed().as_secs_f64();
    row(
        &format!("[{backend}] server raw bulk insert, batches of 1000"),
        raw,
        "events/s",
        None,
    );
    row(
        &format!("[{backend}] end to end ÷ raw insert"),
        batched / raw,
        "×",
        None,
    );

    // 4. A new community laptop pulls its community: 9,000 residents and 14 days of events, on a
    // server holding as many events of another community.
    drop(s);
    let s = TestServer::start(backend).await;
    let laptop_src = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
    let persons: Vec<Person> = (0..9000)
        .map(|i| {
            let mut p = Person::new(format!("居民{i}"), PersonCategory::Resident);
            p.community_code = Some(s.community_a.clone());
            p.compound = Some("八一新苑".into());
            p.phone = Some(format!("138{:08}", i));
            p
        })
        .collect();
    laptop_src
        .core
        .store()
        .import_persons(persons.iter(), Source::Import)?;
    laptop_src
        .core
        .store()
        .record_passages(&registrations(&s.checkpoint_a, 7000, 14), Source::User)?;
    sync_round(
        &laptop_src.core,
        &laptop_src.client(Duration::from_secs(120)),
    )
    .await?;
    // As much again at another community's gate, after it in the change stream: what the
    // community's and the zone's pulls must pass over.
    let other = TestDevice::enrolled(&s, Role::Volunteer, &s.checkpoint_b).await;
    other
        .core
        .store()
        .record_passages(&registrations(&s.checkpoint_b, 7000, 14), Source::User)?;
    sync_round(&other.core, &other.client(Duration::from_secs(120))).await?;
    let fresh = TestDevice::enrolled(&s, Role::Community, &s.community_a).await;
    let t = Clock::now();
    let report = sync_round(&fresh.core, &fresh.client(Duration::from_secs(120))).await?;
    let pull = t.elapsed().as_secs_f64();
    row(
        &format!(
            "[{backend}] new community laptop pulls its community ({} changes)",
            report.pulled
        ),
        pull,
        "s",
        Some((5.0, false)),
    );

    // 5. A new zone laptop pulls its zone (the community's compound, not the other community's
    // busy one): the zone's path through the change stream, not a community's.
    let zone =
        s.db.put_place(&PlaceWrite::Zone {
            name: "第一片区".into(),
            leader: "王敏".into(),
            phone: None,
            compounds: vec![s.compound_a.clone()],
        })
        .await?;
    let leader = TestDevice::enrolled(&s, Role::Zone, &zone).await;
    let t = Clock::now();
    let report = sync_round(&leader.core, &leader.client(Duration::from_secs(120))).await?;
    let pull = t.elapsed().as_secs_f64();
    row(
        &format!(
            "[{backend}] new zone laptop pulls its zone ({} changes)",
            report.pulled
        ),
        pull,
        "s",
        Some((5.0, false)),
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let events = cli_number("--events", 100_000);
    let single = cli_number("--single", 5000);
    for b in backends() {
        bench_backend(b, events, single).await?;
    }
    Ok(())
}
