//! 导入名册: preview a register file, then store it.

use kadian_device::areas::register_import::{ImportCommitted, ImportPreview};
use kadian_device::AppResult;

use crate::Device;

/// 导入名册, step 1: the file's bytes as the raw request body (no JSON: a roster can be 12 MB),
/// its name in the `x-file-name` header (percent-encoded), the kind in `x-register-kind`
/// (`residents`, `returnees`, `gate_log` or `auto`). Returns the report; nothing is stored.
#[tauri::command]
pub(crate) async fn import_preview(
    device: tauri::State<'_, Device>,
    request: tauri::ipc::Request<'_>,
) -> AppResult<ImportPreview> {
    let (bytes, header) = super::raw_file(&request)?;
    let (name, kind) = (
        header("x-file-name").unwrap_or_else(|| "register.xlsx".into()),
        header("x-register-kind"),
    );
    device
        .run(move |c| c.import_preview(&name, &bytes, kind.as_deref()))
        .await
}

/// 导入名册, step 2: stores the previewed register (one transaction; it syncs like any record).
#[tauri::command]
pub(crate) async fn import_commit(
    device: tauri::State<'_, Device>,
    token: String,
) -> AppResult<ImportCommitted> {
    device.run(move |c| c.import_commit(&token)).await
}
