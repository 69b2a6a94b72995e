//! `ValueRange`: a parameter written as one value or as `[min, max]`, sampled per seed.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A closed interval of reals; `min == max` for a fixed value.
///
/// Written `5` or `[2, 8]`. Validation (not parsing) checks that both ends are finite,
/// not negative where the field requires it, and `min <= max`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValueRange {
    pub min: f64,
    pub max: f64,
}

impl ValueRange {
    /// A fixed value.
    pub const fn fixed(value: f64) -> Self {
        ValueRange { min: value, max: value }
    }

    /// `[min, max]`.
    pub const fn between(min: f64, max: f64) -> Self {
        ValueRange { min, max }
    }

    /// The midpoint, used where a single figure stands for the range (plan estimates).
    pub fn mid(&self) -> f64 {
        (self.min + self.max) / 2.0
    }

    /// The value at `unit` in [0, 1) along the range; `unit` comes from a seeded draw.
    pub fn at(&self, unit: f64) -> f64 {
        self.min + (self.max - self.min) * unit
    }

    /// Why this range is not a valid non-negative range, if it is not.
    pub fn problem(&self, allow_negative: bool) -> Option<String> {
        if !self.min.is_finite() || !self.max.is_finite() {
            Some(format!("expected finite numbers, found {self}"))
        } else if !allow_negative && self.min < 0.0 {
            Some(format!("expected a value of at least 0, found {self}"))
        } else if self.min > self.max {
            Some(format!("expected [min, max] with min <= max, found {self}"))
        } else {
            None
        }
    }
}

impl fmt::Display for ValueRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max || (self.min.is_nan() && self.max.is_nan()) {
            f.write_str(&number(self.min))
        } else {
            write!(f, "[{}, {}]", number(self.min), number(self.max))
        }
    }
}

/// A number as messages show it: `1e300` rather than three hundred digits.
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if value.is_finite() && value != 0.0 && !(1e-6..1e16).contains(&magnitude) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

impl Serialize for ValueRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.min == self.max {
            serializer.serialize_f64(self.min)
        } else {
            [self.min, self.max].serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for ValueRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RangeVisitor;

        impl<'de> Visitor<'de> for RangeVisitor {
            type Value = ValueRange;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a [min, max] list of two numbers")
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<ValueRange, E> {
                Ok(ValueRange::fixed(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<ValueRange, E> {
                Ok(ValueRange::fixed(value as f64))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<ValueRange, E> {
                Ok(ValueRange::fixed(value as f64))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValueRange, A::Error> {
                let min: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let max: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(ValueRange { min, max })
            }
        }

        deserializer.deserialize_any(RangeVisitor)
    }
}
