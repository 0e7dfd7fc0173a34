//! The case transition (event): a change of an observation case's status, with the day it takes
//! effect and why. A case's status is the fold of these ([`crate::observation::fold_status`]),
//! never a field two laptops overwrite.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::observation::TransitionKind;
use crate::{Field, Notice};

use super::rules::{date, instant, reference, text};
use super::{bad, Instant, MAX_TEXT_CHARS};

/// A change of a case's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseTransition {
    /// UUIDv7.
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// What it does.
    pub kind: TransitionKind,
    /// The China date it takes effect.
    pub effective: NaiveDate,
    /// Why (required to cancel, reopen, lose or transfer a case).
    pub reason: String,
    /// When it was recorded.
    pub at: Instant,
    /// Who.
    pub recorded_by: String,
}

/// A transition: an effective date from 2019 within 60 days of when it was recorded; a reason
/// for a cancel, reopen, loss or transfer.
///
/// Errors: `date_out_of_range`, `effective_date_off`, `reason_missing`, `too_long`,
/// `reference_missing`.
pub fn check_case_transition(t: &CaseTransition) -> Result<(), Notice> {
    instant("时间 / time", &t.at)?;
    date("生效日期 / effective date", Some(t.effective), 2019)?;
    let recorded_on =
        (t.at.utc + chrono::Duration::minutes(i64::from(t.at.offset_minutes))).date_naive();
    if t.effective > recorded_on + chrono::Days::new(60)
        || t.effective + chrono::Days::new(60) < recorded_on
    {
        return Err(bad(
            Field::Date,
            "effective_date_off",
            "生效日期应在登记前后 60 天内",
            "The effective date is within 60 days of when it is recorded",
        ));
    }
    let needs_reason = matches!(
        t.kind,
        TransitionKind::Cancel
            | TransitionKind::Reopen
            | TransitionKind::Lose
            | TransitionKind::TransferOut
    );
    if needs_reason && t.reason.trim().is_empty() {
        return Err(bad(
            Field::Record,
            "reason_missing",
            "撤销、重新开启、失访或转出须写明原因",
            "A cancel, reopen, loss or transfer needs a reason",
        ));
    }
    text(
        Field::Record,
        "原因 / reason",
        &t.reason,
        MAX_TEXT_CHARS,
        true,
    )?;
    reference("登记人 / recorded by", &t.recorded_by)
}
