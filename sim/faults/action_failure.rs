//! `action_failure`: during the window, each attempt of one executor action fails
//! with a sampled probability (drawn by the executor from the actions stream).

use super::{number, Context, Window};
use crate::engine::{Sim, Stream};
use crate::model::{self, ActionKind};
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct ActionFailure {
    pub window: Window,
    pub action: ActionKind,
    pub probability: f64,
}

impl ActionFailure {
    pub fn arm(spec: &model::ActionFailure, stream: &mut Stream) -> ActionFailure {
        let window = Window::sample(spec.at_s, spec.duration_s, stream);
        let probability = number(spec.probability, stream);
        ActionFailure { window, action: spec.action, probability }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        let slot = &mut sim.world.action_failure[self.action as usize];
        if ctx.step.step == 0 {
            *slot = self.probability;
            if let Some(end) = self.window.end() {
                ctx.next(sim, end, 1);
            }
        } else {
            *slot = 0.0;
        }
    }
}
