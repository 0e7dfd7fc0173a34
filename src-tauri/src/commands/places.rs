//! The place tree of the travel declaration.

use kadian_device::places::PlaceNode;
use kadian_device::{AppError, AppResult};

/// The province → city → district tree of the travel declaration (bundled; works offline).
#[tauri::command]
pub(crate) async fn places_tree() -> AppResult<Vec<PlaceNode>> {
    tauri::async_runtime::spawn_blocking(|| kadian_device::places::place_tree().to_vec())
        .await
        .map_err(|e| AppError::new("internal", None, "应用内部出错", &e.to_string()))
}
