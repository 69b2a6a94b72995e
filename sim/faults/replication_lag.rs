//! `replication_lag`: log shipping to the target standbys (every node when none is
//! given) is delayed by a sampled extra time during the window.

use super::{millis, Context, Nodes, Window};
use crate::engine::{NodeId, Sim, SimTime, Stream};
use crate::model::{self, Selector};
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct ReplicationLag {
    pub window: Window,
    pub extra: SimTime,
    pub target: Option<Selector>,
    /// What the target selected at the first step (read by `schedule`).
    pub(super) hit: Nodes,
}

impl ReplicationLag {
    pub fn arm(spec: &model::ReplicationLag, stream: &mut Stream) -> ReplicationLag {
        let window = Window::sample(spec.at_s, spec.duration_s, stream);
        let extra = millis(spec.extra_ms, stream);
        ReplicationLag { window, extra, target: spec.target.clone(), hit: Vec::new() }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        if ctx.step.step == 0 {
            self.hit = match &self.target {
                Some(target) => ctx.placement.select(target, 1, sim, ctx.stream),
                None => (0..sim.world.node_count()).map(|i| NodeId(i as u32)).collect(),
            };
            for &node in &self.hit {
                let delay = sim.world.ship_delay(node) + self.extra;
                sim.world.set_ship_delay(node, delay);
            }
            if let Some(end) = self.window.end() {
                ctx.next(sim, end, 1);
            }
        } else {
            for &node in &self.hit {
                let delay = sim.world.ship_delay(node).saturating_sub(self.extra);
                sim.world.set_ship_delay(node, delay);
            }
        }
    }
}
