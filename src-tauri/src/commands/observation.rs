//! Home observation on the staff laptop: today's visits, the case list, a case's page, opening a
//! case, recording a visit, changing a case's status, the daily sheet (每日随访表).

use kadian_device::areas::observation::{
    CasePage, DisposeInput, ObservationEntry, OpenCase, ReferralView, TodayVisits, VisitInput,
};
use kadian_device::areas::review::ExportResult;
use kadian_device::AppResult;
use kadian_domain::observation::TransitionKind;

use crate::Device;

/// Today's visits (今日随访), of one staff member with `responsible`.
#[tauri::command]
pub(crate) async fn observation_today(
    device: tauri::State<'_, Device>,
    responsible: Option<String>,
) -> AppResult<TodayVisits> {
    device
        .run(move |c| c.observation_today(responsible.as_deref()))
        .await
}

/// Every case this laptop holds.
#[tauri::command]
pub(crate) async fn observation_list(
    device: tauri::State<'_, Device>,
) -> AppResult<Vec<ObservationEntry>> {
    device.run(|c| c.observation_list()).await
}

/// Opens a case for a person (纳入居家观察).
#[tauri::command]
pub(crate) async fn observation_open(
    device: tauri::State<'_, Device>,
    input: OpenCase,
) -> AppResult<ObservationEntry> {
    device.run(move |c| c.observation_open(&input)).await
}

/// Records today's visit of a case.
#[tauri::command]
pub(crate) async fn observation_visit(
    device: tauri::State<'_, Device>,
    input: VisitInput,
) -> AppResult<ObservationEntry> {
    device.run(move |c| c.observation_visit(&input)).await
}

/// Changes a case's status today (release, refer, …).
#[tauri::command]
pub(crate) async fn observation_transition(
    device: tauri::State<'_, Device>,
    case_id: String,
    kind: TransitionKind,
    reason: String,
) -> AppResult<ObservationEntry> {
    device
        .run(move |c| c.observation_transition(&case_id, kind, &reason))
        .await
}

/// Releases in one step the confirmed cases still due for release today; the names released.
#[tauri::command]
pub(crate) async fn observation_release_due(
    device: tauri::State<'_, Device>,
    case_ids: Vec<String>,
) -> AppResult<Vec<String>> {
    device
        .run(move |c| c.observation_release_due(&case_ids))
        .await
}

/// A case's page: its days, visits and status changes.
#[tauri::command]
pub(crate) async fn observation_case(
    device: tauri::State<'_, Device>,
    case_id: String,
) -> AppResult<CasePage> {
    device.run(move |c| c.observation_case_page(&case_id)).await
}

/// Writes the 居家观察每日随访表 for the China days `from`–`to` to the export folder.
#[tauri::command]
pub(crate) async fn observation_export(
    device: tauri::State<'_, Device>,
    from: String,
    to: String,
    format: String,
) -> AppResult<ExportResult> {
    let dir = device.export_dir.clone();
    device
        .run(move |c| c.observation_export(&from, &to, &format, &dir))
        .await
}

/// The referrals for the emergency response group (waiting first); `open_only` leaves out
/// those with an outcome.
#[tauri::command]
pub(crate) async fn observation_referrals(
    device: tauri::State<'_, Device>,
    open_only: bool,
) -> AppResult<Vec<ReferralView>> {
    device
        .run(move |c| c.observation_referrals(open_only))
        .await
}

/// The group takes a referral.
#[tauri::command]
pub(crate) async fn observation_referral_take(
    device: tauri::State<'_, Device>,
    referral_id: String,
    by: Option<String>,
) -> AppResult<ReferralView> {
    device
        .run(move |c| c.observation_referral_take(&referral_id, by.as_deref()))
        .await
}

/// The group records what became of a referral.
#[tauri::command]
pub(crate) async fn observation_referral_dispose(
    device: tauri::State<'_, Device>,
    input: DisposeInput,
) -> AppResult<ReferralView> {
    device
        .run(move |c| c.observation_referral_dispose(&input))
        .await
}
