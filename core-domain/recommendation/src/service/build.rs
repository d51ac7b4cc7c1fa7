//! The rebuild's computation: the catalogue and interactions the source gave, turned into a
//! [`ModelSnapshot`] — keyword vectors, popularity and neighbour lists. The neighbour lists are
//! item-kNN's, or EASE's strongest weights per item when EASE fits the catalogue and beats
//! item-kNN on a time split of the same data.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    keywords,
    ports::{ItemFacts, ModelItem, ModelSnapshot, TimedInteraction},
};
use crate::{
    Catalogue, Ease, EaseConfig, IndexError, InteractionIndex, ItemFilter, ItemNeighbours, KnnConfig, Neighbour,
    Popularity,
    eval::{self, Dataset, EvaluationConfig, SplitKind},
    model::{ItemIx, ItemKey},
};

/// How a model is built.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildConfig {
    /// Item-kNN's parameters.
    pub knn: KnnConfig,
    /// EASE's parameters (its item limit decides whether it is tried).
    pub ease: EaseConfig,
    /// Whether EASE is tried at all.
    pub try_ease: bool,
}

impl Default for BuildConfig {
    fn default() -> Self {
        Self { knn: KnnConfig::default(), ease: EaseConfig::default(), try_ease: true }
    }
}

/// What a build did, for the job's record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildSummary {
    /// Items in the model.
    pub items: usize,
    /// Users with interactions.
    pub users: usize,
    /// Interactions counted (those of items no longer recommendable are left out).
    pub interactions: usize,
    /// The scorer the neighbour lists come from.
    pub scorer: String,
    /// NDCG@10 of item-kNN and EASE on a time split of the data, when both were measured.
    pub compared: Option<(f64, f64)>,
    /// Why EASE was not used, when it was not.
    pub ease_skipped: Option<String>,
}

/// Builds the model of `items` and `interactions` (those of items not in `items` — deleted or
/// hidden since — are left out). Refused only for a weight that is not positive and finite.
pub fn build(
    items: &[ItemFacts],
    interactions: &[TimedInteraction],
    config: &BuildConfig,
    at: DateTime<Utc>,
) -> Result<(ModelSnapshot, BuildSummary), IndexError> {
    let mut catalogue = Catalogue::new();
    for item in items {
        catalogue.add_item(item.key);
    }
    let known: HashSet<ItemKey> = items.iter().map(|item| item.key).collect();
    let kept: Vec<&TimedInteraction> = interactions.iter().filter(|t| known.contains(&t.interaction.item)).collect();
    let index = catalogue.index_interactions(kept.iter().map(|t| t.interaction))?;
    let popularity = Popularity::build(&index);
    let knn = ItemNeighbours::build(&index, &config.knn);
    let (neighbours, scorer, compared, ease_skipped) = choose(items, &kept, &index, config);
    let model_items = items
        .iter()
        .filter_map(|facts| {
            let ix = catalogue.item(&facts.key)?;
            let listed = neighbours.as_ref().map_or_else(|| knn.of(ix), |lists| lists.of(ix));
            Some(ModelItem {
                key: facts.key,
                title: facts.title.clone(),
                certificate_id: facts.certificate_id,
                keywords: keywords::of_item(facts),
                popularity: popularity.count(ix),
                on_offer: facts.on_offer,
                closes_at: facts.closes_at,
                neighbours: listed
                    .iter()
                    .filter_map(|n| catalogue.item_key(n.item).map(|key| (key, n.similarity)))
                    .collect(),
            })
        })
        .collect();
    let summary = BuildSummary {
        items: catalogue.items(),
        users: index.users(),
        interactions: index.interactions(),
        scorer: scorer.to_owned(),
        compared,
        ease_skipped,
    };
    let snapshot = ModelSnapshot {
        built_at: at,
        scorer: scorer.to_owned(),
        users: index.users() as u64,
        interactions: index.interactions() as u64,
        items: model_items,
    };
    Ok((snapshot, summary))
}

type Choice = (Option<ItemNeighbours>, &'static str, Option<(f64, f64)>, Option<String>);

/// EASE's lists when it fits and wins on a time split, item-kNN's otherwise.
fn choose(items: &[ItemFacts], kept: &[&TimedInteraction], index: &InteractionIndex, config: &BuildConfig) -> Choice {
    if !config.try_ease {
        return (None, "item-knn", None, Some("not tried (disabled)".into()));
    }
    if index.items() > config.ease.max_items {
        let why = format!("{} items are more than EASE's {}", index.items(), config.ease.max_items);
        return (None, "item-knn", None, Some(why));
    }
    let dataset = match dataset(items, kept, false) {
        Ok(dataset) => dataset,
        Err(err) => return (None, "item-knn", None, Some(err)),
    };
    let evaluation = EvaluationConfig {
        split: SplitKind::Time,
        knn: config.knn,
        ease: config.ease,
        threads: config.knn.threads,
        ..EvaluationConfig::default()
    };
    let report = match eval::evaluate(&dataset, &evaluation) {
        Ok(report) => report,
        Err(err) => return (None, "item-knn", None, Some(format!("not compared: {err}"))),
    };
    let ndcg = |name: &str| report.rows.iter().find(|row| row.scorer == name).map(|row| row.ndcg);
    let (Some(by_knn), Some(by_ease)) = (ndcg("item-knn"), ndcg("ease")) else {
        return (None, "item-knn", None, Some("EASE was not evaluated".into()));
    };
    if by_ease <= by_knn {
        return (None, "item-knn", Some((by_knn, by_ease)), Some("item-kNN ranked better".into()));
    }
    match Ease::fit(index, &config.ease) {
        Ok(ease) => {
            let k = config.knn.neighbours;
            let lists = (0..index.items() as ItemIx).map(|item| {
                ease.rank(&[(item, 1.0)], &ItemFilter::new(), k)
                    .into_iter()
                    .map(|s| Neighbour { item: s.item, similarity: s.score })
                    .collect::<Vec<_>>()
            });
            (Some(ItemNeighbours::from_lists(lists)), "ease", Some((by_knn, by_ease)), None)
        }
        Err(err) => (None, "item-knn", Some((by_knn, by_ease)), Some(err.to_string())),
    }
}

/// The evaluation dataset of Cercat's own data: users and items as `kind:id`, timestamps in
/// seconds, keyword vectors from the items' facts when `with_keywords`.
pub fn dataset(items: &[ItemFacts], kept: &[&TimedInteraction], with_keywords: bool) -> Result<Dataset, String> {
    let name = |key: &ItemKey| format!("{:?}:{}", key.kind, key.id);
    let records = kept.iter().map(|t| {
        let i = t.interaction;
        (i.user.to_string(), name(&i.item), i.effective_weight(), Some(t.at.timestamp()))
    });
    let keywords = with_keywords.then(|| items.iter().map(|item| (name(&item.key), keywords::of_item(item))).collect());
    Dataset::from_records(records, keywords).map_err(|err| err.to_string())
}
