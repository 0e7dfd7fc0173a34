//! China time for people and instants the server keeps: a leaf every module may use (the admin
//! commands, the directory, the push rules, the export).

use chrono::{DateTime, FixedOffset, Utc};

/// Now, to the whole second (UTC): an instant both backends and the devices keep exactly
/// (SQLite stores milliseconds, PostgreSQL microseconds), e.g. a place's retirement.
pub fn now_to_the_second() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// An instant as people here read it: China time to the minute (`2026-12-02 16:30`), not UTC to
/// the nanosecond.
pub fn china_minute(at: DateTime<Utc>) -> String {
    at.with_timezone(&offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Today in China (the Asia/Shanghai day), whatever the server's own time zone.
pub fn china_today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&offset()).date_naive()
}

/// China Standard Time (+08:00), the registers' local time.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn to_the_second_drops_the_fraction() {
        let t = super::now_to_the_second();
        assert_eq!(t.timestamp_subsec_nanos(), 0);
    }
}
