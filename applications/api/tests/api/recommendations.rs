//! Recommendations as a client meets them, in both modes: a new user gets the popular posts, a
//! like counts at once through the neighbour lists (no rebuild), what the caller has never comes
//! back, preferences round-trip, similar items are public, and every bad input is a 4xx.

use crate::helpers::{community::*, *};
use reqwest::Method;
use serde_json::{Value, json};

in_both_modes!(
    a_new_user_gets_popular_posts_and_a_like_counts_at_once,
    preferences_round_trip_and_steer_content_matches,
    bad_recommendation_input_is_a_4xx_naming_the_field,
);

fn entries(body: &Value) -> Vec<(i64, String)> {
    body["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["itemId"].as_i64().unwrap(), s(&e["reason"])))
        .collect()
}

async fn a_new_user_gets_popular_posts_and_a_like_counts_at_once(app: &TestApp) {
    let (author, _) = member(app, "writer").await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let a = post_of(app, &author, &format!("정규화 정리 {tag}")).await;
    let b = post_of(app, &author, &format!("조인 문제 {tag}")).await;
    let c = post_of(app, &author, &format!("전체 요약 {tag}")).await;
    let mut fans = Vec::new();
    for i in 0..6 {
        fans.push(member(app, &format!("fan{i}")).await.0);
    }
    for (i, fan) in fans.iter().enumerate() {
        app.like_body(Method::POST, fan, "POST", c, 200).await;
        if i < 3 {
            app.like_body(Method::POST, fan, "POST", a, 200).await;
            app.like_body(Method::POST, fan, "POST", b, 200).await;
        }
    }
    app.state.recommendations.rebuild().await.unwrap();

    let (newcomer, _) = member(app, "newcomer").await;
    let cold = app.call(Method::GET, "/api/v2/recommendations/posts?size=5", &newcomer, None, 200).await;
    let cold = entries(&cold);
    assert!(!cold.is_empty(), "a new user gets a list");
    assert!(cold.iter().all(|(_, reason)| reason == "POPULAR"), "{cold:?}");
    let rank = |id| cold.iter().position(|(item, _)| *item == id);
    assert!(rank(c) < rank(a).or(Some(usize::MAX)), "the post six users liked ranks above one three liked: {cold:?}");

    // The newcomer likes post a now; the neighbour lists say b, without a rebuild.
    app.like_body(Method::POST, &newcomer, "POST", a, 200).await;
    let warm = app.call(Method::GET, "/api/v2/recommendations/posts?size=5", &newcomer, None, 200).await;
    let first = &warm["result"]["items"][0];
    assert_eq!((first["itemId"].as_i64(), first["reason"].as_str()), (Some(b), Some("COLLABORATIVE")), "{warm}");
    assert_eq!(first["itemType"], "POST");
    assert!(s(&first["title"]).contains(&tag));
    assert!(!entries(&warm).iter().any(|(id, _)| *id == a), "the liked post is not recommended back");
    assert!(warm["result"]["modelBuiltAt"].is_string());

    // The author never gets their own posts.
    let own = app.call(Method::GET, "/api/v2/recommendations/posts?size=50", &author, None, 200).await;
    assert!(!entries(&own).iter().any(|(id, _)| [a, b, c].contains(id)), "{own}");

    // Similar posts are public.
    let similar = app.get_json(&format!("/api/v2/recommendations/posts/{a}/similar?size=2"), 200).await;
    assert_eq!(similar["result"]["items"][0]["itemId"].as_i64(), Some(b), "{similar}");
    let certificates = app.call(Method::GET, "/api/v2/recommendations/certificates", &newcomer, None, 200).await;
    assert!(certificates["result"]["items"].as_array().unwrap().iter().all(|e| e["itemType"] == "CERTIFICATE"));
}

async fn preferences_round_trip_and_steer_content_matches(app: &TestApp) {
    let (token, _) = member(app, "prefs").await;
    let empty = app.call(Method::GET, "/api/v2/users/me/preferences", &token, None, 200).await;
    assert_eq!(empty["result"], json!({ "keywords": {}, "updatedAt": null }));
    let tag = format!("희귀주제{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let (author, _) = member(app, "writer").await;
    let niche = post_of(app, &author, &format!("{tag} 정리 노트")).await;
    app.state.recommendations.rebuild().await.unwrap();
    let body = json!({ "keywords": { format!("  {tag} "): 0.9, "데이터베이스": 0.4 } });
    let saved = app.call(Method::PUT, "/api/v2/users/me/preferences", &token, Some(body), 200).await;
    assert_eq!(saved["result"]["keywords"][tag.to_lowercase().as_str()], 0.9, "{saved}");
    assert!(saved["result"]["updatedAt"].is_string());
    let read = app.call(Method::GET, "/api/v2/users/me/preferences", &token, None, 200).await;
    assert_eq!(read["result"]["keywords"], saved["result"]["keywords"]);
    let answer = app.call(Method::GET, "/api/v2/recommendations/posts?size=3", &token, None, 200).await;
    assert_eq!(entries(&answer)[0], (niche, "CONTENT".to_owned()), "{answer}");
    let cleared =
        app.call(Method::PUT, "/api/v2/users/me/preferences", &token, Some(json!({ "keywords": {} })), 200).await;
    assert_eq!(cleared["result"]["keywords"], json!({}));
}

async fn bad_recommendation_input_is_a_4xx_naming_the_field(app: &TestApp) {
    let (token, _) = member(app, "bad").await;
    let put = |body: Value| app.call(Method::PUT, "/api/v2/users/me/preferences", &token, Some(body), 400);
    let heavy = put(json!({ "keywords": { "보안": 1.5 } })).await;
    assert_eq!(
        (s(&heavy["responseCode"]), s(&heavy["errors"][0]["field"])),
        ("REC_001".into(), "keywords".into()),
        "{heavy}"
    );
    let many: serde_json::Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!(0.5))).collect();
    assert_eq!(put(json!({ "keywords": many })).await["responseCode"], "REC_001");
    let long = "가".repeat(31);
    assert_eq!(put(json!({ "keywords": { long: 0.5 } })).await["responseCode"], "REC_001");
    assert_eq!(put(json!({ "keywords": { "보안": "high" } })).await["responseCode"], "GLB_002");
    assert_eq!(put(json!({})).await["responseCode"], "GLB_002");
    let text = app
        .req(Method::PUT, "/api/v2/users/me/preferences")
        .header("Access-Token", &token)
        .body("x")
        .send()
        .await
        .unwrap();
    assert!(matches!(text.status().as_u16(), 400 | 415), "{}", text.status());
    app.authed(Method::GET, "/api/v2/users/me/preferences", "not-a-token", 401).await;

    for (path, code, status) in [
        ("/api/v2/recommendations/things", "GLB_004", 400),
        ("/api/v2/recommendations/posts?size=0", "REC_003", 400),
        ("/api/v2/recommendations/posts?size=51", "REC_003", 400),
        ("/api/v2/recommendations/posts?size=-3", "REC_003", 400),
        ("/api/v2/recommendations/posts?size=ten", "GLB_003", 400),
        ("/api/v2/recommendations/posts/987654321/similar", "REC_002", 404),
        ("/api/v2/recommendations/courses/0/similar", "GLB_004", 400),
        ("/api/v2/recommendations/courses/abc/similar", "GLB_004", 400),
        ("/api/v2/recommendations/things/1/similar", "GLB_004", 400),
        ("/api/v2/recommendations/posts/1/similar?size=100", "REC_003", 400),
    ] {
        let body = app.call(Method::GET, path, &token, None, status).await;
        assert_eq!(s(&body["responseCode"]), code, "{path}: {body}");
    }
    app.authed(Method::GET, "/api/v2/recommendations/posts", "not-a-token", 401).await;
}
