//! Importing exam schedules in chunks: each source item is turned into the schedules it gives
//! (a feed row: one, its certificate resolved by id or name; a Q-Net round: one per
//! certificate following its series) or into the reason it is skipped, and a chunk of them is
//! committed with the run's checkpoint in one transaction through [`ScheduleImportStore`].

use std::{collections::HashMap, sync::Arc};

use cercat_common::{
    clock::Clock,
    jobs::{ItemSkip, JobCounts},
};

use crate::{
    CertificateService, CertificateSummary, ScheduleError,
    events::PendingScheduleChange,
    ports::{ChunkCommit, FeedRow, ImportChunk, QnetItem, ScheduleImportStore, ScheduleWrite},
};

/// What one source item comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// The schedules to write (none: a Q-Net round of a series no certificate follows).
    Writes(Vec<ScheduleWrite>),
    /// The item is bad: skip it, for this reason.
    Skip(String),
}

/// A chunk as the job assembled it; the importer adds each write's event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkDraft {
    /// The RUNNING run committing it.
    pub run_id: i64,
    /// The job's position once committed.
    pub position: String,
    /// The instance's totals once committed (`written`: before this chunk).
    pub totals: JobCounts,
    /// The schedules.
    pub writes: Vec<ScheduleWrite>,
    /// The skipped items.
    pub skips: Vec<ItemSkip>,
}

/// The certificates of each Q-Net series, looked up once per run.
#[derive(Debug, Default)]
pub struct SeriesCache(HashMap<String, Vec<i64>>);

/// Chunked schedule imports.
pub struct ScheduleImporter {
    certificates: Arc<CertificateService>,
    store: Arc<dyn ScheduleImportStore>,
    clock: Arc<dyn Clock>,
}

/// Splits a schedule error into a bad item (skipped) and a store failure (stops the run).
fn skip_or_fail(err: ScheduleError) -> Result<Prepared, ScheduleError> {
    match err {
        ScheduleError::Store(err) => Err(ScheduleError::Store(err)),
        other => Ok(Prepared::Skip(other.to_string())),
    }
}

impl ScheduleImporter {
    /// Over the certificate service (which resolves certificates) and the chunk store.
    pub fn new(
        certificates: Arc<CertificateService>,
        store: Arc<dyn ScheduleImportStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { certificates, store, clock }
    }

    /// The schedule a feed row gives, its certificate resolved and its rules checked.
    /// Errors only when the store fails ([`ScheduleError::Store`]).
    pub async fn prepare_feed_row(&self, row: &FeedRow) -> Result<Prepared, ScheduleError> {
        let schedule = match &row.read {
            Ok(schedule) => schedule,
            Err(reason) => return Ok(Prepared::Skip(reason.clone())),
        };
        let mut draft = schedule.draft.clone();
        match self.certificates.resolve_certificate(schedule.certificate_id, schedule.certificate_name.as_deref()).await
        {
            Ok(id) => draft.certificate_id = id,
            Err(err) => return skip_or_fail(err),
        }
        match draft.validate() {
            Ok(()) => Ok(Prepared::Writes(vec![ScheduleWrite::Full(draft)])),
            Err(err) => skip_or_fail(err),
        }
    }

    /// The schedules a Q-Net round gives: one per certificate following its series (none when
    /// no certificate follows it — not a skip: most of Q-Net's series are not in Cercat).
    pub async fn prepare_qnet_item(&self, item: &QnetItem, cache: &mut SeriesCache) -> Result<Prepared, ScheduleError> {
        let round = match &item.read {
            Ok(round) => round,
            Err(reason) => return Ok(Prepared::Skip(reason.clone())),
        };
        if let Err(err) = round.validate() {
            return skip_or_fail(err);
        }
        let series = round.series.trim().to_owned();
        if !cache.0.contains_key(&series) {
            let ids = self.store.certificates_in_series(&series).await?;
            cache.0.insert(series.clone(), ids);
        }
        let ids = cache.0.get(&series).map(Vec::as_slice).unwrap_or_default();
        Ok(Prepared::Writes(ids.iter().map(|&id| ScheduleWrite::Qnet(round.schedule_for(id))).collect()))
    }

    /// Commits a chunk with its checkpoint (see [`ScheduleImportStore::commit_chunk`]).
    pub async fn commit(&self, chunk: ChunkDraft) -> Result<ChunkCommit, ScheduleError> {
        let writes = chunk
            .writes
            .into_iter()
            .map(|write| {
                let event = match &write {
                    ScheduleWrite::Full(draft) => PendingScheduleChange::of(draft),
                    ScheduleWrite::Qnet(schedule) => schedule.event(),
                };
                (write, event)
            })
            .collect();
        let chunk = ImportChunk {
            run_id: chunk.run_id,
            position: chunk.position,
            totals: chunk.totals,
            writes,
            skips: chunk.skips,
        };
        Ok(self.store.commit_chunk(&chunk, self.clock.now()).await?)
    }

    /// Sets (or clears, with `None` or a blank name) the Q-Net series certificate
    /// `certificate_id` follows.
    pub async fn set_series(&self, certificate_id: i64, series: Option<&str>) -> Result<(), ScheduleError> {
        let series = series.map(str::trim).filter(|s| !s.is_empty());
        if series.is_some_and(|s| s.chars().count() > 50) {
            return Err(ScheduleError::Invalid { field: "qnetSeries", reason: "must be at most 50 characters".into() });
        }
        if self.store.set_series(certificate_id, series, self.clock.now()).await? {
            Ok(())
        } else {
            Err(ScheduleError::UnknownCertificate(format!("id {certificate_id}")))
        }
    }

    /// Every certificate with the Q-Net series it follows.
    pub async fn series(&self) -> Result<Vec<(CertificateSummary, Option<String>)>, ScheduleError> {
        Ok(self.store.series().await?)
    }
}

#[cfg(test)]
mod tests;
