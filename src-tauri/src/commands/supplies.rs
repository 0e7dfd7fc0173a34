//! 物资 (supplies): the stock board, a movement recorded; donations listed and recorded; the
//! 捐赠台账 taken in; the 物资台账 and 捐赠公示表 exported; the street's allocation plan proposed and approved; the
//! gate's stock, a delivery confirmed with the volunteer's PIN, a shift's use.

use kadian_device::areas::review::ExportResult;
use kadian_device::areas::supplies::{
    AllocationInput, AllocationPlan, DonationInput, DonationsBoard, DonationsTaken, GateSupplies,
    MovementInput, SuppliesBoard,
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

/// 导入捐赠台账: the file as the raw body, its name in `x-file-name` (percent-encoded).
#[tauri::command]
pub(crate) async fn supplies_import_donations(
    device: tauri::State<'_, Device>,
    request: tauri::ipc::Request<'_>,
) -> AppResult<DonationsTaken> {
    let (bytes, header) = super::raw_file(&request)?;
    let name = header("x-file-name").unwrap_or_else(|| "donations.xlsx".into());
    device
        .run(move |c| c.supplies_import_donations_bytes(&name, &bytes))
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

#[tauri::command]
pub(crate) async fn supplies_gate(device: tauri::State<'_, Device>) -> AppResult<GateSupplies> {
    device.run(move |c| c.supplies_gate()).await
}

#[tauri::command]
pub(crate) async fn supplies_gate_confirm(
    device: tauri::State<'_, Device>,
    transfer_id: String,
    quantity: i64,
    pin: String,
) -> AppResult<GateSupplies> {
    device
        .run(move |c| c.supplies_gate_confirm(&transfer_id, quantity, &pin))
        .await
}

#[tauri::command]
pub(crate) async fn supplies_gate_used(
    device: tauri::State<'_, Device>,
    item: String,
    quantity: i64,
) -> AppResult<GateSupplies> {
    device
        .run(move |c| c.supplies_gate_used(&item, quantity))
        .await
}
