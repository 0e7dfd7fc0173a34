//! A device in a child process, for the kill test: `kadian-device-sim DIR CHECKPOINT work`
//! registers passages and syncs in a loop until it is killed; `... drain` syncs until the outbox
//! is empty and exits. The device must already be enrolled (its store in DIR, key in DIR/device.key).

use std::time::Duration;

use anyhow::{bail, Context, Result};
use kadian_device::sync::sync_round;
use kadian_device::{AppCore, KeyPolicy, SyncClient};
use kadian_tests::harness::register_walk_in;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, checkpoint, mode] = args.as_slice() else {
        bail!("usage: kadian-device-sim DIR CHECKPOINT work|drain");
    };
    let dir = std::path::Path::new(dir);
    let core =
        AppCore::open(dir, &KeyPolicy::file_only(dir.join("device.key"))).context("open device")?;
    let e = core.store().enrolment()?.context("not enrolled")?;
    let client = SyncClient::new(&e.server_url, Some(e.token), Duration::from_secs(5));
    match mode.as_str() {
        "work" => {
            let mut n = 0u64;
            loop {
                for _ in 0..3 {
                    n += 1;
                    register_walk_in(&core, checkpoint, &format!("子进程访客{n}"));
                }
                let _ = sync_round(&core, &client).await;
            }
        }
        "drain" => {
            for _ in 0..20 {
                if sync_round(&core, &client).await.is_ok() && core.store().pending_count()? == 0 {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            bail!("the outbox did not drain")
        }
        other => bail!("unknown mode {other}"),
    }
}
