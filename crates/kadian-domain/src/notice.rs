//! The shape every rule answers in: a value with warnings, or one blocking error, each with a
//! stable code and a message in zh-CN and en.

use serde::{Deserialize, Serialize};

/// Which input field a notice is about, in the names the UI and the import report use
/// (`id_number`, `phone`, `plate`, `name`, `temperature_c`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Person name (姓名).
    Name,
    /// Resident ID number or another document's number (证件号码).
    IdNumber,
    /// Phone number (联系电话).
    Phone,
    /// Licence plate (车牌号).
    Plate,
    /// Temperature reading in °C (体温).
    TemperatureC,
    /// Any date field (birth date, return date, passage time).
    Date,
    /// A volunteer's sign-in PIN (密码, 4–6 digits).
    Pin,
    /// Where a visitor is going (去往).
    Destination,
    /// Purpose of a visit (事由).
    Purpose,
    /// The record as a whole.
    Record,
}

impl Field {
    /// The field's name as it appears in reports and IPC (`id_number`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::IdNumber => "id_number",
            Field::Phone => "phone",
            Field::Plate => "plate",
            Field::TemperatureC => "temperature_c",
            Field::Date => "date",
            Field::Pin => "pin",
            Field::Destination => "destination",
            Field::Purpose => "purpose",
            Field::Record => "record",
        }
    }
}

/// How much a notice stops: a warning lets the value be stored once a person confirms it; an
/// error means the value cannot be stored as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Stored, but a person must look at it (and may have to give a reason).
    Warning,
    /// Not stored; the input must be corrected.
    Error,
}

/// One finding of a rule: which field, a stable machine code (`id_checksum`,
/// `temperature_fahrenheit`, ...), and messages in zh-CN and en.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The field this is about.
    pub field: Field,
    /// Stable code, snake_case; tests and the UI key on it.
    pub code: String,
    /// Warning or error.
    pub severity: Severity,
    /// Message for the user in Simplified Chinese.
    pub message: String,
    /// The same message in English.
    pub message_en: String,
    /// A corrected value the user may accept (for `365`: `36.5`), if the rule has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Notice {
    /// A blocking error.
    pub fn error(field: Field, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(field, code, Severity::Error, zh.into(), en.into())
    }

    /// A warning a person must confirm.
    pub fn warning(field: Field, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(field, code, Severity::Warning, zh.into(), en.into())
    }

    fn new(
        field: Field,
        code: &str,
        severity: Severity,
        message: String,
        message_en: String,
    ) -> Self {
        Self {
            field,
            code: code.to_owned(),
            severity,
            message,
            message_en,
            suggestion: None,
        }
    }

    /// The same notice with a suggested corrected value.
    pub fn with_suggestion(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.field.as_str(),
            self.code,
            self.message_en
        )
    }
}

impl std::error::Error for Notice {}

/// A value that passed a rule, with the warnings a person must still look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked<T> {
    /// The normalised value, ready to store.
    pub value: T,
    /// Warnings (never errors); empty when the input was clean.
    pub warnings: Vec<Notice>,
}

impl<T> Checked<T> {
    /// A clean value with no warnings.
    pub fn ok(value: T) -> Self {
        Self {
            value,
            warnings: Vec::new(),
        }
    }

    /// A value with one warning.
    pub fn warned(value: T, warning: Notice) -> Self {
        Self {
            value,
            warnings: vec![warning],
        }
    }

    /// True when there is nothing to look at.
    pub fn is_clean(&self) -> bool {
        self.warnings.is_empty()
    }

    /// The warning codes, in order (handy in tests and reports).
    pub fn codes(&self) -> Vec<&str> {
        self.warnings.iter().map(|w| w.code.as_str()).collect()
    }
}

/// What every rule returns: the checked value, or the error that stops it.
pub type CheckResult<T> = Result<Checked<T>, Notice>;
