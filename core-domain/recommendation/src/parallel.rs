//! Work split over scoped threads: chunks of a range handed out by an atomic counter, so a slow
//! chunk (a very popular item) does not leave the other cores idle.

use std::{
    num::NonZeroUsize,
    ops::Range,
    sync::atomic::{AtomicUsize, Ordering},
};

/// The thread count to use: `requested`, or every core the process may use.
pub(crate) fn thread_count(requested: Option<NonZeroUsize>) -> usize {
    requested.or_else(|| std::thread::available_parallelism().ok()).map_or(1, NonZeroUsize::get)
}

/// `work` over `0..len` in chunks of `chunk`, on `threads` threads each holding its own scratch
/// state from `scratch`; the results in chunk order.
pub(crate) fn map_chunks<S, T, F>(
    len: usize,
    chunk: usize,
    threads: usize,
    scratch: impl Fn() -> S + Sync,
    work: F,
) -> Vec<T>
where
    T: Send,
    F: Fn(&mut S, Range<usize>) -> T + Sync,
{
    let chunk = chunk.max(1);
    let next = AtomicUsize::new(0);
    let run = || {
        let mut state = scratch();
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(chunk, Ordering::Relaxed);
            if start >= len {
                return done;
            }
            let range = start..(start + chunk).min(len);
            done.push((start, work(&mut state, range)));
        }
    };
    let threads = threads.clamp(1, len.div_ceil(chunk).max(1));
    let mut results: Vec<(usize, T)> = if threads == 1 {
        run()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(run)).collect();
            handles
                .into_iter()
                .flat_map(|handle| handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    results.sort_unstable_by_key(|(start, _)| *start);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chunk_is_done_once_and_results_come_back_in_order() {
        for threads in [1, 2, 5] {
            let sums = map_chunks(
                103,
                10,
                threads,
                || 0usize,
                |calls, range| {
                    *calls += 1;
                    range.sum::<usize>()
                },
            );
            assert_eq!(sums.len(), 11);
            assert_eq!(sums[0], (0..10).sum::<usize>());
            assert_eq!(sums[10], 100 + 101 + 102);
            assert_eq!(sums.iter().sum::<usize>(), (0..103).sum::<usize>());
        }
        assert!(map_chunks(0, 10, 2, || (), |_, range| range.len()).is_empty());
    }
}
