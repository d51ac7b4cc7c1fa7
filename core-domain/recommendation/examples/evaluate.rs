//! Offline evaluation from the command line, with every scorer parameter exposed for tuning
//! sweeps (`cercat-batch run recommendation-eval` runs the same protocol with the defaults):
//!
//! ```text
//! cargo run --release -p cercat-recommendation --example evaluate -- \
//!     [--interactions u.data [--items items.csv] [--weights]] [--k 10] [--split random|time] [--seed 42] \
//!     [--neighbours 100] [--shrink 20] [--lambda 300] [--share 0.8] [--damping 0.1] [--json]
//! ```
//!
//! Without `--interactions` it generates MovieLens-100k-shaped data (943 × 1,682 × 100,000) with
//! `--users/--items-count/--count/--taste/--exponent/--data-seed` to vary it.

use cercat_recommendation::{
    eval::{CsvOptions, Dataset, EvaluationConfig, SplitKind, evaluate},
    synthetic::{SyntheticConfig, generate},
};
use std::{collections::HashMap, fs::File, io::BufReader, process::ExitCode};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("evaluate: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse(std::env::args().skip(1))?;
    let number = |name: &str| -> Result<Option<f64>, String> {
        args.get(name)
            .map(|raw| raw.parse::<f64>().map_err(|_| format!("--{name} wants a number, not {raw:?}")))
            .transpose()
    };
    let dataset = match args.get("interactions") {
        Some(path) => {
            let options = CsvOptions { use_weights: args.contains_key("weights") };
            let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
            let mut dataset =
                Dataset::read_interactions(BufReader::new(file), options).map_err(|e| format!("{path}: {e}"))?;
            if let Some(items) = args.get("items") {
                let file = File::open(items).map_err(|e| format!("{items}: {e}"))?;
                dataset.read_item_keywords(BufReader::new(file)).map_err(|e| format!("{items}: {e}"))?;
            }
            dataset
        }
        None => {
            let mut shape = SyntheticConfig::movielens_100k_shape();
            shape.users = number("users")?.map_or(shape.users, |v| v as usize);
            shape.items = number("items-count")?.map_or(shape.items, |v| v as usize);
            shape.interactions = number("count")?.map_or(shape.interactions, |v| v as usize);
            shape.taste = number("taste")?.unwrap_or(shape.taste);
            shape.popularity_exponent = number("exponent")?.unwrap_or(shape.popularity_exponent);
            shape.seed = number("data-seed")?.map_or(shape.seed, |v| v as u64);
            eprintln!("generated data: {shape:?}");
            Dataset::from_synthetic(&generate(&shape))
        }
    };
    describe(&dataset);
    let mut config = EvaluationConfig::default();
    config.k = number("k")?.map_or(config.k, |v| v as usize);
    config.seed = number("seed")?.map_or(config.seed, |v| v as u64);
    config.split = match args.get("split").map(String::as_str) {
        None | Some("random") => SplitKind::Random,
        Some("time") => SplitKind::Time,
        Some(other) => return Err(format!("--split is random or time, not {other:?}")),
    };
    config.knn.neighbours = number("neighbours")?.map_or(config.knn.neighbours, |v| v as usize);
    config.knn.shrink = number("shrink")?.map_or(config.knn.shrink, |v| v as f32);
    config.ease.lambda = number("lambda")?.unwrap_or(config.ease.lambda);
    config.hybrid.collaborative_share = number("share")?.map_or(config.hybrid.collaborative_share, |v| v as f32);
    config.hybrid.popularity_damping = number("damping")?.map_or(config.hybrid.popularity_damping, |v| v as f32);
    let report = evaluate(&dataset, &config).map_err(|e| e.to_string())?;
    if args.contains_key("json") {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        print!("{}", report.render_table());
    }
    Ok(())
}

/// The data's shape on stderr: how concentrated popularity is, which bounds what popularity scores.
fn describe(dataset: &Dataset) {
    let mut counts = vec![0usize; dataset.items.len()];
    dataset.ratings.iter().for_each(|r| counts[r.item as usize] += 1);
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let tenth: usize = counts.iter().take(counts.len().div_ceil(10)).sum();
    eprintln!(
        "{} users, {} items, {} interactions; most popular item: {} users; top 10 % of items: {:.1} % of interactions",
        dataset.users.len(),
        dataset.items.len(),
        dataset.ratings.len(),
        counts.first().copied().unwrap_or(0),
        100.0 * tenth as f64 / dataset.ratings.len().max(1) as f64
    );
}

/// `--name value` pairs; `--json` and `--weights` stand alone.
fn parse(mut raw: impl Iterator<Item = String>) -> Result<HashMap<String, String>, String> {
    let mut args = HashMap::new();
    while let Some(flag) = raw.next() {
        let name = flag.strip_prefix("--").ok_or_else(|| format!("unexpected argument {flag:?}"))?.to_owned();
        if name == "json" || name == "weights" {
            args.insert(name, String::new());
            continue;
        }
        let value = raw.next().ok_or_else(|| format!("--{name} needs a value"))?;
        args.insert(name, value);
    }
    Ok(args)
}
