//! The dashboard (概况): a unit's figures of a day, the level below and the 14-day trend.

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
