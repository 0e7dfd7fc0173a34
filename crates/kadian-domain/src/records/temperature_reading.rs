//! The temperature reading (event): taken at a passage or on its own (a re-measure), and its
//! rules.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::temperature::{Celsius, MAX_TENTHS, MIN_TENTHS};
use crate::{Field, Notice};

use super::rules::{instant, reference};
use super::{bad, Instant};

/// One temperature measurement, an event. A re-measure (复测) is a new reading pointing at the
/// first, never an overwrite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemperatureReading {
    /// UUIDv7.
    pub id: Uuid,
    /// The passage it was taken at, if any.
    pub passage_id: Option<Uuid>,
    /// The person, if known.
    pub person_id: Option<Uuid>,
    /// The checkpoint.
    pub checkpoint_id: String,
    /// When.
    pub at: Instant,
    /// The reading, °C.
    pub celsius: Celsius,
    /// At or above the street's fever threshold when taken.
    pub fever: bool,
    /// The reading this one re-measures.
    pub remeasure_of: Option<Uuid>,
    /// Who measured.
    pub recorded_by: String,
}

/// A temperature reading: 34.0–43.0 °C; a checkpoint and who measured; a time between 2000 and
/// 2099. (The fever flag is kept as the device decided it: the threshold is the street's.)
///
/// Errors: `temperature_out_of_range`, `reference_missing`, `too_long`, `date_out_of_range`.
pub fn check_reading(r: &TemperatureReading) -> Result<(), Notice> {
    if !(MIN_TENTHS..=MAX_TENTHS).contains(&r.celsius.tenths()) {
        return Err(bad(
            Field::TemperatureC,
            "temperature_out_of_range",
            "体温超出 34.0–43.0 ℃",
            "temperature outside 34.0–43.0 °C",
        ));
    }
    reference("卡点 / checkpoint", &r.checkpoint_id)?;
    reference("测温人 / recorded by", &r.recorded_by)?;
    instant("测温时间 / time", &r.at)
}
