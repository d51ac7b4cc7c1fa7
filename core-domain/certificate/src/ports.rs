//! What the certificate context needs from storage.

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Utc};

use crate::{
    Certificate, CertificateDraft, CertificateSummary, ExamSchedule, ExamScheduleDraft, UpsertOutcome,
    events::{CertificateEvent, PendingScheduleChange},
};

/// Reads certificates.
#[async_trait]
pub trait CertificateRepository: Send + Sync {
    /// All certificates, ordered by id.
    async fn list(&self) -> Result<Vec<CertificateSummary>, PortError>;
    /// One certificate with its subjects ordered by sequence, or `None`.
    async fn find(&self, id: i64) -> Result<Option<Certificate>, PortError>;
    /// The id of the certificate with exactly this name, or `None`.
    async fn find_id_by_name(&self, name: &str) -> Result<Option<i64>, PortError>;
    /// Creates a certificate with its subjects. [`PortError::Duplicate`] if the name is taken.
    async fn create(&self, draft: &CertificateDraft, at: DateTime<Utc>) -> Result<i64, PortError>;
    /// Replaces the certificate's fields and subjects; `false` if it does not exist.
    /// [`PortError::Duplicate`] if the new name is taken.
    async fn replace(&self, id: i64, draft: &CertificateDraft, at: DateTime<Utc>) -> Result<bool, PortError>;
    /// Deletes the certificate, its subjects and schedules; `false` if it did not exist.
    async fn delete(&self, id: i64) -> Result<bool, PortError>;
}

/// Reads and writes exam schedules.
#[async_trait]
pub trait ExamScheduleRepository: Send + Sync {
    /// The schedule of `certificate_id` with the earliest exam at or after `at`.
    async fn next_from(&self, certificate_id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError>;
    /// The schedule of `certificate_id` with the latest exam before `at`.
    async fn latest_before(&self, certificate_id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError>;
    /// Inserts or updates the schedule identified by (certificate, year, round), atomically,
    /// and in the same transaction records `event` completed with the schedule's id and the
    /// outcome ([`PendingScheduleChange::stored`]; nothing when unchanged) in the outbox. Safe
    /// under concurrent upserts of the same key (the unique key decides; the loser updates).
    /// The certificate must exist.
    ///
    /// Returns [`UpsertOutcome::Unchanged`] (and records no event) when the stored schedule
    /// already has these values.
    ///
    /// Errors: [`PortError::Timeout`] when the store does not answer within its bound,
    /// [`PortError::Unavailable`] when it fails, [`PortError::InUse`] when the draft's
    /// certificate does not exist (its reference is refused). Never [`PortError::Duplicate`]:
    /// a racing insert of the same key is an update.
    async fn upsert(
        &self,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        at: DateTime<Utc>,
    ) -> Result<UpsertOutcome, PortError>;
    /// One schedule.
    async fn find(&self, id: i64) -> Result<Option<ExamSchedule>, PortError>;
    /// The certificate's schedules, newest exam first.
    async fn list(&self, certificate_id: i64) -> Result<Vec<ExamSchedule>, PortError>;
    /// Inserts a new schedule and records `event` (completed as inserted with the new id) in
    /// the same transaction. [`PortError::Duplicate`] if (certificate, year, round) exists.
    async fn insert(
        &self,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError>;
    /// Replaces schedule `id` and records `event` (completed as updated) in the same
    /// transaction; `false` if it does not exist. [`PortError::Duplicate`] if the new
    /// (certificate, year, round) belongs to another.
    async fn replace(
        &self,
        id: i64,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        at: DateTime<Utc>,
    ) -> Result<bool, PortError>;
    /// Deletes schedule `id`; `false` if it did not exist.
    async fn delete(&self, id: i64) -> Result<bool, PortError>;
}

/// The topic schedule changes are published on.
pub const SCHEDULE_TOPIC: &str = "certificate.exam-schedule";

/// A user's interest certificates.
#[async_trait]
pub trait InterestRepository: Send + Sync {
    /// The user's interests, highest priority first (then in the order they were chosen).
    async fn list(&self, user_id: i64) -> Result<Vec<crate::Interest>, PortError>;
    /// The (not withdrawn) users who have `certificate_id` as an interest.
    async fn users_interested_in(&self, certificate_id: i64) -> Result<Vec<i64>, PortError>;
    /// Replaces all of the user's interests and, in the same transaction, records `event`
    /// (the service's `InterestCertificatesChanged`). The certificates must exist.
    async fn replace_all(
        &self,
        user_id: i64,
        targets: &[(i64, crate::InterestPriority)],
        event: &CertificateEvent,
        at: DateTime<Utc>,
    ) -> Result<(), PortError>;
}

/// Users' favourite boards (a board is a certificate's community board).
#[async_trait]
pub trait FavoriteBoardRepository: Send + Sync {
    /// The certificate ids of the user's favourite boards.
    async fn favorites(&self, user_id: i64) -> Result<Vec<i64>, PortError>;
    /// Flips the board's favourite state atomically (delete if present, else insert under
    /// the unique key) and returns the new state. The certificate must exist.
    async fn toggle(&self, user_id: i64, certificate_id: i64, at: DateTime<Utc>) -> Result<bool, PortError>;
    /// Favourites the boards of `certificate_ids` (those already favourite stay so) unless
    /// `consumer` has already handled `event_id`; both in one transaction, so a redelivered
    /// event changes nothing. Returns `false` for a duplicate delivery.
    async fn favorite_once(
        &self,
        consumer: &str,
        event_id: &str,
        user_id: i64,
        certificate_ids: &[i64],
        at: DateTime<Utc>,
    ) -> Result<bool, PortError>;
}

/// A schedule one feed row gives, its certificate still named by id or by name (the import
/// resolves it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSchedule {
    /// `certificateId`, if the row gives one.
    pub certificate_id: Option<i64>,
    /// `certificateName`, if the row gives one.
    pub certificate_name: Option<String>,
    /// The schedule (`certificate_id` is filled in once resolved).
    pub draft: ExamScheduleDraft,
}

/// One row of an exam-schedule feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    /// The 1-based line of the source it starts on (for reports).
    pub line: usize,
    /// The schedule it gives, or why it cannot be read (the import skips and reports it).
    pub read: Result<FeedSchedule, String>,
}

/// The public-data exam-schedule feed (`docs/exam-schedule-feed.md`), read from a file or over
/// HTTP(S).
#[async_trait]
pub trait ExamScheduleFeed: Send + Sync {
    /// Every row of the feed at `source` (a file path, `file://…` or an `http(s)://` URL), read
    /// within the adapter's size cap and timeout. A row that cannot be read is returned with its
    /// reason; the feed as a whole fails with [`PortError::Timeout`] (too slow),
    /// [`PortError::Unavailable`] (cannot be fetched: no such file, an HTTP error status, a
    /// redirect to another host) or [`PortError::Corrupt`] (over the size cap, not UTF-8, not
    /// rows of JSON or CSV).
    async fn rows(&self, source: &str) -> Result<Vec<FeedRow>, PortError>;
}

/// One page of Q-Net's exam-schedule list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QnetPage {
    /// `body.totalCount`: rows in the whole list.
    pub total_count: u64,
    /// The page's rows, each read on its own.
    pub items: Vec<QnetItem>,
}

/// One row of a Q-Net page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QnetItem {
    /// Where it is, for reports: `page 3 item 7`.
    pub key: String,
    /// The round it gives, or why it cannot be read.
    pub read: Result<crate::QnetRound, String>,
}

/// Q-Net's public exam-schedule API (`response.body.items.item[]`, JSON or XML), paged.
#[async_trait]
pub trait QnetScheduleApi: Send + Sync {
    /// Page `page` (1-based) of `rows` rows, of year `year` only if given. Each call counts
    /// against the daily quota and runs within the adapter's timeout; 429 and 5xx answers are
    /// retried with growing pauses. Errors: [`PortError::Timeout`]; [`PortError::Unavailable`]
    /// (unreachable, an error answer after the retries, the day's quota spent — the message
    /// says which; it never contains the service key); [`PortError::Corrupt`] (not the
    /// service's JSON or XML).
    async fn page(&self, year: Option<i32>, page: u32, rows: u32) -> Result<QnetPage, PortError>;
}

/// A schedule an import writes, upserted on (certificate, year, round).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleWrite {
    /// A whole schedule from the file feed: every field is replaced.
    Full(ExamScheduleDraft),
    /// A schedule from Q-Net: its written dates, description and practical stage are replaced;
    /// fees, time limits, eligibility and format keep what is stored (none on insert).
    Qnet(crate::QnetSchedule),
}

/// One chunk of an import, committed with the run's checkpoint in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportChunk {
    /// The RUNNING run committing it.
    pub run_id: i64,
    /// The job's position once the chunk is committed (a page, a row count).
    pub position: String,
    /// The instance's totals once the chunk is committed, except `written`, which counts the
    /// writes that changed a row before this chunk (the store adds this chunk's).
    pub totals: cercat_common::jobs::JobCounts,
    /// The schedules, each with the event the service decided on.
    pub writes: Vec<(ScheduleWrite, PendingScheduleChange)>,
    /// The items skipped in this chunk.
    pub skips: Vec<cercat_common::jobs::ItemSkip>,
}

/// What committing a chunk did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkCommit {
    /// Written, with the checkpoint now stored.
    Committed(cercat_common::jobs::Checkpoint),
    /// The run is no longer RUNNING (another node marked it FAILED as silent): nothing was
    /// written, and the run must stop.
    Fenced,
}

/// Where imports store their chunks.
#[async_trait]
pub trait ScheduleImportStore: Send + Sync {
    /// In one transaction: upserts every write on its (certificate, year, round) recording
    /// its event when it changed a row, records the skips against the run, and stores the
    /// run's checkpoint and heartbeat — only if the run is still RUNNING, else nothing
    /// ([`ChunkCommit::Fenced`]). A crash at any point leaves either all of it or none.
    /// Errors: [`PortError::Timeout`], [`PortError::Unavailable`]; [`PortError::InUse`] when a
    /// write names a certificate that was deleted meanwhile (nothing is written).
    async fn commit_chunk(&self, chunk: &ImportChunk, at: DateTime<Utc>) -> Result<ChunkCommit, PortError>;
    /// The ids of the certificates that follow Q-Net series `series`, ascending.
    async fn certificates_in_series(&self, series: &str) -> Result<Vec<i64>, PortError>;
    /// Sets (or clears) the Q-Net series certificate `certificate_id` follows; `false` if it
    /// does not exist.
    async fn set_series(&self, certificate_id: i64, series: Option<&str>, at: DateTime<Utc>)
    -> Result<bool, PortError>;
    /// Every certificate with the series it follows, by id.
    async fn series(&self) -> Result<Vec<(CertificateSummary, Option<String>)>, PortError>;
}
