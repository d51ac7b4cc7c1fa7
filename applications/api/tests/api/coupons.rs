//! Coupons as a buyer meets them: vouchers redeemed once per user within their limit, my
//! coupons by state, and price previews with the pricing rule — in both modes. Coupons are
//! defined and granted through the coupon service, as `cercat-admin` does.

use crate::helpers::{courses::*, *};
use cercat_coupon::{
    CouponScope, VoucherKind,
    service::{CouponDraft, DraftKind},
};
use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

in_both_modes!(
    a_voucher_gives_its_coupon_once_per_user_within_its_limit,
    my_coupons_are_listed_by_state_newest_first,
    a_price_preview_applies_the_pricing_rule_to_a_courses_price,
    bad_coupon_input_is_a_4xx_naming_the_field,
    a_seat_bought_with_coupons_costs_less_and_a_refund_gives_them_back,
    a_first_come_event_issues_its_quantity_once_per_user_under_a_rush,
    claims_outside_the_window_or_of_no_event_are_refused,
    a_window_that_closes_mid_rush_issues_nothing_after_it,
);

fn draft(name: &str, kind: DraftKind) -> CouponDraft {
    CouponDraft {
        name: name.into(),
        kind,
        amount: (kind == DraftKind::Fixed).then_some(3_000),
        percent: (kind == DraftKind::Percent).then_some(10),
        max_discount: None,
        exclusive: false,
        min_order_amount: 0,
        valid_from: Utc::now() - Duration::days(1),
        valid_until: Utc::now() + Duration::days(30),
        scope: CouponScope::Any,
    }
}

async fn define(app: &TestApp, d: CouponDraft) -> i64 {
    app.state.services.coupons.define(d).await.unwrap().id
}

fn ids(list: &Value, field: &str) -> Vec<i64> {
    list["result"].as_array().unwrap().iter().map(|c| c[field].as_i64().unwrap()).collect()
}

async fn redeem(app: &TestApp, token: &str, code: &str, status: u16) -> Value {
    let body = json!({ "code": code.to_lowercase() });
    app.call(Method::POST, "/api/v2/vouchers/redeem", token, Some(body), status).await
}

async fn a_voucher_gives_its_coupon_once_per_user_within_its_limit(app: &TestApp) {
    let coupon = define(app, draft("웰컴 쿠폰", DraftKind::Fixed)).await;
    let code = format!("WELCOME-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]).to_uppercase();
    let kind = VoucherKind::Public { max_redemptions: 2 };
    app.state.services.coupons.create_voucher(coupon, Some(&code), kind).await.unwrap();
    let (a, _) = member(app, "va").await;
    let (b, _) = member(app, "vb").await;
    let (c, _) = member(app, "vc").await;
    let got = redeem(app, &a, &code, 201).await;
    assert_eq!((got["result"]["couponId"].as_i64(), got["result"]["source"].as_str()), (Some(coupon), Some("VOUCHER")));
    assert_eq!((got["result"]["kind"].as_str(), got["result"]["amount"].as_i64()), (Some("FIXED"), Some(3_000)));
    assert_eq!(got["result"]["state"], "USABLE");
    assert_eq!(redeem(app, &a, &code, 409).await["responseCode"], "CPN_011", "once per user");
    redeem(app, &b, &code, 201).await;
    let spent = redeem(app, &c, &code, 409).await;
    assert_eq!((spent["responseCode"].as_str(), spent["errors"][0]["field"].as_str()), (Some("CPN_012"), Some("code")));
    assert_eq!(redeem(app, &c, "NO-SUCH-CODE", 404).await["responseCode"], "CPN_010");
    assert_eq!(redeem(app, &c, "x", 400).await["responseCode"], "CPN_009");
    let guest = new_user(app, "vg").await;
    assert_eq!(redeem(app, &guest, &code, 403).await["responseCode"], "USR_009", "a guest finishes onboarding first");
}

async fn my_coupons_are_listed_by_state_newest_first(app: &TestApp) {
    let (token, user) = member(app, "mine").await;
    let soon = CouponDraft { valid_until: Utc::now() + Duration::seconds(2), ..draft("곧 만료", DraftKind::Fixed) };
    let soon = define(app, soon).await;
    let later = define(app, draft("한 달", DraftKind::Percent)).await;
    for c in [soon, later] {
        let report = app.state.services.coupons.grant(c, &[user]).await.unwrap();
        assert_eq!(report.granted, vec![user]);
    }
    let all = app.call(Method::GET, "/api/v2/coupons/me", &token, None, 200).await;
    assert_eq!(ids(&all, "couponId"), vec![later, soon], "newest first: {all}");
    assert_eq!(all["result"][0]["percent"], 10);
    assert!(all["result"][0]["amount"].is_null());
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let usable = app.call(Method::GET, "/api/v2/coupons/me?state=USABLE", &token, None, 200).await;
    assert_eq!(ids(&usable, "couponId"), vec![later]);
    let expired = app.call(Method::GET, "/api/v2/coupons/me?state=EXPIRED", &token, None, 200).await;
    assert_eq!(ids(&expired, "couponId"), vec![soon]);
    assert_eq!(expired["result"][0]["state"], "EXPIRED");
    let used = app.call(Method::GET, "/api/v2/coupons/me?state=USED", &token, None, 200).await;
    assert!(used["result"].as_array().unwrap().is_empty());
    let (other, _) = member(app, "other").await;
    let theirs = app.call(Method::GET, "/api/v2/coupons/me", &other, None, 200).await;
    assert!(theirs["result"].as_array().unwrap().is_empty(), "only the caller's coupons");
    let bad = app.call(Method::GET, "/api/v2/coupons/me?state=SOON", &token, None, 400).await;
    assert_eq!(bad["responseCode"], "GLB_003");
}

async fn a_price_preview_applies_the_pricing_rule_to_a_courses_price(app: &TestApp) {
    let (teacher, _) = class(app, 0).await;
    let course = create_course(app, &teacher, course_body(10, false, -1, 60)).await;
    let price = app.call(Method::GET, &format!("/api/v2/courses/{course}"), &teacher.token, None, 200).await["result"]
        ["price"]
        .as_i64()
        .unwrap();
    let (token, user) = member(app, "buyer").await;
    let fixed = define(app, draft("3천원", DraftKind::Fixed)).await;
    let pct = define(app, CouponDraft { max_discount: Some(5_000), ..draft("10%", DraftKind::Percent) }).await;
    let mut only = draft("단독", DraftKind::Percent);
    only.exclusive = true;
    let only = define(app, only).await;
    let mut market = draft("중고장터 전용", DraftKind::Fixed);
    market.scope = CouponScope::Market;
    let market = define(app, market).await;
    for c in [fixed, pct, only, market] {
        app.state.services.coupons.grant(c, &[user]).await.unwrap();
    }
    let mine = app.call(Method::GET, "/api/v2/coupons/me", &token, None, 200).await;
    let hold = |coupon: i64| {
        mine["result"].as_array().unwrap().iter().find(|c| c["couponId"] == coupon).unwrap()["userCouponId"]
            .as_i64()
            .unwrap()
    };
    let preview = |coupons: Vec<i64>, status| {
        let body = json!({ "type": "COURSE", "id": course, "couponIds": coupons });
        app.call(Method::POST, "/api/v2/price-preview", &token, Some(body), status)
    };
    let q = preview(vec![hold(pct), hold(fixed)], 200).await;
    let after_fixed = price - 3_000;
    let pct_off = (after_fixed / 10).min(5_000);
    assert_eq!(q["result"]["price"].as_i64(), Some(price));
    let lines: Vec<(i64, i64)> = q["result"]["discounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["couponId"].as_i64().unwrap(), d["amount"].as_i64().unwrap()))
        .collect();
    assert_eq!(lines, vec![(hold(fixed), 3_000), (hold(pct), pct_off)], "fixed first, then the percentage: {q}");
    assert_eq!(q["result"]["amount"].as_i64(), Some(after_fixed - pct_off));
    let none = preview(vec![], 200).await;
    assert_eq!(none["result"]["amount"].as_i64(), Some(price));

    let err = preview(vec![hold(fixed), hold(only)], 400).await;
    assert_eq!(
        (err["responseCode"].as_str(), err["errors"][0]["field"].as_str()),
        (Some("CPN_001"), Some("couponIds"))
    );
    assert!(err["message"].as_str().unwrap().contains("cannot be combined"), "{err}");
    assert_eq!(preview(vec![hold(market)], 400).await["responseCode"], "CPN_002");
    assert_eq!(preview(vec![hold(fixed), hold(fixed)], 400).await["responseCode"], "CPN_005");
    assert_eq!(preview(vec![i64::MAX], 404).await["responseCode"], "CPN_006");
    let nothing = json!({ "type": "COURSE", "id": 987_654_321, "couponIds": [] });
    let missing = app.call(Method::POST, "/api/v2/price-preview", &token, Some(nothing), 404).await;
    assert_eq!(missing["responseCode"], "CPN_014");
}

async fn bad_coupon_input_is_a_4xx_naming_the_field(app: &TestApp) {
    let (token, _) = member(app, "bad").await;
    for body in [json!({}), json!({ "code": 5 }), json!({ "type": "COURSE", "id": 1, "couponIds": "x" })] {
        let path = if body.get("type").is_some() { "/api/v2/price-preview" } else { "/api/v2/vouchers/redeem" };
        let err = app.call(Method::POST, path, &token, Some(body.clone()), 400).await;
        assert_eq!(err["responseCode"], "GLB_002", "{body}: {err}");
    }
    let wrong_type = json!({ "type": "HOUSE", "id": 1 });
    let err = app.call(Method::POST, "/api/v2/price-preview", &token, Some(wrong_type), 400).await;
    assert_eq!(err["responseCode"], "GLB_002");
    let res = app.req(Method::GET, "/api/v2/coupons/me").send().await.unwrap();
    assert_eq!(assert_json(res, 401).await["responseCode"], "USR_007");
}

async fn a_seat_bought_with_coupons_costs_less_and_a_refund_gives_them_back(app: &TestApp) {
    let (teacher, class) = class(app, 2).await;
    let course = create_course(app, &teacher, course_body(10, false, -1, 60)).await;
    let price =
        send(app, Method::GET, &format!("/api/v2/courses/{course}"), None, None, &[]).await.1["result"]["price"]
            .as_i64()
            .unwrap();
    let (student, other) = (&class[0], &class[1]);
    let fixed = define(app, draft("3천원", DraftKind::Fixed)).await;
    let pct = define(app, draft("10%", DraftKind::Percent)).await;
    for c in [fixed, pct] {
        app.state.services.coupons.grant(c, &[student.id]).await.unwrap();
    }
    let mine = |who: &Caller| {
        let who = who.clone();
        async move { send(app, Method::GET, "/api/v2/coupons/me", Some(&who), None, &[]).await.1 }
    };
    let held = mine(student).await;
    let hold_of = |coupon: i64| {
        held["result"].as_array().unwrap().iter().find(|c| c["couponId"] == coupon).unwrap()["userCouponId"]
            .as_i64()
            .unwrap()
    };
    let (f, p) = (hold_of(fixed), hold_of(pct));
    let enroll_path = format!("/api/v2/courses/{course}/enrollments");

    // Someone else's coupons, or a bad body, hold nothing.
    let body = json!({ "couponIds": [f] });
    let (status, err, ..) = send(app, Method::POST, &enroll_path, Some(other), Some(body), &[]).await;
    assert_eq!((status, err["responseCode"].as_str()), (404, Some("CPN_006")), "{err}");
    assert_eq!(err["errors"][0]["field"], "couponIds", "the field is named through the course error too: {err}");
    let (status, err, ..) =
        send(app, Method::POST, &enroll_path, Some(student), Some(json!({ "coupons": [f] })), &[]).await;
    assert_eq!((status, err["responseCode"].as_str()), (400, Some("GLB_002")), "{err}");

    let body = json!({ "couponIds": [p, f] });
    let (status, held_seat, ..) = send(app, Method::POST, &enroll_path, Some(student), Some(body), &[]).await;
    assert_eq!(status, 201, "{held_seat}");
    let after_fixed = price - 3_000;
    let due = after_fixed - after_fixed / 10;
    assert_eq!(held_seat["result"]["amount"].as_i64(), Some(due), "the server's price after the coupons: {held_seat}");
    let id = held_seat["result"]["id"].as_i64().unwrap();
    let states = |list: &Value| -> Vec<String> {
        list["result"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(states(&mine(student).await), vec!["USED", "USED"], "reserved with the seat");

    assert_eq!(pay(app, student, id, &format!("pk-coupons-{id}")).await.0, 200);
    let (status, refunded) = cancel(app, student, id).await;
    assert_eq!((status, refunded["result"]["status"].as_str()), (200, Some("REFUNDED")), "{refunded}");
    assert_eq!(states(&mine(student).await), vec!["USABLE", "USABLE"], "the refund gave both coupons back");

    // The given-back coupons pay for the next seat again; no body still means no coupons.
    let (status, seat, ..) = send(app, Method::POST, &enroll_path, Some(other), None, &[]).await;
    assert_eq!((status, seat["result"]["amount"].as_i64()), (201, Some(price)), "{seat}");
}

/// A first-come event of `quantity` copies of a fresh coupon, open now for an hour.
async fn first_come(app: &TestApp, quantity: u32) -> i64 {
    let coupon = define(app, draft("선착순 쿠폰", DraftKind::Fixed)).await;
    let (opens, closes) = (Utc::now() - Duration::minutes(1), Utc::now() + Duration::hours(1));
    app.state.services.first_come.define(coupon, quantity, opens, closes).await.unwrap().id
}

/// `users` clicking `clicks` times each, all at once; answers (user, status) per click.
async fn rush(app: &TestApp, event: i64, users: &[Caller], clicks: usize) -> Vec<(i64, u16)> {
    let path = format!("/api/v2/coupon-events/{event}/claims");
    let all = users.iter().flat_map(|u| std::iter::repeat_n(u, clicks)).map(|who| {
        let path = path.clone();
        async move {
            let (status, body, ..) = send(app, Method::POST, &path, Some(who), None, &[]).await;
            assert!(matches!(status, 201 | 409), "{status}: {body}");
            if status == 409 {
                let code = body["responseCode"].as_str().unwrap();
                assert!(code == "CPN_017" || code == "CPN_018", "{body}");
            }
            (who.id, status)
        }
    });
    futures::future::join_all(all).await
}

/// Every 201 is a copy the user holds, and exactly `quantity` users got one.
async fn assert_issued(app: &TestApp, event: i64, users: &[Caller], answers: &[(i64, u16)], quantity: usize) {
    let mut winners: Vec<i64> = answers.iter().filter(|(_, s)| *s == 201).map(|(u, _)| *u).collect();
    winners.sort_unstable();
    let told = winners.len();
    winners.dedup();
    assert_eq!((told, winners.len()), (quantity, quantity), "exactly {quantity} told 201, each once");
    for who in users {
        let (_, mine, ..) = send(app, Method::GET, "/api/v2/coupons/me", Some(who), None, &[]).await;
        let holds = mine["result"].as_array().unwrap().iter().filter(|c| c["source"] == "EVENT").count();
        assert_eq!(
            holds,
            usize::from(winners.contains(&who.id)),
            "user {}: a 201 means a held copy, and only then",
            who.id
        );
    }
    let (_, e, ..) =
        send(app, Method::GET, &format!("/api/v2/coupon-events/{event}"), Some(&users[0]), None, &[]).await;
    assert_eq!(e["result"]["remaining"], 0, "{e}");
}

async fn a_first_come_event_issues_its_quantity_once_per_user_under_a_rush(app: &TestApp) {
    let event = first_come(app, 10).await;
    let users = students(app, 60).await;
    let answers = rush(app, event, &users, 3).await;
    assert_issued(app, event, &users, &answers, 10).await;
    let winner = answers.iter().find(|(_, s)| *s == 201).unwrap().0;
    let who = users.iter().find(|u| u.id == winner).unwrap();
    let (_, e, ..) = send(app, Method::GET, &format!("/api/v2/coupon-events/{event}"), Some(who), None, &[]).await;
    assert_eq!((e["result"]["claimed"].as_bool(), e["result"]["quantity"].as_u64()), (Some(true), Some(10)));
}

async fn claims_outside_the_window_or_of_no_event_are_refused(app: &TestApp) {
    let coupon = define(app, draft("나중에", DraftKind::Fixed)).await;
    let later = Utc::now() + Duration::hours(1);
    let event = app.state.services.first_come.define(coupon, 5, later, later + Duration::hours(1)).await.unwrap().id;
    let who = &students(app, 1).await[0];
    let claim = |path: String| async move { send(app, Method::POST, &path, Some(who), None, &[]).await };
    let (status, body, ..) = claim(format!("/api/v2/coupon-events/{event}/claims")).await;
    assert_eq!((status, body["responseCode"].as_str()), (403, Some("CPN_016")), "{body}");
    let (status, body, ..) = claim("/api/v2/coupon-events/987654321/claims".into()).await;
    assert_eq!((status, body["responseCode"].as_str()), (404, Some("CPN_015")), "{body}");
    let (status, body, ..) = claim("/api/v2/coupon-events/0/claims".into()).await;
    assert_eq!((status, body["responseCode"].as_str()), (400, Some("GLB_004")), "{body}");
    let (_, e, ..) = send(app, Method::GET, &format!("/api/v2/coupon-events/{event}"), Some(who), None, &[]).await;
    assert_eq!((e["result"]["remaining"].as_u64(), e["result"]["claimed"].as_bool()), (Some(5), Some(false)));
}

/// Redis is flushed in the middle of a rush: the gate comes back from the database's claims,
/// so the quantity still holds and nobody gets a second copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 and Redis at 127.0.0.1:6379 (CI runs it)"]
async fn a_redis_flush_mid_rush_issues_no_second_copy_and_no_extra_one() {
    let deployment = crate::production::Deployment::new().await;
    let app = deployment.instance().await;
    let event = first_come(&app, 12).await;
    let users = students(&app, 40).await;
    let first = rush(&app, event, &users[..10], 2).await;
    assert_eq!(first.iter().filter(|(_, s)| *s == 201).count(), 10, "ten of twelve copies go to the first ten");
    let client = deadpool_redis::redis::Client::open(cercat_testing::redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = deadpool_redis::redis::cmd("KEYS")
        .arg(format!("{}cpn:*", deployment.redis_prefix))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty(), "the gate lives in Redis");
    let _: i64 = deadpool_redis::redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.unwrap();
    let second = rush(&app, event, &users, 3).await;
    let all: Vec<(i64, u16)> = first.into_iter().chain(second).collect();
    assert_issued(&app, event, &users, &all, 12).await;
}

/// The api process is killed (SIGKILL) in the middle of a rush: every user it told "issued"
/// holds the copy, nobody holds two, and — restarted, its in-process gate rebuilt from the
/// database — it issues exactly the rest of the quantity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_process_killed_mid_rush_keeps_every_201_and_the_quantity() {
    use crate::courses::{free_port, start_api};
    let secret = "kill-test-secret-kill-test-secret-0123";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let mut s = settings(cercat_config::Profile::Embedded, &dir);
    s.auth.jwt_secret = Some(secret.into());
    let observer = spawn(s, dir, Vec::new()).await;
    let port = free_port();
    let mut child = start_api(&data, port, secret).await;
    let target = TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: test_client(),
        state: observer.state.clone(),
        server: observer.server.clone(),
        stopped: None,
        _dir: tempfile::tempdir().unwrap(),
        _extra: Vec::new(),
    };
    let event = first_come(&observer, 300).await;
    let users = students(&observer, 1_000).await;
    let path = format!("/api/v2/coupon-events/{event}/claims");
    // Killed just after the first copy is issued, while most clicks are still on their way.
    let first_issued = tokio::sync::Notify::new();
    let clicks = users.iter().map(|who| {
        let (path, target, first_issued) = (path.clone(), &target, &first_issued);
        async move {
            let res =
                target.client.post(format!("{}{path}", target.base)).header("Access-Token", &who.token).send().await;
            let status = res.ok().map(|r| r.status().as_u16());
            if status == Some(201) {
                first_issued.notify_one();
            }
            (who.id, status)
        }
    });
    let kill = async {
        first_issued.notified().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        child.0.kill().unwrap();
    };
    let (first, ()) = tokio::join!(futures::future::join_all(clicks), kill);
    drop(child);
    let cut_off = first.iter().filter(|(_, s)| s.is_none()).count();
    assert!(cut_off > 0, "the kill fell inside the rush");
    let told: Vec<(i64, u16)> = first.iter().filter(|(_, s)| *s == Some(201)).map(|(u, _)| (*u, 201)).collect();

    // Restarted on the same data: everyone not yet told "issued" tries again, twice.
    let _child = start_api(&data, port, secret).await;
    let winners: Vec<i64> = told.iter().map(|(u, _)| *u).collect();
    let rest: Vec<Caller> = users.iter().filter(|u| !winners.contains(&u.id)).cloned().collect();
    let second = rush(&target, event, &rest, 2).await;
    // A claim cut off by the kill may have committed: its user holds the copy without having
    // been told, and is told "already claimed" on the retry. Told "issued" always means held.
    let told_issued: Vec<i64> = told.iter().chain(&second).filter(|(_, s)| *s == 201).map(|(u, _)| *u).collect();
    let mut holders = 0;
    for who in &users {
        let (_, mine, ..) = send(&target, Method::GET, "/api/v2/coupons/me", Some(who), None, &[]).await;
        let holds = mine["result"].as_array().unwrap().iter().filter(|c| c["source"] == "EVENT").count();
        assert!(holds <= 1, "user {} holds {holds} copies", who.id);
        assert!(holds == 1 || !told_issued.contains(&who.id), "user {} was told issued but holds nothing", who.id);
        holders += holds;
    }
    assert_eq!(holders, 300, "exactly the quantity is held ({cut_off} clicks were cut off)");
    let (_, e, ..) =
        send(&target, Method::GET, &format!("/api/v2/coupon-events/{event}"), Some(&users[0]), None, &[]).await;
    assert_eq!(e["result"]["remaining"], 0, "{e}");
}

/// The window closes in the middle of a rush: a claim made after `closesAt` is refused (403
/// `CPN_016`), never issued, and every 201 is a committed copy.
async fn a_window_that_closes_mid_rush_issues_nothing_after_it(app: &TestApp) {
    let coupon = define(app, draft("마감 임박", DraftKind::Fixed)).await;
    let closes = Utc::now() + Duration::milliseconds(1_500);
    let event = app.state.services.first_come.define(coupon, 1_000, Utc::now() - Duration::minutes(1), closes).await;
    let event = event.unwrap().id;
    let users = students(app, 120).await;
    let path = format!("/api/v2/coupon-events/{event}/claims");
    // Each user clicks once, spread over three seconds around the close.
    let clicks = users.iter().enumerate().map(|(i, who)| {
        let path = path.clone();
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(25 * i as u64)).await;
            let sent = Utc::now();
            let (status, body, ..) = send(app, Method::POST, &path, Some(who), None, &[]).await;
            let answered = Utc::now();
            (who.id, sent, answered, status, body)
        }
    });
    let answers = futures::future::join_all(clicks).await;
    let mut issued = Vec::new();
    for (user, sent, answered, status, body) in &answers {
        match status {
            201 => {
                assert!(*sent < closes, "issued to a click sent after the close: {body}");
                issued.push((*user, 201));
            }
            403 => {
                assert_eq!(body["responseCode"], "CPN_016", "{body}");
                assert!(*answered > closes, "refused before the window closed: {body}");
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(!issued.is_empty() && issued.len() < users.len(), "the close fell inside the rush: {}", issued.len());
    for who in &users {
        let (_, mine, ..) = send(app, Method::GET, "/api/v2/coupons/me", Some(who), None, &[]).await;
        let holds = mine["result"].as_array().unwrap().iter().filter(|c| c["source"] == "EVENT").count();
        assert_eq!(holds, usize::from(issued.iter().any(|(u, _)| *u == who.id)), "user {}", who.id);
    }
}
