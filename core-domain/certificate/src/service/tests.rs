//! The certificate service over in-memory stores: cached details, the exam calendar, interest
//! certificates and the admin edits, with the refusals each use case answers.

use super::*;
use crate::{
    events::ScheduleChange,
    schedule::tests::{at, draft},
    tests::fakes::{Calendar, Catalogue, Interests, certificate, certificate_draft},
};
use cercat_common::{DomainError, clock::ManualClock, testkit::fakes::MapCache};

struct Fixture {
    catalogue: Arc<Catalogue>,
    calendar: Arc<Calendar>,
    interests: Arc<Interests>,
    clock: ManualClock,
    service: CertificateService,
}

/// Certificates 1 and 2, no schedules, no interests; the clock at 2026-05-01.
fn fixture_with(cache: MapCache) -> Fixture {
    let catalogue = Arc::new(Catalogue::of(vec![certificate(1), certificate(2)]));
    let calendar = Arc::new(Calendar::new(catalogue.clone()));
    let interests = Arc::new(Interests::new(catalogue.clone()));
    let clock = ManualClock::new(at(2026, 5, 1));
    let service =
        CertificateService::new(catalogue.clone(), calendar.clone(), Arc::new(cache), Arc::new(clock.clone()))
            .with_interests(interests.clone());
    Fixture { catalogue, calendar, interests, clock, service }
}

fn fixture() -> Fixture {
    fixture_with(MapCache::default())
}

fn reads(f: &Fixture) -> u32 {
    *f.catalogue.reads.lock().unwrap()
}

/// The (change, schedule id, round) of every schedule event in the outbox.
fn schedule_events(f: &Fixture) -> Vec<(ScheduleChange, i64, i32)> {
    let events = f.calendar.events.lock().unwrap();
    events
        .iter()
        .map(|e| match e {
            CertificateEvent::ExamScheduleChanged(c) => (c.change, c.exam_schedule_id, c.round),
            other => panic!("a schedule write recorded {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn details_are_read_once_then_served_from_the_cache() {
    let f = fixture();
    assert_eq!(f.service.get(1).await.unwrap().max_score(), 100);
    assert_eq!(f.service.get(1).await.unwrap().id, 1);
    assert_eq!(reads(&f), 1);
    f.service.invalidate(1).await;
    f.service.get(1).await.unwrap();
    assert_eq!(reads(&f), 2, "an invalidated entry is read again");
}

#[tokio::test]
async fn a_rendered_detail_is_kept_until_an_admin_edit() {
    let f = fixture();
    assert_eq!(f.service.cached_rendering(1).await, None);
    f.service.keep_rendering(1, b"rendered").await;
    assert_eq!(f.service.cached_rendering(1).await.as_deref(), Some(&b"rendered"[..]));
    f.service.replace_certificate(1, &certificate_draft("renamed", &[("s", 20, 100)])).await.unwrap();
    assert_eq!(f.service.cached_rendering(1).await, None, "an edit drops the rendered body with the details");
    f.service.keep_rendering(1, b"again").await;
    f.service.delete_certificate(1).await.unwrap();
    assert_eq!(f.service.cached_rendering(1).await, None, "so does a deletion");
}

#[tokio::test]
async fn a_broken_cache_degrades_to_the_database() {
    let f = fixture_with(MapCache::broken());
    assert_eq!(f.service.get(1).await.unwrap().id, 1);
    assert_eq!(f.service.get(1).await.unwrap().id, 1);
    assert_eq!(reads(&f), 2, "every read goes to the database while the cache is down");
    f.service.keep_rendering(1, b"rendered").await;
    assert_eq!(f.service.cached_rendering(1).await, None, "a failing cache is a miss");
    let renamed = f.service.replace_certificate(1, &certificate_draft("renamed", &[("s", 20, 100)])).await.unwrap();
    assert_eq!(renamed.name, "renamed", "an admin edit succeeds even when its cached copy cannot be dropped");
}

#[tokio::test]
async fn unknown_certificates_are_not_found_with_their_code() {
    let f = fixture();
    let err = f.service.get(9).await.unwrap_err();
    assert_eq!(DomainError::code(&err), "CRT_001");
    assert!(matches!(f.service.next_exam(9).await, Err(CertificateError::NotFound(9))));
    assert!(matches!(f.service.previous_exam(9).await, Err(CertificateError::NotFound(9))));
}

#[tokio::test]
async fn the_list_holds_every_certificate_in_id_order() {
    let f = fixture();
    let names: Vec<_> = f.service.list().await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["cert-1", "cert-2"]);
}

#[tokio::test]
async fn next_and_previous_exams_follow_the_clock() {
    let f = fixture();
    assert_eq!(f.service.next_exam(1).await.unwrap_err().to_string(), "certificate 1 has no upcoming exam scheduled");
    assert!(matches!(f.service.previous_exam(1).await, Err(CertificateError::NoPreviousExam(1))));
    f.service.import_schedule(&draft(2026, 1, at(2026, 3, 1))).await.unwrap();
    f.service.import_schedule(&draft(2026, 2, at(2026, 6, 1))).await.unwrap();
    f.service.import_schedule(&draft(2026, 3, at(2026, 9, 1))).await.unwrap();
    let (certificate, next) = f.service.next_exam(1).await.unwrap();
    assert_eq!((certificate.id, next.draft.round), (1, 2));
    assert_eq!(f.service.previous_exam(1).await.unwrap().1.draft.round, 1);
    f.clock.set(at(2026, 6, 1));
    assert_eq!(f.service.next_exam(1).await.unwrap().1.draft.round, 2, "an exam today is still the next one");
    f.clock.set(at(2026, 6, 2));
    assert_eq!(f.service.next_exam(1).await.unwrap().1.draft.round, 3);
    assert_eq!(f.service.previous_exam(1).await.unwrap().1.draft.round, 2);
    assert!(matches!(f.service.next_exam(2).await, Err(CertificateError::NoUpcomingExam(2))), "per certificate");
}

#[tokio::test]
async fn imports_are_idempotent_and_validated() {
    let f = fixture();
    let d = draft(2026, 1, at(2026, 3, 1));
    assert_eq!(f.service.import_schedule(&d).await.unwrap(), UpsertOutcome::Inserted);
    assert_eq!(f.service.import_schedule(&d).await.unwrap(), UpsertOutcome::Unchanged);
    let mut changed = d.clone();
    changed.fees.written = Some(20_000);
    assert_eq!(f.service.import_schedule(&changed).await.unwrap(), UpsertOutcome::Updated);
    assert_eq!(
        schedule_events(&f),
        [(ScheduleChange::Created, 1, 1), (ScheduleChange::Updated, 1, 1)],
        "the service hands one event per real change, none for an unchanged re-import"
    );
    let mut bad = d;
    bad.exam_year = 1999;
    assert!(matches!(f.service.import_schedule(&bad).await, Err(ScheduleError::Invalid { field: "examYear", .. })));
    assert_eq!(schedule_events(&f).len(), 2, "a refused draft records nothing");
}

#[tokio::test]
async fn an_import_for_a_certificate_deleted_meanwhile_is_a_bad_row_not_a_store_failure() {
    // The import job resolves the row's certificate, then upserts; an admin may delete the
    // certificate in between. The store refuses the reference (`InUse`); the job skips rows
    // with domain errors but stops on `Store`, so this must be an unknown certificate.
    let f = fixture();
    let d = draft(2026, 1, at(2026, 3, 1));
    assert_eq!(f.service.resolve_certificate(Some(1), None).await.unwrap(), 1);
    f.catalogue.vanish(1);
    assert_eq!(f.service.import_schedule(&d).await, Err(ScheduleError::UnknownCertificate("id 1".into())));
    assert!(schedule_events(&f).is_empty());
}

#[tokio::test]
async fn certificates_resolve_by_id_or_exact_name() {
    let f = fixture();
    assert_eq!(f.service.resolve_certificate(None, Some(" cert-1 ")).await.unwrap(), 1);
    assert_eq!(f.service.resolve_certificate(Some(1), None).await.unwrap(), 1);
    assert_eq!(f.service.resolve_certificate(Some(2), Some("cert-1")).await.unwrap(), 2, "the id wins over the name");
    assert_eq!(
        f.service.resolve_certificate(Some(9), None).await,
        Err(ScheduleError::UnknownCertificate("id 9".into()))
    );
    assert_eq!(
        f.service.resolve_certificate(None, Some("nope")).await,
        Err(ScheduleError::UnknownCertificate("`nope`".into()))
    );
    for blank in [None, Some("   ")] {
        assert!(matches!(
            f.service.resolve_certificate(None, blank).await,
            Err(ScheduleError::Invalid { field: "certificateId", .. })
        ));
    }
}

#[tokio::test]
async fn interests_are_at_most_three_distinct_existing_certificates_listed_by_priority() {
    use InterestPriority::{High, Low, Normal};
    let f = fixture();
    f.catalogue.create(&certificate_draft("cert-3", &[("s", 10, 100)]), at(2026, 1, 1)).await.unwrap();
    f.catalogue.create(&certificate_draft("cert-4", &[("s", 10, 100)]), at(2026, 1, 1)).await.unwrap();

    let four = [(1, High), (2, Low), (3, Low), (4, Low)];
    assert!(matches!(f.service.replace_interests(7, &four).await, Err(ScheduleError::InvalidInterests(_))));
    let twice = [(1, High), (1, Low)];
    assert_eq!(
        f.service.replace_interests(7, &twice).await,
        Err(ScheduleError::InvalidInterests("certificate 1 is listed twice".into()))
    );
    assert_eq!(
        f.service.replace_interests(7, &[(1, High), (9, Low)]).await,
        Err(ScheduleError::UnknownCertificate("id 9".into()))
    );
    assert!(f.interests.events.lock().unwrap().is_empty(), "a refused choice records no event");

    let chosen = f.service.replace_interests(7, &[(2, Low), (3, High), (1, Normal)]).await.unwrap();
    let order: Vec<_> = chosen.iter().map(|i| (i.certificate.id, i.priority)).collect();
    assert_eq!(order, [(3, High), (1, Normal), (2, Low)], "highest priority first");
    assert_eq!(f.service.interests(7).await.unwrap(), chosen);
    assert_eq!(f.service.interested_users(3).await.unwrap(), [7]);

    let cleared = f.service.replace_interests(7, &[]).await.unwrap();
    assert!(cleared.is_empty(), "choosing none removes them all");
    assert!(f.service.interested_users(3).await.unwrap().is_empty());
    let events = f.interests.events.lock().unwrap();
    assert_eq!(
        *events,
        [
            CertificateEvent::interests_replaced(7, &[(2, Low), (3, High), (1, Normal)]),
            CertificateEvent::interests_replaced(7, &[]),
        ],
        "each replacement announces every interest after it (boards are favourited from it)"
    );
}

#[tokio::test]
async fn interests_chosen_while_a_certificate_is_deleted_name_it_unknown() {
    let f = fixture();
    f.catalogue.delete_after_lookup(2);
    let refused = f.service.replace_interests(7, &[(1, InterestPriority::High), (2, InterestPriority::Low)]).await;
    assert!(matches!(refused, Err(ScheduleError::UnknownCertificate(_))), "{refused:?}");
    assert!(f.service.interests(7).await.unwrap().is_empty(), "nothing was replaced");
}

#[tokio::test]
async fn without_an_interest_store_the_interest_use_cases_fail_as_unavailable() {
    let catalogue = Arc::new(Catalogue::of(vec![certificate(1)]));
    let service = CertificateService::new(
        catalogue.clone(),
        Arc::new(Calendar::new(catalogue)),
        Arc::new(MapCache::default()),
        Arc::new(ManualClock::new(at(2026, 5, 1))),
    );
    fn unavailable<T>(r: Result<T, ScheduleError>) -> bool {
        matches!(r, Err(ScheduleError::Store(PortError::Unavailable { .. })))
    }
    assert!(unavailable(service.interests(7).await));
    assert!(unavailable(service.interested_users(1).await));
    assert!(unavailable(service.replace_interests(7, &[(1, InterestPriority::High)]).await));
    assert_eq!(service.get(1).await.unwrap().id, 1, "the rest of the service works without it");
}

#[tokio::test]
async fn admins_create_certificates_with_unique_names_and_numbered_subjects() {
    let f = fixture();
    let created =
        f.service.create_certificate(&certificate_draft("SQLD", &[("모델링", 10, 20), ("SQL", 40, 80)])).await;
    let created = created.unwrap();
    assert_eq!((created.id, created.name.as_str(), created.max_score()), (3, "SQLD", 100));
    let subjects: Vec<_> = created.subjects.iter().map(|s| (s.sequence, s.name.as_str())).collect();
    assert_eq!(subjects, [(1, "모델링"), (2, "SQL")], "subjects are numbered in the order given");
    assert_eq!(f.service.get(3).await.unwrap(), created);

    assert_eq!(
        f.service.create_certificate(&certificate_draft("cert-1", &[("s", 20, 100)])).await,
        Err(ScheduleError::Duplicate("a certificate with this name exists".into()))
    );
    assert!(matches!(
        f.service.create_certificate(&certificate_draft("empty", &[])).await,
        Err(ScheduleError::Invalid { field: "subjects", .. })
    ));
    assert_eq!(f.service.list().await.unwrap().len(), 3, "refused drafts create nothing");
}

#[tokio::test]
async fn replacing_a_certificate_drops_its_cached_copy() {
    let f = fixture();
    assert_eq!(f.service.get(1).await.unwrap().name, "cert-1");
    let two_subjects = certificate_draft("renamed", &[("a", 10, 60), ("b", 10, 40)]);
    assert_eq!(f.service.replace_certificate(1, &two_subjects).await.unwrap().subjects.len(), 2);
    let read = f.service.get(1).await.unwrap();
    assert_eq!((read.name.as_str(), read.subjects.len()), ("renamed", 2), "the next read is not the stale copy");

    assert_eq!(
        f.service.replace_certificate(1, &certificate_draft("cert-2", &[("s", 20, 100)])).await,
        Err(ScheduleError::Duplicate("a certificate with this name exists".into())),
        "a name another certificate has"
    );
    assert_eq!(
        f.service.replace_certificate(9, &certificate_draft("new", &[("s", 20, 100)])).await,
        Err(ScheduleError::UnknownCertificate("id 9".into()))
    );
    let mut bad = certificate_draft("x", &[("s", 20, 100)]);
    bad.pass_criteria.average_min_percent = 101;
    assert!(matches!(
        f.service.replace_certificate(1, &bad).await,
        Err(ScheduleError::Invalid { field: "passingCriteria", .. })
    ));
    assert_eq!(f.service.get(1).await.unwrap().name, "renamed", "a refused replacement changes nothing");
}

#[tokio::test]
async fn deleting_a_certificate_is_refused_while_mock_exams_use_it() {
    let f = fixture();
    f.service.get(2).await.unwrap();
    f.catalogue.with_mock_exams(1);
    let refused = f.service.delete_certificate(1).await.unwrap_err();
    assert_eq!(DomainError::code(&refused), "CRT_011");
    assert_eq!(refused, ScheduleError::InUse(1));
    assert_eq!(f.service.get(1).await.unwrap().id, 1, "it is still there");

    f.service.delete_certificate(2).await.unwrap();
    assert!(matches!(f.service.get(2).await, Err(CertificateError::NotFound(2))), "not served from the cache");
    assert_eq!(f.service.delete_certificate(2).await, Err(ScheduleError::UnknownCertificate("id 2".into())));
}

#[tokio::test]
async fn admins_add_schedules_once_per_year_and_round_of_an_existing_certificate() {
    let f = fixture();
    let mut for_unknown = draft(2026, 1, at(2026, 3, 1));
    for_unknown.certificate_id = 9;
    assert_eq!(f.service.create_schedule(&for_unknown).await, Err(ScheduleError::UnknownCertificate("id 9".into())));

    let created = f.service.create_schedule(&draft(2026, 1, at(2026, 3, 1))).await.unwrap();
    assert_eq!((created.id, created.draft.round), (1, 1));
    assert_eq!(
        f.service.create_schedule(&draft(2026, 1, at(2026, 4, 1))).await,
        Err(ScheduleError::Duplicate("this certificate already has a schedule for that year and round".into()))
    );
    let mut later = draft(2026, 2, at(2026, 6, 1));
    later.round = 0;
    assert!(matches!(f.service.create_schedule(&later).await, Err(ScheduleError::Invalid { field: "round", .. })));
    later.round = 2;
    f.service.create_schedule(&later).await.unwrap();
    let rounds: Vec<_> = f.service.schedules(1).await.unwrap().iter().map(|s| s.draft.round).collect();
    assert_eq!(rounds, [2, 1], "newest exam first");
    assert_eq!(schedule_events(&f), [(ScheduleChange::Created, 1, 1), (ScheduleChange::Created, 2, 2)]);
    assert!(f.service.schedules(2).await.unwrap().is_empty());
    assert_eq!(f.service.schedules(9).await, Err(ScheduleError::UnknownCertificate("id 9".into())));
    assert_eq!(f.service.schedule(1).await, Ok(1), "a schedule names its certificate");
    assert_eq!(f.service.schedule(9).await, Err(ScheduleError::ScheduleNotFound(9)));
}

#[tokio::test]
async fn a_schedule_added_while_its_certificate_is_deleted_names_it_unknown() {
    let f = fixture();
    f.catalogue.delete_after_lookup(1);
    assert_eq!(
        f.service.create_schedule(&draft(2026, 1, at(2026, 3, 1))).await,
        Err(ScheduleError::UnknownCertificate("id 1".into())),
        "the refused reference is the certificate's absence, not a conflict"
    );
    assert!(schedule_events(&f).is_empty());
}

#[tokio::test]
async fn a_replaced_schedule_keeps_its_certificate_and_its_unique_round() {
    let f = fixture();
    let first = f.service.create_schedule(&draft(2026, 1, at(2026, 3, 1))).await.unwrap();
    f.service.create_schedule(&draft(2026, 2, at(2026, 6, 1))).await.unwrap();

    let mut moved = draft(2026, 1, at(2026, 3, 1));
    moved.certificate_id = 2;
    assert!(matches!(
        f.service.replace_schedule(first.id, &moved).await,
        Err(ScheduleError::Invalid { field: "certificateId", .. })
    ));
    assert!(matches!(
        f.service.replace_schedule(first.id, &draft(2026, 2, at(2026, 3, 1))).await,
        Err(ScheduleError::Duplicate(_))
    ));
    assert_eq!(
        f.service.replace_schedule(9, &draft(2026, 3, at(2026, 9, 1))).await,
        Err(ScheduleError::ScheduleNotFound(9))
    );

    let mut cheaper = draft(2026, 1, at(2026, 3, 1));
    cheaper.fees.written = Some(10_000);
    let replaced = f.service.replace_schedule(first.id, &cheaper).await.unwrap();
    assert_eq!((replaced.id, replaced.draft.fees.written), (first.id, Some(10_000)));
    assert_eq!(schedule_events(&f).last(), Some(&(ScheduleChange::Updated, first.id, 1)));

    f.service.delete_schedule(first.id).await.unwrap();
    assert_eq!(f.service.schedule(first.id).await, Err(ScheduleError::ScheduleNotFound(first.id)));
    assert_eq!(f.service.delete_schedule(first.id).await, Err(ScheduleError::ScheduleNotFound(first.id)));
    assert_eq!(f.service.schedules(1).await.unwrap().len(), 1);
}
