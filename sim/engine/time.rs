//! `SimTime`: virtual time as an integer count of nanoseconds since the run began.
//!
//! No floating point in the clock: conversions from the model's millisecond and second
//! figures round once, here, and every comparison after that is exact.

use std::fmt;
use std::ops::{Add, Sub};

/// A point in virtual time, or a span of it, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

pub const NS_PER_MS: u64 = 1_000_000;
pub const NS_PER_S: u64 = 1_000_000_000;

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// From milliseconds given as a real number (rounded to the nanosecond; negative and
    /// NaN become zero, which validation has already refused).
    pub fn from_ms(ms: f64) -> SimTime {
        SimTime::round(ms * NS_PER_MS as f64)
    }

    /// From seconds given as a real number.
    pub fn from_s(s: f64) -> SimTime {
        SimTime::round(s * NS_PER_S as f64)
    }

    /// Nanoseconds rounded half up. A float-to-integer `as` saturates (NaN and negatives
    /// to 0, the too large to `u64::MAX`) and truncates, so adding a half rounds; unlike
    /// `f64::round` it needs no library call (heartbeat jitter converts every interval).
    fn round(ns: f64) -> SimTime {
        SimTime((ns + 0.5) as u64)
    }

    pub fn as_ms(self) -> f64 {
        self.0 as f64 / NS_PER_MS as f64
    }

    pub fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(other.0))
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.checked_sub(other.0).expect("time does not run backwards"))
    }
}

impl fmt::Display for SimTime {
    /// Milliseconds with three decimals: `12345.678ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}ms", self.0 / NS_PER_MS, (self.0 % NS_PER_MS) / 1000)
    }
}
