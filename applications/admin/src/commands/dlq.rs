//! `dlq list [--limit N] [--json]` / `dlq replay [--limit N] [--discard-undecodable]`: the
//! dead-letter queue, what consumer groups gave up on.

use cercat_bootstrap::Services;
use cercat_config::Settings;
use clap::Subcommand;
use std::process::ExitCode;

/// What `dlq` does.
#[derive(Subcommand)]
pub enum DlqAction {
    /// Print the waiting letters, oldest first (one line each; `--json` for whole letters).
    List {
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Print each letter as a JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Put the waiting events back in the outbox (published again under their own ids; groups
    /// that handled them already skip them), oldest first, and resolve their letters.
    Replay {
        /// At most this many.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// Drop messages that were not events at all (they cannot be replayed and otherwise
        /// stop the replay).
        #[arg(long)]
        discard_undecodable: bool,
    },
}

/// Runs `action`.
pub async fn run(settings: &Settings, action: &DlqAction) -> ExitCode {
    let services = match super::connect(settings).await {
        Ok(services) => services,
        Err(code) => return code,
    };
    let result = match action {
        DlqAction::List { limit, json } => list(&services, *limit, *json).await,
        DlqAction::Replay { limit, discard_undecodable } => replay(&services, *limit, *discard_undecodable).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => super::fail(err, 1),
    }
}

async fn replay(services: &Services, limit: usize, discard_undecodable: bool) -> Result<(), String> {
    let r = services.backlog.replay_dead_letters(limit, discard_undecodable).await.map_err(|e| e.to_string())?;
    println!("replayed {} event(s), discarded {}, {} letter(s) left", r.replayed, r.discarded, r.left);
    if r.left > 0 && !discard_undecodable {
        println!(
            "a letter that is not an event stops the replay: see `dlq list`, then `dlq replay --discard-undecodable`"
        );
    }
    Ok(())
}

async fn list(services: &Services, limit: usize, json: bool) -> Result<(), String> {
    let letters = services.backlog.dead_letters(limit).await.map_err(|e| e.to_string())?;
    let total = services.backlog.dead_letter_count().await.map_err(|e| e.to_string())?;
    for l in &letters {
        if json {
            println!("{}", serde_json::to_string(l).unwrap_or_default());
            continue;
        }
        let what = match &l.event {
            Some(e) => format!("{} {} (key {})", e.event_type, e.id, e.aggregate_id),
            None => format!("undecodable message ({} bytes)", l.payload.as_deref().map_or(0, str::len)),
        };
        println!(
            "{}  group={} topic={} attempts={}  {what}  error: {}",
            l.failed_at.format("%Y-%m-%dT%H:%M:%SZ"),
            l.group,
            l.topic,
            l.attempts,
            l.error
        );
    }
    println!("{total} letter(s) waiting");
    Ok(())
}
