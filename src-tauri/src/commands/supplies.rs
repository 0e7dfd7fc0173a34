//! 物资 (supplies): the stock board, a movement recorded.

use kadian_device::areas::supplies::{MovementInput, SuppliesBoard};
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
