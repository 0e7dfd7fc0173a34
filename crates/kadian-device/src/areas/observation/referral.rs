//! Referrals to the street's emergency response group (应急处置组, 转诊) on a staff laptop: raised
//! by a visit (a fever at the case's threshold, or staff referring the person or calling 120)
//! or at a gate (a fever of a person under observation); listed for the group (waiting first,
//! the longest waiting on top), taken, and given an outcome (fever clinic, cleared,
//! hospitalised). Taking one refers the case if it was still open; clearing one puts a referred
//! case back under observation. Every step is a new version of the referral, merged field by
//! field on the server: two laptops giving different outcomes reach the conflict list.

use kadian_domain::observation::{CaseStatus, TransitionKind};
use kadian_domain::records::{
    new_id, CaseTransition, Disposition, FollowUpVisit, Instant, ObservationCase, Referral,
    ReferralSource, ReferralStatus, Source, Symptom, VisitAction,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{parse_id, store_error};
use crate::app_error::{AppError, AppResult};
use crate::core::AppCore;
use crate::local_time::{local, CST_MINUTES};

/// A referral as the group's list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ReferralView {
    /// Referral id.
    pub id: String,
    /// The case, if the person is under observation (opens its page).
    pub case_id: Option<String>,
    /// Name, or `—` when the person is not on this device.
    pub name: String,
    /// Compound name (or its id when unknown here).
    pub compound: String,
    /// Building, unit, room from the case.
    pub address: String,
    /// The responsible staff member (包保人) from the case.
    pub responsible: Option<String>,
    /// `visit` or `gate`.
    #[ts(type = "'visit' | 'gate'")]
    pub source: ReferralSource,
    /// The temperature that raised it (°C).
    pub celsius: Option<f64>,
    /// Symptoms reported (`fever`, `cough`, …).
    #[ts(type = "string[]")]
    pub symptoms: Vec<Symptom>,
    /// When it was raised, China time (`2026-12-07 09:12`).
    pub opened_at: String,
    /// Minutes it has waited (open) or waited before it was taken.
    #[ts(type = "number")]
    pub waited_minutes: i64,
    /// Who raised it.
    pub opened_by: String,
    /// `open`, `taken` or `disposed`.
    #[ts(type = "'open' | 'taken' | 'disposed'")]
    pub status: ReferralStatus,
    /// Who took it and when (China time).
    pub taken: Option<String>,
    /// The outcome: `fever_clinic`, `cleared`, `hospitalised`.
    #[ts(type = "'fever_clinic' | 'cleared' | 'hospitalised' | null")]
    pub disposition: Option<Disposition>,
    /// Who recorded the outcome and when (China time).
    pub disposed: Option<String>,
    /// The group's note.
    pub note: Option<String>,
}

/// An outcome recorded by the group.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct DisposeInput {
    /// Referral id.
    pub referral_id: String,
    /// What became of it: `fever_clinic`, `cleared`, `hospitalised`.
    #[ts(type = "'fever_clinic' | 'cleared' | 'hospitalised'")]
    pub disposition: Disposition,
    /// Where, which hospital, advice (at most 500 characters).
    pub note: Option<String>,
    /// Who (the laptop's name when empty).
    pub by: Option<String>,
}

fn china(at: &Instant) -> String {
    local(at.utc).format("%Y-%m-%d %H:%M").to_string()
}

fn not_found() -> AppError {
    AppError::new(
        "not_found",
        Some("referral_id"),
        "本机没有这条转诊",
        "This referral is not on this device",
    )
}

/// The referral a visit raises, and the case's change to referred that goes with it: a fever at
/// the case's threshold, or staff referring the person or calling 120. The case is referred only
/// while it is open (a referred case stays so; an ended one is not reopened by a visit).
pub(super) fn raised_by_visit(
    core: &AppCore,
    case: &ObservationCase,
    visit: &FollowUpVisit,
) -> AppResult<(Option<Referral>, Option<CaseTransition>)> {
    let fever = visit.celsius.is_some_and(|c| case.policy.fever.is_fever(c));
    let sent = matches!(visit.action, VisitAction::Referred | VisitAction::Ambulance);
    if !fever && !sent {
        return Ok((None, None));
    }
    let referral = Referral::raised(
        case,
        ReferralSource::Visit,
        visit.id,
        visit.celsius,
        visit.symptoms.clone(),
        visit.at,
        visit.recorded_by.clone(),
    );
    let refer = (core.case_status(case)? == CaseStatus::Open).then(|| CaseTransition {
        id: new_id(),
        case_id: case.id,
        kind: TransitionKind::Refer,
        effective: local(visit.at.utc).date(),
        reason: if fever {
            format!("随访发热 {} ℃", visit.celsius.map_or(0.0, |c| c.degrees()))
        } else {
            "随访转应急处置组".into()
        },
        at: visit.at,
        recorded_by: visit.recorded_by.clone(),
    });
    Ok((Some(referral), refer))
}

impl AppCore {
    /// A case's status now, as this device folds it.
    fn case_status(&self, case: &ObservationCase) -> AppResult<CaseStatus> {
        let today = local(self.now()).date();
        let (visits, transitions) = self.store().case_facts(&case.id.to_string())?;
        Ok(case.grid(&visits, &transitions, today, today).status)
    }

    /// The referrals this laptop holds, for the emergency response group: waiting ones first
    /// (the longest waiting on top), then taken ones, then those with an outcome (newest
    /// first). `open_only` leaves out those with an outcome. Errors: `not_staff`.
    pub fn observation_referrals(&self, open_only: bool) -> AppResult<Vec<ReferralView>> {
        self.observation_staff()?;
        let now = self.now();
        let reference = self.reference()?;
        let store = self.store();
        let mut out = Vec::new();
        for (r, _) in store.referrals()? {
            let status = r.status();
            if open_only && status == ReferralStatus::Disposed {
                continue;
            }
            let case = match r.case_id {
                Some(c) => store.observation_case(&c.to_string())?.map(|(c, _)| c),
                None => None,
            };
            let name = store
                .person(r.person_id)?
                .map_or_else(|| "—".to_owned(), |(p, _)| p.name);
            let until = r.taken_at.map_or(now, |t| t.utc);
            out.push((
                r.opened_at.utc,
                ReferralView {
                    id: r.id.to_string(),
                    case_id: r.case_id.map(|c| c.to_string()),
                    name,
                    compound: reference
                        .compound_name(&r.compound)
                        .map_or_else(|| r.compound.clone(), str::to_owned),
                    address: case
                        .as_ref()
                        .and_then(|c| c.address.clone())
                        .unwrap_or_default(),
                    responsible: case.as_ref().and_then(|c| c.responsible.clone()),
                    source: r.source,
                    celsius: r.celsius.map(|c| c.degrees()),
                    symptoms: r.symptoms.clone(),
                    opened_at: china(&r.opened_at),
                    waited_minutes: (until - r.opened_at.utc).num_minutes().max(0),
                    opened_by: r.opened_by.clone(),
                    status,
                    taken: r
                        .taken_at
                        .as_ref()
                        .map(|t| format!("{} {}", china(t), r.taken_by.as_deref().unwrap_or(""))),
                    disposition: r.disposition,
                    disposed: r.disposed_at.as_ref().map(|t| {
                        format!("{} {}", china(t), r.disposed_by.as_deref().unwrap_or(""))
                    }),
                    note: r.note.clone(),
                },
            ));
        }
        let rank = |s: ReferralStatus| match s {
            ReferralStatus::Open => 0,
            ReferralStatus::Taken => 1,
            ReferralStatus::Disposed => 2,
        };
        // Waiting and taken ones the longest waiting first; those with an outcome newest first.
        out.sort_by(|(at_a, a), (at_b, b)| {
            rank(a.status).cmp(&rank(b.status)).then_with(|| {
                if a.status == ReferralStatus::Disposed {
                    at_b.cmp(at_a)
                } else {
                    at_a.cmp(at_b)
                }
            })
        });
        Ok(out.into_iter().map(|(_, v)| v).collect())
    }

    /// The group takes a referral (接收): who and when; a case still open is referred with it.
    /// Errors: `not_staff`, `not_found`, `already_taken` (naming who took it).
    pub fn observation_referral_take(
        &self,
        referral_id: &str,
        by: Option<&str>,
    ) -> AppResult<ReferralView> {
        let staff = self.observation_staff()?;
        let id = parse_id(referral_id, "referral_id")?;
        let (mut r, _) = self
            .store()
            .referral(&id.to_string())?
            .ok_or_else(not_found)?;
        if r.status() != ReferralStatus::Open {
            let who = r.taken_by.clone().unwrap_or_default();
            return Err(AppError::new(
                "already_taken",
                Some("referral_id"),
                &format!("这条转诊已由 {who} 接收"),
                &format!("{who} took this referral already"),
            ));
        }
        let now = self.instant_now();
        let by = self.named(by, &staff);
        r.taken_at = Some(now);
        r.taken_by = Some(by.clone());
        let then = match self.referral_case(&r)? {
            Some(case) if self.case_status(&case)? == CaseStatus::Open => Some(CaseTransition {
                id: new_id(),
                case_id: case.id,
                kind: TransitionKind::Refer,
                effective: local(now.utc).date(),
                reason: "应急处置组接收转诊".into(),
                at: now,
                recorded_by: by,
            }),
            _ => None,
        };
        self.save_referral(&r, then.as_ref())
    }

    /// The group records what became of a referral (处置): fever clinic, cleared, hospitalised,
    /// with a note; one not yet taken is taken with it. Cleared puts a referred case back under
    /// observation; the fever clinic or hospital refers a case still open. Errors: `not_staff`, `not_found`, the referral's rules (`too_long`,
    /// `control_character` at the note).
    pub fn observation_referral_dispose(&self, input: &DisposeInput) -> AppResult<ReferralView> {
        let staff = self.observation_staff()?;
        let id = parse_id(&input.referral_id, "referral_id")?;
        let (mut r, _) = self
            .store()
            .referral(&id.to_string())?
            .ok_or_else(not_found)?;
        let now = self.instant_now();
        let by = self.named(input.by.as_deref(), &staff);
        if r.taken_at.is_none() {
            r.taken_at = Some(now);
            r.taken_by = Some(by.clone());
        }
        r.disposition = Some(input.disposition);
        r.disposed_at = Some(now);
        r.disposed_by = Some(by.clone());
        r.note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        // The case follows the outcome: cleared, a referred case is back under observation; any
        // other outcome refers a case still open (an outcome recorded without taking it first).
        let then = match self.referral_case(&r)? {
            Some(case) => {
                let status = self.case_status(&case)?;
                let (kind, reason) = match (input.disposition, status) {
                    (Disposition::Cleared, CaseStatus::Referred) => {
                        (Some(TransitionKind::Resume), "应急处置组排除，恢复居家观察")
                    }
                    (Disposition::FeverClinic | Disposition::Hospitalised, CaseStatus::Open) => {
                        (Some(TransitionKind::Refer), "应急处置组处置")
                    }
                    _ => (None, ""),
                };
                kind.map(|kind| CaseTransition {
                    id: new_id(),
                    case_id: case.id,
                    kind,
                    effective: local(now.utc).date(),
                    reason: reason.into(),
                    at: now,
                    recorded_by: by,
                })
            }
            None => None,
        };
        self.save_referral(&r, then.as_ref())
    }

    fn referral_case(&self, r: &Referral) -> AppResult<Option<ObservationCase>> {
        Ok(match r.case_id {
            Some(c) => self
                .store()
                .observation_case(&c.to_string())?
                .map(|(c, _)| c),
            None => None,
        })
    }

    fn save_referral(
        &self,
        r: &Referral,
        then: Option<&CaseTransition>,
    ) -> AppResult<ReferralView> {
        self.store()
            .save_referral(r, then, Source::User)
            .map_err(store_error)?;
        self.written();
        let id = r.id.to_string();
        self.observation_referrals(false)?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or_else(not_found)
    }

    fn instant_now(&self) -> Instant {
        Instant {
            utc: self.now(),
            offset_minutes: CST_MINUTES,
        }
    }

    /// The name typed, else the laptop's.
    fn named(&self, by: Option<&str>, staff: &crate::store::Enrolment) -> String {
        by.map(str::trim)
            .filter(|b| !b.is_empty())
            .map_or_else(|| self.staff_name(staff), str::to_owned)
    }
}
