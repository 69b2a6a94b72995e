//! The sample run shown as a timeline in the HTML report: one run of a cell re-run
//! with its trace, reduced to the notable facts (crashes, declarations, promotions,
//! DNS flips, first writes, failovers, violations) and its fault windows.
//!
//! Pure: a function of the cell, the run index and the options.

use super::matrix::{Cell, Options};
use super::replay;
use super::single;
use crate::engine::{Fact, NodeId, SimTime};
use crate::faults::{Injector, Placement};
use crate::report::model::{FaultWindow, Finding, SampleRun, SignatureReport, TimelineEvent, WITNESS_WINDOW_MS};

/// Re-runs run `run_index` of `cell` with its trace and builds its timeline.
pub fn sample(cell: &Cell<'_>, run_index: u64, options: Options, reason: String) -> SampleRun {
    let scenario = cell.scenario;
    let request = cell.request(run_index, options, true);
    let seed = request.seed;
    let outcome = single::run(&request);
    let name = |node: NodeId| cell.cluster.nodes.get(node.index()).map_or("?", |n| n.node_id.as_str()).to_string();
    let mut events: Vec<TimelineEvent> = outcome
        .facts
        .iter()
        .filter_map(|(at, fact)| {
            describe(*fact, &name).map(|(kind, label)| TimelineEvent {
                at_ms: at.as_ms(),
                kind: kind.to_string(),
                label,
            })
        })
        .collect();
    for violation in &outcome.violations {
        let label = format!("{}: {}", violation.invariant.as_str(), violation.detail);
        events.push(TimelineEvent { at_ms: violation.at_ms, kind: "violation".to_string(), label });
    }
    events.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
    let duration = SimTime::from_s(scenario.duration_s);
    let injector = Injector::arm(&scenario.faults, Placement::of(cell.cluster), seed);
    let faults = injector
        .armed
        .iter()
        .zip(scenario.faults.iter().zip(&outcome.fired))
        .filter(|(_, (_, fired))| **fired)
        .map(|(armed, (fault, _))| {
            let start = armed.start();
            let point = matches!(fault, crate::model::Fault::ClockSkew(_));
            let end = if point { start } else { armed.end().unwrap_or(duration).min(duration) };
            FaultWindow { start_ms: start.as_ms(), end_ms: end.as_ms(), kind: fault.kind().to_string() }
        })
        .collect();
    SampleRun {
        scenario: scenario.name.clone(),
        cluster_id: cell.cluster.cluster_id.clone(),
        run_index,
        seed: seed.0,
        duration_ms: duration.as_ms(),
        reason,
        replay: replay::command(
            &cell.scenario_ref,
            &cell.cluster_ref,
            cell.policy_ref.as_deref(),
            options.mutant,
            seed,
        ),
        events,
        faults,
    }
}

/// A signature's fastest run of `cell`, re-run with its trace, with the events of the
/// [`WITNESS_WINDOW_MS`] before its violation.
pub fn finding(cell: &Cell<'_>, signature: &SignatureReport, options: Options) -> Finding {
    let reason = format!("fastest run breaking {}", signature.signature);
    let run = sample(cell, signature.run_index, options, reason);
    let witness = run
        .events
        .iter()
        .filter(|e| e.at_ms >= signature.at_ms - WITNESS_WINDOW_MS && e.at_ms <= signature.at_ms)
        .cloned()
        .collect();
    Finding { signature: signature.signature.clone(), runs: signature.runs, run, at_ms: signature.at_ms, witness }
}

/// A fact's lane and one-line label; `None` for facts too frequent to show (leases).
fn describe(fact: Fact, name: &dyn Fn(NodeId) -> String) -> Option<(&'static str, String)> {
    Some(match fact {
        Fact::Crashed(n) => ("crash", format!("{} crashed", name(n))),
        Fact::Restarted(n) => ("restart", format!("{} restarted", name(n))),
        Fact::MonitorCrashed => ("monitor", "the monitor crashed".to_string()),
        Fact::MonitorRestarted => ("monitor", "the monitor restarted".to_string()),
        Fact::Promoted { node, term } => ("promotion", format!("{} promoted in term {term}", name(node))),
        Fact::Demoted(n) => ("demotion", format!("{} stepped down", name(n))),
        Fact::LeaseGranted(_) => return None,
        Fact::DnsFlipped(n) => ("dns", format!("clients routed to {}", name(n))),
        Fact::FirstWrite { node, term, .. } => {
            ("first_write", format!("{} accepts its first write of term {term}", name(node)))
        }
        Fact::Declared { node, failed } => {
            ("declared", format!("the monitor declares {} {}", name(node), if failed { "failed" } else { "healthy" }))
        }
        Fact::FailoverStarted { from } => ("failover", format!("failover away from {} starts", name(from))),
        Fact::FailoverFinished { success } => {
            ("failover", format!("the failover {}", if success { "succeeded" } else { "failed" }))
        }
        Fact::Verified { passed } => {
            ("verified", format!("the verifier {}", if passed { "passed it" } else { "failed it" }))
        }
        Fact::ActionFailed { action } => ("action_failed", format!("a {} attempt failed", action.as_str())),
    })
}
