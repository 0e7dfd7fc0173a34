//! The person link (查重关联, event): staff's word on two person records that may be one person
//! — the same name and phone under a different or missing ID number (a resident the gate
//! registered again as a visitor), or one person listed twice in a household. Never a merge:
//! both records stay whole (SORMAS's destructive person merge loses data: SORMAS #7452, #5576).
//! The word is [`LinkVerdict::Same`] (the first record is the second one again: its evidence
//! accounts for the second, and it is not counted apart), [`LinkVerdict::Different`] (two people:
//! the pair leaves the review list) or [`LinkVerdict::Undone`] (back on the review list). The
//! latest word on a pair stands: [`linked`] folds them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Field;
use crate::Notice;

use super::rules::{instant, opt_text, reference};
use super::{bad, Instant, MAX_TEXT_CHARS};

/// Staff's word on a pair of person records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkVerdict {
    /// One person: `person_id` is `same_as` again.
    Same,
    /// Two people who only look alike.
    Different,
    /// The earlier word on the pair is taken back.
    Undone,
}

/// A word on a pair of person records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonLink {
    /// UUIDv7.
    pub id: Uuid,
    /// The record that repeats (for [`LinkVerdict::Same`]: counted as `same_as`).
    pub person_id: Uuid,
    /// The record kept on the register. The link is placed with it.
    pub same_as: Uuid,
    /// The word.
    pub verdict: LinkVerdict,
    /// Why (how staff know: `电话核实`, `同一人两次登记`), optional.
    pub note: Option<String>,
    /// When.
    pub at: Instant,
    /// Who (staff member).
    pub recorded_by: String,
}

/// A link: two different records, a time, a name, a bounded note.
///
/// Errors: `same_record`, `reference_missing`, `date_out_of_range`, `too_long`,
/// `control_character`.
pub fn check_person_link(l: &PersonLink) -> Result<(), Notice> {
    if l.person_id == l.same_as {
        return Err(bad(
            Field::Record,
            "same_record",
            "不能把一条人员记录关联到它自己",
            "A person record cannot be linked to itself",
        ));
    }
    instant("时间 / time", &l.at)?;
    reference("登记人 / recorded by", &l.recorded_by)?;
    opt_text(
        Field::Record,
        "备注 / note",
        l.note.as_deref(),
        MAX_TEXT_CHARS,
        true,
    )
}

/// The pair a link is about, in one order whichever record it names first.
pub fn pair_of(l: &PersonLink) -> (Uuid, Uuid) {
    if l.person_id < l.same_as {
        (l.person_id, l.same_as)
    } else {
        (l.same_as, l.person_id)
    }
}

/// The latest word on each pair (by time, then id: every device folds alike).
pub fn latest_words(links: &[PersonLink]) -> HashMap<(Uuid, Uuid), &PersonLink> {
    let mut out: HashMap<(Uuid, Uuid), &PersonLink> = HashMap::new();
    for l in links {
        let key = pair_of(l);
        match out.get(&key) {
            Some(held) if (held.at.utc, held.id) >= (l.at.utc, l.id) => {}
            _ => {
                out.insert(key, l);
            }
        }
    }
    out
}

/// The longest chain of links followed (`a` is `b`, `b` is `c`, …): a longer one, or a circle,
/// is cut where it passes this (a street laptop's review never builds one; a hostile device
/// cannot make the fold walk the street).
pub const MAX_LINK_CHAIN: usize = 16;

/// The records that repeat another, each mapped to the record kept (`person → kept`), from
/// the latest word on each pair. A chain (`a` is `b`, `b` is `c`) ends at its last record; a
/// circle, a chain over [`MAX_LINK_CHAIN`], or a record said to repeat two others keeps only
/// the latest words' links.
pub fn linked(links: &[PersonLink]) -> HashMap<Uuid, Uuid> {
    let mut same: Vec<&PersonLink> = latest_words(links)
        .into_values()
        .filter(|l| l.verdict == LinkVerdict::Same)
        .collect();
    // Latest first: the latest word about a record wins over an older one about it.
    same.sort_by_key(|l| std::cmp::Reverse((l.at.utc, l.id)));
    let mut direct: HashMap<Uuid, Uuid> = HashMap::new();
    // The end of the chain from `at`, if it ends within the bound without passing `from`.
    let end_of = |direct: &HashMap<Uuid, Uuid>, from: Uuid, mut at: Uuid| -> Option<Uuid> {
        for _ in 0..MAX_LINK_CHAIN {
            if at == from {
                return None;
            }
            match direct.get(&at) {
                Some(next) => at = *next,
                None => return Some(at),
            }
        }
        None
    };
    for l in same {
        if direct.contains_key(&l.person_id) {
            continue;
        }
        // No circle, no chain past the bound: the kept record must lead to an end, soon.
        if end_of(&direct, l.person_id, l.same_as).is_some() {
            direct.insert(l.person_id, l.same_as);
        }
    }
    direct
        .keys()
        .filter_map(|from| end_of(&direct, Uuid::nil(), direct[from]).map(|end| (*from, end)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn link(n: u128, person: u128, same_as: u128, verdict: LinkVerdict, minute: u32) -> PersonLink {
        PersonLink {
            id: id(1000 + n),
            person_id: id(person),
            same_as: id(same_as),
            verdict,
            note: None,
            at: Instant {
                utc: Utc
                    .with_ymd_and_hms(2026, 3, 1, 8, minute, 0)
                    .single()
                    .expect("time"),
                offset_minutes: 480,
            },
            recorded_by: "王芳".into(),
        }
    }

    #[test]
    fn a_link_keeps_its_rules() {
        let mut l = link(1, 1, 2, LinkVerdict::Same, 0);
        assert!(check_person_link(&l).is_ok());
        l.same_as = l.person_id;
        assert_eq!(check_person_link(&l).expect_err("self").code, "same_record");
        let mut l = link(1, 1, 2, LinkVerdict::Same, 0);
        l.note = Some("x".repeat(MAX_TEXT_CHARS + 1));
        assert_eq!(check_person_link(&l).expect_err("long").code, "too_long");
    }

    #[test]
    fn the_latest_word_on_a_pair_stands_and_an_undo_takes_a_link_back() {
        let same = link(1, 1, 2, LinkVerdict::Same, 0);
        assert_eq!(
            linked(std::slice::from_ref(&same)),
            HashMap::from([(id(1), id(2))])
        );
        // Undone later (named the other way round): no link.
        let undone = link(2, 2, 1, LinkVerdict::Undone, 5);
        assert!(linked(&[same.clone(), undone.clone()]).is_empty());
        // The same words in another order fold alike.
        assert!(linked(&[undone.clone(), same.clone()]).is_empty());
        // Linked again after the undo.
        let again = link(3, 1, 2, LinkVerdict::Same, 9);
        assert_eq!(linked(&[undone, again, same]).len(), 1);
        // Two people: no link.
        assert!(linked(&[link(4, 1, 2, LinkVerdict::Different, 0)]).is_empty());
    }

    #[test]
    fn a_chain_ends_at_its_last_record_and_a_circle_is_broken() {
        let chain = [
            link(1, 1, 2, LinkVerdict::Same, 0),
            link(2, 2, 3, LinkVerdict::Same, 1),
        ];
        let l = linked(&chain);
        assert_eq!(l[&id(1)], id(3));
        assert_eq!(l[&id(2)], id(3));
        // 3 is 1 again, said last: that word stands, the oldest link of the circle goes.
        let circle = [
            link(1, 1, 2, LinkVerdict::Same, 0),
            link(2, 2, 3, LinkVerdict::Same, 1),
            link(3, 3, 1, LinkVerdict::Same, 2),
        ];
        let l = linked(&circle);
        assert_eq!(l.len(), 2, "{l:?}");
        assert!(l.values().all(|kept| !l.contains_key(kept)));
    }

    #[test]
    fn a_chain_longer_than_the_bound_is_cut() {
        // 0 is 1, 1 is 2, …: each said later than the one before.
        let chain: Vec<PersonLink> = (0..40u32)
            .map(|n| {
                link(
                    u128::from(n),
                    u128::from(n),
                    u128::from(n) + 1,
                    LinkVerdict::Same,
                    n,
                )
            })
            .collect();
        let l = linked(&chain);
        assert!(!l.is_empty());
        // Every record reaches its end within the bound; none is its own end.
        for (from, end) in &l {
            assert_ne!(from, end);
            assert!(!l.contains_key(end));
            assert!(
                end.as_u128() - from.as_u128() <= MAX_LINK_CHAIN as u128,
                "{from} → {end}"
            );
        }
        // The latest words stand (24 → 40); the chain is cut where it passes the bound.
        assert_eq!(l.get(&id(24)), Some(&id(40)));
        assert!(l.get(&id(23)).is_none_or(|end| end.as_u128() - 23 <= 16));
    }
}
