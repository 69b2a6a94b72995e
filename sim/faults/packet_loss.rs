//! `packet_loss`: messages on links touching the target (every link when none is
//! given) are lost with a sampled probability during the window.

use super::{number, Context, Window};
use crate::engine::network::{EndpointSet, LinkEffect};
use crate::engine::{Sim, SimTime, Stream};
use crate::model::{self, Selector};
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct PacketLoss {
    pub window: Window,
    pub probability: f64,
    pub target: Option<Selector>,
    /// The endpoints the target selected when it fired (read by `schedule`).
    pub(super) scope: Option<EndpointSet>,
}

impl PacketLoss {
    pub fn arm(spec: &model::PacketLoss, stream: &mut Stream) -> PacketLoss {
        let window = Window::sample(spec.at_s, spec.duration_s, stream);
        let probability = number(spec.probability, stream);
        PacketLoss { window, probability, target: spec.target.clone(), scope: None }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        if ctx.step.step == 0 {
            let scope = self.target.as_ref().map(|t| ctx.placement.select_endpoints(t, sim, ctx.stream));
            self.scope.clone_from(&scope);
            let effect = LinkEffect {
                owner: ctx.owner,
                scope,
                loss: self.probability,
                delay: SimTime::ZERO,
                jitter: SimTime::ZERO,
            };
            sim.world.network_mut().add_effect(effect);
            if let Some(end) = self.window.end() {
                ctx.next(sim, end, 1);
            }
        } else {
            sim.world.network_mut().remove_effects(ctx.owner);
        }
    }
}
