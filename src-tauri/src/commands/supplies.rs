//! 物资 (supplies): the stock board, a movement recorded; donations listed and recorded; the
//! 物资台账 and 捐赠公示表 exported; the street's allocation plan proposed and approved.

use kadian_device::areas::review::ExportResult;
use kadian_device::areas::supplies::{
    AllocationInput, AllocationPlan, DonationInput, DonationsBoard, MovementInput, SuppliesBoard,
};
use kadian_device::AppResult;

use crate::Device;

#[tauri::command]
pub(crate) async fn supplies_board(device: tauri::State<'_, Device>) -> AppResult<SuppliesBoard> {
    device.run(move |c| c.supplies_board()).await
}

#[tauri::command]
pub(crate) async fn supplies_record(
    device: tauri::State<'_, Device>,
    input: MovementInput,
) -> AppResult<SuppliesBoard> {
    device.run(move |c| c.supplies_record(&input)).await
}

#[tauri::command]
pub(crate) async fn supplies_donations(
    device: tauri::State<'_, Device>,
) -> AppResult<DonationsBoard> {
    device.run(move |c| c.supplies_donations()).await
}

#[tauri::command]
pub(crate) async fn supplies_donation_record(
    device: tauri::State<'_, Device>,
    input: DonationInput,
) -> AppResult<DonationsBoard> {
    device
        .run(move |c| c.supplies_donation_record(&input))
        .await
}

#[tauri::command]
pub(crate) async fn supplies_export(
    device: tauri::State<'_, Device>,
    format: String,
) -> AppResult<ExportResult> {
    let dir = device.export_dir.clone();
    device.run(move |c| c.supplies_export(&format, &dir)).await
}

#[tauri::command]
pub(crate) async fn supplies_donations_export(
    device: tauri::State<'_, Device>,
    format: String,
) -> AppResult<ExportResult> {
    let dir = device.export_dir.clone();
    device
        .run(move |c| c.supplies_donations_export(&format, &dir))
        .await
}

#[tauri::command]
pub(crate) async fn supplies_allocation(
    device: tauri::State<'_, Device>,
    item: String,
    available: i64,
    target_days: u32,
) -> AppResult<AllocationPlan> {
    device
        .run(move |c| c.supplies_allocation(&item, available, target_days))
        .await
}

#[tauri::command]
pub(crate) async fn supplies_allocation_approve(
    device: tauri::State<'_, Device>,
    input: AllocationInput,
) -> AppResult<SuppliesBoard> {
    device
        .run(move |c| c.supplies_allocation_approve(&input))
        .await
}
