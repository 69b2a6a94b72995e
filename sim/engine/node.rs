//! A node's true state: up or down, role and term, write lease on its own clock, and
//! its replicated log. The control plane changes it only through the world's methods;
//! checks read it as ground truth.

use super::time::SimTime;
use crate::model::Role;

/// A node's index in the run (its position in the topology's node list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A node's clock: local time runs at `rate_ppm` millionths of real time from an anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    anchor_real: u64,
    anchor_local: u64,
    rate_ppm: u64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock { anchor_real: 0, anchor_local: 0, rate_ppm: 1_000_000 }
    }
}

impl Clock {
    /// Local time at real time `t`.
    pub fn local(&self, t: SimTime) -> u64 {
        let elapsed = t.0.saturating_sub(self.anchor_real);
        if self.rate_ppm == 1_000_000 {
            // The common case, exact without the 128-bit division.
            return self.anchor_local + elapsed;
        }
        self.anchor_local + (u128::from(elapsed) * u128::from(self.rate_ppm) / 1_000_000) as u64
    }

    /// The first real time at which local time reaches `local`.
    pub fn real(&self, local: u64) -> SimTime {
        if self.rate_ppm == 1_000_000 {
            return SimTime(self.anchor_real.saturating_add(local.saturating_sub(self.anchor_local)));
        }
        let ahead = u128::from(local.saturating_sub(self.anchor_local));
        let elapsed = (ahead * 1_000_000).div_ceil(u128::from(self.rate_ppm.max(1)));
        SimTime(self.anchor_real.saturating_add(u64::try_from(elapsed).unwrap_or(u64::MAX)))
    }

    /// From real time `t` on, the clock runs at `rate_ppm` millionths of real time.
    pub fn set_rate(&mut self, t: SimTime, rate_ppm: u64) {
        self.anchor_local = self.local(t);
        self.anchor_real = t.0;
        self.rate_ppm = rate_ppm.max(1);
    }

    pub fn rate_ppm(&self) -> u64 {
        self.rate_ppm
    }
}

/// One term's run of log entries: indices (previous segment's end, end] have `term`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub term: u32,
    pub end: u64,
}

/// A replicated log, as runs of entries per term. Entry `i` (from 1) is one write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    segments: Vec<Segment>,
}

impl Log {
    pub fn len(&self) -> u64 {
        self.segments.last().map_or(0, |s| s.end)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The term of entry `index` (from 1), if the log has it.
    pub fn term_at(&self, index: u64) -> Option<u32> {
        if index == 0 {
            return None;
        }
        self.segments.iter().find(|s| s.end >= index).map(|s| s.term)
    }

    /// Appends `count` entries of `term`.
    pub fn append(&mut self, term: u32, count: u64) {
        if count == 0 {
            return;
        }
        match self.segments.last_mut() {
            Some(last) if last.term == term => last.end += count,
            _ => {
                let end = self.len() + count;
                self.segments.push(Segment { term, end });
            }
        }
    }

    /// Takes the leader's log up to `up_to`, truncating any entries that conflict with
    /// it; keeps its own longer copy when that copy agrees (messages may arrive out of
    /// order).
    pub fn adopt(&mut self, leader: &Log, up_to: u64) {
        let up_to = up_to.min(leader.len());
        let probe = up_to.min(self.len());
        let agrees = probe == 0 || self.term_at(probe) == leader.term_at(probe);
        if agrees && up_to <= self.len() {
            return;
        }
        self.segments.clear();
        for segment in &leader.segments {
            if segment.end >= up_to {
                if up_to > self.len() {
                    self.segments.push(Segment { term: segment.term, end: up_to });
                }
                break;
            }
            self.segments.push(*segment);
        }
    }

    /// How many entries of `term` in (from, to] this log also holds with that term.
    pub fn count_of_term(&self, term: u32, from: u64, to: u64) -> u64 {
        let mut start = 0;
        let mut count = 0;
        for segment in &self.segments {
            if segment.term == term {
                let lo = start.max(from);
                let hi = segment.end.min(to);
                count += hi.saturating_sub(lo);
            }
            start = segment.end;
        }
        count
    }
}

/// Everything true about one node.
#[derive(Clone, Debug)]
pub struct NodeState {
    pub up: bool,
    /// The role the node itself believes it has.
    pub role: Role,
    pub term: u32,
    /// Local time at which its write lease ends (0: none).
    pub lease_until_local: u64,
    pub clock: Clock,
    pub log: Log,
    /// Bumped at every restart, so timers of an earlier life can be told apart.
    pub incarnation: u32,
}

impl NodeState {
    pub fn new(role: Role) -> NodeState {
        NodeState {
            up: true,
            role,
            term: 1,
            lease_until_local: 0,
            clock: Clock::default(),
            log: Log::default(),
            incarnation: 0,
        }
    }

    /// Whether the node accepts writes at real time `t`: up, primary, lease valid on its
    /// own clock.
    pub fn writable(&self, t: SimTime) -> bool {
        self.up && self.role == Role::Primary && self.clock.local(t) < self.lease_until_local
    }

    /// The real time its current lease ends (`ZERO` when it holds none).
    pub fn lease_end(&self) -> SimTime {
        if self.lease_until_local == 0 {
            SimTime::ZERO
        } else {
            self.clock.real(self.lease_until_local)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_clock_ends_a_lease_early_in_real_time() {
        let mut clock = Clock::default();
        clock.set_rate(SimTime(1000), 2_000_000);
        assert_eq!(clock.local(SimTime(2000)), 3000);
        assert_eq!(clock.real(3000), SimTime(2000));
        clock.set_rate(SimTime(2000), 500_000);
        assert_eq!(clock.local(SimTime(4000)), 4000);
        assert_eq!(clock.real(4000), SimTime(4000));
    }

    #[test]
    fn adopting_a_leader_log_truncates_the_conflicting_suffix() {
        let mut old = Log::default();
        old.append(1, 10);
        let mut leader = Log::default();
        leader.append(1, 7);
        leader.append(2, 5);
        old.adopt(&leader, 9);
        assert_eq!(old.segments(), &[Segment { term: 1, end: 7 }, Segment { term: 2, end: 9 }]);
        assert_eq!(old.count_of_term(1, 0, 10), 7);
        // An older, shorter shipment arriving late changes nothing.
        old.adopt(&leader, 8);
        assert_eq!(old.len(), 9);
    }
}
