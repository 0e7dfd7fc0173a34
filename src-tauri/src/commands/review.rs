//! The review desk: lists over a date range, returnees, a person's page and the reveal of masked values.

use kadian_device::areas::review::{
    DayRange, PersonPage, ReadingView, Revealed, ReviewList, TravelView,
};
use kadian_device::areas::views::PassageView;
use kadian_device::AppCore;
use kadian_device::AppResult;

use crate::Device;

#[tauri::command]
pub(crate) async fn review_passages(
    device: tauri::State<'_, Device>,
    range: DayRange,
) -> AppResult<ReviewList<PassageView>> {
    device.run(move |c| c.review_passages(&range)).await
}

#[tauri::command]
pub(crate) async fn review_readings(
    device: tauri::State<'_, Device>,
    range: DayRange,
) -> AppResult<ReviewList<ReadingView>> {
    device.run(move |c| c.review_readings(&range)).await
}

#[tauri::command]
pub(crate) async fn review_travels(
    device: tauri::State<'_, Device>,
    range: DayRange,
) -> AppResult<ReviewList<TravelView>> {
    device.run(move |c| c.review_travels(&range)).await
}

#[tauri::command]
pub(crate) async fn review_returnees(
    device: tauri::State<'_, Device>,
) -> AppResult<Vec<TravelView>> {
    device.run(AppCore::returnees).await
}

#[tauri::command]
pub(crate) async fn review_person(
    device: tauri::State<'_, Device>,
    person_id: String,
) -> AppResult<PersonPage> {
    device.run(move |c| c.person_page(&person_id)).await
}

/// A person's full document number and phone (compound, community and street staff only).
#[tauri::command]
pub(crate) async fn review_person_reveal(
    device: tauri::State<'_, Device>,
    person_id: String,
) -> AppResult<Revealed> {
    device.run(move |c| c.person_reveal(&person_id)).await
}
