//! The gate: temperature, visitor form, search, registration, re-measure, today, void.

use kadian_device::areas::gate::{
    check_temperature, PersonCard, ReadingResult, Registered, TemperatureCheck, Today, TodayFilter,
    TravelInput, VisitorInput,
};
use kadian_device::{AppResult, NoticeView};

use crate::Device;

#[tauri::command]
pub(crate) async fn gate_check_temperature(temperature: String) -> AppResult<TemperatureCheck> {
    check_temperature(&temperature)
}

#[tauri::command]
pub(crate) async fn gate_check_visitor(
    device: tauri::State<'_, Device>,
    visitor: VisitorInput,
) -> AppResult<Vec<NoticeView>> {
    device.run(move |c| c.check_visitor(&visitor)).await
}

#[tauri::command]
pub(crate) async fn gate_search(
    device: tauri::State<'_, Device>,
    query: String,
) -> AppResult<Vec<PersonCard>> {
    device.run(move |c| c.search(&query)).await
}

#[tauri::command]
pub(crate) async fn gate_register(
    device: tauri::State<'_, Device>,
    person_id: String,
    direction: String,
    temperature: String,
    travel: Option<TravelInput>,
) -> AppResult<Registered> {
    device
        .run(move |c| c.register_passage(&person_id, &direction, &temperature, travel.as_ref()))
        .await
}

#[tauri::command]
pub(crate) async fn gate_register_visitor(
    device: tauri::State<'_, Device>,
    visitor: VisitorInput,
) -> AppResult<Registered> {
    device.run(move |c| c.register_visitor(&visitor)).await
}

#[tauri::command]
pub(crate) async fn gate_remeasure(
    device: tauri::State<'_, Device>,
    reading_id: String,
    temperature: String,
) -> AppResult<ReadingResult> {
    device
        .run(move |c| c.remeasure(&reading_id, &temperature))
        .await
}

#[tauri::command]
pub(crate) async fn gate_today(
    device: tauri::State<'_, Device>,
    filter: TodayFilter,
) -> AppResult<Today> {
    device.run(move |c| c.today(&filter)).await
}

#[tauri::command]
pub(crate) async fn gate_void(
    device: tauri::State<'_, Device>,
    passage_id: String,
    reason: String,
) -> AppResult<()> {
    device
        .run(move |c| c.void_passage(&passage_id, &reason))
        .await
}
