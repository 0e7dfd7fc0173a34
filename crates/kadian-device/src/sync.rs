//! The sync client and engine: a tokio task that wakes on each local write and every 30 s,
//! pushes the outbox in batches, marks rows only from the server's receipts, pulls the changes of
//! its scope, and backs off (exponentially, with jitter, at most 5 minutes) while the network or
//! the server is down, retrying by itself. A refused token stops it until the device is enrolled
//! again; nothing local is ever deleted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kadian_domain::sync::{
    EnrolRequest, EnrolResponse, PullResponse, PushRequest, PushResponse, PROTOCOL_HEADER,
};
use serde::Serialize;
use tokio::sync::Notify;

use crate::core::AppCore;
use crate::replica::Enrolment;
use crate::store::OutboxEntry;

/// Records per push (the server takes at most 1,000).
pub const PUSH_BATCH: usize = 500;
/// Changes per pull page.
pub const PULL_PAGE: i64 = 500;
/// Largest answer the device reads (16 MiB; a pull page is at most 4 MiB of bodies). A longer
/// answer is cut off and the round fails as if offline, instead of filling the tablet's memory.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Reads a response body, at most [`MAX_RESPONSE_BYTES`].
async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, SyncError> {
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Err(SyncError::Offline(format!(
            "the answer is larger than {MAX_RESPONSE_BYTES} bytes"
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| SyncError::Offline(format!("response cut off: {e}")))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(SyncError::Offline(format!(
                "the answer is larger than {MAX_RESPONSE_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Why a sync step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// No usable connection: refused, timed out, DNS, or a captive portal (a 2xx without the
    /// `Kadian-Protocol` header). Retried with backoff.
    #[error("offline: {0}")]
    Offline(String),
    /// The server could not be reached at all: the connection was refused, there was no route,
    /// or the name did not resolve (the server is down or the tablet has no network). Nothing
    /// was sent, so trying again costs nothing: retried within
    /// [`SyncSettings::offline_retry`], so a server that comes back is seen within seconds.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The server's certificate is not trusted: not the one pinned at enrolment, or (without a
    /// pin) not from a public CA. Not retried quickly: a person must look.
    #[error("certificate not trusted: {0}")]
    Untrusted(String),
    /// A plain `http://` address for a host that is not this machine: tokens and people's data
    /// would travel in clear.
    #[error("refusing plain http for {0}: use https://")]
    Insecure(String),
    /// The server answered 5xx (or 429). Retried with backoff.
    #[error("server error {0}")]
    Server(u16),
    /// The server refused the token (401): the device must be enrolled again.
    #[error("the server refused this device; enrol it again")]
    Unauthorized,
    /// The server refused the request itself (4xx), e.g. a wrong enrolment code.
    #[error("refused ({status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The local store failed.
    #[error("local store: {0}")]
    Store(String),
}

impl SyncError {
    /// A short name for the status panel's failure counts.
    pub fn name(&self) -> String {
        match self {
            SyncError::Offline(s) if s.contains("captive") => "captive_portal".into(),
            SyncError::Offline(_) | SyncError::Unreachable(_) => "offline".into(),
            SyncError::Untrusted(_) => "certificate_untrusted".into(),
            SyncError::Insecure(_) => "plain_http".into(),
            SyncError::Server(s) => format!("server_{s}"),
            SyncError::Unauthorized => "unauthorized".into(),
            SyncError::Refused { code, .. } => code.clone(),
            SyncError::Store(_) => "store".into(),
        }
    }
}

/// The message of a sync or enrolment failure in Chinese, for the screen.
pub fn message_zh(e: &SyncError) -> String {
    match e {
        SyncError::Offline(s) if s.contains("captive") => {
            "连上的网络需要先登录（网页认证），请先登录网络再试".into()
        }
        SyncError::Offline(_) | SyncError::Unreachable(_) => {
            "连不上服务器，请检查网络和服务器地址".into()
        }
        SyncError::Untrusted(_) => {
            "服务器的证书不受信任（与注册时的证书不符，或不是公认机构签发的）：可能连到了别的服务器。请先不要继续，联系街道确认；换过证书的，用新的注册二维码重新注册".into()
        }
        SyncError::Insecure(_) => {
            "服务器地址必须以 https:// 开头（只有本机地址可以用 http://），且不能含用户名、@ 或反斜杠".into()
        }
        SyncError::Server(429) => "尝试次数太多，请一分钟后再试".into(),
        SyncError::Server(s) => format!("服务器出错（{s}），稍后会自动重试"),
        SyncError::Unauthorized => "服务器不再认可这台设备，请重新注册（本机数据都还在）".into(),
        SyncError::Refused { status: 401, .. } => {
            "注册码不对、已用过或已过期，请向工作人员要一个新的".into()
        }
        SyncError::Refused { message, .. } => format!("服务器拒绝了请求：{message}"),
        SyncError::Store(_) => "本机数据出错，请联系技术人员".into(),
    }
}

impl From<crate::error::StoreError> for SyncError {
    fn from(e: crate::error::StoreError) -> Self {
        SyncError::Store(e.to_string())
    }
}

/// HTTP client of the sync API.
#[derive(Debug, Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl SyncClient {
    /// A client for `base` (`http://host:8470`) with a per-request timeout.
    pub fn new(base: &str, token: Option<String>, timeout: Duration) -> Self {
        SyncClient {
            http: Self::builder(timeout).build().unwrap_or_default(),
            base: base.trim_end_matches('/').to_owned(),
            token,
        }
    }

    fn builder(timeout: Duration) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
    }

    /// A client that trusts exactly the server key with this SHA-256 fingerprint (32 bytes, see
    /// [`crate::tls_pin`]) instead of the public CAs. Errors: `Untrusted` when the pinned TLS
    /// client cannot be built: never a silent fall-back to the public CAs.
    pub fn pinned(
        base: &str,
        token: Option<String>,
        timeout: Duration,
        pin: [u8; 32],
    ) -> Result<Self, SyncError> {
        let config = crate::tls_pin::pinned_config(pin)
            .map_err(|e| SyncError::Untrusted(format!("pinned TLS: {e}")))?;
        let http = Self::builder(timeout)
            .use_preconfigured_tls(config)
            .build()
            .map_err(|e| SyncError::Untrusted(format!("pinned TLS: {e}")))?;
        Ok(SyncClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// The client of an enrolment: its server, its token, and its pinned key if any. Errors:
    /// `Insecure` for an address a device must not use (an enrolment stored by an older version
    /// with plain `http://` to another host), `Untrusted` for a stored pin that cannot be used.
    pub fn for_enrolment(e: &Enrolment, timeout: Duration) -> Result<Self, SyncError> {
        check_server_url(&e.server_url)?;
        match e.cert_sha256.as_deref() {
            None => Ok(Self::new(&e.server_url, Some(e.token.clone()), timeout)),
            Some(text) => {
                let pin = crate::tls_pin::parse_fingerprint(text).ok_or_else(|| {
                    SyncError::Untrusted(format!("the stored pin {text:?} is not a fingerprint"))
                })?;
                Self::pinned(&e.server_url, Some(e.token.clone()), timeout, pin)
            }
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.map_err(|e| {
            if let Some(why) = certificate_problem(&e) {
                SyncError::Untrusted(why)
            } else if e.is_connect() {
                SyncError::Unreachable(e.to_string())
            } else {
                SyncError::Offline(e.to_string())
            }
        })?;
        let status = resp.status();
        // Anything without our header is not our server (a captive portal, a proxy's page).
        if resp.headers().get(PROTOCOL_HEADER).is_none() {
            return Err(SyncError::Offline(format!(
                "captive portal or proxy (HTTP {status} without {PROTOCOL_HEADER})"
            )));
        }
        if status.is_success() {
            let body = read_capped(resp).await?;
            return serde_json::from_slice(&body)
                .map_err(|e| SyncError::Offline(format!("response cut off: {e}")));
        }
        if status == reqwest::StatusCode::UNAUTHORIZED && self.token.is_some() {
            return Err(SyncError::Unauthorized);
        }
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(SyncError::Server(status.as_u16()));
        }
        let err: kadian_domain::sync::ApiError = read_capped(resp)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(kadian_domain::sync::ApiError {
                code: "refused".into(),
                message: status.to_string(),
            });
        Err(SyncError::Refused {
            status: status.as_u16(),
            code: err.code,
            message: err.message,
        })
    }

    /// `GET /api/v1/health`.
    pub async fn health(&self) -> Result<kadian_domain::sync::Health, SyncError> {
        self.send(self.http.get(format!("{}/api/v1/health", self.base)))
            .await
    }

    /// `POST /api/v1/devices/enrol`.
    pub async fn enrol(
        &self,
        code: &str,
        device_name: &str,
        platform: &str,
    ) -> Result<EnrolResponse, SyncError> {
        let body = EnrolRequest {
            code: code.to_owned(),
            device_name: device_name.to_owned(),
            platform: platform.to_owned(),
        };
        self.send(
            self.http
                .post(format!("{}/api/v1/devices/enrol", self.base))
                .json(&body),
        )
        .await
    }

    /// `POST /api/v1/sync/push`.
    pub async fn push(&self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        self.send(
            self.http
                .post(format!("{}/api/v1/sync/push", self.base))
                .json(req),
        )
        .await
    }

    /// `GET /api/v1/sync/pull`.
    pub async fn pull(&self, cursor: i64, limit: i64) -> Result<PullResponse, SyncError> {
        self.send(self.http.get(format!(
            "{}/api/v1/sync/pull?cursor={cursor}&limit={limit}",
            self.base
        )))
        .await
    }
}

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
        Some(text) => Some(crate::tls_pin::parse_fingerprint(text).ok_or_else(|| {
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
    core.store().set_enrolment(&e)?;
    Ok(e)
}

/// Checks a server address the way the HTTP client will read it (one parser: reqwest's URL):
/// `https://`, or `http://` to this machine only (`127.0.0.0/8`, `::1`, `localhost`: a test, or
/// a server on the same laptop); no user name or password part and no backslash (both can make
/// an address show one host and reach another). Errors: `Insecure`.
pub fn check_server_url(url: &str) -> Result<(), SyncError> {
    let insecure = || SyncError::Insecure(url.to_owned());
    if url.contains('\\') {
        return Err(insecure());
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| insecure())?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(insecure());
    }
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(insecure()),
    }
}

/// A certificate problem among a request error's causes (rustls's `InvalidCertificate`, e.g.
/// an unknown issuer or a key that is not the pinned one), said in words; `None` for any other
/// failure.
fn certificate_problem(e: &reqwest::Error) -> Option<String> {
    fn certificate(e: &rustls::Error) -> Option<String> {
        matches!(
            e,
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
        )
        .then(|| e.to_string())
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(found) = c.downcast_ref::<rustls::Error>().and_then(certificate) {
            return Some(found);
        }
        // An I/O error's own source skips the error it wraps (and the TLS connector wraps
        // rustls's error in two of them): look inside each.
        let mut wrapped = c
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref());
        while let Some(inner) = wrapped {
            if let Some(found) = inner.downcast_ref::<rustls::Error>().and_then(certificate) {
                return Some(found);
            }
            wrapped = inner
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref());
        }
        cause = c.source();
    }
    None
}

/// The server address as people type it: spaces trimmed, a trailing `/` dropped, `https://`
/// added when no scheme was given (`kadian.example.cn`: the operations guide serves HTTPS only;
/// a plain-HTTP server must be typed with `http://`), and a doubled scheme from pasting into a
/// prefilled field (`http://http://…`) undone.
pub fn normalise_server_url(raw: &str) -> String {
    let mut s = raw.trim().trim_end_matches('/').to_owned();
    // The scheme in lower case (`HTTPS://` as typed on a tablet's keyboard with caps on).
    for scheme in ["http://", "https://"] {
        if s.get(..scheme.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
        {
            s = format!("{scheme}{}", &s[scheme.len()..]);
        }
    }
    for scheme in ["http://", "https://"] {
        while let Some(rest) = s.strip_prefix(scheme) {
            if rest.starts_with("http://") || rest.starts_with("https://") {
                s = rest.to_owned();
            } else {
                break;
            }
        }
    }
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        s = format!("https://{s}");
    }
    s
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
}

/// Progress of the running sync round, updated page by page (lock-free: the window reads it
/// while the round holds the store).
#[derive(Debug, Default)]
pub struct RoundProgress {
    syncing: std::sync::atomic::AtomicBool,
    received: std::sync::atomic::AtomicI64,
}

impl RoundProgress {
    /// (a round is running, changes received in it so far).
    pub fn get(&self) -> (bool, i64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.syncing.load(Relaxed), self.received.load(Relaxed))
    }
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
    client.health().await?;
    // Rows the server could not store this time go back to pending; they wait for the next
    // round instead of being pushed again and again in this one.
    let mut attempted = std::collections::HashSet::new();
    loop {
        let batch: Vec<OutboxEntry> = core.store().push_batch(PUSH_BATCH)?;
        let fresh = batch.iter().filter(|e| attempted.insert(e.seq)).count() > 0;
        if !fresh {
            break;
        }
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
    loop {
        let cursor = core.store().pull_cursor()?;
        let page = client.pull(cursor, PULL_PAGE).await?;
        let applied = core.store().apply_pull(&page.changes, page.cursor)?;
        progress.received(applied);
        report.pulled += applied;
        if !page.more {
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
    s.rejected = store
        .rejected()
        .map(|r| r.len() as i64)
        .unwrap_or(s.rejected);
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
