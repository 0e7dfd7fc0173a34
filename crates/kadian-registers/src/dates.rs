//! Dates as registers hold them: Excel date cells, Excel serial numbers, and hand-typed
//! `2020.1.22`, `2020/01/22`, `2020年1月22日`, `1月22日` (no year) and ISO 8601.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use unicode_normalization::UnicodeNormalization;

use crate::cells::Cell;

/// A date read from a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadDate {
    /// A complete date.
    Full(NaiveDate),
    /// Month and day only (`1月22日`): the year must be taken from the register.
    NoYear {
        /// 1–12.
        month: u32,
        /// 1–31.
        day: u32,
    },
}

/// The date of an Excel serial number in the 1900 date system. Excel counts 1900-02-29, a day
/// that never was (a bug kept from Lotus 1-2-3), so serials from 61 on are one day ahead of the
/// plain count from 1899-12-31; serial 60 itself is that false day and has no date.
pub fn from_excel_serial(serial: f64) -> Option<NaiveDateTime> {
    if !(1.0..2_958_466.0).contains(&serial) || (60.0..61.0).contains(&serial) {
        return None;
    }
    let days = serial.trunc() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 31)?;
    let date = if days < 60 {
        base + Duration::days(days)
    } else {
        base + Duration::days(days - 1)
    };
    let secs = ((serial.fract()) * 86_400.0).round() as i64;
    Some(date.and_time(NaiveTime::MIN) + Duration::seconds(secs))
}

/// Reads a date from a cell. Numbers between 1 and 2958465 are Excel serials (a plain
/// `20200122` is read as a compact date instead).
pub fn read_date(cell: &Cell) -> Option<ReadDate> {
    match cell {
        Cell::Date(d) => Some(ReadDate::Full(d.date())),
        Cell::Number(n) if (19_000_101.0..=21_001_231.0).contains(n) => {
            parse_date_text(&format!("{}", *n as i64))
        }
        Cell::Number(n) => from_excel_serial(*n).map(|d| ReadDate::Full(d.date())),
        Cell::Text(t) => parse_date_text(t),
        _ => None,
    }
}

/// Parses hand-typed dates: `2020.1.22`, `2020/01/22`, `2020-01-22` (ISO 8601, also with a
/// time), `2020年1月22日`, `20200122`, `1月22日`, `1.22`.
pub fn parse_date_text(raw: &str) -> Option<ReadDate> {
    let s: String = raw.nfkc().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S") {
        return Some(ReadDate::Full(d.date()));
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(&s) {
        return Some(ReadDate::Full(d.date_naive()));
    }
    let date_part = s.split(['T']).next().unwrap_or(&s);
    let numbers: Vec<&str> = date_part
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let n = |p: &str| p.parse::<u32>().ok();
    match numbers.as_slice() {
        [compact] if compact.len() == 8 => {
            let y = compact[..4].parse().ok()?;
            NaiveDate::from_ymd_opt(y, n(&compact[4..6])?, n(&compact[6..8])?).map(ReadDate::Full)
        }
        [y, m, d] if y.len() == 4 => {
            NaiveDate::from_ymd_opt(y.parse().ok()?, n(m)?, n(d)?).map(ReadDate::Full)
        }
        [m, d] if m.len() <= 2 && d.len() <= 2 => {
            let (month, day) = (n(m)?, n(d)?);
            // Validate against a leap year so 2月29日 passes; the year check comes later.
            NaiveDate::from_ymd_opt(2000, month, day)?;
            Some(ReadDate::NoYear { month, day })
        }
        _ => None,
    }
}

/// Reads a time of day: an Excel time or date-time cell, a fraction of a day, `20:31`,
/// `20:31:05`, `20时31分`.
pub fn read_time(cell: &Cell) -> Option<NaiveTime> {
    match cell {
        Cell::Date(d) => Some(d.time()),
        Cell::Number(n) if (0.0..1.0).contains(n) => {
            NaiveTime::from_num_seconds_from_midnight_opt((n * 86_400.0).round() as u32 % 86_400, 0)
        }
        Cell::Text(t) => {
            let s: String = t.nfkc().filter(|c| !c.is_whitespace()).collect();
            let parts: Vec<u32> = s
                .split(|c: char| !c.is_ascii_digit())
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.parse().ok())
                .collect();
            match parts.as_slice() {
                [h, m] => NaiveTime::from_hms_opt(*h, *m, 0),
                [h, m, sec] => NaiveTime::from_hms_opt(*h, *m, *sec),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(y: i32, m: u32, d: u32) -> Option<ReadDate> {
        NaiveDate::from_ymd_opt(y, m, d).map(ReadDate::Full)
    }

    #[test]
    fn hand_typed_dates() {
        assert_eq!(parse_date_text("2020.1.22"), full(2020, 1, 22));
        assert_eq!(parse_date_text("2020/01/22"), full(2020, 1, 22));
        assert_eq!(parse_date_text("2020年1月22日"), full(2020, 1, 22));
        assert_eq!(parse_date_text("2020-01-22"), full(2020, 1, 22));
        assert_eq!(
            parse_date_text("2020-01-22T08:30:00+08:00"),
            full(2020, 1, 22)
        );
        assert_eq!(parse_date_text("２０２０年１月２２日"), full(2020, 1, 22));
        assert_eq!(
            parse_date_text("1月22日"),
            Some(ReadDate::NoYear { month: 1, day: 22 })
        );
        assert_eq!(parse_date_text("2020.2.30"), None);
        assert_eq!(parse_date_text("13月1日"), None);
        assert_eq!(parse_date_text("昨天"), None);
    }

    #[test]
    fn excel_serials_with_the_1900_leap_year_quirk() {
        let d = |s: f64| from_excel_serial(s).map(|d| d.date().to_string());
        assert_eq!(d(1.0).as_deref(), Some("1900-01-01"));
        assert_eq!(d(59.0).as_deref(), Some("1900-02-28"));
        assert_eq!(d(60.0), None, "1900-02-29 never was");
        assert_eq!(d(61.0).as_deref(), Some("1900-03-01"));
        assert_eq!(d(43859.0).as_deref(), Some("2020-01-29"));
        assert_eq!(d(43831.5).map(|_| ()), Some(()));
        assert_eq!(
            from_excel_serial(43831.75)
                .map(|d| d.to_string())
                .as_deref(),
            Some("2020-01-01 18:00:00")
        );
        assert_eq!(d(0.0), None);
    }

    #[test]
    fn times() {
        assert_eq!(
            read_time(&Cell::Text("20:31".into())),
            NaiveTime::from_hms_opt(20, 31, 0)
        );
        assert_eq!(
            read_time(&Cell::Text("8时05分".into())),
            NaiveTime::from_hms_opt(8, 5, 0)
        );
        assert_eq!(
            read_time(&Cell::Number(0.5)),
            NaiveTime::from_hms_opt(12, 0, 0)
        );
        assert_eq!(read_time(&Cell::Text("25:00".into())), None);
    }
}
