//! 消杀 (disinfection): the day's board (sites, slots, overdue list), a site added or changed,
//! a disinfection recorded, the 消杀记录表 exported.

use kadian_device::areas::disinfection::{DisinfectionBoard, DisinfectionInput, SiteInput};
use kadian_device::areas::review::ExportResult;
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

#[tauri::command]
pub(crate) async fn disinfection_export(
    device: tauri::State<'_, Device>,
    from: String,
    to: String,
    format: String,
) -> AppResult<ExportResult> {
    let dir = device.export_dir.clone();
    device
        .run(move |c| c.disinfection_export(&from, &to, &format, &dir))
        .await
}

#[tauri::command]
pub(crate) async fn disinfection_gate(
    device: tauri::State<'_, Device>,
) -> AppResult<kadian_device::areas::disinfection::GateDisinfection> {
    device.run(move |c| c.disinfection_gate()).await
}

#[tauri::command]
pub(crate) async fn disinfection_gate_record(
    device: tauri::State<'_, Device>,
    site_id: String,
    agent: String,
    method: String,
) -> AppResult<kadian_device::areas::disinfection::GateDisinfection> {
    device
        .run(move |c| c.disinfection_gate_record(&site_id, &agent, &method))
        .await
}
