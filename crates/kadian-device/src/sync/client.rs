//! The HTTP side of sync: one client per server (reqwest over rustls; a street server's own
//! certificate pinned by its public key), the protocol's four calls, answers read with a cap, and
//! why a call failed ([`SyncError`]). It knows nothing of rounds or of the store's state.

use std::time::Duration;

use kadian_domain::sync::{
    DeviceStatus, EnrolRequest, EnrolResponse, PullResponse, PushRequest, PushResponse,
    PROTOCOL_HEADER,
};

use crate::store::Enrolment;

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
    /// [`SyncSettings::offline_retry`](super::SyncSettings::offline_retry), so a server that comes back is seen within seconds.
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

/// The messages (zh-CN, en) of a failed enrolment at the address `typed`: a server that could
/// not be reached names the address tried, and when `typed` had no `http://` or `https://`,
/// says that `https://` was assumed (a bare `192.168.1.10:8470` is tried as
/// `https://192.168.1.10:8470`).
pub fn enrol_failure_messages(e: &SyncError, typed: &str) -> (String, String) {
    let (zh, en) = (message_zh(e), e.to_string());
    let unreachable = match e {
        SyncError::Offline(s) => !s.contains("captive"),
        SyncError::Unreachable(_) => true,
        _ => false,
    };
    if !unreachable {
        return (zh, en);
    }
    let tried = normalise_server_url(typed);
    let bare = !typed.trim().to_ascii_lowercase().starts_with("http");
    if bare {
        (
            format!("{zh}。地址没有写 http:// 或 https://，已按 {tried} 连接：请照注册二维码或街道给的地址完整填写"),
            format!("{en}. The address had no http:// or https://, so {tried} was tried: type it in full, as the enrolment QR code or the street office gives it"),
        )
    } else {
        (
            format!("{zh}（已尝试 {tried}）"),
            format!("{en} (tried {tried})"),
        )
    }
}

impl From<crate::store::error::StoreError> for SyncError {
    fn from(e: crate::store::error::StoreError) -> Self {
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
        let config = super::tls_pin::pinned_config(pin)
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
                let pin = super::tls_pin::parse_fingerprint(text).ok_or_else(|| {
                    SyncError::Untrusted(format!("the stored pin {text:?} is not a fingerprint"))
                })?;
                Self::pinned(&e.server_url, Some(e.token.clone()), timeout, pin)
            }
        }
    }

    /// A JSON request of the sync protocol: 429 (the server busy) is `Server(429)`, retried
    /// with backoff like a 5xx; see [`Self::exchange`].
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let (_, body) = self.exchange(req, false).await?;
        serde_json::from_slice(&body)
            .map_err(|e| SyncError::Offline(format!("response cut off: {e}")))
    }

    /// A request whose answer is kept whole (the daily report's endpoints): like
    /// [`Self::send`], but a 429 is `Refused` with the server's code and message (`pin_locked`).
    async fn send_kept(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>), SyncError> {
        self.exchange(req, true).await
    }

    /// Sends `req` with the device's token and reads the answer: the headers and body of a
    /// success; `Unauthorized` for a 401 with a token; `Server` for a 5xx (and a 429 unless
    /// `refuse_429`); `Refused` with the server's code and message for any other status; and
    /// `Offline` for an answer without the protocol header (a captive portal, a proxy's page).
    async fn exchange(
        &self,
        req: reqwest::RequestBuilder,
        refuse_429: bool,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>), SyncError> {
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
        let headers = resp.headers().clone();
        if status.is_success() {
            return Ok((headers, read_capped(resp).await?));
        }
        if status == reqwest::StatusCode::UNAUTHORIZED && self.token.is_some() {
            return Err(SyncError::Unauthorized);
        }
        if status.is_server_error()
            || (status == reqwest::StatusCode::TOO_MANY_REQUESTS && !refuse_429)
        {
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

    /// `POST /api/v1/reports/daily/sign`: signs a day's report (street devices only).
    pub async fn sign_daily_report(
        &self,
        req: &kadian_domain::sync::SignReportRequest,
    ) -> Result<kadian_domain::sync::SignReportResponse, SyncError> {
        let (_, body) = self
            .send_kept(
                self.http
                    .post(format!("{}/api/v1/reports/daily/sign", self.base))
                    .json(req),
            )
            .await?;
        serde_json::from_slice(&body)
            .map_err(|e| SyncError::Offline(format!("response cut off: {e}")))
    }

    /// `GET /api/v1/reports/daily.xlsx`: a day's report in the district's template, whether it
    /// is signed, and its community rows.
    pub async fn daily_report_xlsx(
        &self,
        date: &str,
        filled_by: &str,
        phone: &str,
    ) -> Result<(Vec<u8>, bool, u32), SyncError> {
        let (headers, body) = self
            .send_kept(
                self.http
                    .get(format!("{}/api/v1/reports/daily.xlsx", self.base))
                    .query(&[("date", date), ("filled_by", filled_by), ("phone", phone)]),
            )
            .await?;
        let signed = headers
            .get("x-kadian-signed")
            .is_some_and(|v| v.as_bytes() == b"1");
        let rows = headers
            .get("x-kadian-rows")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0);
        Ok((body, signed, rows))
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
        self.pull_reporting(cursor, limit, None).await
    }

    /// `GET /api/v1/sync/pull`, telling the server the device's backlog (`status`).
    pub async fn pull_reporting(
        &self,
        cursor: i64,
        limit: i64,
        status: Option<&DeviceStatus>,
    ) -> Result<PullResponse, SyncError> {
        let report = status.map_or_else(String::new, |s| {
            let oldest = s.oldest_pending.map_or_else(String::new, |at| {
                // `Z`, not `+00:00`: nothing in it to escape in a query string.
                format!(
                    "&oldest_pending={}",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                )
            });
            format!(
                "&pending={}&rejected={}&quarantined={}{oldest}",
                s.pending, s.rejected, s.quarantined
            )
        });
        self.send(self.http.get(format!(
            "{}/api/v1/sync/pull?cursor={cursor}&limit={limit}{report}",
            self.base
        )))
        .await
    }
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

#[cfg(test)]
mod enrol_messages {
    use super::{enrol_failure_messages, SyncError};

    #[test]
    fn an_unreachable_bare_address_says_https_was_assumed_and_a_full_one_which_was_tried() {
        let e = SyncError::Unreachable("connection refused".into());
        let (zh, en) = enrol_failure_messages(&e, "192.168.1.10:8470");
        assert!(zh.contains("已按 https://192.168.1.10:8470 连接"), "{zh}");
        assert!(en.contains("https://192.168.1.10:8470 was tried"), "{en}");
        let (zh, _) = enrol_failure_messages(&e, "https://kadian.example:8443/");
        assert!(
            zh.ends_with("（已尝试 https://kadian.example:8443）"),
            "{zh}"
        );
        // Other failures keep their own message.
        let (zh, _) = enrol_failure_messages(
            &SyncError::Refused {
                status: 401,
                code: "bad_code".into(),
                message: "bad code".into(),
            },
            "192.168.1.10:8470",
        );
        assert!(!zh.contains("https://"), "{zh}");
    }
}
