//! The event queue: a binary min-heap ordered by (time, insertion sequence), so events
//! at the same instant come out in the order they were scheduled, whatever the heap's
//! internal layout. Popping asserts that time never goes back.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    at: SimTime,
    sequence: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.sequence) == (other.at, other.sequence)
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, so the max-heap pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.sequence).cmp(&(self.at, self.sequence))
    }
}

/// Scheduled events of one run.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_sequence: u64,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), next_sequence: 0, now: SimTime::ZERO }
    }
}

impl<E> EventQueue<E> {
    /// Empties the queue for a new run, keeping its allocation.
    pub fn reset(&mut self) {
        self.heap.clear();
        self.next_sequence = 0;
        self.now = SimTime::ZERO;
    }

    /// The time of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `at`, which must not be in the past.
    pub fn push(&mut self, at: SimTime, event: E) {
        assert!(at >= self.now, "event scheduled in the past: {at} < now {}", self.now);
        self.heap.push(Entry { at, sequence: self.next_sequence, event });
        self.next_sequence += 1;
    }

    /// The next event, advancing `now` to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = self.heap.pop()?;
        assert!(entry.at >= self.now, "time went back: {} < {}", entry.at, self.now);
        self.now = entry.at;
        Some((entry.at, entry.event))
    }

    /// The time of the next event, without popping it.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.at)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut queue = EventQueue::default();
        for (at, label) in [(5, 'a'), (1, 'b'), (5, 'c'), (1, 'd'), (3, 'e'), (5, 'f')] {
            queue.push(SimTime(at), label);
        }
        let order: String = std::iter::from_fn(|| queue.pop().map(|(_, l)| l)).collect();
        assert_eq!(order, "bdeacf");
    }

    #[test]
    #[should_panic(expected = "event scheduled in the past")]
    fn scheduling_in_the_past_is_a_harness_bug() {
        let mut queue = EventQueue::default();
        queue.push(SimTime(10), ());
        queue.pop();
        queue.push(SimTime(9), ());
    }
}
