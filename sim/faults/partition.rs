//! `partition`: endpoints split into groups that cannot reach each other (both ways,
//! or only from the first group to the others). Endpoints named by no group keep
//! every link. Without groups, every endpoint (the monitor too) joins one of two
//! sides at random, neither side empty.

use super::{Context, Window};
use crate::engine::network::EndpointSet;
use crate::engine::{Sim, Stream};
use crate::model::{self, Direction, Selector};
use std::fmt::Debug;

#[derive(Clone, Debug)]
pub struct Partition {
    pub window: Window,
    pub groups: Vec<Vec<Selector>>,
    pub direction: Direction,
    /// The sides as selected at the first step (read by `schedule`).
    pub(super) sides: Vec<EndpointSet>,
}

impl Partition {
    pub fn arm(spec: &model::Partition, stream: &mut Stream) -> Partition {
        let window = Window::sample(spec.at_s, spec.duration_s, stream);
        Partition { window, groups: spec.groups.clone(), direction: spec.direction, sides: Vec::new() }
    }

    pub fn fire<T: Copy + Debug>(&mut self, sim: &mut Sim<T>, ctx: Context<'_>) {
        if ctx.step.step == 0 {
            self.sides = if self.groups.is_empty() {
                random_split(ctx.placement.monitor() + 1, ctx.stream)
            } else {
                self.groups
                    .iter()
                    .map(|group| {
                        let mut side = EndpointSet::default();
                        for selector in group {
                            ctx.placement
                                .select_endpoints(selector, sim, ctx.stream)
                                .iter()
                                .for_each(|e| side.insert(e));
                        }
                        side
                    })
                    .collect()
            };
            self.apply(sim, true);
            if let Some(end) = self.window.end() {
                ctx.next(sim, end, 1);
            }
        } else {
            self.apply(sim, false);
        }
    }

    fn apply<T: Copy + Debug>(&self, sim: &mut Sim<T>, block: bool) {
        for (i, a) in self.sides.iter().enumerate() {
            for (j, b) in self.sides.iter().enumerate() {
                let blocked = i != j && (self.direction == Direction::Symmetric || i == 0);
                if blocked {
                    sim.world.network_mut().set_blocked(a, b, block);
                }
            }
        }
    }
}

fn random_split(endpoints: usize, stream: &mut Stream) -> Vec<EndpointSet> {
    let mut sides = vec![EndpointSet::default(), EndpointSet::default()];
    let mut counts = [0usize; 2];
    for endpoint in 0..endpoints {
        let side = stream.below(2) as usize;
        sides[side].insert(endpoint);
        counts[side] += 1;
    }
    if counts[0] == 0 || counts[1] == 0 {
        // Move one endpoint across so that the split is a real partition.
        let moved = stream.below(endpoints as u64) as usize;
        let full = usize::from(counts[0] == 0);
        let mut rebuilt = [EndpointSet::default(), EndpointSet::default()];
        for endpoint in 0..endpoints {
            rebuilt[if endpoint == moved { 1 - full } else { full }].insert(endpoint);
        }
        return rebuilt.to_vec();
    }
    sides
}
