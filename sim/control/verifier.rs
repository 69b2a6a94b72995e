//! The verifier: after a failover's actions, checks from the control plane's own view
//! that the result is sound (seed 001: consistency, policy, quorum, freshness) and
//! scores its confidence 0-100.
//!
//! Its one piece of fresh evidence is the `verify` command's reply: the new primary
//! confirms it is up and primary in the failover's term. The rest comes from the
//! monitor's heartbeat view, which is seconds old (a target that crashed since its last
//! heartbeat still looks healthy there), so without that confirmation it fails the
//! failover. Whether it is *right* is the `verifier_agreement` invariant's business,
//! judged from ground truth.

use super::standard::{Mutant, Standard, Timer};
use crate::engine::Sim;
use serde::Serialize;

/// What the `verify` command to the new primary brought back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// The node replied: it is up and primary in the failover's term.
    Confirmed,
    /// No reply before the step's timeout: it is down, cut off, or no longer primary.
    Missing,
}

/// The verifier's report on one failover.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VerificationReport {
    pub passed: bool,
    pub consistency_ok: bool,
    pub policy_ok: bool,
    pub quorum_ok: bool,
    pub freshness_ok: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub confidence: Confidence,
}

/// A 0-100 score and its band (seed 001: `very_high` at 90 and above).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Confidence {
    pub score: u8,
    pub band: &'static str,
}

impl Confidence {
    /// 100, less 25 per error and 10 per warning.
    pub fn from_findings(errors: usize, warnings: usize) -> Confidence {
        let score = 100u32.saturating_sub(25 * errors as u32 + 10 * warnings as u32) as u8;
        let band = match score {
            90.. => "very_high",
            75..=89 => "high",
            50..=74 => "medium",
            _ => "low",
        };
        Confidence { score, band }
    }
}

impl VerificationReport {
    pub fn summary(&self) -> String {
        let verdict = if self.passed { "passed" } else { "failed" };
        let mut text =
            format!("verification {verdict}, confidence {} ({})", self.confidence.score, self.confidence.band);
        for error in &self.errors {
            text.push_str("; error: ");
            text.push_str(error);
        }
        for warning in &self.warnings {
            text.push_str("; warning: ");
            text.push_str(warning);
        }
        text
    }
}

impl Standard<'_> {
    /// Verifies the running failover, just before it finishes, given what the new
    /// primary answered to the `verify` command.
    pub(super) fn verify_failover(&self, sim: &Sim<Timer>, confirmation: Confirmation) -> VerificationReport {
        let f = self.failover.as_ref().expect("verification runs inside a failover");
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let target = self.monitor.nodes[f.target.index()];
        let other_claims = self
            .monitor
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, r)| *i != f.target.index() && r.claims_primary && !r.failed && r.term >= f.term)
            .count();
        let confirmed = confirmation == Confirmation::Confirmed;
        let consistency_ok = confirmed && other_claims == 0 && f.dns_flipped && !target.failed;
        if !confirmed {
            errors.push(format!(
                "the new primary {} did not confirm it is primary in term {} before the timeout",
                self.node_name(f.target),
                f.term
            ));
        }
        if other_claims > 0 {
            errors.push(format!("{other_claims} other node(s) claim the primary role in term {}", f.term));
        }
        if !f.dns_flipped {
            errors.push("DNS was not flipped to the new primary".to_string());
        }
        if target.failed {
            errors.push(format!("the new primary {} is declared failed", self.node_name(f.target)));
        }
        let elapsed = sim.now() - f.started;
        let policy_ok = elapsed <= self.settings.max_failover;
        if !policy_ok {
            errors.push(format!("took {elapsed}, more than max_failover_time_s"));
        }
        if !f.excluded.is_empty() {
            warnings.push(format!("re-planned after {} failed promotion(s)", f.excluded.len()));
        }
        let quorum_ok = self.has_quorum();
        if !quorum_ok {
            errors.push("no quorum of healthy voters".to_string());
        }
        let freshest = self.monitor.nodes.iter().map(|r| r.position).max().unwrap_or(0);
        let behind_ms =
            freshest.saturating_sub(target.position) as f64 / self.settings.writes_per_ms.max(f64::MIN_POSITIVE);
        let freshness_ok = behind_ms <= self.policy.max_lag_ms;
        if !freshness_ok {
            warnings.push(format!("the new primary reported {behind_ms:.0} ms behind the freshest node"));
        }
        let passed = errors.is_empty() || self.is(Mutant::VerifierAlwaysPasses);
        let confidence = Confidence::from_findings(errors.len(), warnings.len());
        VerificationReport { passed, consistency_ok, policy_ok, quorum_ok, freshness_ok, errors, warnings, confidence }
    }
}
