//! `POST /api/v1/devices/enrol`: a one-time code becomes a device with a token, its role and
//! scope; failures are limited per address.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::{json_body, read_body, secret_hash, AppState, Failure, AUDIT};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use kadian_domain::sync::{EnrolRequest, EnrolResponse};

/// Enrolment failures allowed per address per minute before 429.
const ENROL_FAILURES_PER_MINUTE: usize = 10;

/// Largest enrolment request (a code, a device name, a platform).
const MAX_ENROL_BYTES: usize = 16 * 1024;

pub(super) async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<EnrolResponse>), Failure> {
    // The body first (at most 16 KiB, within the request timeout): a request still being sent
    // holds no attempt, so slow senders cannot fill an address's allowance and lock out the
    // devices behind it.
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
                    street_name: state.db.street().await.ok().flatten().map(|(_, name)| name),
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
