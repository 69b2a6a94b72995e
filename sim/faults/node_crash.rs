//! `primary_loss` and `node_crash`: nodes crash at a sampled time and, optionally,
//! restart after a sampled delay (keeping their log, role and term, but no lease).

use super::{seconds, Context, Nodes};
use crate::engine::{Sim, SimTime, Stream};
use crate::model::{self, Selector};
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct NodeCrash {
    pub at: SimTime,
    pub target: Selector,
    pub count: u32,
    pub restart_after: Option<SimTime>,
    /// What the target selected at the first step (read by `schedule`).
    pub(super) hit: Nodes,
}

impl NodeCrash {
    pub fn primary_loss(spec: &model::PrimaryLoss, stream: &mut Stream) -> NodeCrash {
        let at = seconds(spec.at_s, stream);
        let restart_after = spec.restart_after_s.map(|r| seconds(r, stream));
        NodeCrash { at, target: Selector::Primary, count: 1, restart_after, hit: Vec::new() }
    }

    pub fn arm(spec: &model::NodeCrash, stream: &mut Stream) -> NodeCrash {
        let at = seconds(spec.at_s, stream);
        let restart_after = spec.restart_after_s.map(|r| seconds(r, stream));
        NodeCrash { at, target: spec.target.clone(), count: spec.count, restart_after, hit: Vec::new() }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        match ctx.step.step {
            0 => {
                self.hit = ctx.placement.select(&self.target, self.count, sim, ctx.stream);
                for &node in &self.hit {
                    sim.world.crash(node);
                }
                if let Some(after) = self.restart_after {
                    ctx.next(sim, sim.now() + after, 1);
                }
            }
            _ => {
                for &node in &self.hit {
                    sim.world.restart(node);
                }
            }
        }
    }
}
