//! How an [`Aggregate`](super::Aggregate) is written into a progress file and read back
//! exactly, so that shards and interrupted runs merge as if they had run in one
//! process.
//!
//! A histogram is stored as its recorded buckets, `[value, count]` pairs where `value`
//! is the highest value of the bucket: recording `count` at `value` refills the same
//! bucket, so every percentile, the minimum, maximum and mean come back unchanged. The
//! names in a signature are checked against the known invariants and fault kinds,
//! which also gives them back the `'static` lifetime the runner's signatures have.

use super::HISTOGRAM_SIGFIGS;
use crate::check::Invariant;
use crate::model::Fault;
use crate::run::hunt::EXPECTATIONS;
use crate::run::signature::Signature;
use hdrhistogram::Histogram;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `#[serde(with = "histogram_buckets")]` for a `Histogram<u64>`.
pub mod histogram_buckets {
    use super::*;

    pub fn serialize<S: Serializer>(histogram: &Histogram<u64>, serializer: S) -> Result<S::Ok, S::Error> {
        let buckets: Vec<[u64; 2]> =
            histogram.iter_recorded().map(|v| [v.value_iterated_to(), v.count_at_value()]).collect();
        buckets.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Histogram<u64>, D::Error> {
        let buckets = Vec::<[u64; 2]>::deserialize(deserializer)?;
        let mut histogram = Histogram::new(HISTOGRAM_SIGFIGS).map_err(D::Error::custom)?;
        for [value, count] in buckets {
            histogram.record_n(value, count).map_err(|e| D::Error::custom(format!("bucket {value}: {e}")))?;
        }
        Ok(histogram)
    }
}

/// A signature's names as written: owned strings, checked when read.
#[derive(Serialize, Deserialize)]
struct SignatureNames {
    invariant: String,
    faults: Vec<String>,
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Signature, D::Error> {
        let names = SignatureNames::deserialize(deserializer)?;
        let invariants = Invariant::ALL.iter().map(|i| i.as_str()).chain([EXPECTATIONS]);
        let invariant = known(invariants, &names.invariant, "invariant").map_err(D::Error::custom)?;
        let faults = names
            .faults
            .iter()
            .map(|f| known(Fault::KINDS.into_iter(), f, "fault kind"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(D::Error::custom)?;
        Ok(Signature { invariant, faults })
    }
}

/// The name among `names` equal to `name`, with its `'static` lifetime.
fn known(mut names: impl Iterator<Item = &'static str>, name: &str, what: &str) -> Result<&'static str, String> {
    names.find(|n| *n == name).ok_or_else(|| format!("unknown {what} `{name}`"))
}

#[cfg(test)]
mod tests {
    use crate::control::standard::Mutant;
    use crate::model::{load, Fault};
    use crate::report::model::Distribution;
    use crate::run::aggregate::Aggregate;
    use crate::run::matrix::{self, Cell, Options};
    use crate::run::swarm::Swarm;
    use std::sync::atomic::AtomicU64;

    /// A cell's aggregate with violations, examples and signatures in it.
    fn aggregate_with_violations() -> Aggregate {
        let scenario = load::scenario("builtin:region_isolation_long_lease").unwrap().value;
        let cluster = load::topology("builtin:three-region-5").unwrap().value;
        let policy = load::policy("builtin:long-lease").unwrap().value;
        let cell = Cell {
            scenario: &scenario,
            scenario_ref: "region_isolation_long_lease".into(),
            cluster: &cluster,
            cluster_ref: "builtin:three-region-5".into(),
            policy: &policy,
            policy_ref: None,
            first_run: 0,
            runs: 40,
        };
        let options = Options { mutant: Some(Mutant::NoLeaseWait), ..Options::default() };
        matrix::run(&[cell], options, &AtomicU64::new(0)).remove(0)
    }

    #[test]
    fn an_aggregate_reads_back_exactly() {
        let aggregate = aggregate_with_violations();
        assert!(!aggregate.signatures.is_empty() && !aggregate.examples.is_empty(), "the fixture has violations");
        let json = serde_json::to_string(&aggregate).unwrap();
        let read: Aggregate = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), json);
        for (a, b) in [
            (&aggregate.detection_us, &read.detection_us),
            (&aggregate.failover_us, &read.failover_us),
            (&aggregate.unavailable_us, &read.unavailable_us),
        ] {
            assert_eq!(Distribution::of(a), Distribution::of(b));
        }
        assert_eq!(read.signatures, aggregate.signatures);
        assert_eq!(read.examples, aggregate.examples);
    }

    #[test]
    fn unknown_names_in_a_signature_are_refused() {
        let json = serde_json::to_string(&aggregate_with_violations()).unwrap();
        let invariant = aggregate_with_violations().signatures[0].signature.invariant;
        let bad =
            json.replacen(&format!("\"invariant\":\"{invariant}\",\"faults\""), "\"invariant\":\"nope\",\"faults\"", 1);
        assert_ne!(bad, json, "the fixture has a signature to break");
        let error = serde_json::from_str::<Aggregate>(&bad).unwrap_err().to_string();
        assert!(error.contains("unknown invariant `nope`"), "{error}");
    }

    #[test]
    fn fault_kinds_lists_every_kind_a_fault_has() {
        let swarm = Swarm::new();
        let mut seen: Vec<&str> = (0..200)
            .flat_map(|seed| {
                swarm.draw(crate::engine::Seed(seed)).scenario.faults.iter().map(Fault::kind).collect::<Vec<_>>()
            })
            .collect();
        seen.sort_unstable();
        seen.dedup();
        let mut kinds = Fault::KINDS.to_vec();
        kinds.sort_unstable();
        assert_eq!(seen, kinds);
    }
}
