//! `flapping`: a node crashes and restarts `cycles` times, down and up for sampled
//! spans (sampled once per fault, so every cycle has the same rhythm).

use super::{seconds, Context, Nodes};
use crate::engine::{Sim, SimTime, Stream};
use crate::model::{self, Selector};
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct Flapping {
    pub at: SimTime,
    pub target: Selector,
    pub down: SimTime,
    pub up: SimTime,
    pub cycles: u32,
    /// What the target selected at the first step (read by `schedule`).
    pub(super) hit: Nodes,
}

impl Flapping {
    pub fn arm(spec: &model::Flapping, stream: &mut Stream) -> Flapping {
        let at = seconds(spec.at_s, stream);
        let down = seconds(spec.down_s, stream);
        let up = seconds(spec.up_s, stream);
        Flapping { at, target: spec.target.clone(), down, up, cycles: spec.cycles, hit: Vec::new() }
    }

    /// Even steps crash, odd steps restart; step `2 * cycles - 1` is the last.
    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        let step = ctx.step.step;
        if step == 0 {
            self.hit = ctx.placement.select(&self.target, 1, sim, ctx.stream);
        }
        let crash = step.is_multiple_of(2);
        for &node in &self.hit {
            if crash {
                sim.world.crash(node);
            } else {
                sim.world.restart(node);
            }
        }
        let last = (self.cycles * 2).saturating_sub(1) as u16;
        if step < last {
            let wait = if crash { self.down } else { self.up };
            ctx.next(sim, sim.now() + wait, step + 1);
        }
    }
}
