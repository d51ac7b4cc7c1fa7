//! In-memory stores of the certificate ports for this crate's service tests: each keeps its
//! port's documented contract (unique names and schedule keys, references to certificates that
//! must exist, the favouriting inbox), and records the events a real store would write to the
//! outbox in the same transaction.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Utc};

use crate::{
    Certificate, CertificateDraft, CertificateSummary, ExamSchedule, ExamScheduleDraft, Interest, InterestPriority,
    PassCriteria, Subject, UpsertOutcome,
    events::{CertificateEvent, PendingScheduleChange},
    ports::{CertificateRepository, ExamScheduleRepository, FavoriteBoardRepository, InterestRepository},
};

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a foreign key answers for a reference to a certificate that is not there.
fn no_certificate(id: i64) -> PortError {
    PortError::InUse(format!("certificate {id} is not there"))
}

/// Certificate `id` named `cert-{id}`: one subject worth 100 points, pass at 40 % / 60 %.
pub fn certificate(id: i64) -> Certificate {
    Certificate {
        id,
        name: format!("cert-{id}"),
        category: "IT".into(),
        subjects: vec![Subject { id: 1, sequence: 1, name: "s".into(), number_of_questions: 20, total_score: 100 }],
        pass_criteria: PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None },
    }
}

/// The draft that creates a certificate named `name` with the subjects `(name, questions, score)`.
pub fn certificate_draft(name: &str, subjects: &[(&str, i32, i32)]) -> CertificateDraft {
    CertificateDraft {
        name: name.into(),
        category: "IT".into(),
        subjects: subjects.iter().map(|&(s, q, t)| (s.to_owned(), q, t)).collect(),
        pass_criteria: PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None },
    }
}

/// Certificates in a vector: names unique, new ids after the highest, every `find` counted
/// (to see what the cache saves), deletion refused for those marked [`Catalogue::with_mock_exams`].
#[derive(Default)]
pub struct Catalogue {
    certificates: Mutex<Vec<Certificate>>,
    with_mock_exams: Mutex<HashSet<i64>>,
    deleted_after_lookup: Mutex<HashSet<i64>>,
    /// How many times `find` was called.
    pub reads: Mutex<u32>,
}

impl Catalogue {
    /// A catalogue holding `certificates`.
    pub fn of(certificates: Vec<Certificate>) -> Self {
        Self { certificates: Mutex::new(certificates), ..Self::default() }
    }

    /// Marks certificate `id` as referenced by mock exams (its deletion is refused).
    pub fn with_mock_exams(&self, id: i64) {
        locked(&self.with_mock_exams).insert(id);
    }

    /// Removes certificate `id` behind the service's back (a concurrent admin deletion).
    pub fn vanish(&self, id: i64) {
        locked(&self.certificates).retain(|c| c.id != id);
    }

    /// Has certificate `id` deleted by an admin right after the next `find` of it answers: the
    /// service's lookup sees it, the write that follows does not.
    pub fn delete_after_lookup(&self, id: i64) {
        locked(&self.deleted_after_lookup).insert(id);
    }

    fn has(&self, id: i64) -> bool {
        locked(&self.certificates).iter().any(|c| c.id == id)
    }

    fn summary(&self, id: i64) -> Option<CertificateSummary> {
        locked(&self.certificates).iter().find(|c| c.id == id).map(Certificate::summary)
    }

    fn built(id: i64, draft: &CertificateDraft) -> Certificate {
        let subjects = draft.subjects.iter().enumerate().map(|(i, (name, questions, score))| Subject {
            id: id * 100 + i as i64,
            sequence: i as i32 + 1,
            name: name.clone(),
            number_of_questions: *questions,
            total_score: *score,
        });
        Certificate {
            id,
            name: draft.name.clone(),
            category: draft.category.clone(),
            subjects: subjects.collect(),
            pass_criteria: draft.pass_criteria,
        }
    }
}

#[async_trait]
impl CertificateRepository for Catalogue {
    async fn list(&self) -> Result<Vec<CertificateSummary>, PortError> {
        let mut all: Vec<_> = locked(&self.certificates).iter().map(Certificate::summary).collect();
        all.sort_by_key(|c| c.id);
        Ok(all)
    }
    async fn find(&self, id: i64) -> Result<Option<Certificate>, PortError> {
        *locked(&self.reads) += 1;
        let found = locked(&self.certificates).iter().find(|c| c.id == id).cloned();
        if locked(&self.deleted_after_lookup).remove(&id) {
            self.vanish(id);
        }
        Ok(found)
    }
    async fn find_id_by_name(&self, name: &str) -> Result<Option<i64>, PortError> {
        Ok(locked(&self.certificates).iter().find(|c| c.name == name).map(|c| c.id))
    }
    async fn create(&self, draft: &CertificateDraft, _: DateTime<Utc>) -> Result<i64, PortError> {
        let mut all = locked(&self.certificates);
        if all.iter().any(|c| c.name == draft.name) {
            return Err(PortError::Duplicate("certificate.name".into()));
        }
        let id = all.iter().map(|c| c.id).max().unwrap_or(0) + 1;
        all.push(Self::built(id, draft));
        Ok(id)
    }
    async fn replace(&self, id: i64, draft: &CertificateDraft, _: DateTime<Utc>) -> Result<bool, PortError> {
        let mut all = locked(&self.certificates);
        if all.iter().any(|c| c.name == draft.name && c.id != id) {
            return Err(PortError::Duplicate("certificate.name".into()));
        }
        let Some(existing) = all.iter_mut().find(|c| c.id == id) else { return Ok(false) };
        *existing = Self::built(id, draft);
        Ok(true)
    }
    async fn delete(&self, id: i64) -> Result<bool, PortError> {
        if locked(&self.with_mock_exams).contains(&id) {
            return Err(PortError::InUse("mock_exam.certificate_id".into()));
        }
        let mut all = locked(&self.certificates);
        let before = all.len();
        all.retain(|c| c.id != id);
        Ok(all.len() < before)
    }
}

/// Exam schedules with ids from 1, unique by (certificate, year, round), referring to
/// certificates of a [`Catalogue`]; `events` holds what each write recorded in the outbox.
pub struct Calendar {
    catalogue: Arc<Catalogue>,
    schedules: Mutex<Vec<ExamSchedule>>,
    /// The outbox: every event a write recorded, oldest first.
    pub events: Mutex<Vec<CertificateEvent>>,
}

impl Calendar {
    /// An empty calendar over `catalogue`.
    pub fn new(catalogue: Arc<Catalogue>) -> Self {
        Self { catalogue, schedules: Mutex::default(), events: Mutex::default() }
    }

    fn key(d: &ExamScheduleDraft) -> (i64, i32, i32) {
        (d.certificate_id, d.exam_year, d.round)
    }

    fn next_id(all: &[ExamSchedule]) -> i64 {
        all.iter().map(|s| s.id).max().unwrap_or(0) + 1
    }

    fn record(&self, event: Option<CertificateEvent>) {
        locked(&self.events).extend(event);
    }
}

#[async_trait]
impl ExamScheduleRepository for Calendar {
    async fn next_from(&self, id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError> {
        let all = locked(&self.schedules);
        let next = all.iter().filter(|s| s.draft.certificate_id == id && s.draft.exam_date >= at);
        Ok(next.min_by_key(|s| s.draft.exam_date).cloned())
    }
    async fn latest_before(&self, id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError> {
        let all = locked(&self.schedules);
        let before = all.iter().filter(|s| s.draft.certificate_id == id && s.draft.exam_date < at);
        Ok(before.max_by_key(|s| s.draft.exam_date).cloned())
    }
    async fn upsert(
        &self,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        _: DateTime<Utc>,
    ) -> Result<UpsertOutcome, PortError> {
        if !self.catalogue.has(draft.certificate_id) {
            return Err(no_certificate(draft.certificate_id));
        }
        let mut all = locked(&self.schedules);
        let next_id = Self::next_id(&all);
        let (id, outcome) = match all.iter_mut().find(|s| Self::key(&s.draft) == Self::key(draft)) {
            Some(existing) if existing.draft == *draft => (existing.id, UpsertOutcome::Unchanged),
            Some(existing) => {
                existing.draft = draft.clone();
                (existing.id, UpsertOutcome::Updated)
            }
            None => {
                all.push(ExamSchedule { id: next_id, draft: draft.clone() });
                (next_id, UpsertOutcome::Inserted)
            }
        };
        self.record(event.stored(id, outcome));
        Ok(outcome)
    }
    async fn find(&self, id: i64) -> Result<Option<ExamSchedule>, PortError> {
        Ok(locked(&self.schedules).iter().find(|s| s.id == id).cloned())
    }
    async fn list(&self, certificate_id: i64) -> Result<Vec<ExamSchedule>, PortError> {
        let mut mine: Vec<_> =
            locked(&self.schedules).iter().filter(|s| s.draft.certificate_id == certificate_id).cloned().collect();
        mine.sort_by_key(|s| std::cmp::Reverse(s.draft.exam_date));
        Ok(mine)
    }
    async fn insert(
        &self,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        _: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        if !self.catalogue.has(draft.certificate_id) {
            return Err(no_certificate(draft.certificate_id));
        }
        let mut all = locked(&self.schedules);
        if all.iter().any(|s| Self::key(&s.draft) == Self::key(draft)) {
            return Err(PortError::Duplicate("exam_schedule.certificate_year_round".into()));
        }
        let id = Self::next_id(&all);
        all.push(ExamSchedule { id, draft: draft.clone() });
        self.record(event.stored(id, UpsertOutcome::Inserted));
        Ok(id)
    }
    async fn replace(
        &self,
        id: i64,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        _: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let mut all = locked(&self.schedules);
        if all.iter().any(|s| s.id != id && Self::key(&s.draft) == Self::key(draft)) {
            return Err(PortError::Duplicate("exam_schedule.certificate_year_round".into()));
        }
        let Some(existing) = all.iter_mut().find(|s| s.id == id) else { return Ok(false) };
        existing.draft = draft.clone();
        self.record(event.stored(id, UpsertOutcome::Updated));
        Ok(true)
    }
    async fn delete(&self, id: i64) -> Result<bool, PortError> {
        let mut all = locked(&self.schedules);
        let before = all.len();
        all.retain(|s| s.id != id);
        Ok(all.len() < before)
    }
}

/// Users' interest certificates in choosing order, referring to a [`Catalogue`]; `events`
/// holds the events `replace_all` recorded.
pub struct Interests {
    catalogue: Arc<Catalogue>,
    chosen: Mutex<Vec<(i64, i64, InterestPriority)>>,
    /// The outbox: every event recorded, oldest first.
    pub events: Mutex<Vec<CertificateEvent>>,
}

impl Interests {
    /// No interests yet, over `catalogue`.
    pub fn new(catalogue: Arc<Catalogue>) -> Self {
        Self { catalogue, chosen: Mutex::default(), events: Mutex::default() }
    }
}

#[async_trait]
impl InterestRepository for Interests {
    async fn list(&self, user_id: i64) -> Result<Vec<Interest>, PortError> {
        let mut mine: Vec<_> = locked(&self.chosen).iter().filter(|(u, ..)| *u == user_id).copied().collect();
        // Stable: equal priorities keep the order they were chosen in.
        mine.sort_by_key(|&(.., priority)| std::cmp::Reverse(priority));
        Ok(mine
            .into_iter()
            .filter_map(|(_, id, priority)| Some(Interest { certificate: self.catalogue.summary(id)?, priority }))
            .collect())
    }
    async fn users_interested_in(&self, certificate_id: i64) -> Result<Vec<i64>, PortError> {
        Ok(locked(&self.chosen).iter().filter(|(_, c, _)| *c == certificate_id).map(|(u, ..)| *u).collect())
    }
    async fn replace_all(
        &self,
        user_id: i64,
        targets: &[(i64, InterestPriority)],
        event: &CertificateEvent,
        _: DateTime<Utc>,
    ) -> Result<(), PortError> {
        if let Some(&(missing, _)) = targets.iter().find(|(id, _)| !self.catalogue.has(*id)) {
            return Err(no_certificate(missing));
        }
        let mut chosen = locked(&self.chosen);
        chosen.retain(|(u, ..)| *u != user_id);
        chosen.extend(targets.iter().map(|&(id, priority)| (user_id, id, priority)));
        locked(&self.events).push(event.clone());
        Ok(())
    }
}

/// Favourite boards per user, referring to a [`Catalogue`], with the inbox of handled events.
pub struct Favourites {
    catalogue: Arc<Catalogue>,
    favourites: Mutex<Vec<(i64, i64)>>,
    inbox: Mutex<HashSet<(String, String)>>,
}

impl Favourites {
    /// No favourites yet, over `catalogue`.
    pub fn new(catalogue: Arc<Catalogue>) -> Self {
        Self { catalogue, favourites: Mutex::default(), inbox: Mutex::default() }
    }
}

#[async_trait]
impl FavoriteBoardRepository for Favourites {
    async fn favorites(&self, user_id: i64) -> Result<Vec<i64>, PortError> {
        Ok(locked(&self.favourites).iter().filter(|(u, _)| *u == user_id).map(|(_, c)| *c).collect())
    }
    async fn toggle(&self, user_id: i64, certificate_id: i64, _: DateTime<Utc>) -> Result<bool, PortError> {
        if !self.catalogue.has(certificate_id) {
            return Err(no_certificate(certificate_id));
        }
        let mut all = locked(&self.favourites);
        let before = all.len();
        all.retain(|&f| f != (user_id, certificate_id));
        if all.len() < before {
            return Ok(false);
        }
        all.push((user_id, certificate_id));
        Ok(true)
    }
    async fn favorite_once(
        &self,
        consumer: &str,
        event_id: &str,
        user_id: i64,
        certificate_ids: &[i64],
        _: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        if let Some(&missing) = certificate_ids.iter().find(|id| !self.catalogue.has(**id)) {
            return Err(no_certificate(missing));
        }
        if !locked(&self.inbox).insert((consumer.to_owned(), event_id.to_owned())) {
            return Ok(false);
        }
        let mut all = locked(&self.favourites);
        for &id in certificate_ids {
            if !all.contains(&(user_id, id)) {
                all.push((user_id, id));
            }
        }
        Ok(true)
    }
}
