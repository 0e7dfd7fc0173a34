//! The dashboard (概况): a unit's figures of a day, the level below and the 14-day trend.

use kadian_device::areas::dashboard::{Dashboard, DashboardQuery};
use kadian_device::AppResult;

use crate::Device;

#[tauri::command]
pub(crate) async fn dashboard_show(
    device: tauri::State<'_, Device>,
    query: DashboardQuery,
) -> AppResult<Dashboard> {
    device.run(move |c| c.dashboard(&query)).await
}
