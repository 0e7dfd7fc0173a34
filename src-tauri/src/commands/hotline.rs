//! 热线举报 (hotline reports): the lists, a report's page, intake with its candidates, the steps
//! on a report, the district's check list taken in, and its 核查反馈表.

use kadian_device::areas::hotline::{
    CandidateQuery, CheckListTaken, HotlineActionInput, HotlineCandidates, HotlineIntake,
    HotlineList, HotlinePage, HotlineQuery,
};
use kadian_device::areas::review::ExportResult;
use kadian_device::{AppError, AppResult};

use crate::Device;

#[tauri::command]
pub(crate) async fn hotline_list(
    device: tauri::State<'_, Device>,
    query: HotlineQuery,
) -> AppResult<HotlineList> {
    device.run(move |c| c.hotline_list(&query)).await
}

#[tauri::command]
pub(crate) async fn hotline_page(
    device: tauri::State<'_, Device>,
    id: String,
) -> AppResult<HotlinePage> {
    device.run(move |c| c.hotline_page(&id)).await
}

#[tauri::command]
pub(crate) async fn hotline_candidates(
    device: tauri::State<'_, Device>,
    query: CandidateQuery,
) -> AppResult<HotlineCandidates> {
    device.run(move |c| c.hotline_candidates(&query)).await
}

#[tauri::command]
pub(crate) async fn hotline_intake(
    device: tauri::State<'_, Device>,
    input: HotlineIntake,
) -> AppResult<HotlinePage> {
    device.run(move |c| c.hotline_intake(&input)).await
}

#[tauri::command]
pub(crate) async fn hotline_act(
    device: tauri::State<'_, Device>,
    input: HotlineActionInput,
) -> AppResult<HotlinePage> {
    device.run(move |c| c.hotline_act(&input)).await
}

/// 导入核查名单: the file as the raw body, its name in `x-file-name` and an optional batch in
/// `x-batch` (both percent-encoded).
#[tauri::command]
pub(crate) async fn hotline_import_check_list(
    device: tauri::State<'_, Device>,
    request: tauri::ipc::Request<'_>,
) -> AppResult<CheckListTaken> {
    let (bytes, header) = super::raw_file(&request)?;
    let name = header("x-file-name").unwrap_or_else(|| "check-list.xlsx".into());
    let batch = match header("x-batch").filter(|b| !b.trim().is_empty()) {
        Some(b) => Some(b.trim().parse::<u32>().map_err(|_| {
            AppError::new(
                "invalid_input",
                Some("batch"),
                "批次应为数字（第 3 批写 3）",
                "The batch is a number (3 for 第3批)",
            )
        })?),
        None => None,
    };
    device
        .run(move |c| c.hotline_import_check_list_bytes(&name, &bytes, batch))
        .await
}

/// Writes a batch's 核查反馈表 to the export folder.
#[tauri::command]
pub(crate) async fn hotline_feedback_export(
    device: tauri::State<'_, Device>,
    batch: u32,
    format: String,
) -> AppResult<ExportResult> {
    let dir = device.export_dir.clone();
    device
        .run(move |c| c.hotline_feedback_export(batch, &format, &dir))
        .await
}
