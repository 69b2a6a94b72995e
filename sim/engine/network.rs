//! The simulated network between endpoints (the nodes, then the monitor last).
//!
//! Each message's latency is drawn from its link class (same site, same region, cross
//! region) plus the delay of any active latency fault on its endpoints; it is lost with
//! the base loss rate combined with active loss faults. Partitions block a direction of
//! a link; whether a message is blocked is judged when it would be delivered.
//!
//! Every message takes the same draws (its latency, then one for both its jitter and
//! its loss) whatever the active faults, so removing a fault does not shift the network
//! stream's later draws.

use super::random::Stream;
use super::time::SimTime;

/// The relative placement of two endpoints, which sets their latency range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkClass {
    SameSite = 0,
    SameRegion = 1,
    CrossRegion = 2,
}

/// A set of endpoints, as a bitset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointSet {
    words: Vec<u64>,
}

impl EndpointSet {
    pub fn insert(&mut self, endpoint: usize) {
        let word = endpoint / 64;
        if self.words.len() <= word {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= 1 << (endpoint % 64);
    }

    pub fn contains(&self, endpoint: usize) -> bool {
        self.words.get(endpoint / 64).is_some_and(|w| w & (1 << (endpoint % 64)) != 0)
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words
            .iter()
            .enumerate()
            .flat_map(|(w, bits)| (0..64).filter(move |b| bits & (1 << b) != 0).map(move |b| w * 64 + b))
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }
}

/// A fault's effect on the links touching some endpoints (or all links).
#[derive(Clone, Debug)]
pub struct LinkEffect {
    /// The fault that owns the effect, so it can be removed exactly.
    pub owner: u32,
    /// `None`: every link.
    pub scope: Option<EndpointSet>,
    pub loss: f64,
    pub delay: SimTime,
    pub jitter: SimTime,
}

/// The network of one run.
#[derive(Clone, Debug, Default)]
pub struct Network {
    size: usize,
    classes: Vec<LinkClass>,
    /// [min, max] latency in ns per class.
    latency: [(u64, u64); 3],
    base_loss: f64,
    effects: Vec<LinkEffect>,
    /// Per directed link, how many active partitions block it.
    blocks: Vec<u16>,
}

/// The draws that decide one message's fate; see [`Network::draw`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkDraw {
    base: u64,
    jitter: f64,
    loss: f64,
}

/// What happened to a message at send time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transit {
    /// It arrives after this delay (unless a partition blocks it at arrival).
    Arrives(SimTime),
    /// It is lost.
    Lost,
}

impl Network {
    /// A network over `classes` (size x size, row = from), with latency ranges per class.
    pub fn new(size: usize, classes: Vec<LinkClass>, latency: [(u64, u64); 3], base_loss: f64) -> Network {
        assert_eq!(classes.len(), size * size, "one class per directed link");
        Network { size, classes, latency, base_loss, effects: Vec::new(), blocks: vec![0; size * size] }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn class(&self, from: usize, to: usize) -> LinkClass {
        self.classes[from * self.size + to]
    }

    /// Sends one message: draws its fate and judges it under the current conditions.
    pub fn transit(&self, from: usize, to: usize, stream: &mut Stream) -> Transit {
        let draw = self.draw(from, to, stream);
        self.judge(from, to, draw)
    }

    /// The draws that decide one message's fate on `from -> to`: its base latency (from
    /// the link's class, which never changes), then a jitter unit and a loss unit.
    pub fn draw(&self, from: usize, to: usize, stream: &mut Stream) -> LinkDraw {
        let (lo, hi) = self.latency[self.class(from, to) as usize];
        let base = stream.between(lo, hi);
        let (jitter, loss) = stream.unit_pair();
        LinkDraw { base, jitter, loss }
    }

    /// What happens to a message with `draw` sent now: its delay, with the delay and
    /// jitter of the active faults on its endpoints, or its loss.
    pub fn judge(&self, from: usize, to: usize, draw: LinkDraw) -> Transit {
        let mut delay = draw.base;
        let mut keep = 1.0 - self.base_loss;
        for effect in self.effects_on(from, to) {
            delay += effect.delay.0 + (effect.jitter.0 as f64 * draw.jitter) as u64;
            keep *= 1.0 - effect.loss;
        }
        if draw.loss < 1.0 - keep {
            Transit::Lost
        } else {
            Transit::Arrives(SimTime(delay))
        }
    }

    /// The longest delay a message sent now on `from -> to` can have.
    pub fn max_delay(&self, from: usize, to: usize) -> SimTime {
        let (_, hi) = self.latency[self.class(from, to) as usize];
        SimTime(self.effects_on(from, to).map(|e| e.delay.0 + e.jitter.0).sum::<u64>() + hi)
    }

    /// Whether no message sent now on `from -> to` can be lost.
    pub fn lossless(&self, from: usize, to: usize) -> bool {
        self.base_loss <= 0.0 && self.effects_on(from, to).all(|e| e.loss <= 0.0)
    }

    fn effects_on(&self, from: usize, to: usize) -> impl Iterator<Item = &LinkEffect> {
        self.effects.iter().filter(move |e| e.scope.as_ref().is_none_or(|s| s.contains(from) || s.contains(to)))
    }

    /// Whether a partition blocks `from -> to` now.
    pub fn blocked(&self, from: usize, to: usize) -> bool {
        self.blocks[from * self.size + to] > 0
    }

    /// Whether `from -> to` and back are both open.
    pub fn connected(&self, a: usize, b: usize) -> bool {
        !self.blocked(a, b) && !self.blocked(b, a)
    }

    /// Blocks (or, with `block == false`, unblocks) every link from `from` to `to`.
    pub fn set_blocked(&mut self, from: &EndpointSet, to: &EndpointSet, block: bool) {
        for a in from.iter() {
            for b in to.iter() {
                if a == b || a >= self.size || b >= self.size {
                    continue;
                }
                let count = &mut self.blocks[a * self.size + b];
                *count = if block { count.saturating_add(1) } else { count.saturating_sub(1) };
            }
        }
    }

    pub fn add_effect(&mut self, effect: LinkEffect) {
        self.effects.push(effect);
    }

    /// Removes every effect owned by `owner`.
    pub fn remove_effects(&mut self, owner: u32) {
        self.effects.retain(|e| e.owner != owner);
    }
}
