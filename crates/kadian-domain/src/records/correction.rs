//! The correction (event): a void or an amendment of an earlier event, with its reason; the
//! target stays.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{instant, reference, text};
use super::{bad, Instant, RecordKind, MAX_TEXT_CHARS};

/// What a correction does to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionAction {
    /// The target no longer counts.
    Void,
    /// The target is replaced by `replacement_id`.
    Amend,
}

/// The only way to fix an event: a new event that voids or amends it, with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    /// UUIDv7.
    pub id: Uuid,
    /// Kind of the corrected event.
    pub target_kind: RecordKind,
    /// Id of the corrected event.
    pub target_id: Uuid,
    /// Void or amend.
    pub action: CorrectionAction,
    /// For an amend: the new event that replaces the target.
    pub replacement_id: Option<Uuid>,
    /// Why (required, never empty).
    pub reason: String,
    /// When.
    pub at: Instant,
    /// Who.
    pub recorded_by: String,
}

/// A correction: of a passage, a reading or a travel declaration; a reason (not empty, at most
/// 500 characters); an amend names its replacement, a void names none.
///
/// Errors: `not_correctable`, `reason_missing`, `replacement_missing`, `too_long`,
/// `reference_missing`, `date_out_of_range`.
pub fn check_correction(c: &Correction) -> Result<(), Notice> {
    if !matches!(
        c.target_kind,
        RecordKind::Passage | RecordKind::TemperatureReading | RecordKind::TravelDeclaration
    ) {
        return Err(bad(
            Field::Record,
            "not_correctable",
            "只能作废或更正出入、体温和行程记录",
            "Only passages, readings and travel declarations can be corrected",
        ));
    }
    if c.reason.trim().is_empty() {
        return Err(bad(
            Field::Record,
            "reason_missing",
            "作废或更正必须有原因",
            "A correction needs a reason",
        ));
    }
    text(
        Field::Record,
        "原因 / reason",
        &c.reason,
        MAX_TEXT_CHARS,
        true,
    )?;
    if c.action == CorrectionAction::Amend && c.replacement_id.is_none() {
        return Err(bad(
            Field::Record,
            "replacement_missing",
            "更正需要指明替代记录",
            "An amend names the record that replaces the target",
        ));
    }
    reference("登记人 / recorded by", &c.recorded_by)?;
    instant("时间 / time", &c.at)
}
