//! The daily report (日报) for the street's laptops: signing it with a 签发人's PIN
//! (`POST /api/v1/reports/daily/sign`) and the day's report as .xlsx in the district's template
//! (`GET /api/v1/reports/daily.xlsx`), the same numbers as `kadian-server report daily`. Street
//! devices only.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use kadian_domain::sync::{Role, SignReportRequest, SignReportResponse};
use kadian_domain::FeverThreshold;
use serde::Deserialize;

use super::{authenticate, json_body, read_body, AppState, Failure, AUDIT};
use crate::report::SignRefusal;
use crate::rules::Device;

/// Wrong PINs a 签发人 may have in [`PIN_WINDOW`] before signing in their name is locked until
/// the oldest ages out: a lost laptop cannot try the 10⁴–10⁶ PINs.
pub const MAX_WRONG_PINS: usize = 5;
/// The window of [`MAX_WRONG_PINS`].
pub const PIN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Largest sign request body, bytes.
const MAX_SIGN_BYTES: usize = 4 * 1024;
/// PIN hashes checked at once, server-wide.
pub const PIN_CHECKS: usize = 2;
/// The prefix of a device's own count of attempts (not a name anyone can type).
const DEVICE_COUNT: &str = "\u{0}device ";

/// A hash to check the PINs of unknown names against, made once (on a blocking thread, where it
/// is called): their answer takes as long.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| kadian_domain::records::volunteer::hash_pin("000000").unwrap_or_default())
}

fn street_only(device: &Device) -> Result<(), Failure> {
    if device.role == Role::Street {
        Ok(())
    } else {
        Err(Failure::new(
            StatusCode::FORBIDDEN,
            "street_only",
            "日报由街道签发和导出，请在街道的笔记本上操作 / the daily report is the street's: sign and export it from a street laptop",
        ))
    }
}

fn day(text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2020..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                "invalid_date",
                "日期应写作 2026-03-01 / write the date as 2026-03-01",
            )
        })
}

/// `POST /api/v1/reports/daily/sign`: the day's report signed (frozen) for `signer`, whose PIN
/// matches. Errors: `street_only` 403, `invalid_date` 400, `pin_wrong` 403 (also for a name that
/// is no 签发人), `pin_locked` 429, `already_signed` 409, `before_cutoff` 409, `in_the_future`
/// 422, `checks_failed` 422 (the message lists them).
pub(super) async fn sign(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<SignReportResponse>, Failure> {
    let device = authenticate(&state, &headers, peer).await?;
    street_only(&device)?;
    let req: SignReportRequest = json_body(&read_body(body, MAX_SIGN_BYTES).await?)?;
    let date = day(&req.date)?;
    let signer = req.signer.trim().to_owned();
    let refused_pin = || {
        Failure::new(
            StatusCode::FORBIDDEN,
            "pin_wrong",
            "签发人或密码不对 / wrong signer or PIN",
        )
    };
    if signer.is_empty() || signer.chars().count() > 20 || signer.chars().any(char::is_control) {
        return Err(refused_pin());
    }
    let hash = state
        .db
        .signer_pin(&signer)
        .await
        .map_err(Failure::internal)?;
    // Two counts: the device's (whatever the name: from one laptop, five wrong PINs and it
    // waits, so it cannot tell a 签发人's name from any other by which answer comes first) and
    // the 签发人's (across laptops). A name that is no 签发人 is checked against a hash too: the
    // answer's time does not tell either.
    let mut keys = vec![format!("{DEVICE_COUNT}{}", device.id)];
    if hash.is_some() {
        keys.push(signer.clone());
    }
    // The attempt is counted before its PIN is checked, under the lock: parallel attempts
    // cannot get past MAX_WRONG_PINS; a right PIN takes its attempt back.
    let attempt = {
        let mut failures = state
            .sign_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        failures.retain(|_, v: &mut VecDeque<Instant>| {
            v.retain(|t| now.duration_since(*t) < PIN_WINDOW);
            !v.is_empty()
        });
        let oldest_full = keys
            .iter()
            .filter_map(|k| failures.get(k))
            .filter(|tries| tries.len() >= MAX_WRONG_PINS)
            .map(|tries| tries[0])
            .max();
        if let Some(oldest) = oldest_full {
            let wait = PIN_WINDOW.saturating_sub(now.duration_since(oldest));
            let minutes = wait.as_secs().div_ceil(60).max(1);
            return Err(Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "pin_locked",
                format!("密码错误次数太多，请 {minutes} 分钟后再试 / too many wrong PINs: try again in {minutes} min"),
            ));
        }
        for k in &keys {
            failures.entry(k.clone()).or_default().push_back(now);
        }
        now
    };
    // At most PIN_CHECKS hashes at once, server-wide (each takes about 19 MiB); the turn is
    // held until the hash is done, even if the request is dropped.
    let turn = state
        .pin_checks
        .clone()
        .acquire_owned()
        .await
        .map_err(Failure::internal)?;
    let pin = req.pin;
    let matches = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        match &hash {
            Some(h) => kadian_domain::records::volunteer::verify_pin(h, &pin),
            None => {
                let _ = kadian_domain::records::volunteer::verify_pin(dummy_hash(), &pin);
                false
            }
        }
    })
    .await
    .map_err(Failure::internal)?;
    if !matches {
        tracing::warn!(target: AUDIT, device = %device.id, signer = %signer, client = %peer.ip(), "daily report: wrong signer or PIN");
        return Err(refused_pin());
    }
    {
        let mut failures = state
            .sign_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for k in &keys {
            if let Some(tries) = failures.get_mut(k) {
                if let Some(i) = tries.iter().position(|t| *t == attempt) {
                    tries.remove(i);
                }
            }
        }
    }
    let refused = |status, code, message: String| Failure::new(status, code, message);
    match crate::report::sign(&*state.db, date, street_fever(&state).await, &signer)
        .await
        .map_err(Failure::internal)?
    {
        Ok(report) => {
            let s = report
                .signed
                .ok_or_else(|| Failure::internal("signed without a signature"))?;
            tracing::info!(target: AUDIT, device = %device.id, signer = %s.signer, date = %date, hash = %s.hash, "daily report signed");
            Ok(Json(SignReportResponse {
                date: date.to_string(),
                signer: s.signer,
                signed_at: s.signed_at,
                hash: s.hash,
            }))
        }
        Err(SignRefusal::AlreadySigned(s)) => Err(refused(
            StatusCode::CONFLICT,
            "already_signed",
            format!(
                "{date} 的日报已由 {} 于 {} 签发，不再签发；之后到达的记录列入次日补报 / signed by {} at {} (China time) already",
                s.signer,
                crate::china_time::china_minute(s.signed_at),
                s.signer,
                crate::china_time::china_minute(s.signed_at)
            ),
        )),
        Err(SignRefusal::BeforeCutoff(at)) => Err(refused(
            StatusCode::CONFLICT,
            "before_cutoff",
            format!(
                "今天的日报 {} 起签发 / today's report is signed from {} (China time)",
                at.format("%H:%M"),
                at.format("%H:%M")
            ),
        )),
        Err(SignRefusal::InTheFuture) => Err(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "in_the_future",
            format!("{date} 还没到 / {date} has not begun in China"),
        )),
        Err(SignRefusal::ChecksFail(failures)) => Err(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "checks_failed",
            // All the Chinese first, then the English: devices split the two at " / ".
            format!(
                "核对未通过，未签发：{} / checks failed, not signed: {}",
                failures
                    .iter()
                    .map(|f| format!("{}：{}", f.unit, f.message))
                    .collect::<Vec<_>>()
                    .join("；"),
                failures
                    .iter()
                    .map(|f| format!("{}: {}", f.unit, f.message_en))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )),
    }
}

/// `GET /api/v1/reports/daily.xlsx` query.
#[derive(Debug, Deserialize)]
pub(super) struct ReportQuery {
    date: String,
    #[serde(default)]
    filled_by: String,
    #[serde(default)]
    phone: String,
}

/// `GET /api/v1/reports/daily.xlsx?date=D&filled_by=&phone=`: the day's report in the district's
/// template, as signed when it is (`x-kadian-signed: 1`, 签发人 filled in), else as counted
/// now; `x-kadian-rows`: its community rows. Errors: `street_only` 403, `invalid_date` 400, `invalid_text` 400 (填报人 or 联系电话 over
/// 40 characters or with a control character).
pub(super) async fn xlsx(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Result<Response, Failure> {
    let device = authenticate(&state, &headers, peer).await?;
    street_only(&device)?;
    let date = day(&q.date)?;
    for (v, zh, en) in [
        (&q.filled_by, "填报人", "filled_by"),
        (&q.phone, "联系电话", "phone"),
    ] {
        if v.chars().count() > 40 || v.chars().any(char::is_control) {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "invalid_text",
                format!("{zh}最多 40 个字，不能换行 / {en}: at most 40 characters, one line"),
            ));
        }
    }
    let report = crate::report::daily(&*state.db, date, street_fever(&state).await)
        .await
        .map_err(Failure::internal)?;
    let signed = report.signed.is_some();
    let rows = report.rows.len();
    let sheet = crate::report::daily_sheet(&report, q.filled_by.trim(), q.phone.trim());
    let bytes =
        kadian_registers::daily_report::daily_report_bytes(&sheet).map_err(Failure::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (
                header::HeaderName::from_static("x-kadian-signed"),
                HeaderValue::from_static(if signed { "1" } else { "0" }),
            ),
            (
                header::HeaderName::from_static("x-kadian-rows"),
                HeaderValue::from(rows),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The street's fever threshold (its observation policy's; 37.3 °C when never set or not
/// readable), the one its laptops count with.
async fn street_fever(state: &AppState) -> FeverThreshold {
    state
        .db
        .observation_setting()
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
        .policy
        .fever
}
