//! Compound staff's volunteer list.

use kadian_device::areas::volunteers::{CompoundChoice, VolunteerEntry};
use kadian_device::AppResult;

use crate::Device;

/// The volunteers of the compounds this laptop keeps.
#[tauri::command]
pub(crate) async fn volunteer_list(
    device: tauri::State<'_, Device>,
) -> AppResult<Vec<VolunteerEntry>> {
    device.run(|c| c.volunteer_list()).await
}

/// The compounds whose volunteers this laptop keeps.
#[tauri::command]
pub(crate) async fn volunteer_compounds(
    device: tauri::State<'_, Device>,
) -> AppResult<Vec<CompoundChoice>> {
    device.run(|c| c.volunteer_compounds()).await
}

/// Adds a volunteer with a PIN, or gives them a new one (hashed before it is stored).
#[tauri::command]
pub(crate) async fn volunteer_save(
    device: tauri::State<'_, Device>,
    compound_id: Option<String>,
    name: String,
    pin: String,
) -> AppResult<VolunteerEntry> {
    device
        .run(move |c| c.volunteer_save(compound_id.as_deref(), &name, &pin))
        .await
}

/// Retires a volunteer, or brings them back.
#[tauri::command]
pub(crate) async fn volunteer_retire(
    device: tauri::State<'_, Device>,
    id: String,
    retired: bool,
) -> AppResult<VolunteerEntry> {
    device.run(move |c| c.volunteer_retire(&id, retired)).await
}
