//! A person (entity) belongs to the community of its body and the compound of that community
//! it names; a person whose body names neither is placed with the pushing device. Its document
//! number (`document_type:number`) is unique on the server.

use kadian_domain::records::Person;

use super::{Placed, Placing};
use crate::rules::Reference;

/// Places a person.
pub fn place(p: &Person, at: &Placing<'_>) -> Placed {
    let (community, compound) = place_person(p, at.reference, at.own());
    Placed {
        community,
        compound,
        document_key: document_key(p),
        ..Placed::default()
    }
}

/// The key that makes a person's document number unique: `document_type:number`.
pub fn document_key(p: &Person) -> Option<String> {
    p.document_number
        .as_ref()
        .map(|n| format!("{}:{n}", p.document_type.as_str()))
}

/// Where a person belongs: the community of its body (or `fallback`'s), and the compound of
/// that community named in its body (or `fallback`'s compound when the body names none the
/// street knows).
pub fn place_person(
    p: &Person,
    reference: &Reference,
    fallback: (Option<String>, Option<String>),
) -> (Option<String>, Option<String>) {
    let community = p.community_code.clone().or(fallback.0);
    let compound = match (&community, &p.compound) {
        (Some(c), Some(name)) => reference
            .compound_named(c, name)
            .or_else(|| {
                // A compound id, of this community only.
                reference
                    .compounds
                    .get(name)
                    .is_some_and(|(of, _)| of == c)
                    .then(|| name.clone())
            })
            .or(fallback.1),
        _ => fallback.1,
    };
    (community, compound)
}
