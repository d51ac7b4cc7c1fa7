//! The rebuild benchmark: 100,000 users × 20,000 items × 1,000,000 generated interactions, the
//! neighbour lists and popularity rebuilt, then top-20 answers served from the lists.
//!
//! ```text
//! /usr/bin/time -v cargo run --release -p cercat-recommendation --example rebuild [-- --threads 2]
//! ```
//!
//! Targets (issue 17): rebuild ≤ 60 s and ≤ 1 GiB on 2 cores; serving p99 ≤ 5 ms.

use cercat_recommendation::{
    Ease, EaseConfig, ItemFilter, ItemNeighbours, KnnConfig, Popularity, SplitMix64,
    synthetic::{SyntheticConfig, generate},
};
use std::{num::NonZeroUsize, process::ExitCode, time::Instant};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut threads = None;
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next().and_then(|v| v.parse::<usize>().ok())) {
            ("--threads", Some(count)) => threads = NonZeroUsize::new(count),
            _ => {
                eprintln!("rebuild: usage: rebuild [--threads N]");
                return ExitCode::FAILURE;
            }
        }
    }

    let started = Instant::now();
    let data = generate(&SyntheticConfig::rebuild_benchmark());
    println!("generated {} interactions in {:.2} s", data.interactions.len(), started.elapsed().as_secs_f64());

    let started = Instant::now();
    let index = data.index();
    drop(data);
    let indexed = started.elapsed().as_secs_f64();
    let config = KnnConfig { threads, ..KnnConfig::default() };
    let neighbours = ItemNeighbours::build(&index, &config);
    let popularity = Popularity::build(&index);
    let rebuilt = started.elapsed().as_secs_f64();
    let kept: usize = neighbours.lists().map(|(_, list)| list.len()).sum();
    println!(
        "rebuild: {} users × {} items × {} interactions → {kept} neighbours (K = {}, shrink = {}) in {rebuilt:.2} s \
         (index {indexed:.2} s) on {} thread(s)",
        index.users(),
        index.items(),
        index.interactions(),
        config.neighbours,
        config.shrink,
        threads.map_or_else(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get), NonZeroUsize::get),
    );
    match Ease::fit(&index, &EaseConfig::default()) {
        Ok(_) => println!("ease: fitted"),
        Err(error) => println!("ease: {error}"),
    }

    // Serving: a random user's current items (plus one just liked) ranked from the lists.
    let mut rng = SplitMix64::new(9);
    let mut latencies = Vec::with_capacity(10_000);
    let filter = ItemFilter::new();
    let mut answered = 0usize;
    for _ in 0..10_000 {
        let user = rng.below(index.users() as u64) as u32;
        let mut items = index.user_profile(user);
        items.push((rng.below(index.items() as u64) as u32, 0.5));
        let asked = Instant::now();
        let mut answer = neighbours.rank(&items, &filter, 20);
        if answer.len() < 20 {
            answer.extend(popularity.top(&[], &filter, 20 - answer.len()));
        }
        latencies.push(asked.elapsed().as_secs_f64() * 1e3);
        answered += answer.len();
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "serve top-20 from the lists, 10,000 users: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({answered} items answered)",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    ExitCode::SUCCESS
}
