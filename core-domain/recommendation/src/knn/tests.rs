use super::*;
use crate::{
    index::InteractionIndex,
    synthetic::{SyntheticConfig, generate},
};

/// u0 {0, 1}, u1 {0, 1, 2}, u2 {1, 2}: columns 0 = {u0, u1}, 1 = {u0, u1, u2}, 2 = {u1, u2}.
fn tiny() -> InteractionIndex {
    let triplets = [(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, 1.0), (1, 2, 1.0), (2, 1, 1.0), (2, 2, 1.0)];
    InteractionIndex::build(3, 3, triplets).unwrap()
}

fn config(neighbours: usize, shrink: f32) -> KnnConfig {
    KnnConfig { neighbours, shrink, threads: NonZeroUsize::new(1) }
}

fn similarity(lists: &ItemNeighbours, a: ItemIx, b: ItemIx) -> f32 {
    lists.of(a).iter().find(|n| n.item == b).map_or(0.0, |n| n.similarity)
}

#[test]
fn similarities_are_the_hand_computed_shrunk_cosines() {
    // dot(0,1) = 2, dot(0,2) = 1, dot(1,2) = 2; ‖0‖ = ‖2‖ = √2, ‖1‖ = √3.
    let plain = ItemNeighbours::build(&tiny(), &config(10, 0.0));
    let six = 6f32.sqrt();
    assert!((similarity(&plain, 0, 1) - 2.0 / six).abs() < 1e-6);
    assert!((similarity(&plain, 0, 2) - 0.5).abs() < 1e-6);
    assert!((similarity(&plain, 2, 1) - 2.0 / six).abs() < 1e-6);
    assert_eq!(similarity(&plain, 0, 0), 0.0, "an item is not its own neighbour");

    let shrunk = ItemNeighbours::build(&tiny(), &config(10, 1.0));
    assert!((similarity(&shrunk, 0, 1) - 2.0 / (six + 1.0)).abs() < 1e-6);
    assert!((similarity(&shrunk, 0, 2) - 1.0 / 3.0).abs() < 1e-6);
}

#[test]
fn only_the_top_k_neighbours_are_kept_most_similar_first() {
    let lists = ItemNeighbours::build(&tiny(), &config(1, 1.0));
    assert_eq!(lists.of(0).iter().map(|n| n.item).collect::<Vec<_>>(), vec![1]);
    // Items 0 and 2 tie as neighbours of 1; the lower number wins.
    assert_eq!(lists.of(1).iter().map(|n| n.item).collect::<Vec<_>>(), vec![0]);
    let all = ItemNeighbours::build(&tiny(), &config(5, 1.0));
    assert_eq!(all.of(0).iter().map(|n| n.item).collect::<Vec<_>>(), vec![1, 2]);
}

#[test]
fn a_user_is_scored_by_the_sum_of_their_items_similarities_without_what_they_own() {
    let lists = ItemNeighbours::build(&tiny(), &config(5, 1.0));
    let six = 6f32.sqrt();
    let ranked = lists.rank(&[(0, 1.0)], &ItemFilter::new(), 10);
    assert_eq!(ranked.iter().map(|s| s.item).collect::<Vec<_>>(), vec![1, 2]);
    assert!((ranked[0].score - 2.0 / (six + 1.0)).abs() < 1e-6);
    let ranked = lists.rank(&[(0, 1.0), (2, 1.0)], &ItemFilter::new(), 10);
    assert_eq!(ranked.len(), 1, "items 0 and 2 are owned");
    assert!((ranked[0].score - 4.0 / (six + 1.0)).abs() < 1e-6, "sim(0,1) + sim(2,1)");
    assert_eq!(ranked[0].reason, Reason::Collaborative);
    let refused = lists.rank(&[(0, 1.0)], &ItemFilter::new().excluding([1]), 10);
    assert_eq!(refused.iter().map(|s| s.item).collect::<Vec<_>>(), vec![2], "the caller excluded item 1");
}

#[test]
fn a_new_like_changes_the_answer_at_once_without_a_rebuild() {
    // Two tastes: users 0 and 1 share items {0, 1}, users 2 and 3 share {2, 3}.
    let triplets =
        [(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0), (2, 3, 1.0), (3, 2, 1.0), (3, 3, 1.0)];
    let lists = ItemNeighbours::build(&InteractionIndex::build(4, 4, triplets).unwrap(), &KnnConfig::default());
    let before = lists.rank(&[(0, 1.0)], &ItemFilter::new(), 10);
    assert_eq!(before.iter().map(|s| s.item).collect::<Vec<_>>(), vec![1]);
    let after = lists.rank(&[(0, 1.0), (2, 0.5)], &ItemFilter::new(), 10);
    let mut items: Vec<ItemIx> = after.iter().map(|s| s.item).collect();
    items.sort_unstable();
    assert_eq!(items, vec![1, 3], "the liked item 2 brings its neighbour 3");
    assert!(lists.rank(&[(9, 1.0)], &ItemFilter::new(), 10).is_empty(), "an item newer than the lists");
}

#[test]
fn similar_items_come_from_the_lists_and_round_trip_through_storage() {
    let lists = ItemNeighbours::build(&tiny(), &config(5, 1.0));
    assert_eq!(lists.similar(1, &ItemFilter::new(), 1).len(), 1);
    let stored: Vec<Vec<Neighbour>> = lists.lists().map(|(_, list)| list.to_vec()).collect();
    assert_eq!(ItemNeighbours::from_lists(stored), lists);
}

#[test]
fn the_threaded_rebuild_equals_the_single_threaded_one() {
    let data = generate(&SyntheticConfig { users: 400, items: 300, interactions: 6_000, ..SyntheticConfig::default() });
    let index = data.index();
    let one = ItemNeighbours::build(&index, &config(20, 10.0));
    let four = ItemNeighbours::build(&index, &KnnConfig { threads: NonZeroUsize::new(4), ..config(20, 10.0) });
    assert_eq!(one, four);
    assert!(one.lists().filter(|(_, list)| list.len() == 20).count() > 100, "most items have full lists");
}
