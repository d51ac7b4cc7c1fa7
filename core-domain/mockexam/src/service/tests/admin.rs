//! The admin's side: imports, question edits, images and deletion, and what each does to the
//! cached question set.

use super::{answer, fakes::*};
use crate::{MockExamError, import::MockExamImport, service::*};
use cercat_certificate::CertificateError;
use cercat_common::testkit::fakes::MapCache;
use std::sync::atomic::Ordering;

/// The smallest PNG header `sniff_image` accepts.
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0];

/// Three questions worth 40 in all: 10 and 10 shared, 20 given explicitly.
fn document(year: i32, round: i32) -> MockExamImport {
    let json = serde_json::json!({
        "examYear": year, "round": round, "timeLimit": 2, "score": 40,
        "questions": [
            { "subjectSeq": 1, "questionNumber": 1, "question": "첫 문제", "choices": ["a", "b", "c", "d"],
              "answer": 1, "image": "https://img.example/q1.png" },
            { "subjectSeq": 1, "questionNumber": 2, "question": "둘째 문제",
              "choices": [{ "image": "https://img.example/o1.png" }, "b", "c", "d"], "answer": 2 },
            { "subjectSeq": 2, "questionNumber": 3, "question": "셋째 문제", "choices": ["a", "b", "c", "d", "e"],
              "answer": 5, "score": 20 }
        ]
    });
    MockExamImport::from_json(json.to_string().as_bytes()).unwrap()
}

fn edit(text: &str, options: usize, correct_option: i32, score: i32) -> QuestionEdit {
    QuestionEdit {
        text: text.into(),
        options: (1..=options).map(|i| format!(" 보기{i} ")).collect(),
        correct_option,
        score,
    }
}

#[tokio::test]
async fn an_import_creates_the_exam_once_per_year_and_round() {
    let f = fixture();
    let set = f.service.import(1, document(2025, 2)).await.unwrap();
    assert_eq!(
        (set.exam.exam_year, set.exam.round, set.exam.time_limit_ms, set.exam.max_score),
        (2025, 2, 120_000, 40)
    );
    let scores: Vec<_> = set.questions.iter().map(|q| (q.number, q.score, q.correct_option)).collect();
    assert_eq!(scores, [(1, 10, 1), (2, 10, 2), (3, 20, 5)], "the shared score divides what the explicit one leaves");
    assert_eq!(set.questions[0].image.as_deref(), Some("https://img.example/q1.png"), "absolute URLs stay as given");
    assert_eq!(f.service.exam_years(1).await.unwrap(), [2025, 2024], "newest year first");
    assert_eq!(f.service.mock_exams(1, Some(2025)).await.unwrap(), vec![set.exam.clone()]);

    let again = f.service.import(1, document(2025, 2)).await.unwrap_err();
    assert!(
        matches!(again, MockExamError::Duplicate { certificate_id: 1, year: 2025, round: 2 }),
        "one exam per certificate, year and round: {again:?}"
    );
    assert_eq!(f.service.mock_exams(1, None).await.unwrap().len(), 2, "the duplicate stored nothing");
    let bad = f.service.import(1, document(2025, 21)).await.unwrap_err();
    assert!(matches!(bad, MockExamError::InvalidImport(_)), "{bad:?}");
    let unknown = f.service.import(9, document(2025, 3)).await.unwrap_err();
    assert!(matches!(unknown, MockExamError::Certificate(CertificateError::NotFound(9))), "{unknown:?}");
    assert!(matches!(f.service.exam_years(9).await, Err(MockExamError::Certificate(_))));
}

#[tokio::test]
async fn an_edit_replaces_the_question_drops_the_cached_set_and_grades_what_comes_next() {
    let f = fixture();
    f.service.question_set(EXAM.id).await.unwrap();
    f.service.question_set(EXAM.id).await.unwrap();
    assert_eq!(f.exams.question_reads.load(Ordering::SeqCst), 1, "the second read is the cached set");
    let option_image = f.service.upload_image(EXAM.id, 1, Some(1), PNG.to_vec()).await.unwrap();
    f.service.keep_rendering(EXAM.id, b"rendered").await;
    assert_eq!(f.service.cached_rendering(EXAM.id).await.as_deref(), Some(&b"rendered"[..]));

    let set = f.service.edit_question(EXAM.id, 1, edit("  고친 문제 ", 5, 5, 15)).await.unwrap();
    let q1 = &set.questions[0];
    assert_eq!((q1.text.as_str(), q1.correct_option, q1.score), ("고친 문제", 5, 15));
    assert_eq!(q1.options[0].content, "보기1", "option texts are trimmed");
    assert_eq!(q1.options[0].image.as_deref(), Some(option_image.as_str()), "option images are kept by position");
    assert_eq!((q1.options.len(), q1.options[4].image.clone()), (5, None));
    assert_eq!(set.exam.max_score, 45, "the exam's maximum follows the new score");
    assert_eq!(f.service.cached_rendering(EXAM.id).await, None, "the rendered set is dropped with the edit");

    let graded = f.service.submit(5, EXAM.id, &[answer(1, 5)]).await.unwrap().graded;
    assert_eq!((graded.total_score, graded.max_score), (15, 45), "the new key grades the next submission");
}

#[tokio::test]
async fn an_edit_is_refused_field_by_field_and_stores_nothing() {
    let f = fixture();
    let cases = [
        (edit("  ", 4, 1, 10), "questionText"),
        (edit(&"가".repeat(crate::import::MAX_TEXT_CHARS + 1), 4, 1, 10), "questionText"),
        (edit("문제", 3, 1, 10), "options"),
        (edit("문제", 6, 1, 10), "options"),
        (edit("문제", 4, 5, 10), "correctOption"),
        (edit("문제", 4, 0, 10), "correctOption"),
        (edit("문제", 4, 1, 0), "score"),
        (edit("문제", 4, 1, 1001), "score"),
    ];
    for (bad, expected) in cases {
        let err = f.service.edit_question(EXAM.id, 1, bad).await.unwrap_err();
        assert!(
            matches!(err, MockExamError::InvalidQuestion { field, .. } if field == expected),
            "{expected}: {err:?}"
        );
    }
    let mut long_option = edit("문제", 4, 1, 10);
    long_option.options[3] = "나".repeat(crate::import::MAX_TEXT_CHARS + 1);
    let err = f.service.edit_question(EXAM.id, 1, long_option).await.unwrap_err();
    assert!(matches!(err, MockExamError::InvalidQuestion { field: "options", .. }), "{err:?}");
    assert!(matches!(f.service.edit_question(99, 1, edit("문제", 4, 1, 10)).await, Err(MockExamError::NotFound(99))));
    let err = f.service.edit_question(EXAM.id, 9, edit("문제", 4, 1, 10)).await.unwrap_err();
    assert!(matches!(err, MockExamError::QuestionNotFound(_)), "{err:?}");
    assert_eq!(f.exams.stored(EXAM.id, 1), Some(questions()[0].clone()), "question 1 is as it was");
}

#[tokio::test]
async fn an_uploaded_image_is_sniffed_stored_under_its_question_and_replaces_the_previous_one() {
    let f = fixture();
    let too_big = f.service.upload_image(EXAM.id, 1, None, vec![0; MAX_IMAGE_BYTES + 1]).await.unwrap_err();
    assert!(matches!(too_big, MockExamError::InvalidImage(_)), "{too_big:?}");
    let not_an_image = f.service.upload_image(EXAM.id, 1, None, b"GIF? no, text".to_vec()).await.unwrap_err();
    assert!(matches!(not_an_image, MockExamError::InvalidImage(_)), "judged by its bytes: {not_an_image:?}");
    let no_option = f.service.upload_image(EXAM.id, 1, Some(9), PNG.to_vec()).await.unwrap_err();
    assert!(matches!(no_option, MockExamError::QuestionNotFound(_)), "{no_option:?}");
    assert!(matches!(f.service.upload_image(99, 1, None, PNG.to_vec()).await, Err(MockExamError::NotFound(99))));
    assert!(f.storage.keys().is_empty(), "a refused upload stores nothing");

    let stamp = t0().timestamp_millis();
    let first = f.service.upload_image(EXAM.id, 1, None, PNG.to_vec()).await.unwrap();
    let key = format!("mock-exams/7/q1-{stamp}.png");
    assert_eq!(first, format!("memory://{key}"));
    assert_eq!(f.exams.stored(EXAM.id, 1).unwrap().image, Some(key.clone()), "the key is stored, not the URL");
    assert_eq!(f.service.question_set(EXAM.id).await.unwrap().questions[0].image, Some(first));

    f.clock.advance(chrono::Duration::seconds(1));
    f.service.upload_image(EXAM.id, 1, None, PNG.to_vec()).await.unwrap();
    f.service.upload_image(EXAM.id, 1, Some(2), PNG.to_vec()).await.unwrap();
    let later = stamp + 1000;
    assert_eq!(
        f.storage.keys(),
        [format!("mock-exams/7/q1-{later}.png"), format!("mock-exams/7/q1-o2-{later}.png")],
        "the replaced image is deleted; the option's is stored beside the question's"
    );
}

#[tokio::test]
async fn an_exam_someone_took_is_kept_and_one_nobody_took_is_deleted_with_its_cached_set() {
    let f = fixture();
    f.service.submit(5, EXAM.id, &[answer(1, 2)]).await.unwrap();
    assert!(matches!(f.service.delete(EXAM.id).await, Err(MockExamError::HasResults(7))));
    assert_eq!(f.exams.exam(EXAM.id), Some(EXAM), "results keep their exam");

    let untaken = f.service.import(1, document(2025, 1)).await.unwrap().exam.id;
    f.service.question_set(untaken).await.unwrap();
    f.service.delete(untaken).await.unwrap();
    assert!(
        matches!(f.service.question_set(untaken).await, Err(MockExamError::NotFound(_))),
        "the cached set went with the exam"
    );
    assert!(matches!(f.service.delete(untaken).await, Err(MockExamError::NotFound(_))));
}

#[tokio::test]
async fn a_cache_outage_costs_database_reads_and_nothing_else() {
    let f = fixture_with(MapCache::broken());
    let set = f.service.question_set(EXAM.id).await.unwrap();
    assert_eq!(f.service.question_set(EXAM.id).await.unwrap(), set);
    assert_eq!(f.exams.question_reads.load(Ordering::SeqCst), 2, "each read goes to the database");
    f.service.keep_rendering(EXAM.id, b"rendered").await;
    assert_eq!(f.service.cached_rendering(EXAM.id).await, None, "a failing cache is a miss");
    f.service.edit_question(EXAM.id, 2, edit("문제", 4, 1, 10)).await.unwrap();
    let submitted = f.service.submit(5, EXAM.id, &[answer(2, 1)]).await.unwrap();
    assert_eq!(submitted.graded.total_score, 10, "the edit and the submission go through");
    let period = crate::ReportPeriod::containing(cercat_common::calendar::seoul_date(t0()))[0];
    assert_eq!(f.service.report(5, 1, period).await.unwrap().max_score, 10);
}
