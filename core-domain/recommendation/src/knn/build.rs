//! The rebuild of the neighbour lists: for each item, the dot products with every item sharing a
//! user (walking item → users → items), shrunk cosine, top K — items split across threads.

use super::{ItemNeighbours, KnnConfig, Neighbour, sort_most_similar_first};
use crate::{index::InteractionIndex, model::ItemIx, parallel};

/// Items per unit of work: small enough to balance a power-law catalogue over the threads.
const CHUNK: usize = 128;

/// One thread's scratch: dot products by item, which entries are non-zero, and the candidates.
struct Scratch {
    dots: Vec<f32>,
    touched: Vec<ItemIx>,
    candidates: Vec<Neighbour>,
}

impl ItemNeighbours {
    /// The neighbour lists of every item of `index`.
    ///
    /// `sim(a, b) = Σ_u w_ua·w_ub / (‖a‖·‖b‖ + shrink)`, the norms over each item's column of
    /// weights. The cost is `Σ_users |items(u)|²` multiply-adds, shared over the threads; memory is
    /// one `f32` per item per thread plus K neighbours per item.
    pub fn build(index: &InteractionIndex, config: &KnnConfig) -> Self {
        let items = index.items();
        let norms: Vec<f32> = (0..items)
            .map(|item| index.item_users(item as ItemIx).1.iter().map(|w| w * w).sum::<f32>().sqrt())
            .collect();
        let threads = parallel::thread_count(config.threads);
        let chunks = parallel::map_chunks(
            items,
            CHUNK,
            threads,
            || Scratch { dots: vec![0.0; items], touched: Vec::new(), candidates: Vec::new() },
            |scratch, range| {
                range.map(|item| neighbours_of(index, &norms, config, scratch, item as ItemIx)).collect::<Vec<_>>()
            },
        );
        Self::from_sorted_lists(chunks.into_iter().flatten())
    }

    fn from_sorted_lists(lists: impl Iterator<Item = Vec<Neighbour>>) -> Self {
        let mut offsets = vec![0];
        let mut neighbours = Vec::new();
        for list in lists {
            neighbours.extend(list);
            offsets.push(neighbours.len());
        }
        neighbours.shrink_to_fit();
        Self { offsets, neighbours }
    }
}

fn neighbours_of(
    index: &InteractionIndex,
    norms: &[f32],
    config: &KnnConfig,
    scratch: &mut Scratch,
    item: ItemIx,
) -> Vec<Neighbour> {
    let (users, weights) = index.item_users(item);
    for (&user, &weight) in users.iter().zip(weights) {
        let (others, other_weights) = index.user_items(user);
        for (&other, &other_weight) in others.iter().zip(other_weights) {
            if other == item {
                continue;
            }
            let dot = &mut scratch.dots[other as usize];
            if *dot == 0.0 {
                scratch.touched.push(other);
            }
            *dot += weight * other_weight;
        }
    }
    let norm = norms[item as usize];
    let candidates = &mut scratch.candidates;
    candidates.clear();
    candidates.extend(scratch.touched.drain(..).map(|other| {
        let dot = std::mem::take(&mut scratch.dots[other as usize]);
        Neighbour { item: other, similarity: dot / (norm * norms[other as usize] + config.shrink) }
    }));
    let keep = config.neighbours;
    if candidates.len() > keep {
        candidates.select_nth_unstable_by(keep, |a, b| b.similarity.total_cmp(&a.similarity).then(a.item.cmp(&b.item)));
        candidates.truncate(keep);
    }
    sort_most_similar_first(candidates);
    // A fresh vector of exactly K: the candidates can number the whole catalogue, and keeping
    // their capacity per item would cost gigabytes on a large catalogue.
    candidates.to_vec()
}
