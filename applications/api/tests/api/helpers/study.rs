//! Study set-up: the demo exam, the client's submissions, two graded attempts, a goal.

use super::TestApp;
use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

/// The demo exam of certificate 1 (2024, round 1): its id and its 100 questions.
pub async fn demo_exam(app: &TestApp, token: &str) -> (i64, Vec<Value>) {
    let exams = app.call(Method::GET, "/api/v2/certificates/1/mock-exams?examYear=2024", token, None, 200).await;
    let exam_id = exams["result"][0]["mockExamId"].as_i64().unwrap();
    let body = app.call(Method::GET, &format!("/api/v2/mock-exams/{exam_id}/questions"), token, None, 200).await;
    (exam_id, body["result"].as_array().unwrap().clone())
}

/// The client's submission body: one block per subject of 20, `questionId` = number, with
/// `isCorrect`, `score` and `subjectId` filled with nonsense the server must ignore.
/// `choose(number, correct)` returns the option to send, or `None` to leave the question out.
pub fn submission(questions: &[Value], choose: impl Fn(i64, i64) -> Option<i64>) -> Value {
    let blocks: Vec<Value> = questions
        .chunks(20)
        .map(|chunk| {
            let answers: Vec<Value> = chunk
                .iter()
                .filter_map(|q| {
                    let number = q["questionSeq"].as_i64().unwrap();
                    let option = choose(number, q["correctOption"].as_i64().unwrap())?;
                    Some(json!({ "questionId": number, "selectOptionSeq": option, "takenTime": 1500, "isCorrect": true }))
                })
                .collect();
            json!({ "subjectId": 999, "score": 100, "createUserAnswerRequests": answers })
        })
        .collect();
    json!({ "createSubjectResultRequests": blocks })
}

/// A wrong option for a question whose answer is `correct`.
pub fn wrong(correct: i64) -> i64 {
    correct % 4 + 1
}

/// The first attempt: 1–70 right except 3 (wrong) and 45 (explicitly unanswered); 71–90
/// wrong; 91–100 left out. Correct: 68 × 5 = 340; subject 5 scores 0, so it fails.
pub fn first_attempt(questions: &[Value]) -> Value {
    submission(questions, |n, c| match n {
        3 => Some(wrong(c)),
        45 => Some(0),
        1..=70 => Some(c),
        71..=90 => Some(wrong(c)),
        _ => None,
    })
}

/// The second attempt: everything right except 100, left out → 495, passed.
pub fn second_attempt(questions: &[Value]) -> Value {
    submission(questions, |n, c| (n != 100).then_some(c))
}

/// Submits `body` for `exam_id`; returns the saved result.
pub async fn submit(app: &TestApp, token: &str, exam_id: i64, body: Value) -> Value {
    let path = format!("/api/v2/mock-exams/{exam_id}/mock-exam-results");
    app.call(Method::POST, &path, token, Some(body), 201).await["result"].clone()
}

/// The demo exam taken twice by one user ([`first_attempt`], then [`second_attempt`]).
pub struct Attempts {
    pub exam_id: i64,
    pub first_id: i64,
    pub second_id: i64,
}

/// Takes the demo exam twice as `token`.
pub async fn two_attempts(app: &TestApp, token: &str) -> Attempts {
    let (exam_id, questions) = demo_exam(app, token).await;
    let first = submit(app, token, exam_id, first_attempt(&questions)).await;
    let second = submit(app, token, exam_id, second_attempt(&questions)).await;
    let id = |r: &Value| r["mockExamResultId"].as_i64().unwrap();
    Attempts { exam_id, first_id: id(&first), second_id: id(&second) }
}

/// The client's goal for certificate 1 scoring `score`: started a week ago, 30 days left,
/// two mock exams on Mon/Wed/Fri, two hours of study every day.
pub fn goal_body(score: i64) -> Value {
    let start = (Utc::now() - Duration::days(7)).format("%Y-%m-%dT%H:%M:%S").to_string();
    let finish = (Utc::now() + Duration::days(30)).format("%Y-%m-%dT%H:%M:%S").to_string();
    json!({
        "goalScore": score, "prepareStartDateTime": start, "prepareFinishDateTime": finish, "goalPrepareDays": 37,
        "mockExamsPerDay": 2, "goalMockExams": 60, "mockExamRepeatDays": [1, 3, 5], "studyTimePerDay": 7200000,
        "goalStudyTime": 266400000, "studyRepeatDays": [0, 1, 2, 3, 4, 5, 6]
    })
}

/// Sets the goal [`goal_body`] for certificate 1; returns its id.
pub async fn create_goal(app: &TestApp, token: &str, score: i64) -> i64 {
    let created = app.call(Method::POST, "/api/v2/certificates/1/goals", token, Some(goal_body(score)), 201).await;
    created["result"]["goalId"].as_i64().unwrap()
}
