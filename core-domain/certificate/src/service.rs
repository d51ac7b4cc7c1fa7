//! Certificate use cases.

use std::{sync::Arc, time::Duration};

use cercat_common::{
    PortError,
    cache::{self, Cache},
    clock::Clock,
};

use crate::{
    Certificate, CertificateDraft, CertificateError, CertificateSummary, ExamSchedule, ExamScheduleDraft, Interest,
    InterestPriority, ScheduleError, UpsertOutcome,
    events::{CertificateEvent, PendingScheduleChange},
    interest::MAX_INTERESTS,
    ports::InterestRepository,
    ports::{CertificateRepository, ExamScheduleRepository},
};

/// How long certificate details stay cached (they change only through admin edits, which
/// invalidate them).
pub const DETAIL_TTL: Duration = Duration::from_secs(300);

/// Certificate queries and schedule imports.
pub struct CertificateService {
    interests: Option<Arc<dyn InterestRepository>>,
    certificates: Arc<dyn CertificateRepository>,
    schedules: Arc<dyn ExamScheduleRepository>,
    cache: Arc<dyn Cache>,
    clock: Arc<dyn Clock>,
}

/// The cache key of a certificate's details.
pub fn detail_key(id: i64) -> String {
    format!("certificate:v1:{id}")
}

/// The cache key of a certificate's details as the API renders them (the response body, kept by
/// the caller so a cache hit is answered without decoding and encoding JSON). Dropped with
/// [`detail_key`] on every admin edit.
pub fn rendered_detail_key(id: i64) -> String {
    format!("certificate:v1:{id}:rendered")
}

impl CertificateService {
    /// Wires the service to its ports.
    pub fn new(
        certificates: Arc<dyn CertificateRepository>,
        schedules: Arc<dyn ExamScheduleRepository>,
        cache: Arc<dyn Cache>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { interests: None, certificates, schedules, cache, clock }
    }

    /// Adds the interest-certificate store.
    pub fn with_interests(mut self, interests: Arc<dyn InterestRepository>) -> Self {
        self.interests = Some(interests);
        self
    }

    fn interest_store(&self) -> Result<&Arc<dyn InterestRepository>, ScheduleError> {
        self.interests
            .as_ref()
            .ok_or_else(|| ScheduleError::Store(PortError::unavailable("interests", "not configured")))
    }

    /// The user's interest certificates, highest priority first.
    pub async fn interests(&self, user_id: i64) -> Result<Vec<Interest>, ScheduleError> {
        Ok(self.interest_store()?.list(user_id).await?)
    }

    /// The users who have the certificate as an interest (for reminders).
    pub async fn interested_users(&self, certificate_id: i64) -> Result<Vec<i64>, ScheduleError> {
        Ok(self.interest_store()?.users_interested_in(certificate_id).await?)
    }

    /// Replaces the user's interest certificates (at most three, each once, all existing).
    pub async fn replace_interests(
        &self,
        user_id: i64,
        targets: &[(i64, InterestPriority)],
    ) -> Result<Vec<Interest>, ScheduleError> {
        if targets.len() > MAX_INTERESTS {
            return Err(ScheduleError::InvalidInterests(format!("choose at most {MAX_INTERESTS} certificates")));
        }
        let mut seen = std::collections::HashSet::new();
        for (id, _) in targets {
            if !seen.insert(*id) {
                return Err(ScheduleError::InvalidInterests(format!("certificate {id} is listed twice")));
            }
            if self.certificates.find(*id).await?.is_none() {
                return Err(ScheduleError::UnknownCertificate(format!("id {id}")));
            }
        }
        let store = self.interest_store()?;
        let event = CertificateEvent::interests_replaced(user_id, targets);
        let chosen = targets.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>().join(", ");
        store
            .replace_all(user_id, targets, &event, self.clock.now())
            .await
            .map_err(|err| gone(err, || format!("among ids {chosen}")))?;
        Ok(store.list(user_id).await?)
    }

    /// All certificates.
    pub async fn list(&self) -> Result<Vec<CertificateSummary>, CertificateError> {
        Ok(self.certificates.list().await?)
    }

    /// One certificate with subjects, served from the cache when possible. A cache failure
    /// only costs a database read.
    pub async fn get(&self, id: i64) -> Result<Certificate, CertificateError> {
        let key = detail_key(id);
        match cache::get_json::<Certificate>(&*self.cache, &key).await {
            Ok(Some(hit)) => return Ok(hit),
            Ok(None) => {}
            Err(err) => tracing::warn!(%err, "certificate cache read failed; reading the database"),
        }
        let certificate = self.certificates.find(id).await?.ok_or(CertificateError::NotFound(id))?;
        if let Err(err) = cache::set_json(&*self.cache, &key, &certificate, DETAIL_TTL).await {
            tracing::warn!(%err, "certificate cache write failed");
        }
        Ok(certificate)
    }

    /// The certificate and its next exam (earliest exam date from now on).
    pub async fn next_exam(&self, id: i64) -> Result<(Certificate, ExamSchedule), CertificateError> {
        let certificate = self.get(id).await?;
        let schedule =
            self.schedules.next_from(id, self.clock.now()).await?.ok_or(CertificateError::NoUpcomingExam(id))?;
        Ok((certificate, schedule))
    }

    /// The certificate and its most recent past exam.
    pub async fn previous_exam(&self, id: i64) -> Result<(Certificate, ExamSchedule), CertificateError> {
        let certificate = self.get(id).await?;
        let schedule =
            self.schedules.latest_before(id, self.clock.now()).await?.ok_or(CertificateError::NoPreviousExam(id))?;
        Ok((certificate, schedule))
    }

    /// Resolves a certificate named by id or by exact name (as feeds do).
    pub async fn resolve_certificate(&self, id: Option<i64>, name: Option<&str>) -> Result<i64, ScheduleError> {
        match (id, name.map(str::trim).filter(|n| !n.is_empty())) {
            (Some(id), _) => match self.certificates.find(id).await? {
                Some(_) => Ok(id),
                None => Err(ScheduleError::UnknownCertificate(format!("id {id}"))),
            },
            (None, Some(name)) => self
                .certificates
                .find_id_by_name(name)
                .await?
                .ok_or_else(|| ScheduleError::UnknownCertificate(format!("`{name}`"))),
            (None, None) => Err(ScheduleError::Invalid {
                field: "certificateId",
                reason: "is missing (give certificateId or certificateName)".into(),
            }),
        }
    }

    /// Validates and upserts one schedule (idempotent by certificate + year + round).
    pub async fn import_schedule(&self, draft: &ExamScheduleDraft) -> Result<UpsertOutcome, ScheduleError> {
        draft.validate()?;
        self.schedules
            .upsert(draft, &PendingScheduleChange::of(draft), self.clock.now())
            .await
            .map_err(|err| gone(err, || format!("id {}", draft.certificate_id)))
    }

    /// Creates a certificate (admin).
    pub async fn create_certificate(&self, draft: &CertificateDraft) -> Result<Certificate, ScheduleError> {
        draft.validate()?;
        let id = self
            .certificates
            .create(draft, self.clock.now())
            .await
            .map_err(duplicate("a certificate with this name exists"))?;
        self.certificates.find(id).await?.ok_or(ScheduleError::UnknownCertificate(format!("id {id}")))
    }

    /// Replaces a certificate's fields and subjects (admin); the cached copy is dropped.
    pub async fn replace_certificate(&self, id: i64, draft: &CertificateDraft) -> Result<Certificate, ScheduleError> {
        draft.validate()?;
        let found = self
            .certificates
            .replace(id, draft, self.clock.now())
            .await
            .map_err(duplicate("a certificate with this name exists"))?;
        self.invalidate(id).await;
        if !found {
            return Err(ScheduleError::UnknownCertificate(format!("id {id}")));
        }
        self.certificates.find(id).await?.ok_or(ScheduleError::UnknownCertificate(format!("id {id}")))
    }

    /// Deletes a certificate with its subjects and schedules (admin).
    pub async fn delete_certificate(&self, id: i64) -> Result<(), ScheduleError> {
        let found = self.certificates.delete(id).await.map_err(|e| match e {
            PortError::InUse(_) => ScheduleError::InUse(id),
            other => ScheduleError::Store(other),
        })?;
        self.invalidate(id).await;
        if found { Ok(()) } else { Err(ScheduleError::UnknownCertificate(format!("id {id}"))) }
    }

    /// The certificate's schedules, newest first.
    pub async fn schedules(&self, certificate_id: i64) -> Result<Vec<ExamSchedule>, ScheduleError> {
        if self.certificates.find(certificate_id).await?.is_none() {
            return Err(ScheduleError::UnknownCertificate(format!("id {certificate_id}")));
        }
        Ok(self.schedules.list(certificate_id).await?)
    }

    /// The certificate a schedule belongs to.
    pub async fn schedule(&self, id: i64) -> Result<i64, ScheduleError> {
        Ok(self.schedules.find(id).await?.ok_or(ScheduleError::ScheduleNotFound(id))?.draft.certificate_id)
    }

    /// Adds a schedule (admin).
    pub async fn create_schedule(&self, draft: &ExamScheduleDraft) -> Result<ExamSchedule, ScheduleError> {
        draft.validate()?;
        if self.certificates.find(draft.certificate_id).await?.is_none() {
            return Err(ScheduleError::UnknownCertificate(format!("id {}", draft.certificate_id)));
        }
        let id =
            self.schedules.insert(draft, &PendingScheduleChange::of(draft), self.clock.now()).await.map_err(|err| {
                match err {
                    err @ PortError::InUse(_) => gone(err, || format!("id {}", draft.certificate_id)),
                    other => duplicate("this certificate already has a schedule for that year and round")(other),
                }
            })?;
        self.schedules.find(id).await?.ok_or(ScheduleError::ScheduleNotFound(id))
    }

    /// Replaces a schedule (admin); its certificate cannot change.
    pub async fn replace_schedule(&self, id: i64, draft: &ExamScheduleDraft) -> Result<ExamSchedule, ScheduleError> {
        draft.validate()?;
        let existing = self.schedules.find(id).await?.ok_or(ScheduleError::ScheduleNotFound(id))?;
        if existing.draft.certificate_id != draft.certificate_id {
            return Err(ScheduleError::Invalid {
                field: "certificateId",
                reason: "cannot change; delete and create instead".into(),
            });
        }
        if !self
            .schedules
            .replace(id, draft, &PendingScheduleChange::of(draft), self.clock.now())
            .await
            .map_err(duplicate("this certificate already has a schedule for that year and round"))?
        {
            return Err(ScheduleError::ScheduleNotFound(id));
        }
        self.schedules.find(id).await?.ok_or(ScheduleError::ScheduleNotFound(id))
    }

    /// Deletes a schedule (admin).
    pub async fn delete_schedule(&self, id: i64) -> Result<(), ScheduleError> {
        if self.schedules.delete(id).await? { Ok(()) } else { Err(ScheduleError::ScheduleNotFound(id)) }
    }

    /// A rendered form of the certificate's details kept by the caller (see
    /// [`rendered_detail_key`]); a cache failure is a miss.
    pub async fn cached_rendering(&self, id: i64) -> Option<Vec<u8>> {
        self.cache.get(&rendered_detail_key(id)).await.ok().flatten()
    }

    /// Keeps a rendered form of the certificate's details until the next admin edit (or the TTL).
    pub async fn keep_rendering(&self, id: i64, bytes: &[u8]) {
        if let Err(err) = self.cache.set(&rendered_detail_key(id), bytes, DETAIL_TTL).await {
            tracing::warn!(%err, "rendered certificate cache write failed");
        }
    }

    /// Drops a certificate's cached details and their rendered form (after an admin edit).
    pub async fn invalidate(&self, id: i64) {
        for key in [detail_key(id), rendered_detail_key(id)] {
            if let Err(err) = self.cache.delete(&key).await {
                tracing::warn!(%err, id, "could not invalidate a cached certificate");
            }
        }
    }
}

fn duplicate(message: &'static str) -> impl Fn(PortError) -> ScheduleError {
    move |err| match err {
        PortError::Duplicate(_) => ScheduleError::Duplicate(message.into()),
        other => ScheduleError::Store(other),
    }
}

/// A write naming certificates that the store refuses as a broken reference (`InUse`: one was
/// deleted after the service looked it up) names an unknown certificate, as if the lookup had
/// missed it — a bad row the import skips, not a store failure that stops it.
fn gone(err: PortError, which: impl FnOnce() -> String) -> ScheduleError {
    match err {
        PortError::InUse(_) => ScheduleError::UnknownCertificate(which()),
        other => ScheduleError::Store(other),
    }
}

#[cfg(test)]
mod tests;
