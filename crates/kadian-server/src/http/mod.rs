//! HTTP API v1 (see `docs/sync-protocol.md`): health, enrolment, push, pull. Every response
//! carries `Kadian-Protocol: 1`; errors are `{"code","message"}` and never show internals.
//!
//! One file per endpoint group: `enrol` (devices), `sync` (push and pull); `serve` runs the
//! router over HTTP or HTTPS with its timeouts; `openapi` documents it.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use kadian_domain::sync::{ApiError, Health, MAX_PUSH_BYTES, PROTOCOL, PROTOCOL_HEADER};
use sha2::{Digest, Sha256};

use crate::db::{Database, Generation};
use crate::rules::Device;

mod enrol;
pub mod openapi;
pub mod report;
mod serve;
mod sync;

use enrol::enrol;
pub use enrol::{normalise_code, random_token};
use serve::only_http1;
pub use serve::{
    serve, serve_tls, serve_with_connections, HEADER_READ_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS,
    REQUEST_TIMEOUT,
};
pub use sync::filter_for;
use sync::{pull, push};

/// Shared state of the router.
#[derive(Clone)]
pub struct AppState {
    db: Arc<dyn Database>,
    enrol_failures: Arc<Mutex<HashMap<IpAddr, VecDeque<Instant>>>>,
    generation: Arc<Mutex<Option<(Instant, Generation)>>>,
    /// Pushes being read or stored, server-wide ([`sync::MAX_PUSHES_IN_FLIGHT`]).
    pushes: Arc<tokio::sync::Semaphore>,
    /// Pushes in flight per device id ([`sync::MAX_PUSHES_PER_DEVICE`]).
    device_pushes: Arc<Mutex<HashMap<String, usize>>>,
    /// 签发人 PIN attempts per device and per 签发人, within [`report::PIN_WINDOW`]; a right
    /// PIN takes its attempt back.
    sign_failures: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
    /// PIN hashes checked at once ([`report::PIN_CHECKS`]).
    pin_checks: Arc<tokio::sync::Semaphore>,
}

/// How long the generation read from the database answers health checks (unauthenticated, so
/// they must not queue on the database for every tablet's round). A restore is done with the
/// server stopped, so a new generation is seen at start anyway.
const GENERATION_FRESH: std::time::Duration = std::time::Duration::from_secs(10);

impl AppState {
    /// State over a database.
    pub fn new(db: Arc<dyn Database>) -> Self {
        AppState {
            db,
            enrol_failures: Arc::new(Mutex::new(HashMap::new())),
            generation: Arc::new(Mutex::new(None)),
            pushes: Arc::new(tokio::sync::Semaphore::new(sync::MAX_PUSHES_IN_FLIGHT)),
            device_pushes: Arc::new(Mutex::new(HashMap::new())),
            sign_failures: Arc::new(Mutex::new(HashMap::new())),
            pin_checks: Arc::new(tokio::sync::Semaphore::new(report::PIN_CHECKS)),
        }
    }

    /// The server's generation, read from the database at most every 10 s.
    async fn generation(&self) -> Result<Generation, crate::db::DbError> {
        {
            let cached = self.generation.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, g)) = cached.as_ref() {
                if at.elapsed() < GENERATION_FRESH {
                    return Ok(g.clone());
                }
            }
        }
        let g = self.db.generation().await?;
        *self.generation.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), g.clone()));
        Ok(g)
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
        .route("/api/v1/reports/daily/sign", post(report::sign))
        .route("/api/v1/reports/daily.xlsx", get(report::xlsx))
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

/// `GET /api/v1/health`: the server answers, with its generation (read from the database at
/// most every 10 s; a database that cannot give it is a 500 `internal`, and devices retry).
async fn health(State(state): State<AppState>) -> Result<Json<Health>, Failure> {
    let generation = state.generation().await.map_err(Failure::internal)?;
    Ok(Json(Health {
        status: "ok".into(),
        protocol: PROTOCOL,
        server_time: Utc::now(),
        generation: Some(generation.id),
        generation_number: Some(generation.number),
    }))
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::http::openapi::document())
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

/// The log target of the audit lines (enrolments, refused codes and tokens, pushes, pulls):
/// `journalctl -u kadian-server | grep kadian_server::audit` answers "what did this tablet do".
pub const AUDIT: &str = "kadian_server::audit";

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
