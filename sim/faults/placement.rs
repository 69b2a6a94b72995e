//! Where every endpoint is (region and site of each node and of the monitor), and how
//! selectors turn into endpoints when a fault fires.

use super::Nodes;
use crate::engine::network::EndpointSet;
use crate::engine::{NodeId, Sim, Stream};
use crate::model::{Cluster, Role, Selector};
use std::fmt::Debug;

/// The topology's placement, by endpoint index (nodes first, the monitor last).
#[derive(Clone, Debug)]
pub struct Placement {
    pub ids: Vec<String>,
    pub regions: Vec<String>,
    pub sites: Vec<String>,
}

impl Placement {
    pub fn of(cluster: &Cluster) -> Placement {
        let monitor = cluster.monitor_placement();
        let mut regions: Vec<String> = cluster.nodes.iter().map(|n| n.region.clone()).collect();
        let mut sites: Vec<String> = cluster.nodes.iter().map(|n| n.site.clone()).collect();
        regions.push(monitor.region);
        sites.push(monitor.site.unwrap_or_else(|| "monitor".to_string()));
        let ids = cluster.nodes.iter().map(|n| n.node_id.clone()).collect();
        Placement { ids, regions, sites }
    }

    pub fn node_count(&self) -> usize {
        self.regions.len() - 1
    }

    pub fn monitor(&self) -> usize {
        self.node_count()
    }

    /// The endpoints (monitor included) of a region.
    pub fn region_endpoints(&self, region: &str) -> EndpointSet {
        let mut set = EndpointSet::default();
        self.regions.iter().enumerate().filter(|(_, r)| *r == region).for_each(|(i, _)| set.insert(i));
        set
    }

    /// The nodes a selector names now; random choices draw from `stream`.
    pub fn select<T: Copy + Debug>(&self, selector: &Selector, count: u32, sim: &Sim<T>, stream: &mut Stream) -> Nodes {
        let world = &sim.world;
        let all = |keep: &dyn Fn(usize) -> bool| -> Nodes {
            (0..self.node_count()).filter(|&i| keep(i)).map(|i| NodeId(i as u32)).collect()
        };
        match selector {
            Selector::Node(id) => all(&|i| self.ids[i] == *id),
            Selector::Primary => world.primary().into_iter().collect(),
            Selector::AnySecondary => {
                let secondaries = all(&|i| world.nodes[i].up && world.nodes[i].role == Role::Secondary);
                draw(secondaries, count.max(1), stream)
            }
            Selector::Region(name) => all(&|i| self.regions[i] == *name),
            Selector::RegionOfPrimary => match world.primary() {
                Some(p) => {
                    let region = self.regions[p.index()].clone();
                    all(&|i| self.regions[i] == region)
                }
                None => Vec::new(),
            },
            Selector::Site(name) => all(&|i| self.sites[i] == *name),
            Selector::Random(k) => draw(all(&|_| true), *k, stream),
            Selector::Monitor => Vec::new(),
        }
    }

    /// The endpoints a selector names now (the monitor included for `monitor`, and for
    /// region selectors when it runs in that region).
    pub fn select_endpoints<T: Copy + Debug>(
        &self,
        selector: &Selector,
        sim: &Sim<T>,
        stream: &mut Stream,
    ) -> EndpointSet {
        let mut set = EndpointSet::default();
        for node in self.select(selector, 1, sim, stream) {
            set.insert(node.index());
        }
        let monitor_region = &self.regions[self.monitor()];
        let monitor_in = match selector {
            Selector::Monitor => true,
            Selector::Region(name) => name == monitor_region,
            Selector::RegionOfPrimary => {
                sim.world.primary().is_some_and(|p| self.regions[p.index()] == *monitor_region)
            }
            Selector::Site(name) => *name == self.sites[self.monitor()],
            _ => false,
        };
        if monitor_in {
            set.insert(self.monitor());
        }
        set
    }

    /// Every endpoint, monitor included.
    pub fn everyone(&self) -> EndpointSet {
        let mut set = EndpointSet::default();
        (0..=self.monitor()).for_each(|i| set.insert(i));
        set
    }
}

/// `k` distinct nodes drawn from `pool` (all of them when it is smaller).
fn draw(mut pool: Nodes, k: u32, stream: &mut Stream) -> Nodes {
    let k = (k as usize).min(pool.len());
    for i in 0..k {
        let j = i + stream.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(k);
    pool
}
