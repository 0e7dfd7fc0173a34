//! Exports of the lists to .xlsx and .csv, and showing an export in the file manager.

use std::path::{Path, PathBuf};

use kadian_device::areas::review::{DayRange, ExportKind, ExportResult};
use kadian_device::{AppError, AppResult};

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

/// Shows an export (`file_name`, as [`ExportResult::file_name`] gave it) selected in the system's
/// file manager. Only a file of the export folder can be shown: a bare name, no folder in it.
/// Errors: `export_not_found` (not a file of the export folder), `reveal_failed` (no file
/// manager answered: kiosk sessions, tablets; the page then copies the folder instead).
#[tauri::command]
pub(crate) async fn export_reveal<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    device: tauri::State<'_, Device>,
    file_name: String,
) -> AppResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let path = export_file(&device.export_dir, &file_name).ok_or_else(|| {
        AppError::new(
            "export_not_found",
            None,
            "导出的文件不在导出文件夹里了",
            "The exported file is no longer in the export folder",
        )
    })?;
    app.opener().reveal_item_in_dir(&path).map_err(|e| {
        AppError::new(
            "reveal_failed",
            None,
            &format!("无法打开文件管理器（{e}）"),
            &format!("No file manager could be opened ({e})"),
        )
    })
}

/// `dir/name` when `name` is a bare file name (no folder, not `.`/`..`) of a file in `dir`.
fn export_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let bare = Path::new(name).file_name()? == std::ffi::OsStr::new(name);
    if !bare || name.contains(['/', '\\']) {
        return None;
    }
    let path = dir.join(name);
    path.is_file().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::export_file;

    #[test]
    fn only_a_file_of_the_export_folder_is_shown() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("出入记录.xlsx"), b"x").expect("file");
        std::fs::create_dir(dir.path().join("sub")).expect("dir");
        assert_eq!(
            export_file(dir.path(), "出入记录.xlsx"),
            Some(dir.path().join("出入记录.xlsx"))
        );
        for bad in [
            "",
            ".",
            "..",
            "../出入记录.xlsx",
            "/etc/passwd",
            "sub",
            "sub/../出入记录.xlsx",
            "..\\出入记录.xlsx",
            "missing.xlsx",
        ] {
            assert_eq!(export_file(dir.path(), bad), None, "{bad}");
        }
    }
}
