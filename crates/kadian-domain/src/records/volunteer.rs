//! Volunteers of a compound and their sign-in PINs.
//!
//! Compound staff keep the list of volunteers who may sign in at their compound's gates, each
//! with a 4–6 digit PIN. The PIN never travels or rests in clear: it is hashed with Argon2id
//! (RFC 9106, PHC string format) where it is typed, and tablets verify it offline against the
//! hash they pulled.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Field, Notice};

use super::rules::{bad, reference, text};
use crate::name::MAX_NAME_CHARS;

/// Namespace of volunteer ids: UUIDv5 of `"<compound id>/<name>"`, so setting a volunteer of the
/// same compound and name again changes their PIN instead of adding a second entry.
pub const VOLUNTEER_NAMESPACE: Uuid = Uuid::from_u128(0x6b61_6469_616e_766f_6c75_6e74_6565_7231);

/// A volunteer of a compound (entity, record kind `volunteer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volunteer {
    /// [`volunteer_id`] of the compound and the name.
    pub id: Uuid,
    /// Name as shown on the sign-in list (trimmed, not empty).
    pub name: String,
    /// The compound's id.
    pub compound: String,
    /// Argon2 hash of the PIN, PHC string (`$argon2id$v=19$...`).
    pub pin_hash: String,
    /// No longer signs in (kept, so the records they made still name them). Always written,
    /// so that every version of the record says it; read as false when absent.
    #[serde(default)]
    pub retired: bool,
}

/// The id of the volunteer `name` of `compound_id` (see [`VOLUNTEER_NAMESPACE`]).
pub fn volunteer_id(compound_id: &str, name: &str) -> Uuid {
    Uuid::new_v5(
        &VOLUNTEER_NAMESPACE,
        format!("{compound_id}/{}", name.trim()).as_bytes(),
    )
}

/// Checks a volunteer's name: trimmed, not empty, at most 20 characters.
///
/// Errors: `name_missing`, `name_too_long` (field `name`).
pub fn check_volunteer_name(name: &str) -> Result<String, Notice> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Notice::error(
            Field::Name,
            "name_missing",
            "请填写志愿者姓名",
            "Enter the volunteer's name",
        ));
    }
    if name.chars().count() > 20 {
        return Err(Notice::error(
            Field::Name,
            "name_too_long",
            "姓名最多 20 个字",
            "A name has at most 20 characters",
        ));
    }
    Ok(name.to_owned())
}

/// Hashes a sign-in PIN (4–6 digits) with Argon2id and a random 16-byte salt.
///
/// Errors: `pin_format` (field `pin`) for anything but 4–6 ASCII digits.
pub fn hash_pin(pin: &str) -> Result<String, Notice> {
    if !(4..=6).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Notice::error(
            Field::Pin,
            "pin_format",
            "密码必须是 4 到 6 位数字",
            "The PIN must be 4 to 6 digits",
        ));
    }
    let mut raw_salt = [0u8; 16];
    let salt = getrandom::fill(&mut raw_salt)
        .ok()
        .and_then(|()| SaltString::encode_b64(&raw_salt).ok());
    salt.and_then(|salt| {
        argon2::Argon2::default()
            .hash_password(pin.as_bytes(), &salt)
            .ok()
            .map(|h| h.to_string())
    })
    .ok_or_else(|| {
        Notice::error(
            Field::Pin,
            "pin_hash_failed",
            "无法保存密码（系统随机数不可用）",
            "Cannot store the PIN (the system's randomness is unavailable)",
        )
    })
}

/// Largest Argon2 cost a PIN hash may ask of a tablet: memory in KiB, passes, lanes. The hash
/// carries its own parameters and verification obeys them, so an unbounded one could make every
/// tablet of a compound run out of memory at sign-in. [`hash_pin`] uses argon2's defaults
/// (19 MiB, 2 passes, 1 lane).
pub const MAX_PIN_HASH_COST: (u32, u32, u32) = (64 * 1024, 4, 4);

/// The parsed hash when it is an Argon2id v19 PHC string within [`MAX_PIN_HASH_COST`].
fn bounded(s: &str) -> Option<PasswordHash<'_>> {
    let h = PasswordHash::new(s).ok()?;
    if h.algorithm.as_str() != "argon2id" || h.version != Some(0x13) || h.hash.is_none() {
        return None;
    }
    let p = argon2::Params::try_from(&h).ok()?;
    let (m, t, lanes) = MAX_PIN_HASH_COST;
    (p.m_cost() <= m && p.t_cost() <= t && p.p_cost() <= lanes).then_some(h)
}

/// True when `pin` matches `pin_hash` (a PHC string from [`hash_pin`]); false for a wrong PIN
/// or a hash that cannot be read or costs more than [`MAX_PIN_HASH_COST`].
pub fn verify_pin(pin_hash: &str, pin: &str) -> bool {
    bounded(pin_hash).is_some_and(|h| {
        argon2::Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

/// True when `s` is an Argon2id PHC string within [`MAX_PIN_HASH_COST`]: what a device must
/// send instead of a PIN.
pub fn is_pin_hash(s: &str) -> bool {
    bounded(s).is_some()
}

/// A volunteer: the id is that of compound and name ([`volunteer_id`]), a name of at most 20
/// characters, the PIN as an Argon2id hash within the limits of [`is_pin_hash`].
///
/// Errors: `volunteer_id`, `name_missing`, `name_too_long`, `pin_not_hashed`,
/// `reference_missing`, `too_long`.
pub fn check_volunteer(v: &Volunteer) -> Result<(), Notice> {
    reference("小区 / compound", &v.compound)?;
    if check_volunteer_name(&v.name)? != v.name {
        return Err(bad(
            Field::Name,
            "name_not_trimmed",
            "志愿者姓名前后不能有空格",
            "A volunteer's name has no spaces before or after it",
        ));
    }
    text(Field::Name, "姓名 / name", &v.name, MAX_NAME_CHARS, false)?;
    if v.id != volunteer_id(&v.compound, &v.name) {
        return Err(bad(
            Field::Record,
            "volunteer_id",
            "志愿者编号与小区和姓名不符",
            "The volunteer's id is not that of its compound and name",
        ));
    }
    if !is_pin_hash(&v.pin_hash) {
        return Err(bad(
            Field::Pin,
            "pin_not_hashed",
            "密码必须以 Argon2 散列发送，不能发送明文",
            "The PIN must come as an Argon2 hash, never in clear",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_hashed_with_a_salt_and_verifies() {
        let a = hash_pin("2580").unwrap();
        let b = hash_pin("2580").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_pin(&a, "2580"));
        assert!(!verify_pin(&a, "2581"));
        assert!(is_pin_hash(&a));
    }

    #[test]
    fn a_pin_must_be_four_to_six_digits() {
        for bad in ["", "123", "1234567", "12a4", "１２３４", " 1234"] {
            assert_eq!(hash_pin(bad).unwrap_err().code, "pin_format", "{bad:?}");
        }
        assert!(hash_pin("123456").is_ok());
    }

    #[test]
    fn a_clear_pin_or_another_hash_is_not_a_pin_hash() {
        assert!(!is_pin_hash("2580"));
        assert!(!is_pin_hash(""));
        assert!(!is_pin_hash("$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA"));
        assert!(!verify_pin("2580", "2580"));
    }

    #[test]
    fn the_same_compound_and_name_give_the_same_id() {
        assert_eq!(volunteer_id("c1", "李红梅"), volunteer_id("c1", " 李红梅 "));
        assert_ne!(volunteer_id("c1", "李红梅"), volunteer_id("c2", "李红梅"));
    }

    #[test]
    fn a_name_is_trimmed_and_bounded() {
        assert_eq!(check_volunteer_name(" 赵建国 ").unwrap(), "赵建国");
        assert_eq!(check_volunteer_name("  ").unwrap_err().code, "name_missing");
        assert_eq!(
            check_volunteer_name(&"王".repeat(21)).unwrap_err().code,
            "name_too_long"
        );
    }

    #[test]
    fn a_hash_that_costs_too_much_is_refused() {
        // The same salt and output with a 4 GiB memory cost, and as Argon2i.
        let good = hash_pin("2580").unwrap();
        let costly = good.replace("m=19456", "m=4194304");
        assert_ne!(good, costly);
        assert!(!is_pin_hash(&costly));
        assert!(!verify_pin(&costly, "2580"));
        assert!(!is_pin_hash(&good.replace("$argon2id$", "$argon2i$")));
    }

    #[test]
    fn the_retired_flag_is_always_written() {
        let v = Volunteer {
            id: volunteer_id("c1", "李红梅"),
            name: "李红梅".into(),
            compound: "c1".into(),
            pin_hash: "h".into(),
            retired: false,
        };
        let text = serde_json::to_string(&v).unwrap();
        assert!(text.contains(r#""retired":false"#), "{text}");
        let old: Volunteer =
            serde_json::from_str(&text.replace(r#","retired":false"#, "")).unwrap();
        assert_eq!(old, v, "a body without the flag reads as not retired");
    }
}
