//! Load generator (part of `cargo xtask bench`): 99 devices pushing at once to a server on
//! loopback, on SQLite and (with `KADIAN_TEST_PG`) PostgreSQL.
//!
//! Street load is each device sending a batch of 20 events every 30 s (99 × 20 / 30 = 66
//! events/s). The run speeds that up stage by stage (×1, ×10, ×30, ×100, ×300, ×1000), each stage
//! `--seconds S` long (default 5). Every device is one task with at most one request in flight
//! (a bounded, closed-loop generator: a slow server slows the devices down rather than piling up
//! requests). Each push is timed from request to receipts. Prints, per stage: offered and
//! achieved events/s, and push latency p50 / p99 / max; then the highest sustained rate (achieved
//! ≥ 95 % of offered) and whether the street-load p99 meets the 100 ms goal.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use kadian_domain::records::{new_id, Direction, Instant as At, Passage};
use kadian_domain::sync::{PushRecord, PushRequest, PushResponse, Role, PROTOCOL_HEADER};
use kadian_tests::cli_number;
use kadian_tests::harness::{backends, TestServer};
use sha2::{Digest, Sha256};

/// Devices, as at a street office.
const DEVICES: usize = 99;
/// Events per push at street load.
const BATCH: usize = 20;
/// Seconds between pushes at street load.
const STREET_INTERVAL_S: f64 = 30.0;

fn batch(checkpoint: &str) -> PushRequest {
    let records = (0..BATCH)
        .map(|i| {
            let p = Passage {
                id: new_id(),
                checkpoint_id: checkpoint.to_owned(),
                direction: if i % 2 == 0 {
                    Direction::In
                } else {
                    Direction::Out
                },
                at: At::now_cst(),
                person_id: None,
                walk_in_name: Some(format!("压测访客{i}")),
                plate: None,
                companions: 0,
                purpose: None,
                destination: None,
                recorded_by: "loadgen".into(),
            };
            let text = serde_json::to_string(&p).unwrap_or_default();
            PushRecord {
                kind: "passage".into(),
                id: p.id.to_string(),
                op: "create".into(),
                base_version: None,
                hash: hex::encode(Sha256::digest(text.as_bytes())),
                body: serde_json::from_str(&text).unwrap_or_default(),
            }
        })
        .collect();
    PushRequest {
        device_time: chrono::Utc::now(),
        records,
    }
}

struct StageResult {
    speedup: u64,
    offered: f64,
    achieved: f64,
    latencies_ms: Vec<f64>,
    errors: usize,
}

async fn stage(
    url: &str,
    devices: &[(String, String)],
    speedup: u64,
    seconds: u64,
) -> Result<StageResult> {
    let interval = Duration::from_secs_f64(STREET_INTERVAL_S / speedup as f64);
    let until = Instant::now() + Duration::from_secs(seconds);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(DEVICES)
        .timeout(Duration::from_secs(30))
        .build()?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, (token, checkpoint)) in devices.iter().enumerate() {
        let (http, url, token, checkpoint) = (
            http.clone(),
            url.to_owned(),
            token.clone(),
            checkpoint.clone(),
        );
        // Devices start spread over one interval, as real tablets do.
        let phase = interval.mul_f64(n as f64 / DEVICES as f64);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut events, mut errors) = (0usize, 0usize);
            let mut next = Instant::now() + phase;
            // The stage ends at `until`: no batch is started after it.
            while next < until {
                tokio::time::sleep_until(next.into()).await;
                let body = batch(&checkpoint);
                let t = Instant::now();
                let r = http
                    .post(format!("{url}/api/v1/sync/push"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                let ok = match r {
                    Ok(r)
                        if r.status().is_success() && r.headers().contains_key(PROTOCOL_HEADER) =>
                    {
                        r.json::<PushResponse>().await.is_ok_and(|p| {
                            p.receipts.len() == BATCH
                                && p.receipts.iter().all(|x| x.error.is_none())
                        })
                    }
                    _ => false,
                };
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                if ok {
                    events += BATCH;
                } else {
                    errors += 1;
                }
                next += interval;
                // A device that fell behind sends its next batch at once, never two at a time.
                if next < Instant::now() {
                    next = Instant::now();
                }
            }
            (lat, events, errors)
        }));
    }
    let mut latencies_ms = Vec::new();
    let (mut events, mut errors) = (0usize, 0usize);
    for t in tasks {
        let (l, e, x) = t.await?;
        latencies_ms.extend(l);
        events += e;
        errors += x;
    }
    latencies_ms.sort_by(f64::total_cmp);
    let elapsed = started.elapsed().as_secs_f64();
    Ok(StageResult {
        speedup,
        offered: DEVICES as f64 * BATCH as f64 * speedup as f64 / STREET_INTERVAL_S,
        achieved: events as f64 / elapsed,
        latencies_ms,
        errors,
    })
}

fn pct(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

async fn run(backend: &str, seconds: u64) -> Result<()> {
    let server = TestServer::start(backend).await;
    let mut devices = Vec::new();
    for n in 0..DEVICES {
        let cp = if n % 2 == 0 {
            &server.checkpoint_a
        } else {
            &server.checkpoint_b
        };
        let code = server.code(Role::Volunteer, cp).await;
        let client = kadian_device::SyncClient::new(&server.url, None, Duration::from_secs(10));
        let e = client
            .enrol(&code, &format!("压测平板{n}"), "linux")
            .await
            .context("enrol")?;
        devices.push((e.token, cp.clone()));
    }
    let devices = Arc::new(devices);
    println!("\n{backend}: {DEVICES} devices, batches of {BATCH}, street load = one batch per device every {STREET_INTERVAL_S} s");
    println!("| speed-up | offered events/s | achieved events/s | push p50 | push p99 | push max | failed pushes |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let mut best = 0.0f64;
    let mut street_p99 = f64::NAN;
    for speedup in [1, 10, 30, 100, 300, 1000] {
        // At street load a 5 s stage is shorter than one interval: give it one whole interval.
        let secs = if speedup == 1 {
            STREET_INTERVAL_S as u64 + 1
        } else {
            seconds
        };
        let r = stage(&server.url, &devices, speedup, secs).await?;
        let p99 = pct(&r.latencies_ms, 0.99);
        if speedup == 1 {
            street_p99 = p99;
        }
        if r.achieved >= 0.95 * r.offered && r.errors == 0 {
            best = best.max(r.achieved);
        }
        println!(
            "| ×{} | {:.0} | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
            r.speedup,
            r.offered,
            r.achieved,
            pct(&r.latencies_ms, 0.5),
            p99,
            r.latencies_ms.last().copied().unwrap_or(f64::NAN),
            r.errors
        );
    }
    println!(
        "{backend}: highest sustained {best:.0} events/s; street-load push p99 {street_p99:.1} ms (goal ≤ 100 ms: {})",
        if street_p99 <= 100.0 { "met" } else { "missed" }
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let seconds = cli_number("--seconds", 5) as u64;
    for b in backends() {
        run(b, seconds).await?;
    }
    Ok(())
}
