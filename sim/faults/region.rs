//! `region_loss` (every node of a region crashes, and the monitor with them if it runs
//! there) and `region_isolation` (the region is cut from the rest of the world, both
//! ways; inside it, endpoints still reach each other).

use super::{seconds, Context, Nodes, Window};
use crate::engine::network::EndpointSet;
use crate::engine::{Sim, SimTime, Stream};
use crate::model::{self, Selector};
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct RegionLoss {
    pub at: SimTime,
    pub region: Selector,
    pub restart_after: Option<SimTime>,
    hit: Nodes,
    monitor_hit: bool,
}

impl RegionLoss {
    pub fn arm(spec: &model::RegionLoss, stream: &mut Stream) -> RegionLoss {
        let at = seconds(spec.at_s, stream);
        let restart_after = spec.restart_after_s.map(|r| seconds(r, stream));
        RegionLoss { at, region: spec.region.clone(), restart_after, hit: Vec::new(), monitor_hit: false }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        if ctx.step.step == 0 {
            let endpoints = ctx.placement.select_endpoints(&self.region, sim, ctx.stream);
            self.monitor_hit = endpoints.contains(ctx.placement.monitor());
            self.hit = ctx.placement.select(&self.region, 1, sim, ctx.stream);
            for &node in &self.hit {
                sim.world.crash(node);
            }
            if self.monitor_hit {
                sim.world.crash_monitor();
            }
            if let Some(after) = self.restart_after {
                ctx.next(sim, sim.now() + after, 1);
            }
        } else {
            for &node in &self.hit {
                sim.world.restart(node);
            }
            if self.monitor_hit {
                sim.world.restart_monitor();
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct RegionIsolation {
    pub window: Window,
    pub region: Selector,
    inside: EndpointSet,
    outside: EndpointSet,
}

impl RegionIsolation {
    pub fn arm(spec: &model::RegionIsolation, stream: &mut Stream) -> RegionIsolation {
        let window = Window::sample(spec.at_s, spec.duration_s, stream);
        RegionIsolation {
            window,
            region: spec.region.clone(),
            inside: EndpointSet::default(),
            outside: EndpointSet::default(),
        }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        if ctx.step.step == 0 {
            self.inside = ctx.placement.select_endpoints(&self.region, sim, ctx.stream);
            self.outside = EndpointSet::default();
            ctx.placement.everyone().iter().filter(|e| !self.inside.contains(*e)).for_each(|e| self.outside.insert(e));
            sim.world.network_mut().set_blocked(&self.inside, &self.outside, true);
            sim.world.network_mut().set_blocked(&self.outside, &self.inside, true);
            if let Some(end) = self.window.end() {
                ctx.next(sim, end, 1);
            }
        } else {
            sim.world.network_mut().set_blocked(&self.inside, &self.outside, false);
            sim.world.network_mut().set_blocked(&self.outside, &self.inside, false);
        }
    }
}
