//! Synthetic interaction data with known structure, for benchmarks and for evaluating the scorers
//! when no public dataset is at hand: items belong to taste clusters and have a power-law
//! popularity; each user mostly picks from one cluster, otherwise from the whole catalogue.

use crate::{index::InteractionIndex, model::ItemIx, rng::SplitMix64, vector::SparseVector};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The shape of the data to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyntheticConfig {
    /// Users to generate.
    pub users: usize,
    /// Items in the catalogue.
    pub items: usize,
    /// Distinct (user, item) interactions to aim for (met exactly unless users run out of items).
    pub interactions: usize,
    /// The fewest interactions a user has.
    pub min_per_user: usize,
    /// Taste clusters; each item belongs to one, each user prefers one.
    pub clusters: usize,
    /// The share of a user's picks made within their cluster (the rest follow global popularity).
    pub taste: f64,
    /// Zipf exponent of item popularity: the item of popularity rank r is picked ∝ 1/(r+1)^s.
    pub popularity_exponent: f64,
    /// Keywords specific to each cluster (items carry three of their cluster's and one shared).
    pub keywords_per_cluster: usize,
    /// The seed; the same config gives the same data.
    pub seed: u64,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self::movielens_100k_shape()
    }
}

impl SyntheticConfig {
    /// 943 users × 1,682 items × 100,000 interactions, at least 20 per user: MovieLens-100k's shape.
    /// The exponent and taste are chosen so popularity scores P@10 ≈ 0.19 under the random 75/25
    /// protocol, as it does on MovieLens-100k, and the most popular item has ~800 users (583 there).
    pub fn movielens_100k_shape() -> Self {
        Self {
            users: 943,
            items: 1_682,
            interactions: 100_000,
            min_per_user: 20,
            clusters: 18,
            taste: 0.6,
            popularity_exponent: 0.7,
            keywords_per_cluster: 8,
            seed: 42,
        }
    }

    /// 100,000 users × 20,000 items × 1,000,000 interactions: the rebuild benchmark.
    pub fn rebuild_benchmark() -> Self {
        Self {
            users: 100_000,
            items: 20_000,
            interactions: 1_000_000,
            min_per_user: 2,
            clusters: 50,
            ..Self::default()
        }
    }
}

/// One generated interaction; timestamps increase along each user's history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyntheticInteraction {
    /// The user's dense number.
    pub user: u32,
    /// The item's dense number.
    pub item: ItemIx,
    /// Always 1: every generated interaction counts the same.
    pub weight: f32,
    /// Seconds since an arbitrary epoch.
    pub timestamp: i64,
}

/// Generated users, items, interactions and item keywords.
#[derive(Debug, Clone)]
pub struct SyntheticData {
    /// The config it was generated from.
    pub config: SyntheticConfig,
    /// Every interaction, user by user in time order.
    pub interactions: Vec<SyntheticInteraction>,
    /// Each item's taste cluster.
    pub item_clusters: Vec<u32>,
    /// Each item's keyword vector; keyword `t` is named `k{t}`.
    pub item_vectors: Vec<SparseVector>,
}

impl SyntheticData {
    /// The interaction matrix of the whole data.
    pub fn index(&self) -> InteractionIndex {
        let triplets = self.interactions.iter().map(|i| (i.user, i.item, i.weight));
        // Generated weights are 1 and the numbers in range, so the build cannot refuse them.
        InteractionIndex::build(self.config.users, self.config.items, triplets).unwrap_or_default()
    }
}

/// Data of `config`'s shape; the same config always gives the same data.
pub fn generate(config: &SyntheticConfig) -> SyntheticData {
    let mut rng = SplitMix64::new(config.seed);
    let clusters = config.clusters.max(1);
    let item_clusters: Vec<u32> = (0..config.items).map(|_| rng.below(clusters as u64) as u32).collect();

    // Popularity ranks are a random permutation so that popularity is independent of the cluster.
    let mut ranks: Vec<usize> = (0..config.items).collect();
    rng.shuffle(&mut ranks);
    let appeal: Vec<f64> = ranks.iter().map(|&r| 1.0 / ((r + 1) as f64).powf(config.popularity_exponent)).collect();
    let global = Sampler::new((0..config.items as ItemIx).collect(), &appeal);
    let by_cluster: Vec<Sampler> = (0..clusters as u32)
        .map(|c| {
            Sampler::new((0..config.items as ItemIx).filter(|&i| item_clusters[i as usize] == c).collect(), &appeal)
        })
        .collect();

    let counts = activity(config, &mut rng);
    let mut interactions = Vec::with_capacity(counts.iter().sum());
    for (user, &count) in counts.iter().enumerate() {
        let cluster = &by_cluster[rng.below(clusters as u64) as usize];
        let mut picked = HashSet::with_capacity(count);
        let mut timestamp = 880_000_000 + rng.below(10_000_000) as i64;
        let mut attempts = 0;
        while picked.len() < count && attempts < count * 50 {
            attempts += 1;
            let source = if rng.next_f64() < config.taste && !cluster.is_empty() { cluster } else { &global };
            let Some(item) = source.draw(&mut rng) else { break };
            if picked.insert(item) {
                timestamp += 1 + rng.below(86_400) as i64;
                interactions.push(SyntheticInteraction { user: user as u32, item, weight: 1.0, timestamp });
            }
        }
    }
    let item_vectors = keywords(config, &item_clusters, &mut rng);
    SyntheticData { config: config.clone(), interactions, item_clusters, item_vectors }
}

/// Per-user interaction counts: Pareto-distributed (a few very active users), at least
/// `min_per_user`, at most half the catalogue, summing to `interactions` where possible.
fn activity(config: &SyntheticConfig, rng: &mut SplitMix64) -> Vec<usize> {
    if config.users == 0 {
        return Vec::new();
    }
    let cap = (config.items / 2).max(1);
    let floor = config.min_per_user.min(cap);
    let raw: Vec<f64> = (0..config.users).map(|_| (1.0 - rng.next_f64()).powf(-1.0 / 1.5)).collect();
    let spare = config.interactions.saturating_sub(floor * config.users) as f64;
    let total: f64 = raw.iter().sum();
    let mut counts: Vec<usize> = raw.iter().map(|r| (floor + (r / total * spare) as usize).min(cap)).collect();
    let mut sum: usize = counts.iter().sum();
    let mut guard = 0;
    while sum != config.interactions && guard < 20 * config.interactions {
        guard += 1;
        let user = rng.below(config.users as u64) as usize;
        if sum < config.interactions && counts[user] < cap {
            counts[user] += 1;
            sum += 1;
        } else if sum > config.interactions && counts[user] > floor {
            counts[user] -= 1;
            sum -= 1;
        }
    }
    counts
}

/// Three keywords of the item's cluster (weights 0.5–1) and one shared keyword (0.1–0.4).
fn keywords(config: &SyntheticConfig, item_clusters: &[u32], rng: &mut SplitMix64) -> Vec<SparseVector> {
    let per_cluster = config.keywords_per_cluster.max(1) as u64;
    let shared_base = config.clusters.max(1) as u64 * per_cluster;
    item_clusters
        .iter()
        .map(|&cluster| {
            let mut pairs: Vec<(u32, f32)> = (0..3)
                .map(|_| {
                    ((cluster as u64 * per_cluster + rng.below(per_cluster)) as u32, 0.5 + 0.5 * rng.next_f64() as f32)
                })
                .collect();
            pairs.push(((shared_base + rng.below(20)) as u32, 0.1 + 0.3 * rng.next_f64() as f32));
            SparseVector::from_keyword_weights(pairs).unwrap_or_default()
        })
        .collect()
}

/// Draws items with probability proportional to their appeal (inverse CDF by binary search).
struct Sampler {
    items: Vec<ItemIx>,
    cumulative: Vec<f64>,
}

impl Sampler {
    fn new(items: Vec<ItemIx>, appeal: &[f64]) -> Self {
        let mut running = 0.0;
        let cumulative = items
            .iter()
            .map(|&item| {
                running += appeal[item as usize];
                running
            })
            .collect();
        Self { items, cumulative }
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn draw(&self, rng: &mut SplitMix64) -> Option<ItemIx> {
        let total = *self.cumulative.last()?;
        let target = rng.next_f64() * total;
        let at = self.cumulative.partition_point(|&c| c <= target).min(self.items.len() - 1);
        Some(self.items[at])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_movielens_shape_is_met_and_reproducible() {
        let config = SyntheticConfig::movielens_100k_shape();
        let data = generate(&config);
        assert_eq!(data.interactions.len(), 100_000);
        let index = data.index();
        assert_eq!((index.users(), index.items(), index.interactions()), (943, 1_682, 100_000), "no duplicate pairs");
        assert!((0..943).all(|u| index.user_items(u).0.len() >= 20));
        assert_eq!(generate(&config).interactions, data.interactions);
        let other = generate(&SyntheticConfig { seed: 7, ..config });
        assert_ne!(other.interactions, data.interactions);
    }

    #[test]
    fn popularity_follows_a_power_law_and_users_follow_their_cluster() {
        let data = generate(&SyntheticConfig::movielens_100k_shape());
        let index = data.index();
        let mut counts: Vec<usize> = (0..1_682).map(|i| index.user_count(i)).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top_tenth: usize = counts[..168].iter().sum();
        // A uniform catalogue would give its top tenth 10 % of the interactions.
        assert!(top_tenth > 25_000, "the top 10 % of items hold a quarter of interactions or more: {top_tenth}");
        assert!(
            counts[0] > 500 && counts[1_681] < 20,
            "a head of hits and a long tail: {} … {}",
            counts[0],
            counts[1_681]
        );
        // With taste 0.6 over 18 clusters, a user's most frequent cluster holds well over 1/18 of their items.
        let user_items = index.user_items(0).0;
        let mut per_cluster = [0usize; 18];
        user_items.iter().for_each(|&i| per_cluster[data.item_clusters[i as usize] as usize] += 1);
        let top = per_cluster.iter().max().copied().unwrap_or(0);
        assert!(top * 3 > user_items.len(), "{top} of {}", user_items.len());
        assert!(data.item_vectors.iter().all(|v| v.len() >= 2 && v.iter().all(|(_, w)| w > 0.0 && w <= 1.0)));
    }
}
