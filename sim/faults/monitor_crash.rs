//! `monitor_crash`: the control plane crashes and, optionally, restarts with no memory
//! of its counters, leases or failover in progress (what it keeps in its durable state
//! is the control plane's business: see `control::monitor`).

use super::{seconds, Context};
use crate::engine::{Sim, SimTime, Stream};
use crate::model;
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct MonitorCrash {
    pub at: SimTime,
    pub restart_after: Option<SimTime>,
}

impl MonitorCrash {
    pub fn arm(spec: &model::MonitorCrash, stream: &mut Stream) -> MonitorCrash {
        let at = seconds(spec.at_s, stream);
        let restart_after = spec.restart_after_s.map(|r| seconds(r, stream));
        MonitorCrash { at, restart_after }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        if ctx.step.step == 0 {
            sim.world.crash_monitor();
            if let Some(after) = self.restart_after {
                ctx.next(sim, sim.now() + after, 1);
            }
        } else {
            sim.world.restart_monitor();
        }
    }
}
