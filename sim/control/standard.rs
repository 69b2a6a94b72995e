//! `Standard`: the seeds' continuity control plane as failsim simulates it, behind the
//! engine's `ControlPlane` trait. Its parts live in their own files as `impl` blocks:
//! the node agent (`agent`), the heartbeat monitor and failover decisions (`monitor`),
//! the executor (`executor`), the quorum confirmation of a promotion (`promotion`) and
//! the verifier (`verifier`).
//!
//! A [`Mutant`] switches in one deliberate bug, to prove the harness catches it.

use super::agent::Candidacy;
use super::auditor::Auditor;
use super::executor::Failover;
use super::monitor::Monitor;
use super::verifier::VerificationReport;
use crate::engine::{ControlPlane, Fact, Message, NodeId, Payload, Sim, SimTime};
use crate::model::{ActionKind, Cluster, Policy, Role};

/// One deliberate departure from the correct logic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mutant {
    /// Promote without waiting for the old primary's lease to expire.
    NoLeaseWait,
    /// Fail over without a quorum of healthy voters.
    NoQuorumCheck,
    /// Count a quorum as floor(N/2) instead of floor(N/2)+1.
    OffByOneQuorum,
    /// Ignore `max_lag_ms` when choosing the target.
    PromoteLagging,
    /// Allow a witness as the target.
    PromoteWitness,
    /// An old primary resumes writes after a restart without checking the term.
    StalePrimaryRejoin,
    /// Skip fencing and demotion of the old primary, and the lease wait.
    SkipFence,
    /// The verifier always reports success.
    VerifierAlwaysPasses,
    /// Ignore `cooldown_s` and `max_failovers_per_hour`.
    NoCooldown,
    /// Treat a failed DNS flip as done.
    IgnoreDnsFailure,
}

impl Mutant {
    pub const ALL: [Mutant; 10] = [
        Mutant::NoLeaseWait,
        Mutant::NoQuorumCheck,
        Mutant::OffByOneQuorum,
        Mutant::PromoteLagging,
        Mutant::PromoteWitness,
        Mutant::StalePrimaryRejoin,
        Mutant::SkipFence,
        Mutant::VerifierAlwaysPasses,
        Mutant::NoCooldown,
        Mutant::IgnoreDnsFailure,
    ];

    /// The name used on the command line and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Mutant::NoLeaseWait => "no_lease_wait",
            Mutant::NoQuorumCheck => "no_quorum_check",
            Mutant::OffByOneQuorum => "off_by_one_quorum",
            Mutant::PromoteLagging => "promote_lagging",
            Mutant::PromoteWitness => "promote_witness",
            Mutant::StalePrimaryRejoin => "stale_primary_rejoin",
            Mutant::SkipFence => "skip_fence",
            Mutant::VerifierAlwaysPasses => "verifier_always_passes",
            Mutant::NoCooldown => "no_cooldown",
            Mutant::IgnoreDnsFailure => "ignore_dns_failure",
        }
    }
}

/// The policy's and topology's figures, converted once to virtual time.
#[derive(Clone, Debug)]
pub struct Settings {
    pub interval: SimTime,
    pub timeout: SimTime,
    pub jitter_percent: f64,
    pub failure_threshold: u32,
    pub recovery_threshold: u32,
    pub lease: SimTime,
    pub lease_margin: SimTime,
    pub ship_interval: SimTime,
    pub max_failover: SimTime,
    pub cooldown: SimTime,
    pub backoff: SimTime,
    /// Writes per millisecond, to turn log positions into lag in ms.
    pub writes_per_ms: f64,
}

impl Settings {
    pub fn new(cluster: &Cluster, policy: &Policy, writes_per_s: f64) -> Settings {
        let hb = &policy.heartbeat;
        Settings {
            interval: SimTime::from_ms(hb.interval_ms),
            timeout: SimTime::from_ms(hb.timeout_ms),
            jitter_percent: hb.jitter_percent,
            failure_threshold: hb.failure_threshold,
            recovery_threshold: hb.recovery_threshold,
            lease: SimTime::from_ms(policy.fencing.lease_ms),
            lease_margin: SimTime::from_ms(policy.fencing.margin_ms),
            ship_interval: SimTime::from_ms(cluster.replication.ship_interval_ms),
            max_failover: SimTime::from_s(policy.max_failover_time_s),
            cooldown: SimTime::from_s(policy.cooldown_s),
            backoff: SimTime::from_ms(policy.actions.backoff_ms),
            writes_per_ms: writes_per_s / 1000.0,
        }
    }
}

/// The control plane's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A node sends its next heartbeat (`life` tells its incarnations apart).
    Heartbeat { node: NodeId, life: u32 },
    /// The monitor's earliest heartbeat deadline (one timer for every node).
    Watch { epoch: u32 },
    /// A node finishes carrying out a command.
    NodeAction { node: NodeId, life: u32, action: ActionKind, token: u32, term: u32 },
    /// The executor's current step is due (done, timed out, or a wait is over).
    Step { token: u32 },
    /// The monitor looks at failing over again (after a cooldown).
    Evaluate { epoch: u32 },
    /// The voters' time to confirm a promotion's term is up.
    Round { token: u32 },
}

/// The standard control plane of one run.
pub struct Standard<'a> {
    pub cluster: &'a Cluster,
    pub policy: &'a Policy,
    pub settings: Settings,
    pub mutant: Option<Mutant>,
    pub monitor: Monitor,
    pub failover: Option<Failover>,
    pub auditor: Auditor,
    /// Per node, its next heartbeat sequence number.
    pub heartbeat_seq: Vec<u32>,
    /// Per node, the promotion it is ready to take when the monitor grants it (node
    /// memory: void after a restart).
    pub candidacy: Vec<Option<Candidacy>>,
    /// Source of unique failover step tokens.
    pub next_token: u32,
    /// Start times of past failovers, for cooldown and the hourly limit. Durable, like
    /// the monitor's primary and term: it survives a monitor restart.
    pub failover_starts: Vec<SimTime>,
    /// End of the last failover, for the cooldown. Durable.
    pub last_failover_end: Option<SimTime>,
    /// The last failover that finished, for reports.
    pub last_failover: Option<Failover>,
    /// The verifier's report on the last verified failover.
    pub last_verification: Option<VerificationReport>,
}

impl<'a> Standard<'a> {
    pub fn new(cluster: &'a Cluster, policy: &'a Policy, writes_per_s: f64, mutant: Option<Mutant>) -> Standard<'a> {
        let settings = Settings::new(cluster, policy, writes_per_s);
        let primary = cluster.nodes.iter().position(|n| n.role == Role::Primary).map(|i| NodeId(i as u32));
        Standard {
            cluster,
            policy,
            settings,
            mutant,
            monitor: Monitor::new(cluster.nodes.len(), primary),
            failover: None,
            auditor: Auditor::default(),
            heartbeat_seq: vec![0; cluster.nodes.len()],
            candidacy: vec![None; cluster.nodes.len()],
            next_token: 0,
            failover_starts: Vec::new(),
            last_failover_end: None,
            last_failover: None,
            last_verification: None,
        }
    }

    pub fn is(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    pub fn monitor_endpoint(&self) -> u32 {
        self.cluster.nodes.len() as u32
    }

    pub fn token(&mut self) -> u32 {
        self.next_token += 1;
        self.next_token
    }
}

impl ControlPlane for Standard<'_> {
    type Timer = Timer;

    fn start(&mut self, sim: &mut Sim<Timer>) {
        self.start_agents(sim);
        self.start_monitor(sim);
    }

    fn on_message(&mut self, sim: &mut Sim<Timer>, message: Message) {
        let monitor = self.monitor_endpoint();
        if message.to == monitor {
            match message.payload {
                Payload::Heartbeat { .. } => self.on_heartbeat(sim, message),
                Payload::CommandDone { action, token, ok } => {
                    self.on_command_done(sim, NodeId(message.from), action, token, ok)
                }
                _ => {}
            }
        } else {
            self.on_node_message(sim, NodeId(message.to), message);
        }
    }

    fn on_timer(&mut self, sim: &mut Sim<Timer>, timer: Timer) {
        match timer {
            Timer::Heartbeat { node, life } => self.on_heartbeat_timer(sim, node, life),
            Timer::NodeAction { node, life, action, token, term } => {
                self.on_node_action(sim, node, life, action, token, term)
            }
            Timer::Watch { epoch } => self.on_watch(sim, epoch),
            Timer::Step { token } => self.on_step(sim, token),
            Timer::Round { token } => self.on_round_timeout(sim, token),
            Timer::Evaluate { epoch } => {
                if epoch == self.monitor.epoch {
                    self.evaluate(sim);
                }
            }
        }
    }

    fn on_lifecycle(&mut self, sim: &mut Sim<Timer>, fact: Fact) {
        match fact {
            Fact::Restarted(node) => self.on_node_restart(sim, node),
            Fact::MonitorCrashed => self.on_monitor_crash(sim),
            Fact::MonitorRestarted => self.on_monitor_restart(sim),
            _ => {}
        }
    }
}
