//! The street's daily report (日报) on the server, from a street laptop: signed (签发) by a
//! 签发人 with their PIN, and downloaded in the district's template with the server's numbers
//! (`POST /api/v1/reports/daily/sign`, `GET /api/v1/reports/daily.xlsx`). Both need the server:
//! the laptop's own draft (`AppCore::dashboard_export`) is what works offline.

use std::path::Path;
use std::time::Duration;

use kadian_domain::sync::{Role, SignReportRequest};
use serde::Serialize;
use ts_rs::TS;

use crate::app_error::{AppError, AppResult};
use crate::areas::views::{export_failed, ExportResult};
use crate::core::AppCore;
use crate::local_time::local;
use crate::sync::client::{message_zh, SyncClient, SyncError};

/// How long the report's requests may take: counting a day on the server is not instant.
const REPORT_TIMEOUT: Duration = Duration::from_secs(60);

/// A day's report as signed on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SignedDay {
    /// The China day (`2026-03-01`).
    pub date: String,
    /// 签发人.
    pub signer: String,
    /// When it was signed, China time (`2026-03-01 16:02`).
    pub signed_at: String,
    /// SHA-256 of the report as signed, hex.
    pub hash: String,
}

/// The client of a street laptop. Errors: `not_enrolled`, `street_only`.
fn street_client(core: &AppCore) -> AppResult<SyncClient> {
    let e = core.enrolled()?;
    if e.role != Role::Street {
        return Err(AppError::new(
            "street_only",
            None,
            "日报由街道签发：请在街道的笔记本上操作",
            "The daily report is the street's: sign it on a street laptop",
        ));
    }
    SyncClient::for_enrolment(&e, REPORT_TIMEOUT).map_err(|e| failed(&e))
}

/// A failed request, as the screen says it: the server's own code and message when it refused
/// (its message is `中文 / English`), else why it could not be reached.
fn failed(e: &SyncError) -> AppError {
    match e {
        // A server from before the report's endpoints.
        SyncError::Refused { status: 404, .. } => AppError::new(
            "server_too_old",
            None,
            "街道服务器的版本较旧，还不能从笔记本签发和下载日报：请先升级服务器，或在服务器上用 kadian-server report sign",
            "The street's server is older and cannot sign or send the report to a laptop: upgrade it, or sign with kadian-server report sign",
        ),
        SyncError::Refused { code, message, .. } => {
            let (zh, en) = message.split_once(" / ").unwrap_or((message, message));
            let field = match code.as_str() {
                "pin_wrong" | "pin_locked" => Some("pin"),
                "invalid_date" | "in_the_future" | "before_cutoff" => Some("date"),
                "invalid_text" if en.starts_with("phone") => Some("phone"),
                "invalid_text" => Some("filled_by"),
                _ => None,
            };
            AppError::new(code, field, zh, en)
        }
        SyncError::Offline(_) | SyncError::Unreachable(_) => AppError::new(
            &e.name(),
            None,
            &format!("签发和下载日报需要连上街道服务器：{}", message_zh(e)),
            &format!("Signing and downloading the report need the street's server: {e}"),
        ),
        _ => AppError::new(&e.name(), None, &message_zh(e), &e.to_string()),
    }
}

/// Signs the day's report on the server for `signer` with `pin` (签发): frozen there, its
/// numbers and their hash kept; what arrives later is the next day's late additions (补报).
/// Errors: `missing_signer` (field `signer`), `pin_format` (field `pin`: 4–6 digits), those of
/// the server (`pin_wrong`, `pin_locked`, `already_signed`, `before_cutoff`, `in_the_future`,
/// `checks_failed`, `street_only`), `offline`.
pub async fn sign_daily_report(
    core: &AppCore,
    date: &str,
    signer: &str,
    pin: &str,
) -> AppResult<SignedDay> {
    let signer = signer.trim();
    if signer.is_empty() || signer.chars().count() > 20 {
        return Err(AppError::new(
            "missing_signer",
            Some("signer"),
            "请填写签发人（最多 20 个字）",
            "Enter who signs (at most 20 characters)",
        ));
    }
    if !(4..=6).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::new(
            "pin_format",
            Some("pin"),
            "密码是 4 到 6 位数字",
            "The PIN is 4 to 6 digits",
        ));
    }
    let client = street_client(core)?;
    let r = client
        .sign_daily_report(&SignReportRequest {
            date: date.trim().to_owned(),
            signer: signer.to_owned(),
            pin: pin.to_owned(),
        })
        .await
        .map_err(|e| failed(&e))?;
    Ok(SignedDay {
        date: r.date,
        signer: r.signer,
        signed_at: local(r.signed_at).format("%Y-%m-%d %H:%M").to_string(),
        hash: r.hash,
    })
}

/// Downloads the day's report from the server in the district's template into `dir`:
/// `日报_<day>_已签发.xlsx` when signed (the file of record), else
/// `日报_<day>_服务器未签发_<now>.xlsx`. Errors: `too_long` / `invalid_text` for 填报人 and
/// 联系电话, those of the server, `offline`, `export_failed`.
pub async fn download_daily_report(
    core: &AppCore,
    date: &str,
    filled_by: &str,
    phone: &str,
    dir: &Path,
) -> AppResult<ExportResult> {
    for (field, v) in [("filled_by", filled_by), ("phone", phone)] {
        if v.trim().chars().count() > 40 || v.chars().any(char::is_control) {
            return Err(AppError::new(
                "invalid_text",
                Some(field),
                "填报人、联系电话最多 40 个字，不能换行",
                "填报人 and 联系电话: at most 40 characters, one line",
            ));
        }
    }
    let client = street_client(core)?;
    let (bytes, signed, rows) = client
        .daily_report_xlsx(date.trim(), filled_by.trim(), phone.trim())
        .await
        .map_err(|e| failed(&e))?;
    let day = date.trim().replace('-', "");
    let file_name = if signed {
        format!("日报_{day}_已签发.xlsx")
    } else {
        format!(
            "日报_{day}_服务器未签发_{}.xlsx",
            local(core.now()).format("%Y%m%d-%H%M%S")
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| export_failed(dir, &e))?;
    let path = dir.join(&file_name);
    // Written beside it and renamed: a failed write leaves an earlier file whole.
    let partial = dir.join(format!("{file_name}.partial"));
    std::fs::write(&partial, &bytes).map_err(|e| export_failed(&partial, &e))?;
    std::fs::rename(&partial, &path).map_err(|e| export_failed(&path, &e))?;
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
        voided_left_out: 0,
        file_name,
        folder: dir.display().to_string(),
    })
}
