//! The volunteer's shift at a tablet.

use kadian_device::areas::shift::Volunteer;
use kadian_device::session::{HandOver, Shift};
use kadian_device::AppCore;
use kadian_device::AppResult;

use crate::Device;

#[tauri::command]
pub(crate) async fn shift_volunteers(
    device: tauri::State<'_, Device>,
) -> AppResult<Vec<Volunteer>> {
    device.run(AppCore::volunteers).await
}

#[tauri::command]
pub(crate) async fn shift_sign_in(
    device: tauri::State<'_, Device>,
    volunteer_id: String,
    pin: String,
) -> AppResult<Shift> {
    device.run(move |c| c.sign_in(&volunteer_id, &pin)).await
}

#[tauri::command]
pub(crate) async fn shift_current(device: tauri::State<'_, Device>) -> AppResult<Option<Shift>> {
    device.run(|c| Ok(c.shift())).await
}

#[tauri::command]
pub(crate) async fn shift_hand_over(device: tauri::State<'_, Device>) -> AppResult<HandOver> {
    device.run(AppCore::hand_over).await
}

#[tauri::command]
pub(crate) async fn shift_sign_out(device: tauri::State<'_, Device>) -> AppResult<HandOver> {
    device.run(AppCore::sign_out).await
}

#[tauri::command]
pub(crate) async fn shift_previous(
    device: tauri::State<'_, Device>,
) -> AppResult<Option<HandOver>> {
    device.run(|c| Ok(c.previous_shift())).await
}
