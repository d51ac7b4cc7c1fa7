//! Importing the public-data feed (a file or URL): the checkpoint is the number of rows done,
//! committed every `batch.chunk_size` rows.

use cercat_certificate::ScheduleError;

use super::chunks::Chunks;
use crate::{JobContext, JobError, RunScope, job::JobReport, progress::Progress};

fn store_failure(key: &str, err: ScheduleError) -> JobError {
    JobError::Failed(format!("{key}: {err}"))
}

/// Imports the feed at `source`, after the rows `run` resumes past.
pub(super) async fn import(
    ctx: &JobContext,
    source: &str,
    run: &RunScope,
    mut chunks: Chunks<'_>,
) -> Result<JobReport, JobError> {
    let services = &ctx.services;
    let rows = services
        .schedule_feed
        .rows(source)
        .await
        .map_err(|e| JobError::Failed(format!("cannot read {source}: {e}")))?;
    let done = match &run.resume {
        Some(c) => c.position.parse::<usize>().map_err(|_| {
            JobError::Failed(format!("the checkpoint `{}` is not a row count; run with --rerun", c.position))
        })?,
        None => 0,
    };
    let chunk_size = usize::try_from(services.settings.batch.chunk_size).unwrap_or(100).max(1);
    let mut progress = Progress::resumed("exam-schedule-import", Some(rows.len() as u64), done as u64);
    for (index, row) in rows.iter().enumerate().skip(done) {
        let key = format!("line {}", row.line);
        let prepared = services.schedule_import.prepare_feed_row(row).await.map_err(|e| store_failure(&key, e))?;
        chunks.add(key, prepared, &mut progress)?;
        if chunks.pending() >= chunk_size {
            chunks.commit((index + 1).to_string()).await?;
        }
    }
    // The last chunk — or, when nothing was left, a checkpoint at the end all the same.
    chunks.commit(rows.len().max(done).to_string()).await?;
    progress.finish();
    Ok(chunks.report())
}
