//! Running a given plan (`failsim execute`): the executor starts the plan's failover at
//! once, without waiting for the monitor to detect anything, and the rest of the
//! control plane runs as usual around it.

use super::executor::Failover;
use super::plan::Plan;
use super::standard::{Standard, Timer};
use crate::engine::{ControlPlane, Fact, Message, NodeId, Sim};

/// The standard control plane, told to execute `plan` as soon as the run starts.
pub struct Executing<'a> {
    pub inner: Standard<'a>,
    plan: Option<Plan>,
}

impl<'a> Executing<'a> {
    pub fn new(inner: Standard<'a>, plan: Plan) -> Executing<'a> {
        Executing { inner, plan: Some(plan) }
    }
}

impl ControlPlane for Executing<'_> {
    type Timer = Timer;

    fn start(&mut self, sim: &mut Sim<Timer>) {
        self.inner.start(sim);
        let Some(plan) = self.plan.take() else { return };
        let cluster = self.inner.cluster;
        let old = cluster.node_index(&plan.primary_node_id).map(|i| NodeId(i as u32));
        let target = plan.failover_target_id.as_deref().and_then(|t| cluster.node_index(t)).map(|i| NodeId(i as u32));
        let (Some(old), Some(target)) = (old, target) else { return };
        let now = sim.now();
        self.inner.failover_starts.push(now);
        sim.world.record(Fact::FailoverStarted { from: old });
        let token = self.inner.token();
        let max = self.inner.settings.max_failover;
        self.inner.failover = Some(Failover::new(token, old, target, plan, now, max));
        self.inner.begin_step(sim);
    }

    fn on_message(&mut self, sim: &mut Sim<Timer>, message: Message) {
        self.inner.on_message(sim, message);
    }

    fn on_timer(&mut self, sim: &mut Sim<Timer>, timer: Timer) {
        self.inner.on_timer(sim, timer);
    }

    fn on_lifecycle(&mut self, sim: &mut Sim<Timer>, fact: Fact) {
        self.inner.on_lifecycle(sim, fact);
    }
}
