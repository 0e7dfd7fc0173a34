//! One file per record kind: where a pushed record of that kind belongs (its community and
//! compound), when it happened, and what it refers to. [`place`] dispatches on the typed record
//! with an exhaustive `match`: a new kind without its file does not compile.

use chrono::{DateTime, Utc};
use kadian_domain::records::{RecordKind, TypedRecord};
use kadian_domain::sync::ApiError;

use super::{reject, Device, Reference};

mod case_transition;
mod correction;
mod disinfection;
mod donation;
mod follow_up_visit;
mod hotline_report;
mod household;
mod household_visit;
mod key_area;
mod observation_case;
mod passage;
mod person;
mod person_link;
mod referral;
mod screening;
mod shift_event;
mod stock_movement;
mod temperature_reading;
mod travel_declaration;
mod volunteer;

pub use hotline_report::{assigned_place, assigned_place_known};
pub use person::{document_key, place_person};

/// Where an arrival belongs and what it refers to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placed {
    /// Community code.
    pub community: Option<String>,
    /// Compound id.
    pub compound: Option<String>,
    /// For events: when it happened (UTC).
    pub event_at: Option<DateTime<Utc>>,
    /// For a correction: the kind and id of the event it corrects; for a visit or a case
    /// transition: its case.
    pub target: Option<(RecordKind, String)>,
    /// For a person with a document number: `document_type:number`.
    pub document_key: Option<String>,
}

/// What placing a record knows: the pushing device and the street's layout.
pub struct Placing<'a> {
    /// The pushing device.
    pub device: &'a Device,
    /// The street's layout.
    pub reference: &'a Reference,
}

impl Placing<'_> {
    /// The device's own place (community, compound).
    pub fn own(&self) -> (Option<String>, Option<String>) {
        (
            self.device.scope.community.clone(),
            self.device.scope.compound.clone(),
        )
    }

    /// A record placed in the compound it names, which must be the street's and of the
    /// community it names; `target` is what it must follow on the server (from a tablet: the
    /// declaration or reading it comes from). Errors: `unknown_compound`.
    pub fn in_compound(
        &self,
        community_code: &str,
        compound: &str,
        target: Option<(RecordKind, String)>,
    ) -> Result<Placed, ApiError> {
        match self.reference.compounds.get(compound) {
            Some((community, _)) if community == community_code => Ok(Placed {
                community: Some(community.clone()),
                compound: Some(compound.to_owned()),
                target,
                ..Placed::default()
            }),
            _ => Err(reject(
                "unknown_compound",
                format!(
                    "该社区没有这个小区 / community {community_code} has no compound {compound}"
                ),
            )),
        }
    }

    /// A kind only staff write: refused from a checkpoint tablet, with what only staff do
    /// (`zh` / `en`: `热线举报只能由…登记`). Errors: `not_allowed`.
    pub fn staff_only(&self, zh: &str, en: &str) -> Result<(), ApiError> {
        if self.device.role == kadian_domain::sync::Role::Volunteer {
            return Err(reject("not_allowed", format!("{zh} / {en}")));
        }
        Ok(())
    }

    /// The place of a checkpoint: its compound and that compound's community. Errors:
    /// `unknown_checkpoint`.
    pub fn at_checkpoint(
        &self,
        checkpoint: &str,
    ) -> Result<(Option<String>, Option<String>), ApiError> {
        let (compound, _) = self.reference.checkpoints.get(checkpoint).ok_or_else(|| {
            reject(
                "unknown_checkpoint",
                format!("未知卡点 / unknown checkpoint {checkpoint}"),
            )
        })?;
        let community = self
            .reference
            .compounds
            .get(compound)
            .map(|(c, _)| c.clone());
        Ok((community, Some(compound.clone())))
    }
}

/// Places a record that passed its kind's rules, by its kind's file.
pub fn place(typed: &TypedRecord, p: &Placing<'_>) -> Result<Placed, ApiError> {
    match typed {
        TypedRecord::Person(r) => Ok(person::place(r, p)),
        TypedRecord::Passage(r) => passage::place(r, p),
        TypedRecord::TemperatureReading(r) => Ok(temperature_reading::place(r, p)),
        TypedRecord::TravelDeclaration(r) => Ok(travel_declaration::place(r, p)),
        TypedRecord::Correction(r) => Ok(correction::place(r, p)),
        TypedRecord::Volunteer(r) => volunteer::place(r, p),
        TypedRecord::ObservationCase(r) => observation_case::place(r, p),
        TypedRecord::FollowUpVisit(r) => follow_up_visit::place(r, p),
        TypedRecord::CaseTransition(r) => case_transition::place(r, p),
        TypedRecord::Referral(r) => referral::place(r, p),
        TypedRecord::Household(r) => household::place(r, p),
        TypedRecord::Screening(r) => screening::place(r, p),
        TypedRecord::KeyArea(r) => key_area::place(r, p),
        TypedRecord::KeyAreaChange(r) => key_area::place_change(r, p),
        TypedRecord::HouseholdVisit(r) => household_visit::place(r, p),
        TypedRecord::PersonLink(r) => person_link::place(r, p),
        TypedRecord::HotlineReport(r) => hotline_report::place(r, p),
        TypedRecord::ReportAction(r) => hotline_report::place_action(r, p),
        TypedRecord::DisinfectionSite(r) => disinfection::place_site(r, p),
        TypedRecord::Disinfection(r) => disinfection::place(r, p),
        TypedRecord::StockMovement(r) => stock_movement::place(r, p),
        TypedRecord::Donation(r) => donation::place(r, p),
        TypedRecord::ShiftEvent(r) => shift_event::place(r, p),
    }
}
