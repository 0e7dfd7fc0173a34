//! 排查 (screening): each compound's coverage of a day, the households to knock on, a household's
//! page.

use kadian_device::areas::review::ExportResult;
use kadian_device::areas::screening::duplicates::{DuplicateDecision, DuplicateReview};
use kadian_device::areas::screening::{
    CoverageQuery, CoverageView, HouseholdPage, HouseholdVisitInput, KeyAreaDay, KeyAreaInput,
    KeyAreaView, NeedRow, ScreeningInput,
};
use kadian_device::AppResult;

use crate::Device;

#[tauri::command]
pub(crate) async fn screening_coverage(
    device: tauri::State<'_, Device>,
    query: CoverageQuery,
) -> AppResult<CoverageView> {
    device.run(move |c| c.screening_coverage(&query)).await
}

#[tauri::command]
pub(crate) async fn screening_household(
    device: tauri::State<'_, Device>,
    id: String,
    date: String,
) -> AppResult<HouseholdPage> {
    device.run(move |c| c.screening_household(&id, &date)).await
}

#[tauri::command]
pub(crate) async fn screening_record(
    device: tauri::State<'_, Device>,
    input: ScreeningInput,
) -> AppResult<HouseholdPage> {
    device.run(move |c| c.screening_record(&input)).await
}

#[tauri::command]
pub(crate) async fn screening_key_areas(
    device: tauri::State<'_, Device>,
    date: String,
) -> AppResult<Vec<KeyAreaView>> {
    device.run(move |c| c.key_areas(&date)).await
}

#[tauri::command]
pub(crate) async fn screening_key_area_day(
    device: tauri::State<'_, Device>,
    id: String,
    date: String,
) -> AppResult<KeyAreaDay> {
    device.run(move |c| c.key_area_day(&id, &date)).await
}

#[tauri::command]
pub(crate) async fn screening_key_area_declare(
    device: tauri::State<'_, Device>,
    input: KeyAreaInput,
) -> AppResult<KeyAreaView> {
    device.run(move |c| c.key_area_declare(&input)).await
}

#[tauri::command]
pub(crate) async fn screening_key_area_change(
    device: tauri::State<'_, Device>,
    id: String,
    kind: String,
    review: Option<String>,
    reason: String,
) -> AppResult<KeyAreaView> {
    device
        .run(move |c| c.key_area_change(&id, &kind, review.as_deref(), &reason))
        .await
}

#[tauri::command]
pub(crate) async fn screening_household_visit(
    device: tauri::State<'_, Device>,
    input: HouseholdVisitInput,
) -> AppResult<()> {
    device.run(move |c| c.household_visit_record(&input)).await
}

/// Writes the 排查登记表 of a China day (one compound, or every compound held here) to the
/// export folder.
#[tauri::command]
pub(crate) async fn screening_export(
    device: tauri::State<'_, Device>,
    date: String,
    compound: Option<String>,
    format: String,
) -> AppResult<ExportResult> {
    let dir = device.export_dir.clone();
    device
        .run(move |c| c.screening_export(&date, compound.as_deref(), &format, &dir))
        .await
}

/// Writes a key area's 重点区域入户随访表 of a China day to the export folder.
#[tauri::command]
pub(crate) async fn screening_key_area_export(
    device: tauri::State<'_, Device>,
    id: String,
    date: String,
    format: String,
) -> AppResult<ExportResult> {
    let dir = device.export_dir.clone();
    device
        .run(move |c| c.key_area_export(&id, &date, &format, &dir))
        .await
}

/// The duplicate review (查重): pairs of person records that may be one person, and those
/// answered.
#[tauri::command]
pub(crate) async fn screening_duplicates(
    device: tauri::State<'_, Device>,
) -> AppResult<DuplicateReview> {
    device.run(move |c| c.duplicate_review()).await
}

/// Staff's word on a pair: one person, two people, or the word before taken back.
#[tauri::command]
pub(crate) async fn screening_duplicate_decide(
    device: tauri::State<'_, Device>,
    decision: DuplicateDecision,
) -> AppResult<DuplicateReview> {
    device.run(move |c| c.duplicate_decide(&decision)).await
}

/// The needs list (生活需求): households whose latest visit of the week reported needs.
#[tauri::command]
pub(crate) async fn screening_needs(
    device: tauri::State<'_, Device>,
    date: String,
) -> AppResult<Vec<NeedRow>> {
    device.run(move |c| c.household_needs(&date)).await
}
