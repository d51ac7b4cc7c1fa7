//! `recommendation-eval` on generated data of known structure (item-kNN must beat popularity,
//! by the margin the test names) and on Cercat's demo data; `recommendation-rebuild` stores a
//! model the api answers from and records what it built.

use std::io::Write as _;

use cercat_common::jobs::JobStatus;
use cercat_jobs::{JobContext, Params, RunOutcome, jobs, run_job};
use cercat_recommendation::synthetic::{SyntheticConfig, generate};
use serde_json::Value;

use crate::scheduler::context;

async fn run(ctx: &JobContext, name: &str, params: &[(&str, &str)]) -> (i64, Value) {
    let job = jobs::find(name).unwrap();
    let params: Params = params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    match run_job(job.as_ref(), ctx, &params).await {
        RunOutcome::Finished { run_id, status: JobStatus::Succeeded, report } => (run_id, report.summary.unwrap()),
        other => panic!("{name} did not succeed: {other:?}"),
    }
}

fn row<'a>(summary: &'a Value, scorer: &str) -> &'a Value {
    summary["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scorer"] == scorer)
        .unwrap_or_else(|| panic!("{scorer}: {summary}"))
}

/// Eight taste clusters, 70 % of each user's picks within their cluster: what co-occurs is
/// what one cluster likes, which item-kNN sees and popularity cannot.
fn clustered() -> SyntheticConfig {
    SyntheticConfig {
        users: 400,
        items: 300,
        interactions: 12_000,
        min_per_user: 10,
        clusters: 8,
        taste: 0.7,
        keywords_per_cluster: 6,
        ..SyntheticConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_evaluation_shows_item_knn_beating_popularity_on_clustered_data_and_records_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir, &[]).await;
    let data = generate(&clustered());
    let interactions = dir.path().join("interactions.csv");
    let mut file = std::fs::File::create(&interactions).unwrap();
    writeln!(file, "user_id,item_id,weight,timestamp").unwrap();
    for i in &data.interactions {
        writeln!(file, "u{},i{},{},{}", i.user, i.item, i.weight, i.timestamp).unwrap();
    }
    let items = dir.path().join("items.csv");
    let mut file = std::fs::File::create(&items).unwrap();
    for (item, vector) in data.item_vectors.iter().enumerate() {
        for (term, weight) in vector.iter() {
            writeln!(file, "i{item},k{term},{weight}").unwrap();
        }
    }
    let (run_id, summary) = run(
        &ctx,
        "recommendation-eval",
        &[("interactions", interactions.to_str().unwrap()), ("items", items.to_str().unwrap()), ("seed", "7")],
    )
    .await;
    for scorer in ["popularity", "content", "item-knn", "hybrid", "ease"] {
        let figures = row(&summary, scorer);
        for metric in ["precision", "recall", "ndcg", "map", "coverage"] {
            let value = figures[metric].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&value), "{scorer} {metric} = {value}");
        }
    }
    let knn = row(&summary, "item-knn")["precision"].as_f64().unwrap();
    let popular = row(&summary, "popularity")["precision"].as_f64().unwrap();
    assert!(knn >= 1.5 * popular, "item-kNN P@10 {knn:.3} must be at least 1.5× popularity's {popular:.3}");
    assert!(row(&summary, "item-knn")["coverage"].as_f64() > row(&summary, "popularity")["coverage"].as_f64());
    assert!(summary["table"].as_str().unwrap().contains("item-knn"));
    let recorded = ctx.services.job_runs.find(run_id).await.unwrap().unwrap().summary.unwrap();
    assert_eq!(recorded["table"], summary["table"], "the figures are in the run's history");
    let stored = row(&recorded, "item-knn")["precision"].as_f64().unwrap();
    assert!((stored - knn).abs() < 1e-12, "{stored} vs {knn}");

    let missing = jobs::find("recommendation-eval").unwrap();
    let params: Params = [("interactions".to_owned(), "/nonexistent.csv".to_owned())].into();
    let failed = run_job(missing.as_ref(), &ctx, &params).await;
    assert!(matches!(&failed, RunOutcome::Failed { error, .. } if error.contains("cannot read")), "{failed:?}");
    let neither = run_job(missing.as_ref(), &ctx, &Params::new()).await;
    assert!(matches!(&neither, RunOutcome::Failed { run_id: None, .. }), "{neither:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rebuild_stores_a_model_and_the_evaluation_runs_on_the_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(&dir, &[]).await;
    ctx.services.seed_demo_accounts().await.unwrap();
    let (_, built) = run(&ctx, "recommendation-rebuild", &[]).await;
    assert!(built["items"].as_u64().unwrap() > 0, "{built}");
    assert!(built["modelId"].as_i64().unwrap() > 0);
    let (_, summary) = run(&ctx, "recommendation-eval", &[("source", "db")]).await;
    assert_eq!(summary["split"], "time", "{summary}");
    assert!(summary["users"].as_u64().unwrap() >= 1, "the demo users with two or more interactions are tested");
    assert!(row(&summary, "popularity")["precision"].as_f64().is_some());
    assert!(row(&summary, "content")["ndcg"].as_f64().is_some(), "the demo items have keywords");
}
