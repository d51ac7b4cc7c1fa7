use super::*;
use crate::{
    PassCriteria, Subject,
    schedule::tests::{at, draft},
};
use async_trait::async_trait;
use cercat_common::{PortError, clock::ManualClock, testkit::fakes::MapCache};
use chrono::{DateTime, Utc};
use std::sync::Mutex;

#[derive(Default)]
struct FakeCertificates {
    reads: Mutex<u32>,
}

fn certificate(id: i64) -> Certificate {
    Certificate {
        id,
        name: format!("cert-{id}"),
        category: "IT".into(),
        subjects: vec![Subject { id: 1, sequence: 1, name: "s".into(), number_of_questions: 20, total_score: 100 }],
        pass_criteria: PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None },
    }
}

#[async_trait]
impl CertificateRepository for FakeCertificates {
    async fn list(&self) -> Result<Vec<CertificateSummary>, PortError> {
        Ok(vec![certificate(1).summary()])
    }
    async fn find(&self, id: i64) -> Result<Option<Certificate>, PortError> {
        *self.reads.lock().unwrap() += 1;
        Ok((id == 1).then(|| certificate(1)))
    }
    async fn find_id_by_name(&self, name: &str) -> Result<Option<i64>, PortError> {
        Ok((name == "cert-1").then_some(1))
    }
    async fn create(&self, _: &crate::CertificateDraft, _: DateTime<Utc>) -> Result<i64, PortError> {
        Err(PortError::Duplicate("name".into()))
    }
    async fn replace(&self, id: i64, _: &crate::CertificateDraft, _: DateTime<Utc>) -> Result<bool, PortError> {
        Ok(id == 1)
    }
    async fn delete(&self, id: i64) -> Result<bool, PortError> {
        Ok(id == 1)
    }
}

/// Schedules in memory; `events` keeps what each write would record in the outbox.
#[derive(Default)]
struct FakeSchedules(Mutex<Vec<ExamScheduleDraft>>, Mutex<Vec<crate::events::CertificateEvent>>);

#[async_trait]
impl ExamScheduleRepository for FakeSchedules {
    async fn next_from(&self, id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError> {
        let all = self.0.lock().unwrap();
        let next = all.iter().filter(|d| d.certificate_id == id && d.exam_date >= at).min_by_key(|d| d.exam_date);
        Ok(next.map(|d| ExamSchedule { id: 1, draft: d.clone() }))
    }
    async fn latest_before(&self, id: i64, at: DateTime<Utc>) -> Result<Option<ExamSchedule>, PortError> {
        let all = self.0.lock().unwrap();
        let prev = all.iter().filter(|d| d.certificate_id == id && d.exam_date < at).max_by_key(|d| d.exam_date);
        Ok(prev.map(|d| ExamSchedule { id: 1, draft: d.clone() }))
    }
    async fn upsert(
        &self,
        draft: &ExamScheduleDraft,
        event: &PendingScheduleChange,
        _at: DateTime<Utc>,
    ) -> Result<UpsertOutcome, PortError> {
        let mut all = self.0.lock().unwrap();
        let key = |d: &ExamScheduleDraft| (d.certificate_id, d.exam_year, d.round);
        let outcome = match all.iter_mut().find(|d| key(d) == key(draft)) {
            Some(existing) if existing == draft => UpsertOutcome::Unchanged,
            Some(existing) => {
                *existing = draft.clone();
                UpsertOutcome::Updated
            }
            None => {
                all.push(draft.clone());
                UpsertOutcome::Inserted
            }
        };
        self.1.lock().unwrap().extend(event.stored(1, outcome));
        Ok(outcome)
    }
    async fn find(&self, _: i64) -> Result<Option<ExamSchedule>, PortError> {
        Ok(None)
    }
    async fn list(&self, id: i64) -> Result<Vec<ExamSchedule>, PortError> {
        let all = self.0.lock().unwrap();
        Ok(all.iter().filter(|d| d.certificate_id == id).map(|d| ExamSchedule { id: 1, draft: d.clone() }).collect())
    }
    async fn insert(
        &self,
        _: &ExamScheduleDraft,
        _: &PendingScheduleChange,
        _: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        Err(PortError::Duplicate("uk".into()))
    }
    async fn replace(
        &self,
        _: i64,
        _: &ExamScheduleDraft,
        _: &PendingScheduleChange,
        _: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        Ok(false)
    }
    async fn delete(&self, _: i64) -> Result<bool, PortError> {
        Ok(false)
    }
}

struct Fixture {
    certificates: Arc<FakeCertificates>,
    schedules: Arc<FakeSchedules>,
    clock: ManualClock,
    service: CertificateService,
}

fn fixture(broken_cache: bool) -> Fixture {
    let certificates = Arc::new(FakeCertificates::default());
    let schedules = Arc::new(FakeSchedules::default());
    let clock = ManualClock::new(at(2026, 5, 1));
    let cache = Arc::new(if broken_cache { MapCache::broken() } else { MapCache::default() });
    let service = CertificateService::new(certificates.clone(), schedules.clone(), cache, Arc::new(clock.clone()));
    Fixture { certificates, schedules, clock, service }
}

#[tokio::test]
async fn details_are_read_once_then_served_from_the_cache() {
    let f = fixture(false);
    assert_eq!(f.service.get(1).await.unwrap().max_score(), 100);
    assert_eq!(f.service.get(1).await.unwrap().id, 1);
    assert_eq!(*f.certificates.reads.lock().unwrap(), 1);
    f.service.invalidate(1).await;
    f.service.get(1).await.unwrap();
    assert_eq!(*f.certificates.reads.lock().unwrap(), 2, "an invalidated entry is read again");
}

#[tokio::test]
async fn a_broken_cache_degrades_to_the_database() {
    let f = fixture(true);
    assert_eq!(f.service.get(1).await.unwrap().id, 1);
}

#[tokio::test]
async fn unknown_certificates_are_not_found_with_their_code() {
    let f = fixture(false);
    let err = f.service.get(9).await.unwrap_err();
    assert_eq!(cercat_common::DomainError::code(&err), "CRT_001");
}

#[tokio::test]
async fn next_and_previous_exams_follow_the_clock() {
    let f = fixture(false);
    assert_eq!(f.service.next_exam(1).await.unwrap_err().to_string(), "certificate 1 has no upcoming exam scheduled");
    f.service.import_schedule(&draft(2026, 1, at(2026, 3, 1))).await.unwrap();
    f.service.import_schedule(&draft(2026, 2, at(2026, 6, 1))).await.unwrap();
    f.service.import_schedule(&draft(2026, 3, at(2026, 9, 1))).await.unwrap();
    assert_eq!(f.service.next_exam(1).await.unwrap().1.draft.round, 2);
    assert_eq!(f.service.previous_exam(1).await.unwrap().1.draft.round, 1);
    f.clock.set(at(2026, 6, 2));
    assert_eq!(f.service.next_exam(1).await.unwrap().1.draft.round, 3);
}

#[tokio::test]
async fn imports_are_idempotent_and_validated() {
    let f = fixture(false);
    let d = draft(2026, 1, at(2026, 3, 1));
    assert_eq!(f.service.import_schedule(&d).await.unwrap(), UpsertOutcome::Inserted);
    assert_eq!(f.service.import_schedule(&d).await.unwrap(), UpsertOutcome::Unchanged);
    let mut changed = d.clone();
    changed.fees.written = Some(20_000);
    assert_eq!(f.service.import_schedule(&changed).await.unwrap(), UpsertOutcome::Updated);
    let changes: Vec<_> = f
        .schedules
        .1
        .lock()
        .unwrap()
        .iter()
        .map(|e| match e {
            crate::events::CertificateEvent::ExamScheduleChanged(c) => (c.change, c.round),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        changes,
        [(crate::events::ScheduleChange::Created, 1), (crate::events::ScheduleChange::Updated, 1)],
        "the service hands one event per real change, none for an unchanged re-import"
    );
    let mut bad = d;
    bad.exam_year = 1999;
    assert!(matches!(f.service.import_schedule(&bad).await, Err(ScheduleError::Invalid { field: "examYear", .. })));
}

#[tokio::test]
async fn certificates_resolve_by_id_or_exact_name() {
    let f = fixture(false);
    assert_eq!(f.service.resolve_certificate(None, Some(" cert-1 ")).await.unwrap(), 1);
    assert_eq!(f.service.resolve_certificate(Some(1), None).await.unwrap(), 1);
    assert!(matches!(f.service.resolve_certificate(Some(2), None).await, Err(ScheduleError::UnknownCertificate(_))));
    assert!(matches!(
        f.service.resolve_certificate(None, Some("nope")).await,
        Err(ScheduleError::UnknownCertificate(_))
    ));
    assert!(matches!(f.service.resolve_certificate(None, None).await, Err(ScheduleError::Invalid { .. })));
}

#[tokio::test]
async fn admin_writes_map_duplicates_and_missing_rows() {
    let f = fixture(false);
    let cert = crate::CertificateDraft {
        name: "cert-1".into(),
        category: "IT".into(),
        subjects: vec![("s".into(), 20, 100)],
        pass_criteria: PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None },
    };
    assert!(matches!(f.service.create_certificate(&cert).await, Err(ScheduleError::Duplicate(_))));
    let mut bad = cert.clone();
    bad.subjects.clear();
    assert!(matches!(f.service.create_certificate(&bad).await, Err(ScheduleError::Invalid { field: "subjects", .. })));
    assert!(matches!(f.service.delete_certificate(9).await, Err(ScheduleError::UnknownCertificate(_))));
    assert!(matches!(f.service.delete_schedule(9).await, Err(ScheduleError::ScheduleNotFound(9))));
    let d = draft(2026, 1, at(2026, 3, 1));
    assert!(matches!(f.service.create_schedule(&d).await, Err(ScheduleError::Duplicate(_))));
}
