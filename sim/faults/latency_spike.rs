//! `latency_spike`: messages on links touching the target (every link when none is
//! given) take a sampled extra delay, plus up to a sampled jitter, during the window.

use super::{millis, Context, Window};
use crate::engine::network::{EndpointSet, LinkEffect};
use crate::engine::{Sim, SimTime, Stream};
use crate::model::{self, Selector};
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct LatencySpike {
    pub window: Window,
    pub extra: SimTime,
    pub jitter: SimTime,
    pub target: Option<Selector>,
    /// The endpoints the target selected when it fired (read by `schedule`).
    pub(super) scope: Option<EndpointSet>,
}

impl LatencySpike {
    pub fn arm(spec: &model::LatencySpike, stream: &mut Stream) -> LatencySpike {
        let window = Window::sample(spec.at_s, spec.duration_s, stream);
        let extra = millis(spec.extra_ms, stream);
        let jitter = millis(spec.jitter_ms, stream);
        LatencySpike { window, extra, jitter, target: spec.target.clone(), scope: None }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        if ctx.step.step == 0 {
            let scope = self.target.as_ref().map(|t| ctx.placement.select_endpoints(t, sim, ctx.stream));
            self.scope.clone_from(&scope);
            let effect = LinkEffect { owner: ctx.owner, scope, loss: 0.0, delay: self.extra, jitter: self.jitter };
            sim.world.network_mut().add_effect(effect);
            if let Some(end) = self.window.end() {
                ctx.next(sim, end, 1);
            }
        } else {
            sim.world.network_mut().remove_effects(ctx.owner);
        }
    }
}
