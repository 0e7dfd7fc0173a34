//! China time: every gate record carries UTC with the device's offset beside it; days, lists
//! and exports are in China Standard Time (UTC+8, no daylight saving).

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// China Standard Time, minutes east of UTC: the offset every gate record carries.
pub const CST_MINUTES: i32 = 480;

pub(crate) fn local(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    at.naive_utc() + Duration::minutes(CST_MINUTES.into())
}

pub(crate) fn day_start_utc(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::minutes(CST_MINUTES.into())
}
