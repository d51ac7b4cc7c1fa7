//! The study loop as Cercat's web client walks it: interests → favourite boards → exam years →
//! questions → submit (graded on the server) → attempts → wrong answers → review → goal →
//! study time → dashboard → subject averages → weekly/monthly/yearly reports → date lists.
//! One test per behaviour, each on a fresh app in embedded mode and on MariaDB + Redis + Kafka.

use crate::helpers::{study::*, *};
use cercat_common::calendar::{seoul_date, week_of_month, weekday_name};
use chrono::{Datelike, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{Value, json};

in_both_modes!(
    choosing_interests_favourites_their_boards_and_a_toggle_flips_one,
    the_exam_tab_lists_years_and_rounds_and_refuses_a_bad_year,
    questions_come_in_exam_order_with_their_subjects_and_options,
    submissions_are_graded_on_the_server_and_numbered_per_attempt,
    bad_submissions_are_refused_with_mex_002_and_an_unknown_exam_with_mex_001,
    attempts_list_oldest_first_with_the_servers_per_subject_grading,
    the_recent_result_is_the_latest_and_other_users_results_are_not_found,
    wrong_answers_of_a_result_page_in_the_clients_sort_and_stay_private,
    certificate_wrong_answers_come_from_the_latest_attempt_and_a_review_removes_one,
    goals_are_validated_created_updated_and_private,
    study_time_and_mock_exams_fill_the_goal_dashboard,
    subject_averages_cover_the_goal_period_matched_to_subjects_by_index,
    a_cached_weekly_report_is_invalidated_by_a_new_result,
    monthly_and_yearly_reports_bucket_by_week_and_month_and_are_per_user,
    report_periods_are_validated,
    growth_chart_drill_downs_list_results_by_date_week_and_month,
    concurrent_attempts_are_numbered_once,
);

/// The weekly report of `today`'s week for certificate 1.
fn weekly_report(today: NaiveDate) -> String {
    format!(
        "/api/v2/certificates/1/mock-exam-result/WEEKLY/statistics?year={}&month={}&weekOfMonth={}",
        today.year(),
        today.month(),
        week_of_month(today)
    )
}

/// The client's sort of wrong answers: newest result first, then by question number.
const WRONG_SORT: &str = "sortFields=subjectResultEntity.mockExamResultEntity.createdAt,%20questionEntity.questionSeq&sortDirections=DESC,%20ASC";

async fn choosing_interests_favourites_their_boards_and_a_toggle_flips_one(app: &TestApp) {
    let token = new_user(app, "student").await;
    // Interests favourite their boards through the event (asynchronously).
    let interests = json!({ "interestTargetList": [
        { "certificateId": 1, "interestPriority": "HIGH" }, { "certificateId": 2, "interestPriority": "LOW" }
    ]});
    app.call(Method::POST, "/api/v2/interest-certificates", &token, Some(interests), 200).await;
    let favorites = wait_for(30, "the interest event to favourite two boards", || async {
        let boards = app.call(Method::GET, "/api/v2/boards", &token, None, 200).await;
        let favorites: Vec<i64> = boards["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["isFavorite"] == true)
            .map(|b| b["certificateId"].as_i64().unwrap())
            .collect();
        (favorites.len() == 2).then_some(favorites)
    })
    .await;
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
}

async fn the_exam_tab_lists_years_and_rounds_and_refuses_a_bad_year(app: &TestApp) {
    let token = new_user(app, "student").await;
    let years = app.call(Method::GET, "/api/v2/certificates/1/exam-years", &token, None, 200).await;
    assert_eq!(years["result"], json!([2024]));
    let exams = app.call(Method::GET, "/api/v2/certificates/1/mock-exams?examYear=2024", &token, None, 200).await;
    let exam = &exams["result"][0];
    assert_eq!(
        (exam["round"].as_i64(), exam["maxScore"].as_i64(), exam["timeLimit"].as_i64()),
        (Some(1), Some(500), Some(9_000_000))
    );
    let all = app.call(Method::GET, "/api/v2/certificates/1/mock-exams?examYear=", &token, None, 200).await;
    assert_eq!(all["result"], exams["result"]);
    // `전체` ("all") means every year here as in every other year filter.
    let every =
        app.call(Method::GET, "/api/v2/certificates/1/mock-exams?examYear=%EC%A0%84%EC%B2%B4", &token, None, 200).await;
    assert_eq!(every["result"], exams["result"]);
    let bad = app.call(Method::GET, "/api/v2/certificates/1/mock-exams?examYear=20x4", &token, None, 400).await;
    assert_eq!(bad["errors"][0]["field"], "examYear");
}

async fn questions_come_in_exam_order_with_their_subjects_and_options(app: &TestApp) {
    let token = new_user(app, "student").await;
    let (exam_id, questions) = demo_exam(app, &token).await;
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
}

async fn submissions_are_graded_on_the_server_and_numbered_per_attempt(app: &TestApp) {
    let token = new_user(app, "student").await;
    let (exam_id, questions) = demo_exam(app, &token).await;
    let saved = submit(app, &token, exam_id, first_attempt(&questions)).await;
    assert_eq!(saved["totalScore"], 340);
    assert_eq!(saved["attempt"], 1);
    assert_eq!(saved["passed"], false, "subject 5 scores 0");
    let saved = submit(app, &token, exam_id, second_attempt(&questions)).await;
    assert_eq!((saved["totalScore"].as_i64(), saved["attempt"].as_i64()), (Some(495), Some(2)));
    assert_eq!(saved["passed"], true);
}

async fn bad_submissions_are_refused_with_mex_002_and_an_unknown_exam_with_mex_001(app: &TestApp) {
    let token = new_user(app, "student").await;
    let (exam_id, _) = demo_exam(app, &token).await;
    let submit = format!("/api/v2/mock-exams/{exam_id}/mock-exam-results");
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
}

async fn attempts_list_oldest_first_with_the_servers_per_subject_grading(app: &TestApp) {
    let token = new_user(app, "student").await;
    let taken = two_attempts(app, &token).await;
    let attempts = app.call(Method::GET, &format!("/api/v2/mock-exams/{}", taken.exam_id), &token, None, 200).await;
    let attempts = attempts["result"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["mockExamResultId"], taken.first_id);
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
}

async fn the_recent_result_is_the_latest_and_other_users_results_are_not_found(app: &TestApp) {
    let token = new_user(app, "student").await;
    let other = new_user(app, "other").await;
    let taken = two_attempts(app, &token).await;
    let recent = format!("/api/v2/mock-exams/{}/mock-exam-results/recent", taken.exam_id);
    assert_eq!(app.call(Method::GET, &recent, &token, None, 200).await["result"]["totalScore"], 495);
    assert_eq!(app.call(Method::GET, &recent, &other, None, 404).await["responseCode"], "MEX_007");
    let theirs =
        app.call(Method::GET, &format!("/api/v2/mock-exam-results/{}", taken.first_id), &other, None, 404).await;
    assert_eq!(theirs["responseCode"], "MEX_003");
}

async fn wrong_answers_of_a_result_page_in_the_clients_sort_and_stay_private(app: &TestApp) {
    let token = new_user(app, "student").await;
    let other = new_user(app, "other").await;
    let taken = two_attempts(app, &token).await;
    // The first result's 32 (3, 45, 71–100), sorted as the client asks; pages past the end empty.
    let page = |result: i64, n: u32| {
        format!("/api/v2/mock-exam-results/{result}/user-answers/wrong-answers?page={n}&size=10&{WRONG_SORT}")
    };
    let p0 = app.call(Method::GET, &page(taken.first_id, 0), &token, None, 200).await;
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
    let p3 = app.call(Method::GET, &page(taken.first_id, 3), &token, None, 200).await;
    assert_eq!(
        (p3["result"]["content"].as_array().unwrap().len(), p3["result"]["hasNext"].as_bool()),
        (2, Some(false))
    );
    let p9 = app.call(Method::GET, &page(taken.first_id, 9), &token, None, 200).await;
    assert_eq!(p9["result"]["content"], json!([]));
    assert_eq!(p9["result"]["hasNext"], false);
    let bad_sort =
        format!("/api/v2/mock-exam-results/{}/user-answers/wrong-answers?sortFields=password", taken.first_id);
    assert_eq!(app.call(Method::GET, &bad_sort, &token, None, 400).await["errors"][0]["field"], "sortFields");
    app.call(Method::GET, &page(taken.second_id, 0), &other, None, 404).await;
}

async fn certificate_wrong_answers_come_from_the_latest_attempt_and_a_review_removes_one(app: &TestApp) {
    let token = new_user(app, "student").await;
    let other = new_user(app, "other").await;
    two_attempts(app, &token).await;
    // The latest attempt of each exam only → question 100.
    let cert_wrong = format!("/api/v2/certificates/1/user-answers/wrong-answers?page=0&size=10&{WRONG_SORT}");
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
}

async fn goals_are_validated_created_updated_and_private(app: &TestApp) {
    let token = new_user(app, "student").await;
    let other = new_user(app, "other").await;
    // None yet (the client asks for goal 0).
    assert_eq!(app.call(Method::GET, "/api/v2/goals/0", &token, None, 404).await["responseCode"], "LRN_001");
    let status = app.call(Method::GET, "/api/v2/certificates/1/goal-status", &token, None, 200).await;
    assert_eq!(status["result"], false);
    let goal = goal_body(400);
    let (start, finish) = (goal["prepareStartDateTime"].clone(), goal["prepareFinishDateTime"].clone());
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
    let mut changed = goal;
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
}

async fn study_time_and_mock_exams_fill_the_goal_dashboard(app: &TestApp) {
    let token = new_user(app, "student").await;
    let other = new_user(app, "other").await;
    two_attempts(app, &token).await;
    let goal_id = create_goal(app, &token, 450).await;
    // The stopwatch.
    for _ in 0..2 {
        app.call(Method::POST, &format!("/api/v2/goals/{goal_id}/study-times?studyTime=60000"), &token, None, 201)
            .await;
    }
    let bad_time =
        app.call(Method::POST, &format!("/api/v2/goals/{goal_id}/study-times?studyTime=0"), &token, None, 400).await;
    assert_eq!(bad_time["responseCode"], "LRN_003");
    app.call(Method::POST, &format!("/api/v2/goals/{goal_id}/study-times?studyTime=5"), &other, None, 404).await;
    // The dashboard.
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
}

async fn subject_averages_cover_the_goal_period_matched_to_subjects_by_index(app: &TestApp) {
    let token = new_user(app, "student").await;
    two_attempts(app, &token).await;
    create_goal(app, &token, 400).await;
    let avg = app.call(Method::GET, "/api/v2/certificates/1/mock-exam-results/average", &token, None, 200).await;
    let avg = avg["result"].as_array().unwrap();
    assert_eq!(avg.len(), 5);
    assert_eq!(avg[0]["correctRate"].as_f64(), Some(97.5)); // (95 + 100) / 2
    assert_eq!(avg[4]["correctRate"].as_f64(), Some(47.5)); // (0 + 95) / 2
    assert_eq!(avg[0]["timeLimit"], 1_800_000); // a fifth of 150 minutes
    assert_eq!(avg[0]["subject"]["subjectName"], "소프트웨어 설계");
}

async fn a_cached_weekly_report_is_invalidated_by_a_new_result(app: &TestApp) {
    let token = new_user(app, "student").await;
    let (exam_id, questions) = demo_exam(app, &token).await;
    submit(app, &token, exam_id, first_attempt(&questions)).await;
    // The report is computed (and cached) after the first attempt…
    let today = seoul_date(Utc::now());
    let weekly = weekly_report(today);
    let report = app.call(Method::GET, &weekly, &token, None, 200).await;
    assert_eq!(
        (report["result"]["totalAverage"].as_f64(), report["result"]["maxScore"].as_i64()),
        (Some(340.0), Some(340))
    );
    // …so saving the second has to invalidate it.
    submit(app, &token, exam_id, second_attempt(&questions)).await;
    let report = app.call(Method::GET, &weekly, &token, None, 200).await["result"].clone();
    assert_eq!((report["totalAverage"].as_f64(), report["maxScore"].as_i64()), (Some(417.5), Some(495)));
    let days = report["scoreAVGList"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[0]["dayOfWeek"], "SUNDAY");
    let today_bar = days.iter().find(|d| d["date"] == json!(today.to_string())).unwrap();
    assert_eq!((today_bar["scoreAverage"].as_f64(), today_bar["count"].as_i64()), (Some(417.5), Some(2)));
    assert_eq!(today_bar["dayOfWeek"], weekday_name(today.weekday()));
}

async fn monthly_and_yearly_reports_bucket_by_week_and_month_and_are_per_user(app: &TestApp) {
    let token = new_user(app, "student").await;
    let other = new_user(app, "other").await;
    two_attempts(app, &token).await;
    let today = seoul_date(Utc::now());
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
    // Another user's reports are their own.
    let theirs = app.call(Method::GET, &yearly, &other, None, 200).await;
    assert_eq!(theirs["result"]["maxScore"], 0);
}

async fn report_periods_are_validated(app: &TestApp) {
    let token = new_user(app, "student").await;
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
}

async fn growth_chart_drill_downs_list_results_by_date_week_and_month(app: &TestApp) {
    let token = new_user(app, "student").await;
    let taken = two_attempts(app, &token).await;
    let today = seoul_date(Utc::now());
    let by_date = format!("/api/v2/certificates/1/mock-exam-results/DATE?date={today}&page=0&size=10");
    let list = app.call(Method::GET, &by_date, &token, None, 200).await["result"].clone();
    let ids: Vec<i64> =
        list["content"].as_array().unwrap().iter().map(|r| r["mockExamResultId"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![taken.second_id, taken.first_id], "newest first");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edit_shows_in_the_cached_questions_at_once() {
    let app = spawn_embedded().await;
    let token = new_user(&app, "after-edit").await;
    let (exam_id, _) = demo_exam(&app, &token).await;
    let path = format!("/api/v2/mock-exams/{exam_id}/questions");
    let before = app.call(Method::GET, &path, &token, None, 200).await;
    let edit = cercat_mockexam::service::QuestionEdit {
        text: "바뀐 문제".into(),
        options: vec!["가".into(), "나".into(), "다".into(), "라".into()],
        correct_option: 2,
        score: 5,
    };
    app.state.mockexams.edit_question(exam_id, 1, edit).await.unwrap();
    let after = app.call(Method::GET, &path, &token, None, 200).await;
    assert_ne!(before["result"][0]["questionText"], after["result"][0]["questionText"]);
    assert_eq!(after["result"][0]["questionText"], "바뀐 문제");
    assert_eq!(after["result"][0]["correctOption"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exam_somebody_has_taken_cannot_be_deleted() {
    let app = spawn_embedded().await;
    let token = new_user(&app, "taker").await;
    let (exam_id, questions) = demo_exam(&app, &token).await;
    submit(&app, &token, exam_id, first_attempt(&questions)).await;
    let err = app.state.mockexams.delete(exam_id).await.unwrap_err();
    assert!(matches!(err, cercat_mockexam::MockExamError::HasResults(_)), "{err}");
}

/// Many simultaneous submissions of one exam by one user get attempts 1..=n, each once.
async fn concurrent_attempts_are_numbered_once(app: &TestApp) {
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
