//! Story test 4: a device (a child process) killed with SIGKILL at random points of its writes
//! and syncs, 50 times; after a restart and a sync, the server holds exactly the device's
//! records: none lost, none twice.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use kadian_device::{AppCore, KeyPolicy};
use kadian_domain::sync::Role;
use kadian_tests::harness::{backends, TestDevice, TestServer};

fn passage_ids(core: &AppCore, checkpoint: &str) -> BTreeSet<String> {
    let from = chrono::Utc::now() - chrono::Duration::days(1);
    let to = chrono::Utc::now() + chrono::Duration::days(1);
    core.store()
        .passages_between(checkpoint, from, to)
        .expect("passages")
        .into_iter()
        .map(|p| p.id.to_string())
        .collect()
}

/// A pseudo-random delay in [20, 250) ms (xorshift over the clock; reproducibility is not the
/// point, spread is).
fn random_ms(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    20 + *state % 230
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t04_a_device_killed_fifty_times_loses_nothing_and_duplicates_nothing() {
    for b in backends() {
        let s = TestServer::start(b).await;
        let dir = tempfile::tempdir().expect("tmp");
        {
            let core = AppCore::open(
                dir.path(),
                &KeyPolicy::file_only(dir.path().join("device.key")),
            )
            .expect("device");
            let code = s.code(Role::Volunteer, &s.checkpoint_a).await;
            kadian_device::sync::enrol(&core, &s.url, &code, "被杀的平板", None)
                .await
                .expect("enrol");
        }
        let sim = env!("CARGO_BIN_EXE_kadian-device-sim");
        let mut seed = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(7) as u64 | 1;
        for _ in 0..50 {
            let mut child = Command::new(sim)
                .arg(dir.path())
                .arg(&s.checkpoint_a)
                .arg("work")
                .spawn()
                .expect("spawn");
            tokio::time::sleep(Duration::from_millis(random_ms(&mut seed))).await;
            child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
            child.wait().expect("reap");
        }
        let status = Command::new(sim)
            .arg(dir.path())
            .arg(&s.checkpoint_a)
            .arg("drain")
            .status()
            .expect("drain");
        assert!(
            status.success(),
            "the restarted device could not drain its outbox"
        );

        let device = AppCore::open(
            dir.path(),
            &KeyPolicy::file_only(dir.path().join("device.key")),
        )
        .expect("reopen");
        let on_device = passage_ids(&device, &s.checkpoint_a);
        assert!(
            on_device.len() >= 50,
            "the child wrote something each time: {}",
            on_device.len()
        );
        assert_eq!(device.store().pending_count().expect("pending"), 0);
        // What the server holds, seen through a street-level device's pull.
        let street = TestDevice::enrolled(&s, Role::Street, "411402001").await;
        street.sync().await.expect("pull");
        let on_server = passage_ids(&street.core, &s.checkpoint_a);
        assert_eq!(
            s.db.count("passage").await.expect("count") as usize,
            on_server.len(),
            "no duplicates"
        );
        assert_eq!(on_server, on_device, "server rows = device rows");
        assert_eq!(
            s.db.count("temperature_reading").await.expect("count") as usize,
            on_device.len(),
            "each passage's reading arrived once"
        );
    }
}
