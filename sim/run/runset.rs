//! A set of run indices kept as sorted, disjoint, non-adjacent half-open ranges: what
//! a cell has run, what a shard owns, what is left to run after an interruption.
//!
//! Runs finish in any order on a thread pool, but each worker takes a contiguous
//! stretch of indices, so a set stays a handful of ranges however many runs it holds.

use std::ops::Range;

/// Written as `[[start, end], ...]`; reading refuses ranges that are empty, out of
/// order, overlapping or touching, so a set read from a file is as well-formed as one
/// built here.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "Vec<[u64; 2]>", try_from = "Vec<[u64; 2]>")]
pub struct RunSet {
    /// Sorted by start; no two overlap or touch; none is empty.
    ranges: Vec<Range<u64>>,
}

impl RunSet {
    pub fn new() -> RunSet {
        RunSet::default()
    }

    /// The set holding exactly `range`.
    pub fn of(range: Range<u64>) -> RunSet {
        let mut set = RunSet::new();
        set.insert(range);
        set
    }

    pub fn ranges(&self) -> &[Range<u64>] {
        &self.ranges
    }

    /// How many runs the set holds.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|r| r.end - r.start).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Adds `range`, joining it with the ranges it overlaps or touches.
    pub fn insert(&mut self, range: Range<u64>) {
        if range.is_empty() {
            return;
        }
        // Appending after the last range is the common case: a worker's runs arrive in
        // increasing order.
        if let Some(last) = self.ranges.last_mut() {
            if last.end == range.start {
                last.end = range.end;
                return;
            }
        }
        let first = self.ranges.partition_point(|r| r.end < range.start);
        let past = self.ranges.partition_point(|r| r.start <= range.end);
        let mut joined = range;
        if first < past {
            joined.start = joined.start.min(self.ranges[first].start);
            joined.end = joined.end.max(self.ranges[past - 1].end);
        }
        self.ranges.splice(first..past, [joined]);
    }

    /// Adds every run of `other`.
    pub fn union(&mut self, other: &RunSet) {
        for range in &other.ranges {
            self.insert(range.clone());
        }
    }

    /// Whether some run is in both sets.
    pub fn overlaps(&self, other: &RunSet) -> bool {
        other.ranges.iter().any(|range| {
            let first = self.ranges.partition_point(|r| r.end <= range.start);
            self.ranges.get(first).is_some_and(|r| r.start < range.end)
        })
    }

    /// The runs of `self` that are not in `other`.
    pub fn minus(&self, other: &RunSet) -> RunSet {
        let mut left = RunSet::new();
        for range in &self.ranges {
            let mut start = range.start;
            for taken in &other.ranges {
                if taken.end <= start || taken.start >= range.end {
                    continue;
                }
                left.insert(start..taken.start.max(start));
                start = taken.end;
            }
            left.insert(start..range.end.max(start));
        }
        left
    }
}

impl From<RunSet> for Vec<[u64; 2]> {
    fn from(set: RunSet) -> Vec<[u64; 2]> {
        set.ranges.iter().map(|r| [r.start, r.end]).collect()
    }
}

impl TryFrom<Vec<[u64; 2]>> for RunSet {
    type Error = String;

    fn try_from(pairs: Vec<[u64; 2]>) -> Result<RunSet, String> {
        let ranges: Vec<Range<u64>> = pairs.iter().map(|[start, end]| *start..*end).collect();
        if let Some(r) = ranges.iter().find(|r| r.start >= r.end) {
            return Err(format!("run range [{}, {}] is empty or reversed", r.start, r.end));
        }
        if let Some(w) = ranges.windows(2).find(|w| w[0].end >= w[1].start) {
            return Err(format!(
                "run ranges [{}, {}] and [{}, {}] are out of order, overlap or touch",
                w[0].start, w[0].end, w[1].start, w[1].end
            ));
        }
        Ok(RunSet { ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn model(set: &RunSet) -> BTreeSet<u64> {
        set.ranges().iter().flat_map(Clone::clone).collect()
    }

    fn well_formed(set: &RunSet) -> bool {
        set.ranges.iter().all(|r| r.start < r.end) && set.ranges.windows(2).all(|w| w[0].end < w[1].start)
    }

    fn set_of(ranges: &[(u64, u64)]) -> RunSet {
        let mut set = RunSet::new();
        for &(start, len) in ranges {
            set.insert(start..start + len);
        }
        set
    }

    proptest! {
        #[test]
        fn behaves_as_a_set_of_indices_and_stays_well_formed(
            a in proptest::collection::vec((0u64..200, 0u64..20), 0..20),
            b in proptest::collection::vec((0u64..200, 0u64..20), 0..20),
        ) {
            let (sa, sb) = (set_of(&a), set_of(&b));
            let ma: BTreeSet<u64> = a.iter().flat_map(|&(s, l)| s..s + l).collect();
            let mb: BTreeSet<u64> = b.iter().flat_map(|&(s, l)| s..s + l).collect();
            prop_assert!(well_formed(&sa));
            prop_assert_eq!(model(&sa), ma.clone());
            prop_assert_eq!(sa.len(), ma.len() as u64);
            prop_assert_eq!(sa.overlaps(&sb), !ma.is_disjoint(&mb));
            let minus = sa.minus(&sb);
            prop_assert!(well_formed(&minus));
            prop_assert_eq!(model(&minus), ma.difference(&mb).copied().collect::<BTreeSet<u64>>());
            let mut union = sa.clone();
            union.union(&sb);
            prop_assert!(well_formed(&union));
            prop_assert_eq!(model(&union), ma.union(&mb).copied().collect::<BTreeSet<u64>>());
        }
    }

    #[test]
    fn runs_arriving_in_order_stay_one_range() {
        let mut set = RunSet::new();
        for i in 10..1000 {
            set.insert(i..i + 1);
        }
        assert_eq!(set, RunSet::of(10..1000));
        assert_eq!(set.ranges().len(), 1);
    }
}
