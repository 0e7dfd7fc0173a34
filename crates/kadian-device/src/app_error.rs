//! The error every screen shows: a stable code, the field it is about, and the message in zh-CN
//! and English, with every finding of a form's rules.

use kadian_domain::Notice;
use serde::Serialize;
use ts_rs::TS;

use crate::store::StoreError;

/// An error the UI shows: a stable code, the field it is about (if any), and the message in
/// zh-CN and English. `notices` lists every problem of a form at once.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct AppError {
    /// Machine-readable code (`not_signed_in`, `pin_wrong`, `invalid_input`, `disk_full`, ...).
    pub code: String,
    /// The form field (`temperature_c`, `name`, `reason`, ...), when the error is about one.
    pub field: Option<String>,
    /// What happened and what to do, in Chinese.
    pub message: String,
    /// The same in English.
    pub message_en: String,
    /// Each problem of the form, errors and warnings.
    pub notices: Vec<NoticeView>,
}

/// A finding of kadian-domain's rules, for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct NoticeView {
    /// Field (`id_number`, `phone`, ...).
    pub field: String,
    /// Code (`id_checksum`, `temperature_out_of_range`, ...).
    pub code: String,
    /// `warning`, `error`, or `info` (said, nothing to decide: a value stored in its normal form).
    pub severity: String,
    /// Chinese message.
    pub message: String,
    /// English message.
    pub message_en: String,
    /// For `normalised`: the value as it will be stored, for the form to show in the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stored: Option<String>,
}

impl From<&Notice> for NoticeView {
    fn from(n: &Notice) -> Self {
        NoticeView {
            field: n.field.as_str().to_owned(),
            code: n.code.clone(),
            severity: if n.is_error() { "error" } else { "warning" }.to_owned(),
            message: n.message.clone(),
            message_en: n.message_en.clone(),
            stored: None,
        }
    }
}

impl AppError {
    /// An error about `field` (or none).
    pub fn new(code: &str, field: Option<&str>, zh: &str, en: &str) -> Self {
        AppError {
            code: code.to_owned(),
            field: field.map(str::to_owned),
            message: zh.to_owned(),
            message_en: en.to_owned(),
            notices: Vec::new(),
        }
    }

    /// A form that did not pass the rules: the first error names the field, all are listed.
    pub fn invalid(notices: Vec<Notice>) -> Self {
        let first = notices.iter().find(|n| n.is_error()).or(notices.first());
        AppError {
            code: "invalid_input".into(),
            field: first.map(|n| n.field.as_str().to_owned()),
            message: first.map_or_else(|| "请检查填写的内容".into(), |n| n.message.clone()),
            message_en: first
                .map_or_else(|| "Please check the form".into(), |n| n.message_en.clone()),
            notices: notices.iter().map(NoticeView::from).collect(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError {
            code: e.code().to_owned(),
            field: None,
            message: e.message_zh(),
            message_en: e.to_string(),
            notices: Vec::new(),
        }
    }
}

/// Result of the app's operations.
pub type AppResult<T> = std::result::Result<T, AppError>;
