//! Duplicate candidates (查重): person records that may be one person, for staff to review. The
//! same ID number twice is one person already (the store and the server refuse a second holder);
//! what remains is found here (issue 12):
//! - the **same name and phone** under a different or missing ID number (a resident the gate
//!   registered again as a visitor, a roster typed twice);
//! - the **same name twice in one household**.
//!
//! Staff answer each pair with a [`crate::records::PersonLink`]: one person (linked, reversibly)
//! or two. A pair already answered is not a candidate; an answer taken back makes it one again.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::records::{latest_words, PersonLink};

/// A person record as the duplicate search needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonKey {
    /// The record.
    pub id: Uuid,
    /// Name as stored.
    pub name: String,
    /// Phone (digits), if any.
    pub phone: Option<String>,
    /// Household, if any.
    pub household: Option<Uuid>,
    /// Where they are counted (their household's compound, else their own compound, else their
    /// community): two records are candidates only within one place, as a link counts only
    /// within one unit (`coverage::links_within`).
    pub place: Option<String>,
}

/// Why two records may be one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// The same name and phone, the ID number different or missing on one of them.
    SameNamePhone,
    /// The same name twice in one household.
    TwiceInHousehold,
}

/// Most candidate pairs one group of look-alikes gives (a phone shared by a family's ten
/// records named alike would give 45): the rest of such a group is left for its first pairs'
/// review.
pub const MAX_PAIRS_PER_GROUP: usize = 10;

/// The pairs `(a, b, reason)` (`a < b`) that may be one person and that no word of staff
/// answers now (see the module's rules), sorted by reason, then by the records' order.
pub fn candidates(
    persons: &[PersonKey],
    links: &[PersonLink],
) -> Vec<(Uuid, Uuid, DuplicateReason)> {
    let answered: HashSet<(Uuid, Uuid)> = latest_words(links)
        .into_iter()
        .filter(|(_, l)| l.verdict != crate::records::LinkVerdict::Undone)
        .map(|(pair, _)| pair)
        .collect();
    let norm = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let mut by_name_phone: HashMap<(String, &str, &str), Vec<&PersonKey>> = HashMap::new();
    let mut by_household: HashMap<(String, Uuid), Vec<&PersonKey>> = HashMap::new();
    for p in persons {
        let name = norm(&p.name);
        let Some(place) = p.place.as_deref() else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        if let Some(phone) = p.phone.as_deref().filter(|ph| !ph.is_empty()) {
            by_name_phone
                .entry((name.clone(), phone, place))
                .or_default()
                .push(p);
        }
        if let Some(h) = p.household {
            by_household.entry((name, h)).or_default().push(p);
        }
    }
    let mut out: Vec<(Uuid, Uuid, DuplicateReason)> = Vec::new();
    let mut seen: HashSet<(Uuid, Uuid)> = HashSet::new();
    let mut pairs = |group: &[&PersonKey], reason: DuplicateReason, out: &mut Vec<_>| {
        let mut n = 0;
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                // Two different ID numbers under one name and phone are still worth a look (a
                // number typed wrong); the same number twice is refused before it gets here.
                let pair = if a.id < b.id {
                    (a.id, b.id)
                } else {
                    (b.id, a.id)
                };
                if a.id == b.id || answered.contains(&pair) || seen.contains(&pair) {
                    continue;
                }
                if n == MAX_PAIRS_PER_GROUP {
                    return;
                }
                seen.insert(pair);
                n += 1;
                out.push((pair.0, pair.1, reason));
            }
        }
    };
    for group in by_name_phone.values().filter(|g| g.len() > 1) {
        pairs(group, DuplicateReason::SameNamePhone, &mut out);
    }
    for group in by_household.values().filter(|g| g.len() > 1) {
        pairs(group, DuplicateReason::TwiceInHousehold, &mut out);
    }
    out.sort();
    out.sort_by_key(|(_, _, r)| *r);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{Instant, LinkVerdict};
    use chrono::Utc;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn p(n: u128, name: &str, phone: Option<&str>, h: Option<u128>) -> PersonKey {
        PersonKey {
            id: id(n),
            name: name.into(),
            phone: phone.map(str::to_owned),
            household: h.map(id),
            place: Some("c1".into()),
        }
    }

    fn word(a: u128, b: u128, verdict: LinkVerdict, n: u128) -> PersonLink {
        PersonLink {
            id: id(1000 + n),
            person_id: id(a),
            same_as: id(b),
            verdict,
            note: None,
            at: Instant {
                utc: Utc::now() + chrono::Duration::seconds(n as i64),
                offset_minutes: 480,
            },
            recorded_by: "王芳".into(),
        }
    }

    #[test]
    fn look_alikes_are_candidates_until_staff_answer_and_again_when_the_answer_is_undone() {
        let persons = [
            // A resident, and the gate's visitor record of them (no ID number).
            p(1, "张三", Some("13800138000"), Some(100)),
            p(2, "张 三", Some("13800138000"), None),
            // The same name, another phone: not a candidate.
            p(3, "张三", Some("13900139000"), None),
            // The same name and phone in another compound: not a candidate (a link across
            // compounds would count for nothing).
            PersonKey {
                place: Some("c2".into()),
                ..p(7, "张三", Some("13800138000"), None)
            },
            // Listed twice in one household.
            p(4, "李四", None, Some(101)),
            p(5, "李四", None, Some(101)),
            // The same name in another household.
            p(6, "李四", None, Some(102)),
        ];
        let c = candidates(&persons, &[]);
        assert_eq!(
            c,
            [
                (id(1), id(2), DuplicateReason::SameNamePhone),
                (id(4), id(5), DuplicateReason::TwiceInHousehold)
            ]
        );
        // Linked as one person: answered.
        let same = word(2, 1, LinkVerdict::Same, 1);
        let different = word(4, 5, LinkVerdict::Different, 2);
        assert!(candidates(&persons, &[same.clone(), different.clone()]).is_empty());
        // The link undone: a candidate again.
        let undone = word(1, 2, LinkVerdict::Undone, 3);
        assert_eq!(candidates(&persons, &[same, different, undone]).len(), 1);
    }

    #[test]
    fn a_crowd_of_look_alikes_gives_a_bounded_number_of_pairs() {
        let persons: Vec<PersonKey> = (0..30)
            .map(|n| p(n, "王芳", Some("13800138000"), None))
            .collect();
        assert_eq!(candidates(&persons, &[]).len(), MAX_PAIRS_PER_GROUP);
    }
}
