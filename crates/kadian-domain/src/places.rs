//! Reference data: the places a street is made of, as the server sends them to every device in
//! scope (kinds `community`, `compound`, `checkpoint`, `zone` of [`crate::records::ReferenceKind`]). Set
//! on the server only (`kadian-server community|compound|checkpoint`); devices read them typed,
//! never as raw JSON.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A community (社区/村) of the street.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Community {
    /// 12-digit statistical division code (GB/T 2260 and below); also its id.
    pub code: String,
    /// Name (`八一社区`).
    pub name: String,
    /// The street's code.
    pub street: String,
}

/// A compound or natural village (小区/自然村) of a community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compound {
    /// Id (UUID made by the server).
    pub id: String,
    /// Name (`八一新苑`).
    pub name: String,
    /// Its community's code.
    pub community: String,
    /// When the street retired it (UTC), if it did: it takes no new records after that instant
    /// and is left out of every choice list; its history stays. Absent from the body when it
    /// was never retired, so bodies from before retirement existed keep their hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<DateTime<Utc>>,
}

/// A checkpoint (卡点) of a compound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Id (UUID made by the server).
    pub id: String,
    /// Name (`东门`).
    pub name: String,
    /// Its compound's id.
    pub compound: String,
    /// When the street retired it (UTC), if it did (a compound's retirement retires its
    /// checkpoints too); as [`Compound::retired_at`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<DateTime<Utc>>,
}

/// A grid zone (片区) of the street, under a leader: a group of compounds across communities,
/// every compound in at most one zone. The street's daily report adds up its rows per zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    /// Id (UUID made by the server).
    pub id: String,
    /// Name (`第一片区`), unique in the street.
    pub name: String,
    /// The leader's name (片区长).
    pub leader: String,
    /// The leader's phone, if given.
    pub phone: Option<String>,
    /// Its compounds' ids, sorted. A compound joins a zone and never leaves it (`kadian-server
    /// zone add` only adds), so a zone's scope only grows.
    #[serde(default)]
    pub compounds: Vec<String>,
}

/// A place to set on the server: one kind of reference data each. A new kind of place (a zone,
/// a disinfection site) is one more variant here and one arm in each backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceWrite {
    /// A community by its code, named (renamed when it exists).
    Community {
        /// 12-digit code.
        code: String,
        /// Name.
        name: String,
    },
    /// A compound of a community, found by its name there or added.
    Compound {
        /// The community's code.
        community: String,
        /// Name.
        name: String,
    },
    /// A checkpoint of a compound, found by its name there or added.
    Checkpoint {
        /// The compound's id.
        compound: String,
        /// Name.
        name: String,
    },
    /// A compound or a checkpoint renamed, found by its id (the name is unique under its
    /// parent). Devices in scope pull the new name; records keep naming the place by id.
    Rename {
        /// The compound's or checkpoint's id.
        id: String,
        /// The new name.
        name: String,
    },
    /// A compound or a checkpoint retired at an instant (a compound's checkpoints with it), or
    /// reinstated (`None`). A retired place takes no new records made after that instant, its
    /// unused enrolment codes expire, and it leaves every choice list; what it holds stays.
    Retire {
        /// The compound's or checkpoint's id.
        id: String,
        /// When (UTC), or `None` to reinstate it.
        at: Option<DateTime<Utc>>,
    },
    /// A grid zone found by its name, or added: its leader and phone set, and `compounds` (ids)
    /// added to it. A compound already in another zone is refused (a compound is in one zone).
    Zone {
        /// Name (`第一片区`).
        name: String,
        /// The leader's name.
        leader: String,
        /// The leader's phone.
        phone: Option<String>,
        /// Compound ids to put in the zone.
        compounds: Vec<String>,
    },
}
