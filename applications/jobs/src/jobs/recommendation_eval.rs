//! `recommendation-eval`: the offline evaluation — precision, recall, NDCG, MAP and coverage at
//! k of popularity, content, item-kNN, the hybrid and EASE — on an interaction file
//! (`--param interactions=<csv>`, optionally `items=<csv>` of item keywords) or on Cercat's own
//! data (`--param source=db`, a time split). The figures are the run's summary in its history;
//! `cercat-batch run … ` prints them as a table (`--json`: as JSON).

use async_trait::async_trait;
use cercat_common::jobs::JobCounts;
use cercat_config::Settings;
use cercat_recommendation::eval::{CsvOptions, Dataset, EvaluationConfig, EvaluationReport, SplitKind, evaluate};
use std::{fs::File, io::BufReader, time::Duration};

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport};

/// The evaluation.
#[derive(Debug)]
pub struct RecommendationEval;

fn param_error(name: &str, reason: impl Into<String>) -> JobError {
    JobError::Param { name: name.into(), reason: reason.into() }
}

/// The protocol the parameters ask for.
fn config(params: &Params) -> Result<EvaluationConfig, JobError> {
    let mut config = EvaluationConfig::default();
    if let Some(k) = params.get("k") {
        config.k = k
            .trim()
            .parse()
            .ok()
            .filter(|k| (1..=100).contains(k))
            .ok_or_else(|| param_error("k", "a number from 1 to 100"))?;
    }
    if let Some(split) = params.get("split") {
        config.split = match split.trim() {
            "random" => SplitKind::Random,
            "time" => SplitKind::Time,
            _ => return Err(param_error("split", "random or time")),
        };
    }
    if let Some(seed) = params.get("seed") {
        config.seed = seed.trim().parse().map_err(|_| param_error("seed", "a whole number ≥ 0"))?;
    }
    Ok(config)
}

fn open(params: &Params, name: &str) -> Result<Option<BufReader<File>>, JobError> {
    params
        .get(name)
        .map(|path| {
            File::open(path).map(BufReader::new).map_err(|e| param_error(name, format!("cannot read {path}: {e}")))
        })
        .transpose()
}

/// Reads the files and runs the protocol (blocking: the caller moves it off the runtime).
fn evaluate_files(params: &Params, config: &EvaluationConfig) -> Result<EvaluationReport, JobError> {
    let interactions = open(params, "interactions")?.ok_or_else(|| param_error("interactions", "a CSV file"))?;
    let options = CsvOptions { use_weights: params.get("weights").is_some_and(|w| w == "true") };
    let mut dataset =
        Dataset::read_interactions(interactions, options).map_err(|e| param_error("interactions", e.to_string()))?;
    if let Some(items) = open(params, "items")? {
        dataset.read_item_keywords(items).map_err(|e| param_error("items", e.to_string()))?;
    }
    evaluate(&dataset, config).map_err(|e| JobError::Failed(e.to_string()))
}

#[async_trait]
impl Job for RecommendationEval {
    fn name(&self) -> &'static str {
        "recommendation-eval"
    }

    fn description(&self) -> &'static str {
        "measure the recommenders offline (precision/recall/NDCG/MAP/coverage@k) on a CSV file or on Cercat's data"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        None
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(3600)
    }

    fn check_params(&self, params: &Params, _settings: &Settings) -> Result<(), JobError> {
        config(params)?;
        match (params.get("source").map(String::as_str), params.contains_key("interactions")) {
            (Some("db"), false) | (None, true) => Ok(()),
            (Some("db"), true) => Err(param_error("source", "source=db reads the database; drop interactions=")),
            (Some(_), _) => Err(param_error("source", "only source=db (or give interactions=<csv>)")),
            (None, false) => {
                Err(param_error("interactions", "a CSV file user_id,item_id[,weight][,timestamp], or source=db"))
            }
        }
    }

    async fn run(&self, ctx: &JobContext, params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        let config = config(params)?;
        let report = if params.get("source").is_some_and(|s| s == "db") {
            ctx.services.recommendations.evaluate_own_data(config).await.map_err(|e| JobError::Failed(e.to_string()))?
        } else {
            let params = params.clone();
            tokio::task::spawn_blocking(move || evaluate_files(&params, &config))
                .await
                .map_err(|e| JobError::Failed(format!("the evaluation stopped: {e}")))??
        };
        let table = report.render_table();
        tracing::info!(users = report.users, items = report.items, best = ?report.best().map(|b| &b.scorer), "evaluated the recommenders");
        let tested = (report.train_interactions + report.test_interactions) as u64;
        let mut summary = serde_json::to_value(&report).map_err(|e| JobError::Failed(e.to_string()))?;
        if let Some(object) = summary.as_object_mut() {
            object.insert("table".into(), table.into());
        }
        Ok(JobReport {
            counts: JobCounts { read: tested, written: report.rows.len() as u64, skipped: 0 },
            skips: Vec::new(),
            summary: Some(summary),
        })
    }
}
