//! 消杀 (disinfection): the day's board (sites, slots, overdue list), a site added or changed,
//! a disinfection recorded.

use kadian_device::areas::disinfection::{DisinfectionBoard, DisinfectionInput, SiteInput};
use kadian_device::AppResult;

use crate::Device;

#[tauri::command]
pub(crate) async fn disinfection_board(
    device: tauri::State<'_, Device>,
    day: String,
) -> AppResult<DisinfectionBoard> {
    device.run(move |c| c.disinfection_board(&day)).await
}

#[tauri::command]
pub(crate) async fn disinfection_site_save(
    device: tauri::State<'_, Device>,
    input: SiteInput,
) -> AppResult<DisinfectionBoard> {
    device.run(move |c| c.disinfection_site_save(&input)).await
}

#[tauri::command]
pub(crate) async fn disinfection_record(
    device: tauri::State<'_, Device>,
    input: DisinfectionInput,
) -> AppResult<DisinfectionBoard> {
    device.run(move |c| c.disinfection_record(&input)).await
}
