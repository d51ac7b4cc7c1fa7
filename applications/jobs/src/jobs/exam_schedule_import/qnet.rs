//! Importing Q-Net's API page by page: one page is one chunk, and the checkpoint is the last
//! page committed with the page size it was asked with (`3/100`), so a resumed run asks for
//! the next page of the same size even if the setting changed meanwhile.

use cercat_certificate::SeriesCache;

use super::chunks::Chunks;
use crate::{JobContext, JobError, RunScope, job::JobReport, progress::Progress};

/// Reads a checkpoint `page/size`.
fn position(text: &str) -> Option<(u32, u32)> {
    let (page, size) = text.split_once('/')?;
    Some((page.parse().ok()?, size.parse().ok().filter(|&s| s > 0)?))
}

/// Imports every page of year `year` (all years: `None`), after those `run` resumes past.
pub(super) async fn import(
    ctx: &JobContext,
    year: Option<i32>,
    run: &RunScope,
    mut chunks: Chunks<'_>,
) -> Result<JobReport, JobError> {
    let services = &ctx.services;
    let qnet = services.qnet.as_ref().ok_or_else(|| {
        JobError::Failed("Q-Net is not configured: set batch.qnet_service_key (CERCAT__BATCH__QNET_SERVICE_KEY)".into())
    })?;
    let (mut page, size) = match &run.resume {
        Some(c) => {
            let (page, size) = position(&c.position).ok_or_else(|| {
                JobError::Failed(format!("the checkpoint `{}` is not a page; run with --rerun", c.position))
            })?;
            (page + 1, size)
        }
        None => (1, services.settings.batch.qnet_page_size),
    };
    let mut progress = Progress::resumed("exam-schedule-import", None, chunks.read());
    let mut series = SeriesCache::default();
    loop {
        let got = qnet.page(year, page, size).await.map_err(|e| JobError::Failed(format!("page {page}: {e}")))?;
        progress.set_total(got.total_count);
        let last = got.items.is_empty() || u64::from(page) * u64::from(size) >= got.total_count;
        for item in got.items {
            let prepared = services
                .schedule_import
                .prepare_qnet_item(&item, &mut series)
                .await
                .map_err(|e| JobError::Failed(format!("{}: {e}", item.key)))?;
            chunks.add(item.key, prepared, &mut progress)?;
        }
        chunks.commit(format!("{page}/{size}")).await?;
        if last {
            break;
        }
        page += 1;
    }
    progress.finish();
    Ok(chunks.report())
}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn a_checkpoint_names_the_page_and_its_size() {
        assert_eq!(position("3/100"), Some((3, 100)));
        assert_eq!(position("3"), None);
        assert_eq!(position("3/0"), None);
    }
}
