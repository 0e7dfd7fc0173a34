//! The dashboard (概况): a unit's figures of a day, the level below and the 14-day trend; the
//! street's daily report signed and downloaded from its server.

use kadian_device::areas::daily_report::SignedDay;
use kadian_device::areas::dashboard::{Dashboard, DashboardQuery};
use kadian_device::areas::views::ExportResult;
use kadian_device::AppResult;

use crate::Device;

#[tauri::command]
pub(crate) async fn dashboard_show(
    device: tauri::State<'_, Device>,
    query: DashboardQuery,
) -> AppResult<Dashboard> {
    device.run(move |c| c.dashboard(&query)).await
}

#[tauri::command]
pub(crate) async fn dashboard_export(
    device: tauri::State<'_, Device>,
    query: DashboardQuery,
    filled_by: String,
    phone: String,
) -> AppResult<ExportResult> {
    let dir = device.export_dir.clone();
    device
        .run(move |c| c.dashboard_export(&query, &filled_by, &phone, &dir))
        .await
}

/// Signs the day's report on the street's server (签发) for a 签发人 with their PIN.
#[tauri::command]
pub(crate) async fn report_sign(
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
pub(crate) async fn report_download(
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
