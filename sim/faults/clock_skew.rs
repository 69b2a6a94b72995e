//! `clock_skew`: from a sampled time on, the target's clock runs at a sampled rate of
//! real time (1.1: ten percent fast). Leases are timed on that clock.

use super::{number, seconds, Context, Nodes};
use crate::engine::{Sim, SimTime, Stream};
use crate::model::{self, Selector};
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct ClockSkew {
    pub at: SimTime,
    pub target: Selector,
    pub rate: f64,
    /// What the target selected when it fired (read by `schedule`).
    pub(super) hit: Nodes,
}

impl ClockSkew {
    pub fn arm(spec: &model::ClockSkew, stream: &mut Stream) -> ClockSkew {
        let at = seconds(spec.at_s, stream);
        let rate = number(spec.rate, stream);
        ClockSkew { at, target: spec.target.clone(), rate, hit: Vec::new() }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        let rate_ppm = (self.rate * 1_000_000.0).round() as u64;
        self.hit = ctx.placement.select(&self.target, 1, sim, ctx.stream);
        for &node in &self.hit {
            sim.world.set_clock_rate(node, rate_ppm);
        }
    }
}
