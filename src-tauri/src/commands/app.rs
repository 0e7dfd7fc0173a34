//! What the app says about itself and its storage.

use kadian_device::AppResult;
use serde::Serialize;
use ts_rs::TS;

use crate::Device;

/// Name and version of the app, for the start screen.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppInfo {
    /// `kadian`.
    pub name: String,
    /// Cargo package version.
    pub version: String,
}

#[tauri::command]
pub(crate) fn app_info() -> AppInfo {
    AppInfo {
        name: "kadian".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

#[tauri::command]
pub(crate) async fn storage_info(
    device: tauri::State<'_, Device>,
) -> AppResult<kadian_device::core::StorageInfo> {
    device.run(|c| Ok(c.storage_info()?)).await
}
