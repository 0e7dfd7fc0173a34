//! The referral (转诊, entity): a person sent to the street's emergency response group (应急处置组)
//! after a fever or symptoms at a follow-up visit, or a fever at a gate while under home
//! observation. The group takes it and says what became of it (fever clinic, cleared,
//! hospitalised). Its status is derived from its fields, never stored: open, taken, disposed.
//! Source: the street's plan (fever goes to the emergency response group); SORMAS and Go.Data
//! keep no such hand-over, only a visit's SEEN_NOT_OK.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::temperature::Celsius;
use crate::{Field, Notice};

use super::rules::{celsius, community_code, instant, opt_text, reference, symptoms_once};
use super::{bad, Instant, ObservationCase, Symptom, MAX_SHORT_CHARS, MAX_TEXT_CHARS};

/// What raised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralSource {
    /// A follow-up visit (随访): fever, symptoms, or staff referred the person.
    Visit,
    /// A fever reading at a gate for a person under home observation.
    Gate,
}

/// What became of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Taken to the fever clinic (发热门诊).
    FeverClinic,
    /// Cleared: back under ordinary observation (排除).
    Cleared,
    /// Hospitalised (住院).
    Hospitalised,
}

/// Where a referral stands, from its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// Waiting for the group.
    Open,
    /// Taken by the group, no outcome yet.
    Taken,
    /// An outcome is recorded.
    Disposed,
}

/// The namespace of referral ids ([`referral_id_for`]).
pub const REFERRAL_NAMESPACE: Uuid = Uuid::from_u128(0x2c5e_8f14_7a90_4b3d_8e26_51d0_9c7f_4a18);

/// The id of the referral raised by the record `source_id` (a visit's or a reading's id,
/// UUIDv5): one referral per source, however many devices derive it.
pub fn referral_id_for(source_id: Uuid) -> Uuid {
    Uuid::new_v5(&REFERRAL_NAMESPACE, source_id.as_bytes())
}

/// A referral to the emergency response group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    /// [`referral_id_for`] its source.
    pub id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// Their home-observation case, if any.
    pub case_id: Option<Uuid>,
    /// The community's 12-digit code.
    pub community_code: String,
    /// The compound's id.
    pub compound: String,
    /// What raised it.
    pub source: ReferralSource,
    /// The visit or reading that raised it.
    pub source_id: Uuid,
    /// The temperature that raised it (°C), if one did.
    pub celsius: Option<Celsius>,
    /// Symptoms reported (each once).
    pub symptoms: Vec<Symptom>,
    /// When it was raised.
    pub opened_at: Instant,
    /// Who raised it (staff member, or the volunteer's id at a gate).
    pub opened_by: String,
    /// When the group took it.
    pub taken_at: Option<Instant>,
    /// Who took it.
    pub taken_by: Option<String>,
    /// What became of it.
    pub disposition: Option<Disposition>,
    /// When that was recorded.
    pub disposed_at: Option<Instant>,
    /// Who recorded it.
    pub disposed_by: Option<String>,
    /// The group's note (where, which hospital, advice).
    pub note: Option<String>,
}

impl Referral {
    /// A new referral of a case's person, raised by `source_id` (a visit or a reading) with the
    /// temperature and symptoms that raised it: waiting for the group, in the case's compound.
    #[allow(clippy::too_many_arguments)]
    pub fn raised(
        case: &ObservationCase,
        source: ReferralSource,
        source_id: Uuid,
        celsius: Option<Celsius>,
        symptoms: Vec<Symptom>,
        opened_at: Instant,
        opened_by: String,
    ) -> Referral {
        Referral {
            id: referral_id_for(source_id),
            person_id: case.person_id,
            case_id: Some(case.id),
            community_code: case.community_code.clone(),
            compound: case.compound.clone(),
            source,
            source_id,
            celsius,
            symptoms,
            opened_at,
            opened_by,
            taken_at: None,
            taken_by: None,
            disposition: None,
            disposed_at: None,
            disposed_by: None,
            note: None,
        }
    }

    /// Where it stands.
    pub fn status(&self) -> ReferralStatus {
        if self.disposition.is_some() {
            ReferralStatus::Disposed
        } else if self.taken_at.is_some() {
            ReferralStatus::Taken
        } else {
            ReferralStatus::Open
        }
    }
}

/// A referral: its id derived from its source, a temperature of 34.0–43.0 °C, each symptom
/// once, a time and a name for each step taken (taken, disposed), an outcome only with its time,
/// bounded texts.
///
/// Errors: `referral_id`, `temperature_out_of_range`, `symptom_repeated`, `step_incomplete`,
/// `invalid_community`, `reference_missing`, `too_long`, `control_character`.
pub fn check_referral(r: &Referral) -> Result<(), Notice> {
    if r.id != referral_id_for(r.source_id) {
        return Err(bad(
            Field::Record,
            "referral_id",
            "转诊编号应由引起它的随访或体温记录得出",
            "A referral's id is derived from the visit or reading that raised it",
        ));
    }
    community_code(&r.community_code)?;
    reference("小区 / compound", &r.compound)?;
    if let Some(c) = r.celsius {
        celsius(c)?;
    }
    symptoms_once(&r.symptoms)?;
    instant("时间 / time", &r.opened_at)?;
    reference("转诊人 / referred by", &r.opened_by)?;
    let incomplete = || {
        bad(
            Field::Record,
            "step_incomplete",
            "接收和处置都要有时间和经办人",
            "Taking and disposing each need a time and a name",
        )
    };
    match (&r.taken_at, &r.taken_by) {
        (Some(at), Some(by)) => {
            instant("接收时间 / taken at", at)?;
            reference("接收人 / taken by", by)?;
        }
        (None, None) => {}
        _ => return Err(incomplete()),
    }
    match (&r.disposition, &r.disposed_at, &r.disposed_by) {
        (Some(_), Some(at), Some(by)) => {
            instant("处置时间 / disposed at", at)?;
            reference("处置人 / disposed by", by)?;
        }
        (None, None, None) => {}
        _ => return Err(incomplete()),
    }
    for (name, value) in [
        ("接收人 / taken by", r.taken_by.as_deref()),
        ("处置人 / disposed by", r.disposed_by.as_deref()),
        ("转诊人 / referred by", Some(r.opened_by.as_str())),
    ] {
        opt_text(Field::Record, name, value, MAX_SHORT_CHARS, false)?;
    }
    opt_text(
        Field::Record,
        "备注 / note",
        r.note.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )
}
