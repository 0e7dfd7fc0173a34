//! HTTP API v1 (see `docs/sync-protocol.md`): health, enrolment, push, pull. Every response
//! carries `Kadian-Protocol: 1`; errors are `{"code","message"}` and never show internals.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use kadian_domain::sync::{
    ApiError, EnrolRequest, EnrolResponse, Health, PullResponse, PushRequest, PushResponse,
    Receipt, ReceiptStatus, Role, CLOCK_SKEW_FLAG_MS, MAX_PUSH_BYTES, MAX_PUSH_RECORDS, PROTOCOL,
    PROTOCOL_HEADER,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::db::{Database, PullFilter, PushMeta};
use crate::logic::{prepare, Device};

/// Enrolment failures allowed per address per minute before 429.
const ENROL_FAILURES_PER_MINUTE: usize = 10;
/// Default pull page.
const DEFAULT_PULL_LIMIT: i64 = 500;
/// Largest pull page. With bodies of at most about 45 KB (the record rules' bounds: a travel
/// declaration of 20 places of 500 characters), one pull holds at most about 45 MB in memory
/// before it is cut to 4 MiB.
const MAX_PULL_LIMIT: i64 = 1000;
/// Largest enrolment request (a code, a device name, a platform).
const MAX_ENROL_BYTES: usize = 16 * 1024;
/// How far back a checkpoint tablet sees events.
const TABLET_EVENT_DAYS: i64 = 14;

/// Shared state of the router.
#[derive(Clone)]
pub struct AppState {
    db: Arc<dyn Database>,
    enrol_failures: Arc<Mutex<HashMap<IpAddr, VecDeque<Instant>>>>,
}

impl AppState {
    /// State over a database.
    pub fn new(db: Arc<dyn Database>) -> Self {
        AppState {
            db,
            enrol_failures: Arc::new(Mutex::new(HashMap::new())),
        }
    }
}

/// A failed request: status, stable code, message.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Failure {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
        }
    }

    fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后重试 / internal server error; try again later",
        )
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ApiError {
                code: self.code.into(),
                message: self.message,
            }),
        )
            .into_response()
    }
}

/// SHA-256 of a secret (token or enrolment code), hex. Only hashes are stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

/// The router, with its limits and layers. Tests serve it on a loopback port with [`serve`].
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/devices/enrol", post(enrol))
        .route("/api/v1/sync/push", post(push))
        .route("/api/v1/sync/pull", get(pull))
        .fallback(|| async { Failure::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .layer(DefaultBodyLimit::max(MAX_PUSH_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::map_response(
            |mut r: Response| async move {
                r.headers_mut()
                    .insert(PROTOCOL_HEADER, HeaderValue::from(PROTOCOL));
                r
            },
        ))
        .layer(axum::middleware::from_fn(only_http1))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// A client has this long to send a request's headers (on a new connection, and on a kept-alive
/// one between requests): a connection that never finishes its request is closed, so a few
/// hundred of them cannot hold every slot.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest a request may take from its headers to the end of the answer (a 4 MiB push over a
/// slow mobile link included); then it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A connection on which nothing is read for this long while the server waits to read (before
/// its first request, between requests, or in the middle of one) is closed: no connection is
/// held for ever by a client that sends nothing.
pub const IDLE_TIMEOUT: Duration = REQUEST_TIMEOUT;

/// Wraps each accepted connection (before TLS, if any) so that a read pending longer than
/// [`IDLE_TIMEOUT`] fails and the connection closes (tokio-io-timeout).
#[derive(Debug, Clone, Copy, Default)]
pub struct IdleTimeout<A>(pub A);

impl<A, I, S> axum_server::accept::Accept<I, S> for IdleTimeout<A>
where
    A: axum_server::accept::Accept<I, S> + Clone + Send + 'static,
    A::Future: Send + 'static,
    A::Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
{
    type Stream = std::pin::Pin<Box<tokio_io_timeout::TimeoutStream<A::Stream>>>;
    type Service = A::Service;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = std::io::Result<(Self::Stream, A::Service)>> + Send>,
    >;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let accepted = self.0.accept(stream, service);
        Box::pin(async move {
            let (stream, service) = accepted.await?;
            let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
            stream.set_read_timeout(Some(IDLE_TIMEOUT));
            // A client that sends requests and never reads the answers is dropped too.
            stream.set_write_timeout(Some(IDLE_TIMEOUT));
            Ok((Box::pin(stream), service))
        })
    }
}

/// The HTTP settings of both listeners (plain and TLS): HTTP/1 only (devices speak it; HTTP/2
/// would bypass the header-read timeout), with [`HEADER_READ_TIMEOUT`].
fn configure<A>(server: &mut axum_server::Server<A>) {
    let builder = server.http_builder();
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    // axum-server detects the version itself, so an HTTP/2 preface is still served: one stream
    // at a time, small headers, and every HTTP/2 request answered 505 before any body is read
    // (`only_http1`).
    builder
        .http2()
        .timer(hyper_util::rt::TokioTimer::new())
        .max_concurrent_streams(1)
        .max_header_list_size(16 * 1024)
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(10));
}

/// Answers any request but HTTP/1.x with 505, before its body is read: devices speak HTTP/1.1,
/// and HTTP/2 would escape the header-read timeout.
async fn only_http1(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if matches!(
        req.version(),
        axum::http::Version::HTTP_10 | axum::http::Version::HTTP_11
    ) {
        next.run(req).await
    } else {
        Failure::new(
            StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            "http_version",
            "请使用 HTTP/1.1 / use HTTP/1.1",
        )
        .into_response()
    }
}

/// Serves the router on a bound listener until the future ends (with peer addresses, which the
/// enrolment rate limit needs), with [`HEADER_READ_TIMEOUT`] and [`IDLE_TIMEOUT`].
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    let mut server = axum_server::from_tcp(listener.into_std()?)
        .acceptor(IdleTimeout(axum_server::accept::DefaultAcceptor::new()));
    configure(&mut server);
    server
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await
}

/// Serves `router` over HTTPS on `addr` with the PEM certificate chain and private key (rustls,
/// TLS 1.2 and 1.3, ring). Returns when `handle` is told to shut down. Errors: unreadable or
/// mismatched PEM files (before anything listens), or the address in use.
pub async fn serve_tls(
    addr: SocketAddr,
    cert: &std::path::Path,
    key: &std::path::Path,
    router: Router,
    handle: axum_server::Handle,
) -> std::io::Result<()> {
    // One process-wide crypto provider; a second install (tests) is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    // HTTP/1.1 only (see `configure`): offer no `h2` in ALPN.
    let mut tls = (*config.get_inner()).clone();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.reload_from_config(std::sync::Arc::new(tls));
    let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
        .acceptor(IdleTimeout(axum_server::accept::DefaultAcceptor::new()));
    let mut server = axum_server::bind(addr).acceptor(acceptor).handle(handle);
    configure(&mut server);
    server
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        protocol: PROTOCOL,
        server_time: Utc::now(),
    })
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

/// Reads a request body of at most `limit` bytes. Errors: 413 `too_large` beyond it, 400 for a
/// body cut off.
async fn read_body(body: axum::body::Body, limit: usize) -> Result<axum::body::Bytes, Failure> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // axum's error for a body over the limit ("length limit exceeded").
        if e.to_string().contains("length limit") {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("请求超过 {limit} 字节 / request larger than {limit} bytes"),
            )
        } else {
            Failure::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("请求不完整 / request cut off: {e}"),
            )
        }
    })
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    if bytes.len() > MAX_PUSH_BYTES {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "请求超过 4 MiB / request larger than 4 MiB",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("请求格式不对 / malformed request: {e}"),
        )
    })
}

async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<EnrolResponse>), Failure> {
    let now_instant = Instant::now();
    {
        let mut failures = state
            .enrol_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // Addresses with no failure in the last minute are forgotten (many IPv6 addresses must
        // not grow the map for ever).
        if failures.len() > 4096 {
            failures.retain(|_, l| {
                l.back()
                    .is_some_and(|t| now_instant.duration_since(*t) <= Duration::from_secs(60))
            });
        }
        let list = failures.entry(peer.ip()).or_default();
        while list
            .front()
            .is_some_and(|t| now_instant.duration_since(*t) > Duration::from_secs(60))
        {
            list.pop_front();
        }
        if list.len() >= ENROL_FAILURES_PER_MINUTE {
            tracing::warn!(
                target: AUDIT,
                client = %peer.ip(),
                "enrolment refused: too many wrong codes from this address (429)"
            );
            return Err(Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "注册码错误次数过多，请一分钟后再试 / too many wrong codes; wait a minute",
            ));
        }
        // The attempt is counted before the code is checked (and given back if it was right),
        // so a burst of parallel requests cannot all pass the check above before any fails.
        list.push_back(now_instant);
    }
    let give_back = || {
        let mut failures = state
            .enrol_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(list) = failures.get_mut(&peer.ip()) {
            if let Some(i) = list.iter().rposition(|t| *t == now_instant) {
                list.remove(i);
            }
        }
    };
    let req: EnrolRequest = json_body(&read_body(body, MAX_ENROL_BYTES).await?)?;
    // A device's name is shown in lists and logged: one line of at most 40 characters.
    for (field, value) in [
        ("device_name", &req.device_name),
        ("platform", &req.platform),
    ] {
        let v = value.trim();
        if v.chars().any(char::is_control) || v.chars().count() > 40 {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                format!(
                    "{field}：最多 40 个字符，不能含换行等控制字符 / at most 40 characters, no control characters"
                ),
            ));
        }
    }
    let token = random_token().map_err(Failure::internal)?;
    let device_id = uuid::Uuid::now_v7().to_string();
    let device = state
        .db
        .enrol(
            &secret_hash(&normalise_code(&req.code)),
            &device_id,
            req.device_name.trim(),
            req.platform.trim(),
            &secret_hash(&token),
            Utc::now(),
        )
        .await
        .map_err(Failure::internal)?;
    match device {
        Some(d) => {
            give_back();
            let place = match state.db.reference().await {
                Ok(r) => r.place_label(&d.scope),
                Err(_) => String::new(),
            };
            tracing::info!(
                target: AUDIT,
                device = %d.id,
                role = d.role.as_str(),
                name = ?d.name,
                place = %place,
                client = %peer.ip(),
                "device enrolled"
            );
            Ok((
                StatusCode::CREATED,
                Json(EnrolResponse {
                    device_id: d.id,
                    token,
                    role: d.role,
                    scope: d.scope,
                }),
            ))
        }
        None => {
            tracing::info!(
                target: AUDIT,
                client = %peer.ip(),
                "enrolment refused: the code is wrong, used or expired"
            );
            Err(Failure::new(
                StatusCode::UNAUTHORIZED,
                "enrol_code_invalid",
                "注册码错误、已使用或已过期 / the code is wrong, used or expired",
            ))
        }
    }
}

/// The log target of the audit lines (enrolments, refused codes and tokens, pushes, pulls):
/// `journalctl -u kadian-server | grep kadian_server::audit` answers "what did this tablet do".
pub const AUDIT: &str = "kadian_server::audit";

/// Enrolment codes are typed by people: case and dashes do not matter.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A new bearer token: 32 random bytes, hex.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)?;
    Ok(hex::encode(b))
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<Device, Failure> {
    let unauthorized = || {
        tracing::info!(
            target: AUDIT,
            client = %peer.ip(),
            "request refused: no token, or a token of no enrolled device (revoked?)"
        );
        Failure::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "设备未注册或已被停用，请重新注册 / device unknown or revoked; enrol again",
        )
    };
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(unauthorized)?;
    let device = state
        .db
        .device_by_token(&secret_hash(token), Utc::now())
        .await
        .map_err(Failure::internal)?;
    match device {
        Some(d) if !d.revoked => Ok(d),
        _ => Err(unauthorized()),
    }
}

async fn push(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<PushResponse>, Failure> {
    // The token first: a body is read only for an enrolled device.
    let device = authenticate(&state, &headers, peer).await?;
    let req: PushRequest = json_body(&read_body(body, MAX_PUSH_BYTES).await?)?;
    if req.records.len() > MAX_PUSH_RECORDS {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_records",
            format!(
                "一次最多 {MAX_PUSH_RECORDS} 条记录 / at most {MAX_PUSH_RECORDS} records a request"
            ),
        ));
    }
    let received_at = Utc::now();
    let skew = (req.device_time - received_at).num_milliseconds();
    let reference = Arc::new(state.db.reference().await.map_err(Failure::internal)?);
    let prepared = req
        .records
        .iter()
        .map(|r| {
            prepare(r, &device, &reference).map_err(|error| Receipt {
                id: r.id.clone(),
                status: ReceiptStatus::Rejected,
                server_seq: None,
                version: None,
                error: Some(error),
            })
        })
        .collect();
    let meta = PushMeta {
        device_id: device.id.clone(),
        device_time: req.device_time,
        received_at,
        clock_flagged: skew.abs() > CLOCK_SKEW_FLAG_MS,
    };
    let receipts = state
        .db
        .store(&meta, &device, reference, prepared)
        .await
        .map_err(Failure::internal)?;
    let count = |s: ReceiptStatus| receipts.iter().filter(|r| r.status == s).count();
    tracing::info!(
        target: AUDIT,
        device = %device.id,
        client = %peer.ip(),
        records = receipts.len(),
        accepted = count(ReceiptStatus::Accepted),
        duplicate = count(ReceiptStatus::Duplicate),
        conflict = count(ReceiptStatus::Conflict),
        rejected = count(ReceiptStatus::Rejected),
        clock_skew_ms = skew,
        "push"
    );
    Ok(Json(PushResponse {
        receipts,
        server_time: Utc::now(),
        clock_skew_ms: skew,
    }))
}

/// Query of a pull.
#[derive(Debug, Deserialize)]
pub struct PullQuery {
    /// Changes after this server sequence (0: from the start).
    pub cursor: Option<i64>,
    /// Page size (default 500, at most 5000).
    pub limit: Option<i64>,
}

/// What a device may pull.
pub fn filter_for(device: &Device) -> PullFilter {
    match device.role {
        Role::Street => PullFilter {
            community: None,
            compound: None,
            events_since: None,
            device_id: device.id.clone(),
        },
        Role::Community => PullFilter {
            community: device.scope.community.clone(),
            compound: None,
            events_since: None,
            device_id: device.id.clone(),
        },
        Role::Compound => PullFilter {
            community: device.scope.community.clone(),
            compound: device.scope.compound.clone(),
            events_since: None,
            device_id: device.id.clone(),
        },
        Role::Volunteer => PullFilter {
            community: device.scope.community.clone(),
            compound: device.scope.compound.clone(),
            events_since: Some(Utc::now() - chrono::Duration::days(TABLET_EVENT_DAYS)),
            device_id: device.id.clone(),
        },
    }
}

async fn pull(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse>, Failure> {
    let device = authenticate(&state, &headers, peer).await?;
    let limit = q
        .limit
        .unwrap_or(DEFAULT_PULL_LIMIT)
        .clamp(1, MAX_PULL_LIMIT);
    let (changes, cursor, more) = state
        .db
        .pull(&filter_for(&device), q.cursor.unwrap_or(0).max(0), limit)
        .await
        .map_err(Failure::internal)?;
    tracing::info!(
        target: AUDIT,
        device = %device.id,
        client = %peer.ip(),
        from = q.cursor.unwrap_or(0),
        to = cursor,
        changes = changes.len(),
        more,
        "pull"
    );
    Ok(Json(PullResponse {
        changes,
        cursor,
        more,
    }))
}
