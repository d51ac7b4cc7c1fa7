//! The [`ResultRepository`] contract (enabled with the `testkit` feature), run against every
//! adapter: attempts numbered per user and exam even under concurrent submissions, each result
//! stored whole with its event, and the reads the views, reports and notes are built on.

use std::sync::Arc;

use cercat_certificate::PassCriteria;
use cercat_common::{
    outbox::OutboxStore,
    paging::{Direction, SortOrder},
};
use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::{
    AnswerInput, GradedResult, MockExam, Question,
    events::{MockExamEvent, PendingResultSaved},
    grade,
    ports::{AnswerScope, ResultRepository},
};

const CRITERIA: PassCriteria =
    PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None };

/// What the suite runs on: a stored exam with its questions (at least two subjects, at least
/// two options each) and two users who have no results yet.
pub struct ResultFixture {
    /// The exam.
    pub exam: MockExam,
    /// Its questions, by number.
    pub questions: Vec<Question>,
    /// A user without results.
    pub user: i64,
    /// Another user without results.
    pub other: i64,
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).single().expect("a valid instant")
}

/// The option question 1 is answered with: any but its key.
fn wrong_option(q: &Question) -> i32 {
    if q.correct_option == 1 { 2 } else { 1 }
}

/// Answers question 1 wrong and every other question right.
fn one_wrong(questions: &[Question]) -> Vec<AnswerInput> {
    questions
        .iter()
        .map(|q| AnswerInput {
            number: q.number,
            selected: if q.number == 1 { wrong_option(q) } else { q.correct_option },
            taken_ms: 1000,
        })
        .collect()
}

async fn save(
    results: &dyn ResultRepository,
    user: i64,
    exam: &MockExam,
    graded: &GradedResult,
    at: DateTime<Utc>,
) -> (i64, i32) {
    let event = PendingResultSaved::of(user, exam, graded);
    results.save(user, exam, graded, &event, at).await.expect("save must not fail")
}

/// Runs every check; `outbox` is the store the adapter records its events in.
pub async fn run_all(results: Arc<dyn ResultRepository>, outbox: &dyn OutboxStore, f: ResultFixture) {
    let r = &*results;
    let (exam, user) = (&f.exam, f.user);
    let graded = grade(&f.questions, exam.time_limit_ms, CRITERIA, &one_wrong(&f.questions)).expect("grade");
    let before = outbox.unsent_count().await.expect("unsent count");

    // Stored whole, numbered 1, with its event completed by the id and attempt assigned.
    let (first, attempt) = save(r, user, exam, &graded, t0()).await;
    assert_eq!(attempt, 1, "a user's first attempt of an exam is 1");
    let stored = r.find(first).await.expect("find").expect("the saved result is found");
    assert_eq!(
        (stored.user_id, stored.mock_exam_id, stored.certificate_id, stored.total_score, stored.passed),
        (user, exam.id, exam.certificate_id, graded.total_score, graded.passed)
    );
    assert_eq!(
        (stored.max_score, stored.taken_time_ms, stored.created_at),
        (graded.max_score, graded.taken_time_ms, t0())
    );
    assert_eq!(stored.subjects, graded.subjects, "subjects come back in exam order with their time shares");
    assert!(stored.subjects.iter().all(|s| s.time_limit_ms > 0), "each subject keeps its share of the limit");
    let events = outbox.unsent(10_000).await.expect("unsent");
    assert_eq!(events.len() as u64, before + 1, "one event per stored result");
    let event = events.last().expect("the result's event").event.decode::<MockExamEvent>().expect("decodes");
    assert_eq!(event, PendingResultSaved::of(user, exam, &graded).saved(first, 1));

    // Attempts count per user and exam; concurrent submissions never share a number.
    let (_, second) = save(r, user, exam, &graded, t0() + Duration::hours(1)).await;
    assert_eq!(second, 2);
    assert_eq!(save(r, f.other, exam, &graded, t0()).await.1, 1, "another user's attempts count apart");
    let racing: Vec<_> = (0..4)
        .map(|i| {
            let (results, exam, graded) = (results.clone(), exam.clone(), graded.clone());
            tokio::spawn(async move {
                let event = PendingResultSaved::of(user, &exam, &graded);
                let at = t0() + Duration::hours(2) + Duration::seconds(i);
                results.save(user, &exam, &graded, &event, at).await.expect("a concurrent save must not fail").1
            })
        })
        .collect();
    let mut attempts = Vec::new();
    for task in racing {
        attempts.push(task.await.expect("save task"));
    }
    attempts.sort_unstable();
    assert_eq!(attempts, vec![3, 4, 5, 6], "concurrent submissions get distinct attempts");

    // Reads: oldest first, the latest, a period without subjects, scores, subject rows.
    let all = r.for_exam(user, exam.id).await.expect("for_exam");
    assert_eq!(all.iter().map(|x| x.attempt).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6]);
    assert!(all.iter().all(|x| x.subjects.len() == graded.subjects.len()), "with subjects");
    let latest = r.latest_for_exam(user, exam.id).await.expect("latest").expect("a latest result");
    assert_eq!(latest.attempt, 6);
    assert_eq!(r.latest_for_exam(user, exam.id + 100_000).await.expect("latest"), None);
    assert_eq!(r.find(first + 100_000).await.expect("find"), None);
    let window = (t0(), t0() + Duration::minutes(90));
    let listed = r.between(user, exam.certificate_id, window.0, window.1, 0, 10).await.expect("between");
    assert_eq!(listed.iter().map(|x| x.attempt).collect::<Vec<_>>(), vec![2, 1], "newest first, [from, to)");
    assert!(listed[0].subjects.is_empty(), "list views come without subjects");
    let day = (t0(), t0() + Duration::days(1));
    let whole = r.between(user, exam.certificate_id, day.0, day.1, 0, 10).await.expect("between");
    assert_eq!(whole.len(), 6);
    assert!(whole.windows(2).all(|w| w[0].created_at >= w[1].created_at), "newest first");
    let paged = r.between(user, exam.certificate_id, day.0, day.1, 1, 2).await.expect("between");
    assert_eq!(paged, whole[1..3].to_vec(), "offset, then limit");
    let scores = r.scores_between(user, exam.certificate_id, window.0, window.1).await.expect("scores");
    assert_eq!(scores.len(), 2);
    assert!(scores.iter().all(|(at, score)| *at >= window.0 && *score == graded.total_score));
    let rows = r.subject_rows(user, exam.certificate_id, Some(window)).await.expect("subject rows");
    assert_eq!(rows.len(), 2 * graded.subjects.len());
    let first_subject = &graded.subjects[0];
    let row = rows.iter().find(|x| x.subject_id == first_subject.subject_id).expect("a row of the first subject");
    assert_eq!(
        (row.correct_rate, row.total_taken_time, row.time_limit_ms),
        (first_subject.correct_rate, first_subject.total_taken_time, first_subject.time_limit_ms)
    );
    assert_eq!(
        r.subject_rows(user, exam.certificate_id, None).await.expect("all time").len(),
        6 * graded.subjects.len()
    );

    // Wrong-answer notes: only wrong, unreviewed answers, in scope, sorted, per user.
    let wrong = r.answers(user, AnswerScope::Result(first), true, &[], 0, 100).await.expect("answers");
    assert_eq!(wrong.len(), 1, "question 1 is the only wrong answer");
    let expected = (1, wrong_option(&f.questions[0]), false, first);
    assert_eq!((wrong[0].number, wrong[0].selected, wrong[0].correct, wrong[0].result_id), expected);
    let every = r.answers(user, AnswerScope::Result(first), false, &[], 0, 1000).await.expect("answers");
    assert_eq!(every.len(), f.questions.len(), "every question has an answer");
    let by_number = [SortOrder { field: "questionSeq".into(), direction: Direction::Desc }];
    let desc = r.answers(user, AnswerScope::Result(first), false, &by_number, 0, 2).await.expect("answers");
    assert_eq!(
        desc.iter().map(|a| a.number).collect::<Vec<_>>(),
        vec![f.questions.len() as i32, f.questions.len() as i32 - 1]
    );
    let latest_wrong = r
        .answers(user, AnswerScope::LatestOfCertificate(exam.certificate_id), true, &[], 0, 100)
        .await
        .expect("answers");
    assert_eq!(
        latest_wrong.iter().map(|a| a.result_id).collect::<Vec<_>>(),
        vec![latest.id],
        "the latest attempt only"
    );
    assert!(!r.mark_reviewed(f.other, wrong[0].id).await.expect("mark"), "nobody reviews another's answer");
    assert!(r.mark_reviewed(user, wrong[0].id).await.expect("mark"));
    assert!(
        r.answers(user, AnswerScope::Result(first), true, &[], 0, 100).await.expect("answers").is_empty(),
        "a reviewed answer leaves the notes"
    );
    assert!(!r.mark_reviewed(user, i64::MAX).await.expect("mark"), "no such answer");
}
