//! Exports of the lists to .xlsx and .csv.

use kadian_device::areas::review::{DayRange, ExportKind, ExportResult};
use kadian_device::AppResult;

use crate::Device;

#[tauri::command]
pub(crate) async fn export_list(
    device: tauri::State<'_, Device>,
    kind: ExportKind,
    range: Option<DayRange>,
    format: String,
) -> AppResult<ExportResult> {
    let dir = device.export_dir.clone();
    device
        .run(move |c| c.export(kind, range.as_ref(), &format, &dir))
        .await
}
