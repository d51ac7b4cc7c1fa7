//! What every scorer promises, checked on the same generated data.

use crate::{
    synthetic::{SyntheticConfig, generate},
    *,
};

struct Models {
    index: InteractionIndex,
    popularity: Popularity,
    content: ContentIndex,
    neighbours: ItemNeighbours,
    ease: Ease,
}

fn models() -> Models {
    let data = generate(&SyntheticConfig { users: 200, items: 150, interactions: 4_000, ..SyntheticConfig::default() });
    let index = data.index();
    Models {
        popularity: Popularity::build(&index),
        content: ContentIndex::new(data.item_vectors.clone()),
        neighbours: ItemNeighbours::build(&index, &KnnConfig::default()),
        ease: Ease::fit(&index, &EaseConfig::default()).unwrap(),
        index,
    }
}

fn each_scorer(models: &Models, check: impl Fn(&dyn Scorer)) {
    let hybrid = Hybrid {
        neighbours: &models.neighbours,
        content: Some(&models.content),
        popularity: &models.popularity,
        config: HybridConfig::default(),
    };
    let scorers: [&dyn Scorer; 5] = [&models.popularity, &models.content, &models.neighbours, &hybrid, &models.ease];
    scorers.into_iter().for_each(check);
}

#[test]
fn no_scorer_answers_an_owned_or_excluded_item() {
    let models = models();
    each_scorer(&models, |scorer| {
        for user in 0..50 {
            let items = models.index.user_profile(user);
            let excluded: Vec<ItemIx> = (0..150).filter(|i| i % 7 == 0).collect();
            let filter = ItemFilter::new().excluding(excluded.iter().copied());
            let answer = scorer.recommend(&UserContext::with_items(&items), &filter, 20);
            assert_eq!(answer.len(), 20, "{} gives user {user} a full list", scorer.name());
            for scored in &answer {
                assert!(
                    items.iter().all(|&(owned, _)| owned != scored.item),
                    "{} answered an owned item",
                    scorer.name()
                );
                assert!(!excluded.contains(&scored.item), "{} answered an excluded item", scorer.name());
            }
            assert!(answer.windows(2).all(|w| w[0].score >= w[1].score), "{} ranks best first", scorer.name());
        }
    });
}

#[test]
fn a_new_user_gets_a_non_empty_list_from_the_hybrid_and_popularity() {
    let models = models();
    let hybrid = Hybrid {
        neighbours: &models.neighbours,
        content: Some(&models.content),
        popularity: &models.popularity,
        config: HybridConfig::default(),
    };
    let nobody = UserContext::default();
    assert_eq!(hybrid.recommend(&nobody, &ItemFilter::new(), 10).len(), 10);
    assert_eq!(models.popularity.recommend(&nobody, &ItemFilter::new(), 10).len(), 10);
    // With onboarding preferences only, the hybrid answers by content first.
    let preferences = SparseVector::from_keyword_weights([(0, 1.0), (1, 0.8)]).unwrap();
    let onboarded = UserContext { preferences: Some(&preferences), ..UserContext::default() };
    let answer = hybrid.recommend(&onboarded, &ItemFilter::new(), 10);
    assert_eq!(answer.len(), 10);
    assert_eq!(answer[0].reason, Reason::Content);
}

#[test]
fn a_kind_filter_keeps_answers_to_that_kind() {
    let models = models();
    let kinds: Vec<ItemKind> = (0..150).map(|i| if i % 2 == 0 { ItemKind::Post } else { ItemKind::Course }).collect();
    each_scorer(&models, |scorer| {
        let items = models.index.user_profile(3);
        let answer =
            scorer.recommend(&UserContext::with_items(&items), &ItemFilter::new().of_kind(ItemKind::Post, &kinds), 10);
        assert!(!answer.is_empty(), "{}", scorer.name());
        assert!(answer.iter().all(|s| s.item % 2 == 0), "{} answered a course", scorer.name());
    });
}
