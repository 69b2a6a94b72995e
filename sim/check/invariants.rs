//! The invariants (see docs/INVARIANTS.md for the exact definitions).
//!
//! Safety: `single_writer`, `durability`, `quorum_promotion`, `eligible_target`,
//! `verifier_agreement`, `audit_chain`. Service level: `rto`, `liveness`, `stuck`.
//! Each is judged on the fact that can break it, with the world as it is at that
//! instant; `durability`, `liveness`, `audit_chain` and `stuck` are also judged when
//! the run ends.

use super::metrics::Metrics;
use crate::engine::{Fact, NodeId, Observer, Sim, SimTime};
use crate::model::{Cluster, Policy, ReplicationMode, Role};
use serde::{Deserialize, Serialize};

/// The properties a run must keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Invariant {
    SingleWriter,
    Durability,
    QuorumPromotion,
    EligibleTarget,
    VerifierAgreement,
    AuditChain,
    Rto,
    Liveness,
    Stuck,
}

impl Invariant {
    pub const ALL: [Invariant; 9] = [
        Invariant::SingleWriter,
        Invariant::Durability,
        Invariant::QuorumPromotion,
        Invariant::EligibleTarget,
        Invariant::VerifierAgreement,
        Invariant::AuditChain,
        Invariant::Rto,
        Invariant::Liveness,
        Invariant::Stuck,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Invariant::SingleWriter => "single_writer",
            Invariant::Durability => "durability",
            Invariant::QuorumPromotion => "quorum_promotion",
            Invariant::EligibleTarget => "eligible_target",
            Invariant::VerifierAgreement => "verifier_agreement",
            Invariant::AuditChain => "audit_chain",
            Invariant::Rto => "rto",
            Invariant::Liveness => "liveness",
            Invariant::Stuck => "stuck",
        }
    }

    /// Safety invariants; the others are service-level objectives.
    pub fn is_safety(self) -> bool {
        !matches!(self, Invariant::Rto | Invariant::Liveness | Invariant::Stuck)
    }
}

/// One broken invariant in one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    pub invariant: Invariant,
    pub at_ms: f64,
    pub detail: String,
}

/// Violations kept per invariant per run (the count goes on).
const KEPT_PER_INVARIANT: usize = 3;

/// Watches one run.
pub struct Checker<'a> {
    cluster: &'a Cluster,
    policy: &'a Policy,
    pub metrics: Metrics,
    pub violations: Vec<Violation>,
    counts: [u32; 9],
    /// When the first fault acted.
    pub first_fault: Option<SimTime>,
    failover_started: Option<SimTime>,
    writes_per_ms: f64,
    /// Every fact with its time, when asked for (a sample run's timeline).
    pub timeline: Option<Vec<(SimTime, Fact)>>,
}

impl<'a> Checker<'a> {
    pub fn new(
        cluster: &'a Cluster,
        policy: &'a Policy,
        writes_per_s: f64,
        first_fault: Option<SimTime>,
    ) -> Checker<'a> {
        Checker {
            cluster,
            policy,
            metrics: Metrics::default(),
            violations: Vec::new(),
            counts: [0; 9],
            first_fault,
            failover_started: None,
            writes_per_ms: writes_per_s / 1000.0,
            timeline: None,
        }
    }

    pub fn violate(&mut self, invariant: Invariant, at: SimTime, detail: String) {
        let count = &mut self.counts[invariant as usize];
        *count += 1;
        if (*count as usize) <= KEPT_PER_INVARIANT {
            self.violations.push(Violation { invariant, at_ms: at.as_ms(), detail });
        }
    }

    /// How many times each invariant broke.
    pub fn count(&self, invariant: Invariant) -> u32 {
        self.counts[invariant as usize]
    }

    fn name(&self, node: NodeId) -> &str {
        &self.cluster.nodes[node.index()].node_id
    }

    /// Voters that are up and connected both ways to `node` (itself included).
    fn connected_voters<T>(&self, sim: &Sim<T>, node: NodeId) -> u32 {
        let world = &sim.world;
        (0..world.node_count())
            .filter(|&i| world.nodes[i].up && (i == node.index() || world.network().connected(i, node.index())))
            .count() as u32
    }

    fn check_single_writer<T>(&mut self, sim: &Sim<T>, node: NodeId) {
        let now = sim.now();
        if !sim.world.node(node).writable(now) {
            return;
        }
        let others: Vec<NodeId> = (0..sim.world.node_count())
            .map(|i| NodeId(i as u32))
            .filter(|&m| m != node && sim.world.node(m).writable(now))
            .collect();
        for other in others {
            let until = sim.world.node(other).lease_end();
            let detail = format!(
                "{} and {} both accept writes (the older one's lease runs until {until})",
                self.name(other),
                self.name(node)
            );
            self.violate(Invariant::SingleWriter, now, detail);
        }
    }

    fn on_promoted<T>(&mut self, sim: &Sim<T>, node: NodeId, term: u32) {
        let now = sim.now();
        self.metrics.failovers_promoted.push(self.name(node).to_string());
        let spec = &self.cluster.nodes[node.index()];
        if spec.role == Role::Witness {
            self.violate(Invariant::EligibleTarget, now, format!("witness {} was promoted", spec.node_id));
        }
        // Lag behind what the new primary's side of the network holds: writes only a
        // cut-off old primary has are lost (a durability matter), not lag a standby
        // could have caught up on.
        let world = &sim.world;
        let freshest = (0..world.node_count())
            .filter(|&i| i == node.index() || (world.nodes[i].up && world.network().connected(i, node.index())))
            .map(|i| world.nodes[i].log.len())
            .max()
            .unwrap_or(0);
        let behind_ms =
            freshest.saturating_sub(sim.world.node(node).log.len()) as f64 / self.writes_per_ms.max(f64::MIN_POSITIVE);
        if behind_ms > self.policy.max_lag_ms {
            let detail = format!(
                "{} was promoted {behind_ms:.0} ms behind, past max_lag_ms {}",
                spec.node_id, self.policy.max_lag_ms
            );
            self.violate(Invariant::EligibleTarget, now, detail);
        }
        let voters = self.connected_voters(sim, node);
        let quorum = self.cluster.quorum_size();
        if self.policy.needs_quorum() && voters < quorum {
            let detail = format!(
                "{} was promoted in term {term} with {voters} connected voters, quorum is {quorum}",
                spec.node_id
            );
            self.violate(Invariant::QuorumPromotion, now, detail);
        }
        self.check_durability(sim, node, now);
    }

    /// Acknowledged writes of earlier terms missing from `node`'s log.
    pub fn lost_writes<T>(&self, sim: &Sim<T>, node: NodeId) -> u64 {
        let log = &sim.world.node(node).log;
        let term = sim.world.node(node).term;
        sim.world
            .ledger
            .acked
            .iter()
            .filter(|r| r.term < term || r.node != node)
            .map(|r| (r.to - r.from) - log.count_of_term(r.term, r.from, r.to))
            .sum()
    }

    fn check_durability<T>(&mut self, sim: &Sim<T>, node: NodeId, at: SimTime) {
        let lost = self.lost_writes(sim, node);
        if lost == 0 {
            return;
        }
        let window_ms = lost as f64 / self.writes_per_ms.max(f64::MIN_POSITIVE);
        let name = self.name(node).to_string();
        match sim.world.replication {
            ReplicationMode::Sync => {
                let detail = format!("{lost} acknowledged writes are missing from {name} under sync replication");
                self.violate(Invariant::Durability, at, detail);
            }
            ReplicationMode::Async if window_ms > self.policy.rpo_target_s * 1000.0 => {
                let detail = format!(
                    "{lost} acknowledged writes ({window_ms:.0} ms) lost on {name}, past rpo_target_s {}",
                    self.policy.rpo_target_s
                );
                self.violate(Invariant::Durability, at, detail);
            }
            ReplicationMode::Async => {}
        }
    }

    fn on_verified<T>(&mut self, sim: &Sim<T>) {
        let now = sim.now();
        let world = &sim.world;
        let writers: Vec<usize> = (0..world.node_count()).filter(|&i| world.nodes[i].writable(now)).collect();
        let problem = match world.dns {
            None => Some("no DNS target".to_string()),
            Some(d) if !world.node(d).up => Some(format!("DNS points at {}, which is down", self.name(d))),
            Some(d) if world.node(d).role != Role::Primary => {
                Some(format!("DNS points at {}, which is not primary", self.name(d)))
            }
            _ if writers.len() > 1 => Some(format!("{} nodes accept writes", writers.len())),
            _ => None,
        };
        if let Some(problem) = problem {
            self.violate(Invariant::VerifierAgreement, now, format!("the verifier passed the failover, but {problem}"));
        }
    }

    fn on_failover_finished<T>(&mut self, sim: &Sim<T>, success: bool) {
        let now = sim.now();
        if let Some(started) = self.failover_started.take() {
            let limit = SimTime::from_s(self.policy.max_failover_time_s);
            let took = now - started;
            if !success {
                self.violate(Invariant::Rto, now, format!("a failover started at {started} did not complete"));
            } else if took > limit {
                self.violate(
                    Invariant::Rto,
                    now,
                    format!("a failover took {took}, past max_failover_time_s {}", self.policy.max_failover_time_s),
                );
            }
        }
    }
}

impl<T> Observer<T> for Checker<'_> {
    fn observe(&mut self, sim: &Sim<T>, fact: Fact) {
        let now = sim.now();
        if let Some(timeline) = &mut self.timeline {
            // A first write is noticed at the event after it; the timeline tells when.
            let at = if let Fact::FirstWrite { at, .. } = fact { at } else { now };
            timeline.push((at, fact));
        }
        let since_fault = |at: SimTime| self.first_fault.map(|f| at.saturating_sub(f).as_ms());
        match fact {
            Fact::LeaseGranted(node) => self.check_single_writer(sim, node),
            Fact::Promoted { node, term } => self.on_promoted(sim, node, term),
            Fact::Verified { passed: true } => self.on_verified(sim),
            Fact::Declared { node, failed: true }
                if self.metrics.detection_ms.is_none() && sim.world.node(node).role == Role::Primary =>
            {
                self.metrics.detection_ms = since_fault(now);
            }
            Fact::FirstWrite { term, at, .. } if term > 1 && self.metrics.failover_ms.is_none() => {
                self.metrics.failover_ms = since_fault(at);
            }
            Fact::FailoverStarted { from } => {
                self.metrics.failovers += 1;
                self.failover_started = Some(now);
                let primary_fine =
                    sim.world.node(from).up && self.connected_voters(sim, from) >= self.cluster.quorum_size();
                if primary_fine {
                    self.metrics.false_failovers += 1;
                }
            }
            Fact::FailoverFinished { success } => self.on_failover_finished(sim, success),
            Fact::ActionFailed { .. } => self.metrics.actions_failed += 1,
            _ => {}
        }
    }
}
