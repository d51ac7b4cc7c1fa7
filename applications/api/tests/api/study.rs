//! The study loop as Cercat's web client walks it: interests → favourite boards → exam years →
//! questions → submit (graded on the server) → attempts → wrong answers → review → goal →
//! study time → dashboard → subject averages → weekly/monthly/yearly reports → date lists.
//! Runs in embedded mode here and on MariaDB + Redis + Kafka in `production.rs`.

use crate::helpers::*;
use cercat_common::calendar::{seoul_date, week_of_month, weekday_name};
use chrono::{Datelike, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration as StdDuration;

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// A new signed-in user; returns the access token.
pub async fn new_user(app: &TestApp, name: &str) -> String {
    let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
    let nickname = format!("{name}{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let signed = app.sign_up(&email, &nickname, "correct-horse-battery").await;
    s(&signed["accessToken"])
}

impl TestApp {
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>, status: u16) -> Value {
        let mut req = self.req(method, path).header("Access-Token", token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        assert_json(req.send().await.unwrap(), status).await
    }
}

/// The client's submission body: one block per subject of 20, `questionId` = number, with
/// `isCorrect`, `score` and `subjectId` filled with nonsense the server must ignore.
/// `choose(number, correct)` returns the option to send, or `None` to leave the question out.
fn submission(questions: &[Value], choose: impl Fn(i64, i64) -> Option<i64>) -> Value {
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

fn wrong(correct: i64) -> i64 {
    correct % 4 + 1
}

/// The whole loop; `app` has the demo data.
pub async fn study_loop(app: &TestApp) {
    let token = new_user(app, "student").await;
    let other = new_user(app, "other").await;

    // Interests favourite their boards through the event (asynchronously).
    let interests = json!({ "interestTargetList": [
        { "certificateId": 1, "interestPriority": "HIGH" }, { "certificateId": 2, "interestPriority": "LOW" }
    ]});
    app.call(Method::POST, "/api/v2/interest-certificates", &token, Some(interests), 200).await;
    let mut favorites = Vec::new();
    for _ in 0..100 {
        let boards = app.call(Method::GET, "/api/v2/boards", &token, None, 200).await;
        favorites = boards["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["isFavorite"] == true)
            .map(|b| b["certificateId"].as_i64().unwrap())
            .collect::<Vec<_>>();
        if favorites.len() == 2 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    assert_eq!(favorites, vec![1, 2], "choosing interests favourites their boards");
    let toggled = app.call(Method::POST, "/api/v2/favorite-boards/2", &token, None, 200).await;
    assert_eq!(toggled["result"]["isFavorite"], false);
    let toggled = app.call(Method::POST, "/api/v2/favorite-boards/3", &token, None, 200).await;
    assert_eq!(
        (toggled["result"]["isFavorite"].clone(), s(&toggled["result"]["boardName"])),
        (json!(true), "SQLD".into())
    );
    let boards = app.call(Method::GET, "/api/v2/boards", &token, None, 200).await;
    let flags: Vec<bool> = boards["result"].as_array().unwrap().iter().map(|b| b["isFavorite"] == true).collect();
    assert_eq!(flags, vec![true, false, true]);
    let missing = app.call(Method::POST, "/api/v2/favorite-boards/999", &token, None, 404).await;
    assert_eq!(missing["responseCode"], "CRT_001");

    // Exam tab.
    let years = app.call(Method::GET, "/api/v2/certificates/1/exam-years", &token, None, 200).await;
    assert_eq!(years["result"], json!([2024]));
    let exams = app.call(Method::GET, "/api/v2/certificates/1/mock-exams?examYear=2024", &token, None, 200).await;
    let exam = exams["result"][0].clone();
    assert_eq!(
        (exam["round"].as_i64(), exam["maxScore"].as_i64(), exam["timeLimit"].as_i64()),
        (Some(1), Some(500), Some(9_000_000))
    );
    let all = app.call(Method::GET, "/api/v2/certificates/1/mock-exams?examYear=", &token, None, 200).await;
    assert_eq!(all["result"], exams["result"]);
    let bad = app.call(Method::GET, "/api/v2/certificates/1/mock-exams?examYear=전체", &token, None, 400).await;
    assert_eq!(bad["errors"][0]["field"], "examYear");
    let exam_id = exam["mockExamId"].as_i64().unwrap();

    let body = app.call(Method::GET, &format!("/api/v2/mock-exams/{exam_id}/questions"), &token, None, 200).await;
    let questions = body["result"].as_array().unwrap().clone();
    assert_eq!(questions.len(), 100);
    for (i, q) in questions.iter().enumerate() {
        assert_eq!(q["questionSeq"].as_u64(), Some(i as u64 + 1));
        assert_eq!(q["questionOptions"].as_array().unwrap().len(), 4);
        assert!(!s(&q["questionText"]).is_empty());
        assert_eq!(q["subject"]["sequence"].as_u64(), Some(i as u64 / 20 + 1), "subjects in exam order");
        assert_eq!(q["score"], 5);
        assert_eq!(q["mockExam"]["mockExamId"], exam_id);
    }
    assert_eq!(questions[0]["subject"]["subjectName"], "소프트웨어 설계");
    assert_eq!(questions[0]["questionOptions"][0]["optionSequence"], 1);
    app.call(Method::GET, "/api/v2/mock-exams/999999/questions", &token, None, 404).await;

    // First attempt: 1–70 right except 3 (wrong) and 45 (explicitly unanswered); 71–90 wrong;
    // 91–100 left out. Correct: 68 × 5 = 340. Subject 5 scores 0 → failed.
    let first = submission(&questions, |n, c| match n {
        3 => Some(wrong(c)),
        45 => Some(0),
        1..=70 => Some(c),
        71..=90 => Some(wrong(c)),
        _ => None,
    });
    let submit = format!("/api/v2/mock-exams/{exam_id}/mock-exam-results");
    let saved = app.call(Method::POST, &submit, &token, Some(first), 201).await;
    assert_eq!(saved["result"]["totalScore"], 340);
    assert_eq!(saved["result"]["attempt"], 1);
    assert_eq!(saved["result"]["passed"], false);
    let first_id = saved["result"]["mockExamResultId"].as_i64().unwrap();

    // Before the second attempt nothing is cached that a save must invalidate… then a report
    // is computed (and cached) so the save below has to invalidate it.
    let today = seoul_date(Utc::now());
    let weekly = format!(
        "/api/v2/certificates/1/mock-exam-result/WEEKLY/statistics?year={}&month={}&weekOfMonth={}",
        today.year(),
        today.month(),
        week_of_month(today)
    );
    let report = app.call(Method::GET, &weekly, &token, None, 200).await;
    assert_eq!(
        (report["result"]["totalAverage"].as_f64(), report["result"]["maxScore"].as_i64()),
        (Some(340.0), Some(340))
    );

    // Second attempt: everything right except 100, left out → 495, passed.
    let second = submission(&questions, |n, c| (n != 100).then_some(c));
    let saved = app.call(Method::POST, &submit, &token, Some(second), 201).await;
    assert_eq!((saved["result"]["totalScore"].as_i64(), saved["result"]["attempt"].as_i64()), (Some(495), Some(2)));
    assert_eq!(saved["result"]["passed"], true);
    let second_id = saved["result"]["mockExamResultId"].as_i64().unwrap();

    // Bad submissions.
    let out_of_range = json!({ "createSubjectResultRequests": [{ "createUserAnswerRequests": [{ "questionId": 101, "selectOptionSeq": 1, "takenTime": 1 }] }] });
    assert_eq!(app.call(Method::POST, &submit, &token, Some(out_of_range), 400).await["responseCode"], "MEX_002");
    let bad_option = json!({ "createSubjectResultRequests": [{ "createUserAnswerRequests": [{ "questionId": 1, "selectOptionSeq": 7, "takenTime": 1 }] }] });
    assert_eq!(app.call(Method::POST, &submit, &token, Some(bad_option), 400).await["responseCode"], "MEX_002");
    let twice = json!({ "createSubjectResultRequests": [{ "createUserAnswerRequests": [
        { "questionId": 1, "selectOptionSeq": 1, "takenTime": 1 }, { "questionSeq": 1, "selectOptionSeq": 2, "takenTime": 1 }] }] });
    assert_eq!(app.call(Method::POST, &submit, &token, Some(twice), 400).await["responseCode"], "MEX_002");
    let res = app
        .req(Method::POST, &submit)
        .header("Access-Token", &token)
        .header("content-type", "application/json")
        .body("{\"createSubjectResultRequests\": [")
        .send()
        .await
        .unwrap();
    assert_json(res, 400).await;
    let empty = json!({ "createSubjectResultRequests": [] });
    assert_eq!(
        app.call(Method::POST, "/api/v2/mock-exams/999999/mock-exam-results", &token, Some(empty), 404).await["responseCode"],
        "MEX_001"
    );

    // Attempts, oldest first, with the server's per-subject grading.
    let attempts = app.call(Method::GET, &format!("/api/v2/mock-exams/{exam_id}"), &token, None, 200).await;
    let attempts = attempts["result"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["mockExamResultId"], first_id);
    assert_eq!(attempts[1]["totalScore"], 495);
    let subjects = attempts[0]["subjectResults"].as_array().unwrap();
    let scores: Vec<i64> = subjects.iter().map(|s| s["score"].as_i64().unwrap()).collect();
    assert_eq!(scores, vec![95, 100, 95, 50, 0]);
    assert_eq!(subjects[0]["numberOfCorrect"], 19);
    assert_eq!(subjects[0]["numberOfQuestions"], 20);
    assert_eq!(subjects[0]["correctRate"].as_f64(), Some(95.0));
    assert_eq!(subjects[0]["totalTakenTime"], 30_000);
    assert_eq!(subjects[4]["totalTakenTime"], 15_000, "ten answers sent, ten left out");
    assert_eq!(subjects[0]["subject"]["subjectName"], "소프트웨어 설계");
    assert_eq!(attempts[0]["mockExam"]["maxScore"], 500);
    let recent = app
        .call(Method::GET, &format!("/api/v2/mock-exams/{exam_id}/mock-exam-results/recent"), &token, None, 200)
        .await;
    assert_eq!(recent["result"]["totalScore"], 495);
    let none = app
        .call(Method::GET, &format!("/api/v2/mock-exams/{exam_id}/mock-exam-results/recent"), &other, None, 404)
        .await;
    assert_eq!(none["responseCode"], "MEX_007");
    let theirs = app.call(Method::GET, &format!("/api/v2/mock-exam-results/{first_id}"), &other, None, 404).await;
    assert_eq!(theirs["responseCode"], "MEX_003");

    // Wrong answers of the first result: 32 (3, 45, 71–100), sorted as the client asks,
    // pages past the end empty.
    let sort = "sortFields=subjectResultEntity.mockExamResultEntity.createdAt,%20questionEntity.questionSeq&sortDirections=DESC,%20ASC";
    let page =
        |n: u32| format!("/api/v2/mock-exam-results/{first_id}/user-answers/wrong-answers?page={n}&size=10&{sort}");
    let p0 = app.call(Method::GET, &page(0), &token, None, 200).await;
    let seqs: Vec<i64> = p0["result"]["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["question"]["questionSeq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![3, 45, 71, 72, 73, 74, 75, 76, 77, 78]);
    assert_eq!(p0["result"]["hasNext"], true);
    let item = &p0["result"]["content"][1];
    assert_eq!((item["selectOptionSeq"].as_i64(), item["isCorrect"].as_bool()), (Some(0), Some(false)));
    assert_eq!(item["question"]["mockExam"]["examYear"], 2024);
    assert_eq!(item["question"]["questionOptions"].as_array().unwrap().len(), 4);
    let p3 = app.call(Method::GET, &page(3), &token, None, 200).await;
    assert_eq!(
        (p3["result"]["content"].as_array().unwrap().len(), p3["result"]["hasNext"].as_bool()),
        (2, Some(false))
    );
    let p9 = app.call(Method::GET, &page(9), &token, None, 200).await;
    assert_eq!(p9["result"]["content"], json!([]));
    assert_eq!(p9["result"]["hasNext"], false);
    let bad_sort = app
        .call(
            Method::GET,
            &format!("/api/v2/mock-exam-results/{first_id}/user-answers/wrong-answers?sortFields=password"),
            &token,
            None,
            400,
        )
        .await;
    assert_eq!(bad_sort["errors"][0]["field"], "sortFields");
    app.call(Method::GET, &page(0).replace(&first_id.to_string(), &second_id.to_string()), &other, None, 404).await;

    // Per certificate: the latest attempt of each exam only → question 100; review removes it.
    let cert_wrong = format!("/api/v2/certificates/1/user-answers/wrong-answers?page=0&size=10&{sort}");
    let list = app.call(Method::GET, &cert_wrong, &token, None, 200).await;
    let content = list["result"]["content"].as_array().unwrap();
    assert_eq!(content.len(), 1);
    assert_eq!(content[0]["question"]["questionSeq"], 100);
    let answer_id = content[0]["userAnswerId"].as_i64().unwrap();
    let review = format!("/api/v2/user-answers/{answer_id}/review");
    assert_eq!(app.call(Method::PATCH, &review, &other, None, 404).await["responseCode"], "MEX_004");
    app.call(Method::PATCH, &review, &token, None, 200).await;
    let list = app.call(Method::GET, &cert_wrong, &token, None, 200).await;
    assert_eq!(list["result"]["content"], json!([]));

    // Goals: none yet (the client asks for goal 0).
    assert_eq!(app.call(Method::GET, "/api/v2/goals/0", &token, None, 404).await["responseCode"], "LRN_001");
    let status = app.call(Method::GET, "/api/v2/certificates/1/goal-status", &token, None, 200).await;
    assert_eq!(status["result"], false);
    let start = (Utc::now() - Duration::days(7)).format("%Y-%m-%dT%H:%M:%S").to_string();
    let finish = (Utc::now() + Duration::days(30)).format("%Y-%m-%dT%H:%M:%S").to_string();
    let goal = json!({
        "goalScore": 400, "prepareStartDateTime": start, "prepareFinishDateTime": finish, "goalPrepareDays": 37,
        "mockExamsPerDay": 2, "goalMockExams": 60, "mockExamRepeatDays": [1, 3, 5], "studyTimePerDay": 7200000,
        "goalStudyTime": 266400000, "studyRepeatDays": [0, 1, 2, 3, 4, 5, 6]
    });
    let reversed = json!({ "goalScore": 400, "prepareStartDateTime": finish, "prepareFinishDateTime": start });
    let err = app.call(Method::POST, "/api/v2/certificates/1/goals", &token, Some(reversed), 400).await;
    assert_eq!(
        (s(&err["responseCode"]), s(&err["errors"][0]["field"])),
        ("LRN_002".into(), "prepareFinishDateTime".into())
    );
    let too_high = json!({ "goalScore": 501, "prepareStartDateTime": start, "prepareFinishDateTime": finish });
    assert_eq!(
        app.call(Method::POST, "/api/v2/certificates/1/goals", &token, Some(too_high), 400).await["errors"][0]["field"],
        "goalScore"
    );
    let created = app.call(Method::POST, "/api/v2/certificates/1/goals", &token, Some(goal.clone()), 201).await;
    let goal_id = created["result"]["goalId"].as_i64().unwrap();
    assert!(s(&created["result"]["prepareStartDateTime"]).ends_with("+09:00"));
    let goals = app.call(Method::GET, "/api/v2/certificates/1/goals", &token, None, 200).await;
    assert_eq!(goals["result"].as_array().unwrap().last().unwrap()["goalId"], goal_id);
    let mut changed = goal.clone();
    changed["goalScore"] = json!(450);
    app.call(Method::PUT, &format!("/api/v2/goals/{goal_id}"), &token, Some(changed.clone()), 200).await;
    app.call(Method::PUT, &format!("/api/v2/goals/{goal_id}"), &other, Some(changed), 404).await;
    let got = app.call(Method::GET, &format!("/api/v2/goals/{goal_id}"), &token, None, 200).await;
    assert_eq!(got["result"]["goalScore"], 450);
    assert_eq!(got["result"]["certificate"]["certificateId"], 1);
    assert_eq!(got["result"]["mockExamRepeatDays"], json!([1, 3, 5]));
    assert_eq!(
        app.call(Method::GET, &format!("/api/v2/goals/{goal_id}"), &other, None, 404).await["responseCode"],
        "LRN_001"
    );
    assert_eq!(app.call(Method::GET, "/api/v2/certificates/1/goal-status", &token, None, 200).await["result"], true);

    // Stopwatch and dashboard.
    for _ in 0..2 {
        app.call(Method::POST, &format!("/api/v2/goals/{goal_id}/study-times?studyTime=60000"), &token, None, 201)
            .await;
    }
    let bad_time =
        app.call(Method::POST, &format!("/api/v2/goals/{goal_id}/study-times?studyTime=0"), &token, None, 400).await;
    assert_eq!(bad_time["responseCode"], "LRN_003");
    app.call(Method::POST, &format!("/api/v2/goals/{goal_id}/study-times?studyTime=5"), &other, None, 404).await;
    let a =
        app.call(Method::GET, "/api/v2/certificates/1/goals/achievement", &token, None, 200).await["result"].clone();
    assert_eq!((a["goalScore"].as_i64(), a["maxScore"].as_i64()), (Some(450), Some(495)));
    assert_eq!((a["currentMockExams"].as_i64(), a["todayMockExams"].as_i64()), (Some(2), Some(2)));
    assert_eq!((a["currentStudyTime"].as_i64(), a["todayStudyTime"].as_i64()), (Some(120_000), Some(120_000)));
    assert_eq!(a["mockExamsPerDay"], 2);
    assert!(a["daysLeft"].as_i64().unwrap() >= 29);
    assert_eq!(
        app.call(Method::GET, "/api/v2/certificates/1/goals/achievement", &other, None, 404).await["responseCode"],
        "LRN_004"
    );

    // Subject averages within the goal period, matched to subjects by index.
    let avg = app.call(Method::GET, "/api/v2/certificates/1/mock-exam-results/average", &token, None, 200).await;
    let avg = avg["result"].as_array().unwrap();
    assert_eq!(avg.len(), 5);
    assert_eq!(avg[0]["correctRate"].as_f64(), Some(97.5)); // (95 + 100) / 2
    assert_eq!(avg[4]["correctRate"].as_f64(), Some(47.5)); // (0 + 95) / 2
    assert_eq!(avg[0]["timeLimit"], 1_800_000); // a fifth of 150 minutes
    assert_eq!(avg[0]["subject"]["subjectName"], "소프트웨어 설계");

    // Reports: the cached weekly report was invalidated by the second save.
    let report = app.call(Method::GET, &weekly, &token, None, 200).await["result"].clone();
    assert_eq!((report["totalAverage"].as_f64(), report["maxScore"].as_i64()), (Some(417.5), Some(495)));
    let days = report["scoreAVGList"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[0]["dayOfWeek"], "SUNDAY");
    let today_bar = days.iter().find(|d| d["date"] == json!(today.to_string())).unwrap();
    assert_eq!((today_bar["scoreAverage"].as_f64(), today_bar["count"].as_i64()), (Some(417.5), Some(2)));
    assert_eq!(today_bar["dayOfWeek"], weekday_name(today.weekday()));
    let monthly = format!(
        "/api/v2/certificates/1/mock-exam-result/MONTHLY/statistics?year={}&month={}",
        today.year(),
        today.month()
    );
    let report = app.call(Method::GET, &monthly, &token, None, 200).await["result"].clone();
    assert_eq!(report["totalAverage"].as_f64(), Some(417.5));
    let bar = &report["scoreAVGList"][week_of_month(today) as usize - 1];
    assert_eq!((bar["weekOfMonth"].as_u64(), bar["count"].as_i64()), (Some(u64::from(week_of_month(today))), Some(2)));
    let yearly = format!("/api/v2/certificates/1/mock-exam-result/YEARLY/statistics?year={}", today.year());
    let report = app.call(Method::GET, &yearly, &token, None, 200).await["result"].clone();
    assert_eq!(report["scoreAVGList"].as_array().unwrap().len(), 12);
    assert_eq!(report["scoreAVGList"][today.month0() as usize]["scoreAverage"].as_f64(), Some(417.5));
    let missing = app
        .call(
            Method::GET,
            "/api/v2/certificates/1/mock-exam-result/WEEKLY/statistics?year=2026&month=5",
            &token,
            None,
            400,
        )
        .await;
    assert_eq!(
        (s(&missing["responseCode"]), s(&missing["errors"][0]["field"])),
        ("MEX_008".into(), "weekOfMonth".into())
    );
    app.call(Method::GET, "/api/v2/certificates/1/mock-exam-result/DAILY/statistics?year=2026", &token, None, 400)
        .await;
    // Another user's reports are their own.
    let theirs = app.call(Method::GET, &yearly, &other, None, 200).await;
    assert_eq!(theirs["result"]["maxScore"], 0);

    // Growth-chart drill-downs.
    let by_date = format!("/api/v2/certificates/1/mock-exam-results/DATE?date={today}&page=0&size=10");
    let list = app.call(Method::GET, &by_date, &token, None, 200).await["result"].clone();
    let ids: Vec<i64> =
        list["content"].as_array().unwrap().iter().map(|r| r["mockExamResultId"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![second_id, first_id], "newest first");
    assert_eq!(list["content"][0]["mockExam"]["examYear"], 2024);
    let one = app.call(Method::GET, &format!("{by_date}&size=1").replace("size=10&", ""), &token, None, 200).await;
    assert_eq!(one["result"]["hasNext"], true);
    let week = format!(
        "/api/v2/certificates/1/mock-exam-results/WEEK_OF_MONTH?year={}&month={}&weekOfMonth={}",
        today.year(),
        today.month(),
        week_of_month(today)
    );
    assert_eq!(app.call(Method::GET, &week, &token, None, 200).await["result"]["content"].as_array().unwrap().len(), 2);
    let month = format!("/api/v2/certificates/1/mock-exam-results/MONTH?year={}&month={}", today.year(), today.month());
    assert_eq!(
        app.call(Method::GET, &month, &token, None, 200).await["result"]["content"].as_array().unwrap().len(),
        2
    );
    let err =
        app.call(Method::GET, "/api/v2/certificates/1/mock-exam-results/DATE?date=yesterday", &token, None, 400).await;
    assert_eq!(err["responseCode"], "MEX_008");
}

/// Many simultaneous submissions of one exam by one user get attempts 1..=n, each once.
pub async fn concurrent_attempts_are_numbered_once(app: &TestApp) {
    let token = new_user(app, "racer").await;
    let exams = app.call(Method::GET, "/api/v2/certificates/1/mock-exams", &token, None, 200).await;
    let exam_id = exams["result"][0]["mockExamId"].as_i64().unwrap();
    let url = format!("{}/api/v2/mock-exams/{exam_id}/mock-exam-results", app.base);
    let n = 16;
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (client, url, token) = (app.client.clone(), url.clone(), token.clone());
            tokio::spawn(async move {
                let body = json!({ "createSubjectResultRequests": [{ "createUserAnswerRequests": [
                    { "questionId": 1 + i % 100, "selectOptionSeq": 1, "takenTime": 100 }] }] });
                let res = client.post(url).header("Access-Token", token).json(&body).send().await.unwrap();
                assert_json(res, 201).await["result"]["attempt"].as_i64().unwrap()
            })
        })
        .collect();
    let mut attempts = Vec::new();
    for t in tasks {
        attempts.push(t.await.unwrap());
    }
    attempts.sort_unstable();
    assert_eq!(attempts, (1..=n).collect::<Vec<_>>());
    let stored = app.call(Method::GET, &format!("/api/v2/mock-exams/{exam_id}"), &token, None, 200).await;
    assert_eq!(stored["result"].as_array().unwrap().len() as i64, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_study_loop_in_embedded_mode() {
    let app = spawn_embedded().await;
    study_loop(&app).await;
    // An admin edit shows in the (cached, rendered) questions at once.
    let exams = app.state.mockexams.mock_exams(1, None).await.unwrap();
    let token = new_user(&app, "after-edit").await;
    let path = format!("/api/v2/mock-exams/{}/questions", exams[0].id);
    let before = app.call(Method::GET, &path, &token, None, 200).await;
    let edit = cercat_mockexam::service::QuestionEdit {
        text: "바뀐 문제".into(),
        options: vec!["가".into(), "나".into(), "다".into(), "라".into()],
        correct_option: 2,
        score: 5,
    };
    app.state.mockexams.edit_question(exams[0].id, 1, edit).await.unwrap();
    let after = app.call(Method::GET, &path, &token, None, 200).await;
    assert_ne!(before["result"][0]["questionText"], after["result"][0]["questionText"]);
    assert_eq!(after["result"][0]["questionText"], "바뀐 문제");
    assert_eq!(after["result"][0]["correctOption"], 2);
    // An exam somebody has taken cannot be deleted.
    let err = app.state.mockexams.delete(exams[0].id).await.unwrap_err();
    assert!(matches!(err, cercat_mockexam::MockExamError::HasResults(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_interest_event_changes_nothing() {
    let app = spawn_embedded().await;
    let token = new_user(&app, "replay").await;
    let me = app.call(Method::GET, "/api/v2/users/me", &token, None, 200).await;
    let user_id = me["result"]["userId"].as_i64().unwrap();
    let event = cercat_common::events::EventEnvelope::new(
        cercat_certificate::interest::INTEREST_TOPIC,
        "user",
        user_id.to_string(),
        "InterestCertificatesChanged",
        json!({ "userId": user_id, "interests": [{ "certificateId": 3, "priority": "LOW" }, { "certificateId": 999, "priority": "LOW" }] }),
        Utc::now(),
    );
    app.state.boards.handle(&event).await.unwrap();
    let favorites = |boards: Value| -> Vec<i64> {
        boards["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["isFavorite"] == true)
            .map(|b| b["certificateId"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(favorites(app.call(Method::GET, "/api/v2/boards", &token, None, 200).await), vec![3]);
    // The user un-favourites the board; the same event delivered again must not undo that.
    app.call(Method::POST, "/api/v2/favorite-boards/3", &token, None, 200).await;
    app.state.boards.handle(&event).await.unwrap();
    assert!(favorites(app.call(Method::GET, "/api/v2/boards", &token, None, 200).await).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submissions_in_embedded_mode() {
    let app = spawn_embedded().await;
    concurrent_attempts_are_numbered_once(&app).await;
}
