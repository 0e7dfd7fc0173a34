//! 查重 (the duplicate review) on a staff laptop: the person records that may be one person
//! (`kadian_domain::duplicates`: the same name and phone under a different or missing ID
//! number, or one name twice in a household), each pair shown side by side; staff say "one
//! person" (a link: the repeat's evidence accounts for the record kept, and a repeat in the same
//! compound is counted once) or "two people", and can take either back. Nothing is merged or
//! deleted: both records stay whole, and every word is an event that syncs.

use kadian_domain::duplicates::{candidates, DuplicateReason};
use kadian_domain::records::{
    latest_words, new_id, LinkVerdict, Person, PersonCategory, PersonLink, Source,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::household_address;
use crate::app_error::{AppError, AppResult};
use crate::areas::views::{mask_document, mask_phone, staff_name};
use crate::core::AppCore;
use crate::local_time::local;

/// Most pairs the review lists at once; the rest are counted.
pub const MAX_PAIRS_LISTED: usize = 200;

/// One record of a pair, as the review shows it (ID number and phone masked).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DuplicateRecord {
    /// Person id.
    pub person_id: String,
    /// Name.
    pub name: String,
    /// `resident`, `tenant` or `visitor`.
    pub category: String,
    /// ID number, masked.
    pub document: Option<String>,
    /// Phone, masked.
    pub phone: Option<String>,
    /// Compound name (or id when this laptop does not know it).
    pub compound: Option<String>,
    /// Where they live (their household's address, or building, unit and room).
    pub address: Option<String>,
    /// When a gate last registered them (China time, `2026-03-01 08:30`).
    pub last_passage: Option<String>,
}

/// A pair of records: `repeat` is the one that would count as `kept`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DuplicatePair {
    /// Why it is listed (for a candidate): `same_name_phone` or `twice_in_household`.
    pub reason: Option<DuplicateReason>,
    /// The record that repeats (a visitor record, one without an ID number or household).
    pub repeat: DuplicateRecord,
    /// The record kept on the register.
    pub kept: DuplicateRecord,
    /// Staff's word standing on it (`same` or `different`), for an answered pair.
    pub verdict: Option<String>,
    /// When and by whom it was said.
    pub said: Option<String>,
    /// The note given with it.
    pub note: Option<String>,
}

/// The review: pairs to answer, and those answered (each can be taken back).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DuplicateReview {
    /// Pairs no word answers, by reason.
    pub candidates: Vec<DuplicatePair>,
    /// Candidates not listed (over [`MAX_PAIRS_LISTED`]).
    pub more: u32,
    /// Pairs answered: linked as one person, or said to be two; latest first.
    pub answered: Vec<DuplicatePair>,
}

/// Staff's word on a pair.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[ts(export)]
pub struct DuplicateDecision {
    /// The record that repeats.
    pub person_id: String,
    /// The record kept.
    pub same_as: String,
    /// `same`, `different` or `undone`.
    pub verdict: String,
    /// Why (optional, at most 500 characters).
    #[serde(default)]
    pub note: String,
}

/// Which of two records is kept: the one on the register with a household, else the one with
/// an ID number, else a resident over a visitor, else the first.
fn keep_order(a: Person, b: Person) -> (Person, Person) {
    let rank = |p: &Person| {
        (
            p.household.is_some(),
            p.document_number.is_some(),
            p.category != PersonCategory::Visitor,
        )
    };
    if rank(&b) > rank(&a) {
        (a, b)
    } else {
        (b, a)
    }
}

impl AppCore {
    fn duplicate_record(
        &self,
        p: &Person,
        reference: &crate::reference::ReferenceData,
    ) -> AppResult<DuplicateRecord> {
        let address = match p.household {
            Some(h) => self
                .store()
                .household(&h.to_string())?
                .map(|(h, _)| household_address(&h.place)),
            None => None,
        }
        .or_else(|| {
            let parts: String = [
                p.building.as_deref().map(|b| format!("{b}号楼")),
                p.unit.as_deref().map(|u| format!("{u}单元")),
                p.room.clone(),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!parts.is_empty()).then_some(parts)
        });
        let last = self.store().last_passage_at(&p.id.to_string())?;
        Ok(DuplicateRecord {
            person_id: p.id.to_string(),
            name: p.name.clone(),
            category: p.category.as_str().to_owned(),
            document: p.document_number.as_deref().map(mask_document),
            phone: p.phone.as_deref().map(mask_phone),
            compound: p.compound.as_deref().map(|c| {
                reference
                    .compound_name(c)
                    .map_or_else(|| c.to_owned(), str::to_owned)
            }),
            address,
            last_passage: last.map(|t| local(t).format("%Y-%m-%d %H:%M").to_string()),
        })
    }

    /// The duplicate review of the persons held here. Errors: `not_staff`.
    pub fn duplicate_review(&self) -> AppResult<DuplicateReview> {
        self.screening_staff()?;
        let reference = self.reference()?;
        let (rows, links) = {
            let store = self.store();
            (store.person_keys()?, store.person_links()?)
        };
        // Paired only within one place, as coverage places them (a compound by id or by name).
        let places = reference.place_index();
        let keys: Vec<kadian_domain::duplicates::PersonKey> = rows
            .into_iter()
            .map(|r| kadian_domain::duplicates::PersonKey {
                place: match places.unit(r.compound.as_deref(), r.community.as_deref()) {
                    kadian_domain::figures::Unit::Compound(c) => Some(format!("compound:{c}")),
                    kadian_domain::figures::Unit::Community(c) => Some(format!("community:{c}")),
                    kadian_domain::figures::Unit::Street
                    | kadian_domain::figures::Unit::Unplaced => None,
                },
                id: r.id,
                name: r.name,
                phone: r.phone,
                household: r.household,
            })
            .collect();
        let found = candidates(&keys, &links);
        let more = found.len().saturating_sub(MAX_PAIRS_LISTED) as u32;
        let person = |id: uuid::Uuid| -> AppResult<Option<Person>> {
            Ok(self.store().person(id)?.map(|(p, _)| p))
        };
        let mut listed = Vec::new();
        for (a, b, reason) in found.into_iter().take(MAX_PAIRS_LISTED) {
            let (Some(a), Some(b)) = (person(a)?, person(b)?) else {
                continue;
            };
            let (repeat, kept) = keep_order(a, b);
            listed.push(DuplicatePair {
                reason: Some(reason),
                repeat: self.duplicate_record(&repeat, &reference)?,
                kept: self.duplicate_record(&kept, &reference)?,
                verdict: None,
                said: None,
                note: None,
            });
        }
        // A "same" word stands when the fold keeps it (a later word may have linked the record
        // elsewhere, which is then the one listed).
        let effective = kadian_domain::records::linked(&links);
        let mut words: Vec<&PersonLink> = latest_words(&links)
            .into_values()
            .filter(|l| match l.verdict {
                LinkVerdict::Undone => false,
                LinkVerdict::Different => true,
                LinkVerdict::Same => {
                    effective.get(&l.person_id)
                        == Some(effective.get(&l.same_as).unwrap_or(&l.same_as))
                }
            })
            .collect();
        words.sort_by_key(|l| std::cmp::Reverse((l.at.utc, l.id)));
        let mut answered = Vec::new();
        for l in words.into_iter().take(MAX_PAIRS_LISTED) {
            let (Some(repeat), Some(kept)) = (person(l.person_id)?, person(l.same_as)?) else {
                continue;
            };
            answered.push(DuplicatePair {
                reason: None,
                repeat: self.duplicate_record(&repeat, &reference)?,
                kept: self.duplicate_record(&kept, &reference)?,
                verdict: Some(
                    match l.verdict {
                        LinkVerdict::Same => "same",
                        _ => "different",
                    }
                    .to_owned(),
                ),
                said: Some(format!(
                    "{} {}",
                    local(l.at.utc).format("%Y-%m-%d %H:%M"),
                    l.recorded_by
                )),
                note: l.note.clone(),
            });
        }
        Ok(DuplicateReview {
            candidates: listed,
            more,
            answered,
        })
    }

    /// Records staff's word on two persons held here: `same` (one person: `person_id` counts as
    /// `same_as`), `different` (two people) or `undone` (the word before taken back). Returns
    /// the review as it now stands. Errors: `not_staff`, `not_found` (a person not held here),
    /// `invalid_input` (a verdict that is none of these, the same record twice, a note over
    /// 500 characters: the field says which).
    pub fn duplicate_decide(&self, d: &DuplicateDecision) -> AppResult<DuplicateReview> {
        self.screening_staff()?;
        let staff = self.enrolled()?;
        let parse = |raw: &str, field: &str| {
            uuid::Uuid::parse_str(raw.trim()).map_err(|_| {
                AppError::new(
                    "not_found",
                    Some(field),
                    "这台设备上没有这个人员记录",
                    "This device holds no such person record",
                )
            })
        };
        let person_id = parse(&d.person_id, "person_id")?;
        let same_as = parse(&d.same_as, "same_as")?;
        let verdict = match d.verdict.trim() {
            "same" => LinkVerdict::Same,
            "different" => LinkVerdict::Different,
            "undone" => LinkVerdict::Undone,
            _ => {
                return Err(AppError::new(
                    "invalid_input",
                    Some("verdict"),
                    "请选择“是同一人”“不是同一人”或“撤销”",
                    "Choose one person, two people, or undo",
                ))
            }
        };
        // One person is said only of two records of one place: a link across places would
        // count for nothing (`coverage::links_within`).
        if verdict == LinkVerdict::Same {
            let reference = self.reference()?;
            let places = reference.place_index();
            let unit = |id: uuid::Uuid| -> AppResult<Option<kadian_domain::figures::Unit>> {
                let Some((p, _)) = self.store().person(id)? else {
                    return Ok(None);
                };
                let household = match p.household {
                    Some(h) => self.store().household(&h.to_string())?.map(|(h, _)| h),
                    None => None,
                };
                Ok(Some(match household {
                    Some(h) => places.unit(Some(&h.compound), Some(&h.community_code)),
                    None => places.unit(p.compound.as_deref(), p.community_code.as_deref()),
                }))
            };
            if let (Some(a), Some(b)) = (unit(person_id)?, unit(same_as)?) {
                if a != b || a == kadian_domain::figures::Unit::Unplaced {
                    return Err(AppError::new(
                        "invalid_input",
                        Some("same_as"),
                        "两条记录不在同一小区（或未登记所在小区），关联不会计入；请先核对住址",
                        "The two records are not of one compound (or name none): a link would not count; check their address first",
                    ));
                }
            }
        }
        let note = d.note.trim();
        let link = PersonLink {
            id: new_id(),
            person_id,
            same_as,
            verdict,
            note: (!note.is_empty()).then(|| note.to_owned()),
            at: kadian_domain::records::Instant {
                utc: self.now(),
                offset_minutes: crate::local_time::CST_MINUTES,
            },
            recorded_by: staff_name(&staff),
        };
        kadian_domain::records::check_person_link(&link).map_err(|n| {
            let field = if n.code == "same_record" {
                "same_as"
            } else {
                "note"
            };
            AppError::new("invalid_input", Some(field), &n.message, &n.message_en)
        })?;
        self.store()
            .record_person_link(&link, Source::User)
            .map_err(|e| match e {
                crate::store::StoreError::NotFound { id, .. } => AppError::new(
                    "not_found",
                    Some(if id == person_id.to_string() {
                        "person_id"
                    } else {
                        "same_as"
                    }),
                    "这台设备上没有这个人员记录",
                    "This device holds no such person record",
                ),
                other => other.into(),
            })?;
        self.written();
        self.duplicate_review()
    }
}
