//! The chunk being assembled: items read, the schedules to write and the skips, committed
//! together with the checkpoint; the instance's totals carried over from the attempt resumed.

use cercat_certificate::{ChunkDraft, Prepared, ScheduleImporter, ports::ChunkCommit};
use cercat_common::jobs::{ItemSkip, JobCounts, SkipBudget};

use crate::{JobError, RunScope, job::JobReport, progress::Progress};

/// Skips listed in the run's report (all are recorded in `job_run_skips`).
const REPORTED_SKIPS: usize = 1000;

/// One run's chunks.
pub(super) struct Chunks<'a> {
    importer: &'a ScheduleImporter,
    run_id: i64,
    budget: SkipBudget,
    /// The totals committed so far plus the pending chunk's reads and skips.
    totals: JobCounts,
    writes: Vec<cercat_certificate::ports::ScheduleWrite>,
    skips: Vec<ItemSkip>,
    reported: Vec<String>,
    pending: usize,
}

impl<'a> Chunks<'a> {
    /// The chunks of `run`, counting on from its resumed checkpoint.
    pub(super) fn new(importer: &'a ScheduleImporter, run: &RunScope, budget: SkipBudget) -> Self {
        let totals = run.resume.as_ref().map(|c| c.counts).unwrap_or_default();
        Self {
            importer,
            run_id: run.run_id,
            budget,
            totals,
            writes: Vec::new(),
            skips: Vec::new(),
            reported: Vec::new(),
            pending: 0,
        }
    }

    /// Items read so far by the instance.
    pub(super) fn read(&self) -> u64 {
        self.totals.read
    }

    /// Adds item `key`'s outcome to the pending chunk. Fails past the skip limit.
    pub(super) fn add(&mut self, key: String, prepared: Prepared, progress: &mut Progress) -> Result<(), JobError> {
        self.totals.read += 1;
        self.pending += 1;
        match prepared {
            Prepared::Writes(writes) => {
                self.writes.extend(writes);
                progress.item(false);
            }
            Prepared::Skip(reason) => {
                self.budget.take().map_err(|exceeded| JobError::Failed(format!("{key}: {reason}; {exceeded}")))?;
                self.totals.skipped += 1;
                tracing::warn!(item = key, %reason, "skipping a bad item");
                if self.reported.len() < REPORTED_SKIPS {
                    self.reported.push(format!("{key}: {reason}"));
                }
                self.skips.push(ItemSkip { key, reason });
                progress.item(true);
            }
        }
        Ok(())
    }

    /// Items in the pending chunk.
    pub(super) fn pending(&self) -> usize {
        self.pending
    }

    /// Commits the pending chunk with the checkpoint `position`. Fails when the store fails or
    /// the run was marked FAILED meanwhile.
    pub(super) async fn commit(&mut self, position: String) -> Result<(), JobError> {
        let draft = ChunkDraft {
            run_id: self.run_id,
            position: position.clone(),
            totals: self.totals,
            writes: std::mem::take(&mut self.writes),
            skips: std::mem::take(&mut self.skips),
        };
        match self.importer.commit(draft).await {
            Ok(ChunkCommit::Committed(checkpoint)) => {
                self.totals = checkpoint.counts;
                self.pending = 0;
                tracing::debug!(run_id = self.run_id, position, "chunk committed");
                Ok(())
            }
            Ok(ChunkCommit::Fenced) => Err(JobError::Failed(
                "another node marked this run FAILED (it missed its heartbeats); its chunk was not written".into(),
            )),
            Err(err) => Err(JobError::Failed(format!("committing the chunk up to {position}: {err}"))),
        }
    }

    /// The report of a run that committed everything.
    pub(super) fn report(self) -> JobReport {
        JobReport { counts: self.totals, skips: self.reported, summary: None }
    }
}
