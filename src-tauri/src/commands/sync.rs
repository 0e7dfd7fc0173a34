//! The sync bar and its panel: status, sync now, refused records, quarantined changes, conflicts.

use kadian_device::areas::sync_panel::{ConflictView, RejectedView};
use kadian_device::sync::SyncStatus;
use kadian_device::AppCore;
use kadian_device::AppResult;

use crate::Device;

#[tauri::command]
pub(crate) async fn sync_status(device: tauri::State<'_, Device>) -> AppResult<SyncStatus> {
    if let Some(h) = device.sync_handle().as_ref() {
        return Ok(h.status());
    }
    device
        .run(|c| {
            Ok(SyncStatus {
                pending: c.store().pending_count()?,
                pending_entries: c.store().pending_entries()?,
                quarantined: c.store().quarantined_count()?,
                ..SyncStatus::default()
            })
        })
        .await
}

/// Asks the sync task to run now (the sync bar's button).
#[tauri::command]
pub(crate) fn sync_now(device: tauri::State<'_, Device>) {
    if let Some(h) = device.sync_handle().as_ref() {
        h.nudge();
    }
}

#[tauri::command]
pub(crate) async fn sync_rejected(
    device: tauri::State<'_, Device>,
) -> AppResult<Vec<RejectedView>> {
    device.run(AppCore::rejected_records).await
}

#[tauri::command]
pub(crate) async fn sync_quarantined(
    device: tauri::State<'_, Device>,
) -> AppResult<Vec<kadian_device::QuarantinedChange>> {
    device.run(AppCore::quarantined_changes).await
}

#[tauri::command]
pub(crate) async fn sync_requeue(device: tauri::State<'_, Device>, seq: i64) -> AppResult<bool> {
    device.run(move |c| c.requeue(seq)).await
}

#[tauri::command]
pub(crate) async fn sync_conflicts(
    device: tauri::State<'_, Device>,
) -> AppResult<Vec<ConflictView>> {
    device.run(AppCore::conflicts).await
}

/// Settles a sync conflict: keep the stored value, or (`keepLost`) the value not applied.
#[tauri::command]
pub(crate) async fn sync_settle_conflict(
    device: tauri::State<'_, Device>,
    conflict_id: String,
    keep_lost: bool,
) -> AppResult<()> {
    device
        .run(move |c| c.settle_conflict(&conflict_id, keep_lost))
        .await
}
