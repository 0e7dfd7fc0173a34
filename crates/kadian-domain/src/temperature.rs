//! Temperature readings in °C with one decimal, read from what volunteers and registers type:
//! decimal commas, full-width digits, a missing decimal point, readings in °F.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::notice::{CheckResult, Checked, Field, Notice};
use crate::text::fold_width;

/// Lowest plausible body temperature, in tenths of °C; below it the reading is taken again.
pub const MIN_TENTHS: i16 = 340;
/// Highest plausible body temperature, in tenths of °C.
pub const MAX_TENTHS: i16 = 430;

/// A temperature in °C, held exactly in tenths of a degree (36.5 °C is 365).
/// Serialises as a number with one decimal (`36.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Celsius {
    tenths: i16,
}

impl Celsius {
    /// From tenths of a degree (365 → 36.5 °C).
    pub const fn from_tenths(tenths: i16) -> Self {
        Self { tenths }
    }

    /// Tenths of a degree.
    pub const fn tenths(self) -> i16 {
        self.tenths
    }

    /// Degrees as a float with one decimal.
    pub fn degrees(self) -> f64 {
        f64::from(self.tenths) / 10.0
    }

    fn round(degrees: f64) -> Self {
        Self {
            tenths: (degrees * 10.0).round() as i16,
        }
    }

    /// Reads a typed temperature.
    ///
    /// Accepts `36.5`, `36,5`, `３６.５`, `36。5` and a trailing `℃`/`°C`/`度`. Three digits with
    /// no decimal point between 340 and 430 (`365`) are read as 36.5 with the warning
    /// `temperature_decimal_assumed` and a suggestion. `3.65` is not guessed at: a decimal point
    /// typed in the wrong place is measured again.
    /// Readings between 93 and 108 are °F (forehead thermometers sold abroad), converted with the
    /// warning `temperature_fahrenheit`. A reading with two or more decimals (`37.25`) is rounded
    /// to one with the warning `temperature_rounded` and a suggestion (it may cross 37.3).
    ///
    /// Errors (the reading is taken again, nothing is stored): `temperature_missing`,
    /// `temperature_not_number`, `temperature_out_of_range` (outside 34.0–43.0 °C after the
    /// readings above).
    pub fn parse(raw: &str) -> CheckResult<Self> {
        let folded = fold_width(raw);
        let cleaned: String = folded
            .trim()
            .trim_end_matches(['℃', '度', 'C', 'c'])
            .trim_end_matches('°')
            .trim()
            .chars()
            .map(|c| if c == ',' || c == '。' { '.' } else { c })
            .collect();
        if cleaned.is_empty() {
            return Err(Notice::error(
                Field::TemperatureC,
                "temperature_missing",
                "请填写体温",
                "Enter the temperature",
            ));
        }
        let value: f64 = match cleaned.parse() {
            Ok(v)
                if f64::is_finite(v)
                    && cleaned.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
            {
                v
            }
            _ => {
                return Err(Notice::error(
                    Field::TemperatureC,
                    "temperature_not_number",
                    format!("体温“{}”不是数字，请重新测量并填写", raw.trim()),
                    format!(
                        "The temperature \"{}\" is not a number; measure again",
                        raw.trim()
                    ),
                ))
            }
        };
        let out_of_range = |c: Celsius| {
            Notice::error(
                Field::TemperatureC,
                "temperature_out_of_range",
                format!(
                    "体温 {:.1} ℃ 不在 34.0–43.0 ℃ 之间，请重新测量",
                    c.degrees()
                ),
                format!(
                    "{:.1} °C is outside 34.0–43.0 °C; measure again",
                    c.degrees()
                ),
            )
        };
        let in_range = |c: Celsius| (MIN_TENTHS..=MAX_TENTHS).contains(&c.tenths);
        let assumed = |c: Celsius| {
            Notice::warning(
                Field::TemperatureC,
                "temperature_decimal_assumed",
                format!(
                    "体温“{}”缺少小数点，按 {:.1} ℃ 记录，请确认",
                    raw.trim(),
                    c.degrees()
                ),
                format!(
                    "\"{}\" has no decimal point; read as {:.1} °C, please confirm",
                    raw.trim(),
                    c.degrees()
                ),
            )
            .with_suggestion(format!("{:.1}", c.degrees()))
        };
        let is_integer = !cleaned.contains('.');
        if is_integer && (340.0..=430.0).contains(&value) {
            let c = Celsius::round(value / 10.0);
            return Ok(Checked::warned(c, assumed(c)));
        }
        if (93.0..=108.0).contains(&value) {
            let c = Celsius::round((value - 32.0) * 5.0 / 9.0);
            if !in_range(c) {
                return Err(out_of_range(c));
            }
            let warning = Notice::warning(
                Field::TemperatureC,
                "temperature_fahrenheit",
                format!(
                    "{} 按华氏度读取，折合 {:.1} ℃，请确认",
                    raw.trim(),
                    c.degrees()
                ),
                format!(
                    "{} read as °F: {:.1} °C, please confirm",
                    raw.trim(),
                    c.degrees()
                ),
            )
            .with_suggestion(format!("{:.1}", c.degrees()));
            return Ok(Checked::warned(c, warning));
        }
        let c = Celsius::round(value);
        if !in_range(c) || value > 1000.0 {
            return Err(out_of_range(c));
        }
        // A reading is kept to one decimal: a second one (36.55, 37.25) is rounded only when
        // the volunteer confirms it, since rounding can cross the fever threshold (37.25 → 37.3).
        let decimals = cleaned
            .split_once('.')
            .map_or(0, |(_, d)| d.trim_end_matches('0').len());
        if decimals > 1 {
            let warning = Notice::warning(
                Field::TemperatureC,
                "temperature_rounded",
                format!(
                    "体温只记一位小数：“{}”按 {:.1} ℃ 记录，请确认",
                    raw.trim(),
                    c.degrees()
                ),
                format!(
                    "A temperature is kept to one decimal: \"{}\" is {:.1} °C, please confirm",
                    raw.trim(),
                    c.degrees()
                ),
            )
            .with_suggestion(format!("{:.1}", c.degrees()));
            return Ok(Checked::warned(c, warning));
        }
        Ok(Checked::ok(c))
    }
}

impl std::fmt::Display for Celsius {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1}", self.degrees())
    }
}

impl Serialize for Celsius {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.degrees())
    }
}

impl<'de> Deserialize<'de> for Celsius {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        Ok(Celsius::round(v))
    }
}

/// The fever threshold: a reading at or above it is a fever. A street setting; the national
/// guidance of 2020 (新型冠状病毒肺炎防控方案) uses 37.3 °C, the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeverThreshold(pub Celsius);

impl Default for FeverThreshold {
    fn default() -> Self {
        FeverThreshold(Celsius::from_tenths(373))
    }
}

impl FeverThreshold {
    /// True when `reading` is a fever (≥ the threshold).
    pub fn is_fever(self, reading: Celsius) -> bool {
        reading >= self.0
    }
}
