//! 排查 (screening): each compound's coverage of a day, the households to knock on, a household's
//! page.

use kadian_device::areas::screening::{CoverageQuery, CoverageView, HouseholdPage, ScreeningInput};
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
