//! The street's daily report (日报) on its server, from a street laptop: signed with a 签发人's
//! PIN, downloaded in the district's template.

use kadian_device::areas::daily_report::SignedDay;
use kadian_device::areas::views::ExportResult;
use kadian_device::AppResult;

use crate::Device;

/// Signs the day's report on the street's server (签发) for a 签发人 with their PIN.
#[tauri::command]
pub(crate) async fn daily_report_sign(
    device: tauri::State<'_, Device>,
    date: String,
    signer: String,
    pin: String,
) -> AppResult<SignedDay> {
    let core = device.core()?;
    kadian_device::areas::daily_report::sign_daily_report(&core, &date, &signer, &pin).await
}

/// Downloads the day's report from the street's server (signed when it is) into the exports
/// folder.
#[tauri::command]
pub(crate) async fn daily_report_download(
    device: tauri::State<'_, Device>,
    date: String,
    filled_by: String,
    phone: String,
) -> AppResult<ExportResult> {
    let core = device.core()?;
    let dir = device.export_dir.clone();
    kadian_device::areas::daily_report::download_daily_report(
        &core, &date, &filled_by, &phone, &dir,
    )
    .await
}
