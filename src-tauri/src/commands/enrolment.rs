//! Enrolment: what this device is enrolled as, and enrolling it with a one-time code.

use std::sync::Arc;

use kadian_device::areas::enrolment::EnrolmentInfo;
use kadian_device::sync::SyncSettings;
use kadian_device::AppCore;
use kadian_device::{AppError, AppResult};

use crate::Device;

#[tauri::command]
pub(crate) async fn device_enrolment(
    device: tauri::State<'_, Device>,
) -> AppResult<Option<EnrolmentInfo>> {
    device.run(AppCore::enrolment_info).await
}

/// Enrols this device with a one-time code (typed, or pasted from the QR code) and starts
/// syncing. Re-enrolling after a revoke keeps every local record and its outbox.
#[tauri::command]
pub(crate) async fn device_enrol(
    device: tauri::State<'_, Device>,
    server_url: String,
    code: String,
    device_name: String,
    cert_sha256: Option<String>,
) -> AppResult<EnrolmentInfo> {
    let core = device.core()?;
    let typed = server_url.clone();
    kadian_device::sync::enrol(
        &core,
        server_url.trim(),
        code.trim(),
        device_name.trim(),
        cert_sha256.as_deref(),
    )
    .await
    .map_err(|e| {
        let field = match e {
            kadian_device::SyncError::Insecure(_) | kadian_device::SyncError::Untrusted(_) => {
                "server"
            }
            _ => "code",
        };
        let (zh, en) = kadian_device::sync::enrol_failure_messages(&e, &typed);
        AppError::new(&e.name(), Some(field), &zh, &en)
    })?;
    restart_sync(&device, &core);
    core.enrolment_info()?.ok_or_else(|| {
        AppError::new(
            "not_enrolled",
            None,
            "注册没有完成",
            "Enrolment did not complete",
        )
    })
}

/// Replaces the sync task (after an enrolment). Called from an async command: already on the
/// runtime the task is spawned on.
pub(crate) fn restart_sync(device: &Device, core: &Arc<AppCore>) {
    let mut slot = device.sync_handle();
    if let Some(old) = slot.take() {
        old.stop();
    }
    *slot = Some(kadian_device::sync::start(
        core.clone(),
        SyncSettings::default(),
    ));
}
