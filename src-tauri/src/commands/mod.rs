//! The commands, one file per area: one-line adapters named `area_verb` over `kadian-device`.

pub mod app;
pub mod daily_report;
pub mod dashboard;
pub mod disinfection;
pub mod enrolment;
pub mod export;
pub mod gate;
pub mod hotline;
pub mod observation;
pub mod places;
pub mod register_import;
pub mod review;
pub mod screening;
pub mod shift;
pub mod supplies;
pub mod sync;
pub mod volunteers;

/// A file sent as the raw request body (no JSON: a roster can be 12 MB): its bytes, and a
/// reader of its percent-encoded headers (`x-file-name`, …). Errors: `invalid_request` when the
/// body is not raw bytes.
pub(crate) fn raw_file<'a>(
    request: &'a tauri::ipc::Request<'_>,
) -> kadian_device::AppResult<(Vec<u8>, impl Fn(&str) -> Option<String> + 'a)> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(kadian_device::AppError::new(
            "invalid_request",
            Some("file"),
            "没有收到文件内容",
            "No file content was sent",
        ));
    };
    let header = move |k: &str| {
        request
            .headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
    };
    Ok((bytes.clone(), header))
}
