//! The sync engine: a tokio task that wakes on each local write and every 30 s, pushes the
//! outbox in batches, marks rows only from the server's receipts, pulls the changes of its scope,
//! and backs off (exponentially, with jitter, at most 5 minutes) while the network or the server
//! is down, retrying by itself. A refused token stops it until the device is enrolled again;
//! nothing local is ever deleted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kadian_domain::sync::{DeviceStatus, PushRequest};
use serde::Serialize;
use tokio::sync::Notify;

use super::client::{check_server_url, normalise_server_url, SyncClient, SyncError};
use crate::core::AppCore;
use crate::session::RoundProgress;
use crate::store::{Enrolment, OutboxEntry};

/// Records per push (the server takes at most 1,000).
pub const PUSH_BATCH: usize = 500;

/// Changes per pull page.
pub const PULL_PAGE: i64 = 500;

/// Enrols the device with a one-time code and records the enrolment (the outbox and all local
/// data stay; a re-enrolment resumes the same outbox).
///
/// `cert_sha256`: the server certificate's SHA-256 fingerprint from the enrolment QR (hex, with or
/// without `:`), pinned for every later request; `None` trusts the public CAs. Errors:
/// `Insecure` for `http://` to a host other than this machine, `Untrusted` when the certificate
/// is not the pinned one, and the server's answers.
pub async fn enrol(
    core: &AppCore,
    server_url: &str,
    code: &str,
    device_name: &str,
    cert_sha256: Option<&str>,
) -> Result<Enrolment, SyncError> {
    let server_url = normalise_server_url(server_url);
    check_server_url(&server_url)?;
    let pin = match cert_sha256.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => Some(super::tls_pin::parse_fingerprint(text).ok_or_else(|| {
            SyncError::Untrusted(format!("{text:?} is not a SHA-256 fingerprint"))
        })?),
        None => None,
    };
    let timeout = Duration::from_secs(20);
    let client = match pin {
        Some(p) => SyncClient::pinned(&server_url, None, timeout, p)?,
        None => SyncClient::new(&server_url, None, timeout),
    };
    let resp = client
        .enrol(code, device_name, std::env::consts::OS)
        .await?;
    let mut e = Enrolment::from_response(&server_url, resp);
    e.cert_sha256 = pin.map(hex::encode);
    e.device_name = Some(device_name.trim().to_owned()).filter(|n| !n.is_empty());
    core.store().set_enrolment(&e)?;
    Ok(e)
}

/// What the sync bar shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SyncStatus {
    /// The last attempt reached the server, or the running round is receiving pages.
    pub online: bool,
    /// When a round last succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// Records waiting for the server (outbox rows: a registration is two or three).
    #[ts(type = "number")]
    pub pending: i64,
    /// Entries waiting for the server as people count them (a registration with its reading
    /// and travel declaration is one); the sync bar shows this.
    #[ts(type = "number")]
    pub pending_entries: i64,
    /// Records the server refused.
    #[ts(type = "number")]
    pub rejected: i64,
    /// Pulled changes this device could not apply (kept aside with the reason; the sync went on).
    #[ts(type = "number")]
    pub quarantined: i64,
    /// The device must be enrolled again.
    pub reenrol_needed: bool,
    /// Failures since start, by name (`offline`, `server_503`, `captive_portal`, ...).
    pub failures: Vec<(String, u32)>,
    /// Our clock minus the server's at the last push, ms (positive: our clock is ahead).
    #[ts(type = "number | null")]
    pub clock_skew_ms: Option<i64>,
    /// A round is running now.
    pub syncing: bool,
    /// Changes received from the server in the running round (or the last one). A new
    /// community laptop's first round brings thousands; the sync bar counts them.
    #[ts(type = "number")]
    pub received: i64,
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Records acknowledged.
    pub acknowledged: usize,
    /// Records rejected.
    pub rejected: usize,
    /// Changes pulled.
    pub pulled: usize,
    /// The server had a new generation (restored from a backup): this many acknowledged records
    /// went back to the outbox (and were pushed in this round), and the pull started again from
    /// the beginning.
    pub resent_after_restore: Option<usize>,
}

/// Marks a round as running until dropped, whichever way the round ends.
struct RoundGuard<'a>(&'a RoundProgress);

impl<'a> RoundGuard<'a> {
    fn start(p: &'a RoundProgress) -> Self {
        use std::sync::atomic::Ordering::Relaxed;
        p.received.store(0, Relaxed);
        p.syncing.store(true, Relaxed);
        RoundGuard(p)
    }

    fn received(&self, n: usize) {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        self.0
            .received
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Drop for RoundGuard<'_> {
    fn drop(&mut self) {
        self.0
            .syncing
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Pushes the whole outbox in batches, then pulls until nothing is left. The pulled pages are
/// counted in [`AppCore::round_progress`] as they land.
pub async fn sync_round(core: &AppCore, client: &SyncClient) -> Result<RoundReport, SyncError> {
    let progress = RoundGuard::start(core.round_progress());
    let mut report = RoundReport::default();
    // First make sure the server is really there: a captive portal answers anything with its
    // login page, and nothing may be marked sent on its word.
    let health = client.health().await?;
    // A server restored from a backup has a new generation: what it acknowledged after the
    // backup is gone from it, and its cursor went back. Everything this device holds goes again
    // (the server answers `duplicate` for what it has) and the pull starts from the beginning.
    if let Some(generation) = &health.generation {
        if let Some(requeued) = core
            .store()
            .adopt_server_generation(generation, health.generation_number)?
        {
            report.resent_after_restore = Some(requeued);
        }
    }
    // Changes an older version of this app could not read (a kind it did not know) are read
    // now, if this one knows them: the cursor went past them long ago.
    core.store().retry_known_kinds()?;
    // Each row once per round, in order: rows the server could not store this time go back to
    // pending and wait for the next round instead of heading every batch of this one.
    let mut after = i64::MIN;
    loop {
        let batch: Vec<OutboxEntry> = core.store().push_batch_after(after, PUSH_BATCH)?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.seq;
        let seqs: Vec<i64> = batch.iter().map(|e| e.seq).collect();
        core.store().mark_sent(&seqs)?;
        let request = PushRequest {
            device_time: core.now(),
            records: batch.iter().map(OutboxEntry::to_push_record).collect(),
        };
        let response = client.push(&request).await?;
        core.store().apply_receipts(&batch, &response.receipts)?;
        let rejected = response
            .receipts
            .iter()
            .filter(|r| r.status == kadian_domain::sync::ReceiptStatus::Rejected)
            .count();
        report.rejected += rejected;
        report.acknowledged += response.receipts.len() - rejected;
        core.note_skew(response.clock_skew_ms);
    }
    // What still waits here after this round's push, for the street office's device list: the
    // entries as the sync bar counts them (a registration with its reading is one), refused
    // records, changes this device could not apply. Sent with the first page only.
    let status = {
        let store = core.store();
        DeviceStatus {
            pending: store.pending_entries()?,
            rejected: store.rejected_count()?,
            quarantined: store.quarantined_count()?,
            oldest_pending: store.oldest_pending_at()?,
        }
    };
    let mut report_status = Some(status);
    loop {
        let cursor = core.store().pull_cursor()?;
        let page = client
            .pull_reporting(cursor, PULL_PAGE, report_status.take().as_ref())
            .await?;
        // Restored between the health check and this page: its cursor is not ours. Nothing of
        // it is applied; the next round starts the new generation.
        if page.generation.is_some() && page.generation != core.store().server_generation()? {
            return Err(SyncError::Offline(
                "the server was restored during this round; the next round starts again".into(),
            ));
        }
        let applied = core.store().apply_pull(&page.changes, page.cursor)?;
        progress.received(applied);
        report.pulled += applied;
        // A zone device whose zone gained a compound went back to the start (`apply_pull`):
        // that compound's older records come in this round too.
        let rewound = page.cursor > 0 && core.store().pull_cursor()? == 0;
        if !page.more && !rewound {
            break;
        }
    }
    core.store().set_last_sync_now()?;
    Ok(report)
}

/// Backoff after `failures` consecutive failures: 2 s, 4 s, 8 s, … to at most 5 min, with ±25 %
/// jitter so 99 tablets do not retry in step.
pub fn backoff(failures: u32, cap: Duration) -> Duration {
    let base = Duration::from_secs(1).saturating_mul(1u32 << failures.min(16));
    let base = base.min(cap);
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    let jitter = f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX) * 0.5 + 0.75;
    base.mul_f64(jitter).min(cap)
}

/// How long the sync task waits after its `failures`-th failure in a row: the backoff; when the
/// server could not be reached at all ([`SyncError::Unreachable`]: nothing was sent), at most
/// [`SyncSettings::offline_retry`], with the same ±25 % jitter so tablets that lost the server at
/// the same moment do not retry in step. A server that answered badly (timeouts, cut-off or
/// oversized answers, 5xx) keeps the full backoff.
pub fn wait_after(e: &SyncError, failures: u32, settings: &SyncSettings) -> Duration {
    let cap = if matches!(e, SyncError::Unreachable(_)) {
        settings.offline_retry
    } else {
        settings.max_backoff
    };
    backoff(failures, cap)
}

/// Settings of the sync task.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Wake at least this often (30 s).
    pub interval: Duration,
    /// Request timeout.
    pub timeout: Duration,
    /// Longest backoff (5 min).
    pub max_backoff: Duration,
    /// Longest wait after a failure to connect at all (10 s): a refused or unreachable server
    /// costs it nothing, and the device notices within seconds that it is back. Errors the
    /// server answered (5xx, 429) keep the full backoff.
    pub offline_retry: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            max_backoff: Duration::from_secs(300),
            offline_retry: Duration::from_secs(10),
        }
    }
}

/// The sync task's handle: nudge it after a write, read its status, stop it.
#[derive(Debug, Clone)]
pub struct SyncHandle {
    wake: Arc<Notify>,
    status: Arc<Mutex<SyncStatus>>,
    core: Arc<AppCore>,
    task: Arc<tokio::task::JoinHandle<()>>,
}

impl SyncHandle {
    /// Wakes the task now (after a local write, or a re-enrolment).
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// The current status.
    pub fn status(&self) -> SyncStatus {
        let mut s = self
            .status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        with_progress(&mut s, self.core.round_progress().get());
        s
    }

    /// Stops the task.
    pub fn stop(&self) {
        self.task.abort();
    }
}

/// Adds the running round's progress to a status. Pages arriving in a round that has not
/// finished yet mean the server is there: online, even before the round's first success.
fn with_progress(s: &mut SyncStatus, (syncing, received): (bool, i64)) {
    s.syncing = syncing;
    s.received = received;
    s.online |= syncing && received > 0;
}

/// Starts the sync task on the current tokio runtime.
pub fn start(core: Arc<AppCore>, settings: SyncSettings) -> SyncHandle {
    let wake = core.wake_handle();
    let status = Arc::new(Mutex::new(SyncStatus::default()));
    let task = tokio::spawn(run(core.clone(), settings, wake.clone(), status.clone()));
    SyncHandle {
        wake,
        status,
        core,
        task: Arc::new(task),
    }
}

fn refresh_counts(core: &AppCore, status: &Mutex<SyncStatus>) {
    let store = core.store();
    let mut s = status.lock().unwrap_or_else(|p| p.into_inner());
    s.pending = store.pending_count().unwrap_or(s.pending);
    s.pending_entries = store.pending_entries().unwrap_or(s.pending_entries);
    s.rejected = store.rejected_count().unwrap_or(s.rejected);
    s.quarantined = store.quarantined_count().unwrap_or(s.quarantined);
    s.reenrol_needed = store.reenrol_needed().unwrap_or(false);
    s.clock_skew_ms = core.last_skew();
}

async fn run(
    core: Arc<AppCore>,
    settings: SyncSettings,
    wake: Arc<Notify>,
    status: Arc<Mutex<SyncStatus>>,
) {
    let mut failures: u32 = 0;
    loop {
        refresh_counts(&core, &status);
        let enrolment = {
            let store = core.store();
            if store.reenrol_needed().unwrap_or(false) {
                None
            } else {
                store.enrolment().ok().flatten()
            }
        };
        let Some(enrolment) = enrolment else {
            // Not enrolled, or refused: wait for an enrolment to nudge us.
            wake.notified().await;
            continue;
        };
        let result = match SyncClient::for_enrolment(&enrolment, settings.timeout) {
            Ok(client) => sync_round(&core, &client).await,
            Err(e) => Err(e),
        };
        let wait = match result {
            Ok(_) => {
                failures = 0;
                let mut s = status.lock().unwrap_or_else(|p| p.into_inner());
                s.online = true;
                s.last_success = Some(Utc::now());
                settings.interval
            }
            Err(e) => {
                let mut s = status.lock().unwrap_or_else(|p| p.into_inner());
                s.online = false;
                let name = e.name();
                match s.failures.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, c)) => *c += 1,
                    None => s.failures.push((name, 1)),
                }
                drop(s);
                if e == SyncError::Unauthorized {
                    let _ = core.store().set_reenrol_needed();
                    continue;
                }
                failures += 1;
                wait_after(&e, failures, &settings)
            }
        };
        refresh_counts(&core, &status);
        // Wake on a local write, or when the wait is over (retrying by itself after a failure).
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_server_url as n;
    use super::{wait_after, with_progress, SyncError, SyncSettings, SyncStatus};
    use std::time::Duration;

    #[test]
    fn an_unreachable_server_is_tried_again_within_ten_seconds_and_a_failing_one_backs_off() {
        let settings = SyncSettings::default();
        let unreachable = SyncError::Unreachable("connection refused".into());
        let waits: Vec<Duration> = (1..40)
            .map(|failures| wait_after(&unreachable, failures, &settings))
            .collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(10)));
        // Not in step: the waits after many failures are not all the same.
        assert!(waits[10..].windows(2).any(|w| w[0] != w[1]), "{waits:?}");
        // A server that answered but too slowly (or cut off) is not hammered.
        assert!(
            wait_after(&SyncError::Offline("timed out".into()), 12, &settings)
                >= Duration::from_secs(200)
        );
        // A server that answers 503 is not hammered: minutes after many failures.
        assert!(wait_after(&SyncError::Server(503), 12, &settings) >= Duration::from_secs(200));
    }

    #[test]
    fn a_round_receiving_pages_is_online_before_it_ends() {
        let mut s = SyncStatus::default();
        with_progress(&mut s, (true, 0));
        assert!(s.syncing && !s.online, "no page yet: nothing known");
        with_progress(&mut s, (true, 1500));
        assert!(s.online);
        assert_eq!(s.received, 1500);
        let mut offline = SyncStatus::default();
        with_progress(&mut offline, (false, 1500));
        assert!(
            !offline.online,
            "a finished round's count says nothing of now"
        );
    }

    #[test]
    fn server_addresses_as_typed() {
        assert_eq!(n(" kadian.example.cn/ "), "https://kadian.example.cn");
        assert_eq!(n("192.168.1.10:8443"), "https://192.168.1.10:8443");
        assert_eq!(n("HTTP://kadian.example.cn"), "http://kadian.example.cn");
        for fine in [
            "http://127.0.0.1:8470",
            "http://127.1:8470",
            "http://LOCALHOST:1",
            "http://[::1]:8470/x",
            "https://kadian.example.cn",
            "https://192.168.1.10:8443",
        ] {
            assert!(super::check_server_url(fine).is_ok(), "{fine}");
        }
        for refused in [
            "http://192.168.1.10:8470",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1@evil.example",
            "http://evil.example\\@127.0.0.1:8470",
            "https://kadian.example.cn@evil.example",
            "http://[::ffff:127.0.0.1]:8470",
            "http://0.0.0.0:8470",
            "ftp://127.0.0.1",
        ] {
            assert!(
                matches!(
                    super::check_server_url(refused),
                    Err(SyncError::Insecure(_))
                ),
                "{refused}"
            );
        }
        assert_eq!(n("http://http://127.0.0.1:8470"), "http://127.0.0.1:8470");
        assert_eq!(n("https://kadian.example.cn"), "https://kadian.example.cn");
        assert_eq!(
            n("http://https://kadian.example.cn/"),
            "https://kadian.example.cn"
        );
    }
}
