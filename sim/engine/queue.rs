//! The event queue: a min-heap ordered by (time, insertion sequence), so events at the
//! same instant come out in the order they were scheduled, whatever the heap's internal
//! layout. Popping asserts that time never goes back.

use super::time::SimTime;

/// Scheduled events of one run.
///
/// The heap orders small keys (the time, then `sequence << 32 | slot`, where `slot` is
/// where the event waits in a slab whose slots are reused), so sifting moves 16 bytes
/// whatever the event type, and a long run allocates nothing once warmed up. Sequence
/// numbers are unique, so the slot never decides the order.
pub struct EventQueue<E> {
    heap: QuaternaryHeap,
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    next_sequence: u64,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        // A run keeps a few dozen events pending: start there rather than grow to it.
        EventQueue {
            heap: QuaternaryHeap { keys: Vec::with_capacity(64) },
            slots: Vec::with_capacity(64),
            free: Vec::with_capacity(64),
            next_sequence: 0,
            now: SimTime::ZERO,
        }
    }
}

impl<E> EventQueue<E> {
    /// The time of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `at`, which must not be in the past.
    pub fn push(&mut self, at: SimTime, event: E) {
        assert!(at >= self.now, "event scheduled in the past: {at} < now {}", self.now);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 pending events")
            }
        };
        assert!(self.next_sequence < 1 << 32, "fewer than 2^32 events per run");
        self.heap.push((at.0, (self.next_sequence << 32) | u64::from(slot)));
        self.next_sequence += 1;
    }

    /// The next event, advancing `now` to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (at, sequence_slot) = self.heap.pop()?;
        let (at, slot) = (SimTime(at), sequence_slot as u32);
        assert!(at >= self.now, "time went back: {at} < {}", self.now);
        self.now = at;
        self.free.push(slot);
        let event = self.slots[slot as usize].take().expect("a queued slot holds its event");
        Some((at, event))
    }

    /// The time of the next event, without popping it.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|(at, _)| SimTime(at))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// A min-heap with four children per node: half as deep as a binary heap, and a node's
/// children share a cache line, so the few dozen keys a run keeps pending sift faster.
#[derive(Clone, Debug, Default)]
struct QuaternaryHeap {
    keys: Vec<(u64, u64)>,
}

impl QuaternaryHeap {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn peek(&self) -> Option<(u64, u64)> {
        self.keys.first().copied()
    }

    fn push(&mut self, key: (u64, u64)) {
        let mut i = self.keys.len();
        self.keys.push(key);
        while i > 0 {
            let parent = (i - 1) / 4;
            if self.keys[parent] <= key {
                break;
            }
            self.keys[i] = self.keys[parent];
            i = parent;
        }
        self.keys[i] = key;
    }

    fn pop(&mut self) -> Option<(u64, u64)> {
        let top = self.peek()?;
        let last = self.keys.pop().expect("not empty");
        let n = self.keys.len();
        if n == 0 {
            return Some(top);
        }
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let mut smallest = first;
            for c in first + 1..(first + 4).min(n) {
                if self.keys[c] < self.keys[smallest] {
                    smallest = c;
                }
            }
            if self.keys[smallest] >= last {
                break;
            }
            self.keys[i] = self.keys[smallest];
            i = smallest;
        }
        self.keys[i] = last;
        Some(top)
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

    proptest::proptest! {
        #[test]
        fn every_pop_takes_the_smallest_key(keys in proptest::collection::vec((0..50u64, 0..1000u64), 0..200)) {
            let mut heap = QuaternaryHeap::default();
            let mut reference = Vec::new();
            // Interleave pushes and pops, as a run does, then drain.
            for (i, key) in keys.iter().enumerate() {
                heap.push(*key);
                reference.push(*key);
                if i % 3 == 2 {
                    reference.sort_unstable_by(|a, b| b.cmp(a));
                    proptest::prop_assert_eq!(heap.pop(), reference.pop());
                }
            }
            reference.sort_unstable_by(|a, b| b.cmp(a));
            while let Some(expected) = reference.pop() {
                proptest::prop_assert_eq!(heap.pop(), Some(expected));
            }
            proptest::prop_assert_eq!(heap.pop(), None);
        }
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
