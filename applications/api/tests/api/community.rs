//! Community over HTTP as Cercat's web client uses it: multipart posts of three kinds with
//! images, the comment tree, likes, lists, Korean keyword search, commentary filters, best tips,
//! my posts — one test per behaviour, each on a fresh app in both modes — and counters that
//! stay exact under concurrent storms (on MariaDB + Redis in `production.rs`).

use crate::helpers::{community::*, *};
use reqwest::{Method, multipart};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

in_both_modes!(
    a_normal_post_is_created_with_its_images_and_the_clients_defaults_ignored,
    guests_cannot_post_and_bad_posts_are_refused_with_a_4xx,
    a_tip_keeps_its_tags_and_a_commentary_joins_its_exam_question,
    only_the_author_edits_a_post_and_may_swap_its_images,
    comments_nest_one_level_under_a_parent_of_the_same_post,
    a_like_counts_once_per_user_and_shows_only_in_the_likers_view,
    post_lists_filter_by_kind_sort_by_likes_and_page,
    search_finds_korean_substrings_in_titles_and_contents,
    commentary_filters_match_the_question_and_ignore_blank_parameters,
    best_tips_my_posts_and_commented_posts_are_the_callers,
    deleting_a_comment_takes_its_replies_and_the_count_down,
    posts_are_deleted_by_their_author_or_an_admin_with_their_likes,
    posts_walked_by_cursor_while_others_post_repeat_and_skip_nothing,
    a_posts_comments_are_paged_by_cursor_with_their_replies,
);

async fn a_normal_post_is_created_with_its_images_and_the_clients_defaults_ignored(app: &TestApp) {
    let (alice, alice_id) = member(app, "alice").await;
    let created = create_post(app, &alice, "NORMAL", normal_post(), 2).await;
    assert_eq!(created["postType"], "NORMAL");
    assert_eq!(created["postContent"]["title"], "필기공부법정리");
    assert_eq!(created["user"]["userId"], alice_id);
    assert_eq!(created["postImages"].as_array().unwrap().len(), 2);
    assert_eq!((created["likeCount"].as_i64(), created["likeStatus"].as_bool()), (Some(0), Some(false)));
    assert!(created.get("recommendTags").is_none());
    let image_url = created["postImages"][0]["imageUrl"].as_str().unwrap();
    assert!(image_url.ends_with(".png"), "{image_url}");
}

async fn guests_cannot_post_and_bad_posts_are_refused_with_a_4xx(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let guest = new_user(app, "guest").await;
    let normal = normal_post();
    // Guests (onboarding not done) read but do not write.
    app.post_form(Method::POST, "/api/v2/certificates/1/NORMAL/posts", &guest, normal.clone(), 0, 403).await;
    let err = app
        .post_form(
            Method::POST,
            "/api/v2/certificates/1/NORMAL/posts",
            &alice,
            json!({ "title": "", "content": "x" }),
            0,
            400,
        )
        .await;
    assert_eq!((err["responseCode"].as_str(), err["errors"][0]["field"].as_str()), (Some("COM_002"), Some("title")));
    let res = app
        .req(Method::POST, "/api/v2/certificates/1/NORMAL/posts")
        .header("Access-Token", &alice)
        .multipart(
            multipart::Form::new()
                .part("files", multipart::Part::bytes(b"hello".to_vec()).file_name("x.txt"))
                .part("request", multipart::Part::text(normal.to_string())),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(assert_json(res, 400).await["responseCode"], "COM_007");
    app.post_form(Method::POST, "/api/v2/certificates/1/ESSAY/posts", &alice, normal.clone(), 0, 400).await;
    app.post_form(Method::POST, "/api/v2/certificates/999/NORMAL/posts", &alice, normal, 0, 404).await;
}

async fn a_tip_keeps_its_tags_and_a_commentary_joins_its_exam_question(app: &TestApp) {
    let (bob, _) = member(app, "bob").await;
    let tip = create_post(app, &bob, "TIP", tip_post(), 0).await;
    assert_eq!(tip["recommendTags"][0], json!({ "tagType": "BOOK", "tagName": "이기적 SQLD" }));
    let created = create_post(app, &bob, "COMMENTARY", commentary_post(), 0).await;
    let q = &created["question"];
    assert_eq!(
        (q["questionSeq"].as_i64(), q["mockExam"]["examYear"].as_i64(), q["mockExam"]["round"].as_i64()),
        (Some(3), Some(2024), Some(1))
    );
    assert_eq!(q["questionOptions"].as_array().unwrap().len(), 4);
    // A clear 404 for a question, or an exam, that does not exist.
    let mut unknown = commentary_post();
    unknown["questionSequence"] = json!(999);
    let err = app.post_form(Method::POST, "/api/v2/certificates/1/COMMENTARY/posts", &bob, unknown, 0, 404).await;
    assert_eq!(err["responseCode"], "COM_008");
    let mut no_exam = commentary_post();
    no_exam["examYear"] = json!(0);
    app.post_form(Method::POST, "/api/v2/certificates/1/COMMENTARY/posts", &bob, no_exam, 0, 404).await;
}

async fn only_the_author_edits_a_post_and_may_swap_its_images(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    let p1 = create_post(app, &alice, "NORMAL", normal_post(), 2).await["postId"].as_i64().unwrap();
    let img0 = image_ids(app, &alice, p1).await;
    let edit = json!({ "postId": p1, "title": "필기공부법정리 (수정)", "content": "정보처리기사 필기 3주 합격 후기입니다", "removeImageIds": [img0[0]] });
    let err = app.post_form(Method::PUT, "/api/v2/certificates/1/NORMAL/posts", &bob, edit.clone(), 0, 403).await;
    assert_eq!(err["responseCode"], "COM_003");
    // One image removed, one added.
    let edited = app.post_form(Method::PUT, "/api/v2/certificates/1/NORMAL/posts", &alice, edit, 1, 200).await;
    assert_eq!(edited["result"]["postContent"]["title"], "필기공부법정리 (수정)");
    let now: Vec<i64> =
        edited["result"]["postImages"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(now.len(), 2);
    assert!(!now.contains(&img0[0]) && now.contains(&img0[1]));
}

async fn comments_nest_one_level_under_a_parent_of_the_same_post(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    let p1 = post_id(app, &alice, "NORMAL", normal_post()).await;
    let p2 = post_id(app, &bob, "TIP", tip_post()).await;
    let c1 = comment(app, &bob, p1, "축하해요", None).await;
    let r1 = comment(app, &alice, p1, "감사합니다", Some(c1)).await;
    let reply = |parent: i64| json!({ "content": "x", "parentCommentId": parent });
    let err = app.call(Method::POST, &format!("/api/v2/posts/{p1}/post-comments"), &bob, Some(reply(r1)), 400).await;
    assert_eq!(err["responseCode"], "COM_005");
    app.call(Method::POST, &format!("/api/v2/posts/{p2}/post-comments"), &bob, Some(reply(c1)), 400).await;
    app.call(Method::POST, "/api/v2/posts/999999/post-comments", &bob, Some(json!({ "content": "x" })), 404).await;
    app.call(Method::POST, &format!("/api/v2/posts/{p1}/post-comments"), &bob, Some(json!({ "content": "  " })), 400)
        .await;
    // The detail shows the tree.
    let detail = detail(app, &bob, p1).await;
    assert_eq!(detail["postResponse"]["commentCount"], 2);
    let comments = detail["postComments"].as_array().unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["postCommentId"], c1);
    assert_eq!(comments[0]["childPostComments"][0]["postCommentId"], r1);
    assert_eq!(comments[0]["childPostComments"][0]["parentCommentId"], c1);
}

async fn a_like_counts_once_per_user_and_shows_only_in_the_likers_view(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    let p1 = post_id(app, &alice, "NORMAL", normal_post()).await;
    let c1 = comment(app, &bob, p1, "축하해요", None).await;
    app.like_body(Method::POST, &bob, "POST", p1, 200).await;
    let again = app.like_body(Method::POST, &bob, "POST", p1, 200).await;
    assert_eq!(again["result"]["changed"], false);
    app.like_body(Method::POST, &alice, "COMMENT", c1, 200).await;
    assert_eq!(app.like_body(Method::POST, &alice, "POST", 999_999, 404).await["responseCode"], "COM_006");
    let as_bob = detail(app, &bob, p1).await;
    assert_eq!(
        (as_bob["postResponse"]["likeCount"].as_i64(), as_bob["postResponse"]["likeStatus"].as_bool()),
        (Some(1), Some(true))
    );
    let comments = as_bob["postComments"].as_array().unwrap();
    assert_eq!((comments[0]["likeCount"].as_i64(), comments[0]["likeStatus"].as_bool()), (Some(1), Some(false)));
    let as_alice = detail(app, &alice, p1).await;
    assert_eq!(as_alice["postResponse"]["likeStatus"], false);
    assert_eq!(as_alice["postComments"][0]["likeStatus"], true);
    // DELETE with a JSON body unlikes, once.
    let unliked = app.like_body(Method::DELETE, &bob, "POST", p1, 200).await;
    assert_eq!(unliked["result"]["changed"], true);
    assert_eq!(app.like_body(Method::DELETE, &bob, "POST", p1, 200).await["result"]["changed"], false);
}

async fn post_lists_filter_by_kind_sort_by_likes_and_page(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    let p1 = post_id(app, &alice, "NORMAL", normal_post()).await;
    let p2 = post_id(app, &bob, "TIP", tip_post()).await;
    let p3 = post_id(app, &bob, "COMMENTARY", commentary_post()).await;
    app.like_body(Method::POST, &alice, "POST", p2, 200).await;
    app.like_body(Method::POST, &bob, "POST", p2, 200).await;
    let list = |query: &str| format!("/api/v2/certificates/1/posts?{query}");
    let all = app.call(Method::GET, &list("page=0&size=10"), &bob, None, 200).await;
    assert_eq!(ids(&all), vec![p3, p2, p1], "newest first");
    let normals = app.call(Method::GET, &list("postType=NORMAL&page=0&size=10"), &bob, None, 200).await;
    assert_eq!(ids(&normals), vec![p1]);
    // By likes: the client's `count, id` with spaces.
    let popular = app.call(Method::GET, &list("page=0&size=10&sortFields=count,%20id"), &bob, None, 200).await;
    assert_eq!(ids(&popular)[0], p2);
    let review = app.call(Method::GET, &list("postType=REVIEW&page=0&size=10"), &bob, None, 200).await;
    assert_eq!(review["result"], json!({ "content": [], "hasNext": false, "nextCursor": null }));
    let past = app.call(Method::GET, &list("page=5&size=10"), &bob, None, 200).await;
    assert_eq!(past["result"]["content"], json!([]));
    let one = app.call(Method::GET, &list("page=0&size=1"), &bob, None, 200).await;
    assert_eq!(one["result"]["hasNext"], true);
    app.call(Method::GET, &list("postType=ESSAY"), &bob, None, 400).await;
}

async fn search_finds_korean_substrings_in_titles_and_contents(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    let p1 = post_id(app, &alice, "NORMAL", normal_post()).await;
    let p2 = post_id(app, &bob, "TIP", tip_post()).await;
    // A Korean substring inside a longer word, in title or content, with the client's sort.
    let search = |kw: &str| {
        format!(
            "/api/v2/certificates/1/posts?keyword={kw}&page=0&size=20&sortFields=createdAt,%20id&sortDirections=DESC,%20ASC"
        )
    };
    assert_eq!(ids(&app.call(Method::GET, &search("공부법"), &bob, None, 200).await), vec![p1]);
    assert_eq!(ids(&app.call(Method::GET, &search("합격"), &bob, None, 200).await), vec![p1]);
    assert_eq!(ids(&app.call(Method::GET, &search("sql"), &bob, None, 200).await), vec![p2], "ASCII ignores case");
    assert!(ids(&app.call(Method::GET, &search("공부방"), &bob, None, 200).await).is_empty());
    assert!(
        ids(&app.call(Method::GET, &search("정보필기"), &bob, None, 200).await).is_empty(),
        "all bigrams, yet not a substring"
    );
    let err = app.call(Method::GET, &search("공"), &bob, None, 400).await;
    assert_eq!((err["responseCode"].as_str(), err["errors"][0]["field"].as_str()), (Some("COM_009"), Some("keyword")));
}

async fn commentary_filters_match_the_question_and_ignore_blank_parameters(app: &TestApp) {
    let (bob, _) = member(app, "bob").await;
    post_id(app, &bob, "NORMAL", normal_post()).await;
    let p3 = post_id(app, &bob, "COMMENTARY", commentary_post()).await;
    let filter = |query: &str| format!("/api/v2/certificates/1/commentary-posts?{query}&page=0&size=10");
    // Blank filters (the client's stray spaces) are ignored.
    let f = app.call(Method::GET, &filter("%20%20"), &bob, None, 200).await;
    assert_eq!(ids(&f), vec![p3]);
    let f = app.call(Method::GET, &filter("examYear=2024&round=1&questionSequence=3"), &bob, None, 200).await;
    assert_eq!(ids(&f), vec![p3]);
    assert_eq!(f["result"]["content"][0]["question"]["questionSeq"], 3);
    let f = app.call(Method::GET, &filter("examYear=2024&round=%20&questionSequence=4"), &bob, None, 200).await;
    assert!(ids(&f).is_empty());
}

async fn best_tips_my_posts_and_commented_posts_are_the_callers(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    let p1 = post_id(app, &alice, "NORMAL", normal_post()).await;
    let p2 = post_id(app, &bob, "TIP", tip_post()).await;
    comment(app, &bob, p1, "축하해요", None).await;
    app.like_body(Method::POST, &alice, "POST", p2, 200).await;
    app.like_body(Method::POST, &bob, "POST", p2, 200).await;
    let best = app.call(Method::GET, "/api/v2/certificates/1/tip-posts/best", &alice, None, 200).await;
    assert_eq!(best["result"][0]["postId"], p2);
    assert_eq!(best["result"][0]["likeStatus"], true);
    let mine = app
        .call(
            Method::GET,
            "/api/v2/TIP/posts/my-posts?page=0&size=10&sortFields=createdAt,%20id&sortDirections=DESC",
            &bob,
            None,
            200,
        )
        .await;
    assert_eq!(ids(&mine), vec![p2]);
    let commented = app
        .call(
            Method::GET,
            "/api/v2/comment-posts/my-comment-posts?page=0&size=10&sortFields=createdAt,%20id&sortDirections=ASC",
            &bob,
            None,
            200,
        )
        .await;
    assert_eq!(ids(&commented), vec![p1]);
}

/// The board, my posts and my comment posts walked by cursor while others post: every older
/// post once, newest first; the cursor of another list, a changed one, and one with a page
/// number or another sort answer 400 naming the parameter.
async fn posts_walked_by_cursor_while_others_post_repeat_and_skip_nothing(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    for _ in 0..5 {
        let id = post_id(app, &alice, "TIP", tip_post()).await;
        comment(app, &alice, id, "댓글", None).await;
    }
    let lists = [
        "/api/v2/certificates/1/posts?postType=TIP&size=2".to_owned(),
        "/api/v2/TIP/posts/my-posts?size=2".to_owned(),
        "/api/v2/comment-posts/my-comment-posts?size=2".to_owned(),
    ];
    for path in &lists {
        // The whole list as it stands when the walk starts (earlier walks added to it).
        let whole = app.call(Method::GET, &path.replace("size=2", "size=100"), &alice, None, 200).await;
        let before = ids(&whole);
        assert!(before.len() >= 5, "{path}: {whole}");
        let first = app.call(Method::GET, path, &alice, None, 200).await;
        let mut seen = ids(&first);
        let mut cursor = first["result"]["nextCursor"].as_str().unwrap().to_owned();
        loop {
            // Others post (and Alice comments on a new post) between pages.
            let late = post_id(app, &alice, "TIP", tip_post()).await;
            comment(app, &alice, late, "댓글", None).await;
            post_id(app, &bob, "TIP", tip_post()).await;
            let page = app.call(Method::GET, &format!("{path}&cursor={cursor}"), &alice, None, 200).await;
            seen.extend(ids(&page));
            match page["result"]["nextCursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        assert_eq!(seen, before, "{path}: no duplicates, no gaps");
    }
    // Refusals, each naming the parameter to fix.
    let first = app.call(Method::GET, &lists[0], &alice, None, 200).await;
    let cursor = first["result"]["nextCursor"].as_str().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[10] = if tampered[10] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    for (path, field) in [
        (format!("/api/v2/certificates/1/posts?postType=NORMAL&cursor={cursor}"), "cursor"),
        (format!("/api/v2/TIP/posts/my-posts?cursor={cursor}"), "cursor"),
        (format!("/api/v2/certificates/1/posts?postType=TIP&cursor={tampered}"), "cursor"),
        ("/api/v2/certificates/1/posts?postType=TIP&cursor=garbage".to_owned(), "cursor"),
        (format!("/api/v2/certificates/1/posts?postType=TIP&page=1&cursor={cursor}"), "page"),
        (format!("/api/v2/certificates/1/posts?postType=TIP&sortFields=count&cursor={cursor}"), "sortFields"),
    ] {
        let err = app.call(Method::GET, &path, &alice, None, 400).await;
        assert_eq!(err["errors"][0]["field"].as_str(), Some(field), "{path}: {err}");
    }
}

async fn deleting_a_comment_takes_its_replies_and_the_count_down(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    let p1 = post_id(app, &alice, "NORMAL", normal_post()).await;
    let c1 = comment(app, &bob, p1, "축하해요", None).await;
    comment(app, &alice, p1, "감사합니다", Some(c1)).await;
    app.call(Method::DELETE, &format!("/api/v2/post-comments/{c1}"), &alice, None, 403).await;
    app.call(Method::DELETE, &format!("/api/v2/post-comments/{c1}"), &bob, None, 200).await;
    let detail = detail(app, &bob, p1).await;
    assert_eq!(
        (detail["postResponse"]["commentCount"].as_i64(), detail["postComments"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
}

async fn posts_are_deleted_by_their_author_or_an_admin_with_their_likes(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    let p1 = post_id(app, &alice, "NORMAL", normal_post()).await;
    let p2 = post_id(app, &bob, "TIP", tip_post()).await;
    app.like_body(Method::POST, &bob, "POST", p1, 200).await;
    app.like_body(Method::POST, &alice, "POST", p2, 200).await;
    app.call(Method::DELETE, &format!("/api/v2/posts/{p2}"), &alice, None, 403).await;
    let admin = admin(app).await;
    app.call(Method::DELETE, &format!("/api/v2/posts/{p2}"), &admin, None, 200).await;
    app.call(Method::GET, &format!("/api/v2/posts/{p2}"), &bob, None, 404).await;
    app.call(Method::DELETE, &format!("/api/v2/posts/{p1}"), &alice, None, 200).await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM likes WHERE target_type = 'POST' AND target_id IN ({p1}, {p2})"))
            .await,
        0
    );
}

/// Many users like and unlike one post and one comment, and comment and delete, all at once:
/// the counters end equal to the rows that exist, never negative.
pub async fn counters_stay_exact_under_storms(app: &TestApp) {
    let (author, _) = member(app, "author").await;
    let post = app
        .post_form(
            Method::POST,
            "/api/v2/certificates/1/NORMAL/posts",
            &author,
            json!({ "title": "폭풍", "content": "좋아요 폭풍" }),
            0,
            201,
        )
        .await;
    let post_id = post["result"]["postId"].as_i64().unwrap();
    let comment = app
        .call(
            Method::POST,
            &format!("/api/v2/posts/{post_id}/post-comments"),
            &author,
            Some(json!({ "content": "첫 댓글" })),
            201,
        )
        .await;
    let comment_id = comment["result"].as_i64().unwrap();
    let mut users = Vec::new();
    for i in 0..12 {
        users.push(member(app, &format!("fan{i}")).await.0);
    }
    let mut tasks = Vec::new();
    for (i, token) in users.iter().enumerate() {
        for round in 0..6 {
            let (client, base, token) = (app.client.clone(), app.base.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                // Each user likes and unlikes the post and the comment several times, twice in a row
                // sometimes, and comments then deletes half of their comments.
                let method = if (i + round) % 3 == 2 { reqwest::Method::DELETE } else { reqwest::Method::POST };
                for (kind, id) in [("POST", post_id), ("COMMENT", comment_id)] {
                    let res = client
                        .request(method.clone(), format!("{base}/api/v2/likes"))
                        .header("Access-Token", &token)
                        .json(&json!({ "likeTargetType": kind, "targetId": id }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
                }
                let res = client
                    .post(format!("{base}/api/v2/posts/{post_id}/post-comments"))
                    .header("Access-Token", &token)
                    .json(&json!({ "content": format!("댓글 {i}-{round}") }))
                    .send()
                    .await
                    .unwrap();
                let created: Value = res.json().await.unwrap();
                let id = created["result"].as_i64().unwrap();
                if round % 2 == 0 {
                    let res = client
                        .delete(format!("{base}/api/v2/post-comments/{id}"))
                        .header("Access-Token", &token)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 200);
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let likes =
        app.count(&format!("SELECT COUNT(*) FROM likes WHERE target_type = 'POST' AND target_id = {post_id}")).await;
    let comment_likes = app
        .count(&format!("SELECT COUNT(*) FROM likes WHERE target_type = 'COMMENT' AND target_id = {comment_id}"))
        .await;
    let comments = app.count(&format!("SELECT COUNT(*) FROM post_comments WHERE post_id = {post_id}")).await;
    let detail = app.call(Method::GET, &format!("/api/v2/posts/{post_id}"), &author, None, 200).await["result"].clone();
    assert_eq!(detail["postResponse"]["likeCount"].as_i64(), Some(likes));
    assert_eq!(detail["postResponse"]["commentCount"].as_i64(), Some(comments));
    assert_eq!(comments, 1 + 12 * 3, "the first comment and every odd round's");
    let first =
        detail["postComments"].as_array().unwrap().iter().find(|c| c["postCommentId"] == comment_id).unwrap().clone();
    assert_eq!(first["likeCount"].as_i64(), Some(comment_likes));
    // One like per user at most, never negative, whatever order the storm took.
    assert!((0..=12).contains(&likes) && (0..=12).contains(&comment_likes), "{likes} {comment_likes}");
}

/// Exam reviews: the window after the latest exam, who may write, once, filtered listing.
pub async fn exam_review_flows(app: &TestApp) {
    // Certificate 3 had an exam three days ago (round 20 of this year).
    let now = chrono::Utc::now();
    let mut draft = schedule_draft(3, chrono::Datelike::year(&now), 20);
    draft.exam_date = now - chrono::Duration::days(3);
    draft.application_start = draft.exam_date - chrono::Duration::days(30);
    draft.application_deadline = draft.exam_date - chrono::Duration::days(20);
    draft.result_announcement = draft.exam_date + chrono::Duration::days(10);
    app.state.certificates.import_schedule(&draft).await.unwrap();
    let (interested, _) = member(app, "reviewer").await;
    let (planner, _) = member(app, "planner").await;
    let (stranger, _) = member(app, "stranger").await;

    assert_eq!(
        app.call(Method::GET, "/api/v2/certificates/3/check-review-period", &stranger, None, 200).await["result"],
        true
    );
    assert_eq!(
        app.call(Method::GET, "/api/v2/certificates/3/check-reviews", &stranger, None, 200).await["result"],
        false
    );
    let review = json!({ "examDifficulty": "LITTLE_DIFFICULT", "content": "SQL 활용 파트가 어려웠어요" });
    let err = app.call(Method::POST, "/api/v2/certificates/3/exam-reviews", &stranger, Some(review.clone()), 400).await;
    assert_eq!(err["responseCode"], "CRT_004");

    // An interest qualifies; one review per exam.
    let interests = json!({ "interestTargetList": [{ "certificateId": 3, "interestPriority": "HIGH" }] });
    app.call(Method::POST, "/api/v2/interest-certificates", &interested, Some(interests), 200).await;
    assert_eq!(
        app.call(Method::GET, "/api/v2/certificates/3/check-reviews", &interested, None, 200).await["result"],
        true
    );
    app.call(Method::POST, "/api/v2/certificates/3/exam-reviews", &interested, Some(review.clone()), 201).await;
    let again =
        app.call(Method::POST, "/api/v2/certificates/3/exam-reviews", &interested, Some(review.clone()), 409).await;
    assert_eq!(again["responseCode"], "CRT_012");
    assert_eq!(
        app.call(Method::GET, "/api/v2/certificates/3/check-reviews", &interested, None, 200).await["result"],
        false
    );

    // A goal qualifies too, and gives the preparation months (started ~70 days before the exam → 3).
    let start = (draft.exam_date - chrono::Duration::days(70)).to_rfc3339();
    let finish = (now + chrono::Duration::days(10)).to_rfc3339();
    let goal = json!({ "goalScore": 60, "prepareStartDateTime": start, "prepareFinishDateTime": finish });
    app.call(Method::POST, "/api/v2/certificates/3/goals", &planner, Some(goal), 201).await;
    let hard = json!({ "examDifficulty": "TOO_DIFFICULT", "content": "모델링 문제가 낯설었다" });
    app.call(Method::POST, "/api/v2/certificates/3/exam-reviews", &planner, Some(hard), 201).await;
    let bad = json!({ "examDifficulty": "IMPOSSIBLE", "content": "x" });
    app.call(Method::POST, "/api/v2/certificates/3/exam-reviews", &stranger, Some(bad), 400).await;
    let empty = json!({ "examDifficulty": "EASY", "content": "  " });
    assert_eq!(
        app.call(Method::POST, "/api/v2/certificates/3/exam-reviews", &planner, Some(empty), 400).await["responseCode"],
        "CRT_013"
    );

    let all = app.call(Method::GET, "/api/v2/certificates/3/exam-reviews?page=0&size=10", &stranger, None, 200).await["result"].clone();
    assert_eq!(all["content"].as_array().unwrap().len(), 2);
    assert_eq!(all["content"][0]["examDifficulty"], "TOO_DIFFICULT", "newest first");
    assert_eq!(all["content"][0]["prepareMonths"], 3);
    assert!(all["content"][0]["user"]["nickname"].as_str().unwrap().starts_with("planner"));
    assert_eq!(all["content"][1]["prepareMonths"], 0);
    let hard_only = app
        .call(
            Method::GET,
            "/api/v2/certificates/3/exam-reviews?page=0&size=10&examDifficulty=TOO_DIFFICULT",
            &stranger,
            None,
            200,
        )
        .await;
    assert_eq!(hard_only["result"]["content"].as_array().unwrap().len(), 1);
    let months = app
        .call(
            Method::GET,
            "/api/v2/certificates/3/exam-reviews?page=0&size=10&startMonths=1&endPreMonths=3&examDifficulty=",
            &stranger,
            None,
            200,
        )
        .await;
    assert_eq!(months["result"]["content"].as_array().unwrap().len(), 1);
    app.call(Method::GET, "/api/v2/certificates/3/exam-reviews?examDifficulty=HARD", &stranger, None, 400).await;

    // Certificate 1's latest exam was long ago: closed.
    assert_eq!(
        app.call(Method::GET, "/api/v2/certificates/1/check-review-period", &planner, None, 200).await["result"],
        false
    );
    let closed = app.call(Method::POST, "/api/v2/certificates/1/exam-reviews", &planner, Some(review), 400).await;
    assert_eq!(closed["responseCode"], "CRT_003");
}

/// Recent searches, autocomplete (prefix and 초성) and trending keywords, fed by real searches on
/// board 2.
pub async fn search_feature_flows(app: &TestApp) {
    let (me, _) = member(app, "searcher").await;
    let (other, _) = member(app, "other-searcher").await;
    let search = |kw: &str| format!("/api/v2/certificates/2/posts?keyword={kw}&page=0&size=20");
    for kw in ["정보처리기사", "정보처리기사", "정보보안", "SQL%20활용", "정보처리기사"] {
        app.call(Method::GET, &search(kw), &me, None, 200).await;
    }
    // Scrolling a search does not count it again.
    app.call(Method::GET, "/api/v2/certificates/2/posts?keyword=정보보안&page=1&size=20", &me, None, 200).await;
    let recent = app.call(Method::GET, "/api/v2/certificates/2/search-logs", &me, None, 200).await;
    assert_eq!(recent["result"], json!(["정보처리기사", "SQL 활용", "정보보안"]));
    assert_eq!(
        app.call(Method::GET, "/api/v2/certificates/2/search-logs", &other, None, 200).await["result"],
        json!([])
    );
    app.call(Method::DELETE, "/api/v2/certificates/2/search-logs?keyword=", &me, None, 200).await;
    app.call(Method::DELETE, "/api/v2/certificates/2/search-logs?keyword=정보보안", &me, None, 200).await;
    let recent = app.call(Method::GET, "/api/v2/certificates/2/search-logs", &me, None, 200).await;
    assert_eq!(recent["result"], json!(["정보처리기사", "SQL 활용"]));

    // Popularity counts people: a second searcher lifts 정보처리기사, while one account
    // repeating one search 30 times counts once and poisons neither list.
    app.call(Method::GET, &search("정보처리기사"), &other, None, 200).await;
    let (spammer, _) = member(app, "spammer").await;
    for _ in 0..30 {
        app.call(Method::GET, &search("정보광고"), &spammer, None, 200).await;
    }
    let complete = |q: &str| format!("/api/v2/certificates/2/auto-complete-keywords?query={q}");
    assert_eq!(
        app.call(Method::GET, &complete("정보"), &other, None, 200).await["result"],
        json!(["정보처리기사", "정보광고", "정보보안"])
    );
    app.call(Method::DELETE, "/api/v2/certificates/2/search-logs/all", &other, None, 200).await;
    assert_eq!(
        app.call(Method::GET, &complete("ㅈㅂㅊㄹ"), &other, None, 200).await["result"],
        json!(["정보처리기사"])
    );
    assert_eq!(app.call(Method::GET, &complete("sql"), &other, None, 200).await["result"], json!(["SQL 활용"]));
    assert_eq!(app.call(Method::GET, &complete("null"), &other, None, 200).await["result"], json!([]));
    assert_eq!(
        app.call(Method::GET, "/api/v2/certificates/2/auto-complete-keywords", &other, None, 200).await["result"],
        json!([])
    );

    let trending = app.call(Method::GET, "/api/v2/certificates/2/trending-keywords", &other, None, 200).await;
    assert_eq!(trending["result"][0], json!({ "rank": 1, "keyword": "정보처리기사", "status": "NEW" }));
    app.state.community.snapshot_trending(2).await.unwrap();
    let trending = app.call(Method::GET, "/api/v2/certificates/2/trending-keywords", &other, None, 200).await;
    assert_eq!(trending["result"][0]["status"], "UNCHANGED");
    // A surge after the decay job: a fresh keyword takes the lead.
    app.state.community.decay_trending(2).await.unwrap();
    for who in [&me, &other, &spammer] {
        app.call(Method::GET, &search("네트워크"), who, None, 200).await;
    }
    let trending =
        app.call(Method::GET, "/api/v2/certificates/2/trending-keywords", &other, None, 200).await["result"].clone();
    assert_eq!(trending[0], json!({ "rank": 1, "keyword": "네트워크", "status": "NEW" }));
    assert_eq!(trending[1], json!({ "rank": 2, "keyword": "정보처리기사", "status": "RANK_DOWN" }));

    app.call(Method::DELETE, "/api/v2/certificates/2/search-logs/all", &me, None, 200).await;
    assert_eq!(app.call(Method::GET, "/api/v2/certificates/2/search-logs", &me, None, 200).await["result"], json!([]));
}

/// Purging a withdrawn member takes their likes, comments and posts along and leaves every
/// remaining counter equal to the rows.
pub async fn purging_a_member_keeps_counters_exact(app: &TestApp) {
    let (author, _) = member(app, "keeper").await;
    let (leaver, leaver_id) = member(app, "leaver").await;
    let (friend, _) = member(app, "friend").await;
    let kept = app
        .post_form(
            Method::POST,
            "/api/v2/certificates/1/NORMAL/posts",
            &author,
            json!({ "title": "남는 글", "content": "본문" }),
            0,
            201,
        )
        .await["result"]["postId"]
        .as_i64()
        .unwrap();
    let gone = app
        .post_form(
            Method::POST,
            "/api/v2/certificates/1/NORMAL/posts",
            &leaver,
            json!({ "title": "사라질 글", "content": "본문" }),
            0,
            201,
        )
        .await["result"]["postId"]
        .as_i64()
        .unwrap();
    let theirs = app
        .call(
            Method::POST,
            &format!("/api/v2/posts/{kept}/post-comments"),
            &leaver,
            Some(json!({ "content": "떠나는 댓글" })),
            201,
        )
        .await["result"]
        .as_i64()
        .unwrap();
    app.call(
        Method::POST,
        &format!("/api/v2/posts/{kept}/post-comments"),
        &friend,
        Some(json!({ "content": "답글", "parentCommentId": theirs })),
        201,
    )
    .await;
    let stays = app
        .call(
            Method::POST,
            &format!("/api/v2/posts/{kept}/post-comments"),
            &friend,
            Some(json!({ "content": "남는 댓글" })),
            201,
        )
        .await["result"]
        .as_i64()
        .unwrap();
    app.like_body(Method::POST, &leaver, "POST", kept, 200).await;
    app.like_body(Method::POST, &friend, "POST", kept, 200).await;
    app.like_body(Method::POST, &leaver, "COMMENT", stays, 200).await;
    app.like_body(Method::POST, &friend, "POST", gone, 200).await;
    app.call(Method::DELETE, "/api/v2/users/me", &leaver, None, 200).await;
    let db = app.state.services.adapters().db.conn();
    let old = (chrono::Utc::now() - chrono::Duration::days(800)).into();
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "UPDATE users SET withdrawn_at = ? WHERE id = ?",
        [old, leaver_id.into()],
    ))
    .await
    .unwrap();
    assert!(app.state.accounts.purge_withdrawn().await.unwrap() >= 1);
    let detail = app.call(Method::GET, &format!("/api/v2/posts/{kept}"), &author, None, 200).await["result"].clone();
    assert_eq!(
        (detail["postResponse"]["likeCount"].as_i64(), detail["postResponse"]["commentCount"].as_i64()),
        (Some(1), Some(1))
    );
    let comments = detail["postComments"].as_array().unwrap();
    assert_eq!(comments.len(), 1, "their comment and the reply to it are gone");
    assert_eq!((comments[0]["postCommentId"].as_i64(), comments[0]["likeCount"].as_i64()), (Some(stays), Some(0)));
    app.call(Method::GET, &format!("/api/v2/posts/{gone}"), &author, None, 404).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM likes WHERE user_id = {leaver_id} OR (target_type = 'POST' AND target_id = {gone})"
        ))
        .await,
        0
    );
}

/// Likes and comments by others reach the author's alarms through outbox → bus → consumer;
/// one's own actions do not; a redelivered event is stored once; only one's own alarms are read.
pub async fn alarm_flows(app: &TestApp) {
    let (author, author_id) = member(app, "alarmed").await;
    let (fan, _) = member(app, "fan").await;
    let post = app
        .post_form(
            Method::POST,
            "/api/v2/certificates/1/NORMAL/posts",
            &author,
            json!({ "title": "알림 받을 글", "content": "본문" }),
            0,
            201,
        )
        .await;
    let post_id = post["result"]["postId"].as_i64().unwrap();
    app.like_body(Method::POST, &author, "POST", post_id, 200).await; // own like: no alarm
    let mine = app
        .call(
            Method::POST,
            &format!("/api/v2/posts/{post_id}/post-comments"),
            &author,
            Some(json!({ "content": "내 댓글" })),
            201,
        )
        .await["result"]
        .as_i64()
        .unwrap();
    app.like_body(Method::POST, &fan, "POST", post_id, 200).await;
    app.call(
        Method::POST,
        &format!("/api/v2/posts/{post_id}/post-comments"),
        &fan,
        Some(json!({ "content": "축하해요" })),
        201,
    )
    .await;
    app.like_body(Method::POST, &fan, "COMMENT", mine, 200).await;
    let mut alarms = Value::Null;
    for _ in 0..100 {
        alarms = app.call(Method::GET, "/alarm-api/v2/alarms", &author, None, 200).await;
        if alarms["result"].as_array().is_some_and(|a| a.len() >= 3) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let list = alarms["result"].as_array().unwrap().clone();
    let kinds: Vec<&str> = list.iter().map(|a| a["alarmType"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        vec!["NEW_LIKE_ON_COMMENT", "NEW_COMMENT_ON_POST", "NEW_LIKE_ON_POST"],
        "newest first, none for own actions"
    );
    assert_eq!(list[2]["originId"], post_id);
    assert_eq!(list[2]["likeTargetType"], "POST");
    assert_eq!(list[2]["receiver"]["userId"], author_id);
    assert!(list[2]["likerNickname"].as_str().unwrap().starts_with("fan"));
    assert_eq!(list[2]["certificate"]["certificateId"], 1);
    assert_eq!(list[2]["read"], false);
    assert_eq!(app.call(Method::GET, "/alarm-api/v2/alarms", &fan, None, 200).await["result"], json!([]));
    assert_eq!(app.call(Method::GET, "/alarm-api/v2/alarms/unread", &author, None, 200).await["result"], 3);
    let first = list[0]["id"].as_i64().unwrap();
    assert_eq!(app.call(Method::POST, "/alarm-api/v2/alarms/read", &fan, Some(json!([first])), 200).await["result"], 0);
    assert_eq!(
        app.call(Method::POST, "/alarm-api/v2/alarms/read", &author, Some(json!([first, 999_999])), 200).await["result"],
        1
    );
    assert_eq!(app.call(Method::GET, "/alarm-api/v2/alarms/unread", &author, None, 200).await["result"], 2);
    app.call(Method::POST, "/alarm-api/v2/alarms/read", &author, Some(json!({ "ids": [1] })), 400).await;
    // The same event delivered twice is stored once.
    let event = cercat_common::events::EventEnvelope::new(
        cercat_community::events::POST_LIKED_TOPIC,
        "post",
        post_id.to_string(),
        "PostLiked",
        json!({ "receiverId": author_id, "actorId": 0, "actorNickname": "재전송", "postId": post_id, "commentId": null, "certificateId": 1 }),
        chrono::Utc::now(),
    );
    app.state.alarms.handle(&event).await.unwrap();
    app.state.alarms.handle(&event).await.unwrap();
    assert_eq!(app.call(Method::GET, "/alarm-api/v2/alarms/unread", &author, None, 200).await["result"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarms_in_embedded_mode() {
    let app = spawn_embedded().await;
    alarm_flows(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purging_a_member_in_embedded_mode() {
    let app = spawn_embedded().await;
    purging_a_member_keeps_counters_exact(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_features_in_embedded_mode() {
    let app = spawn_embedded().await;
    search_feature_flows(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_reviews_in_embedded_mode() {
    let app = spawn_embedded().await;
    exam_review_flows(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn community_counters_stay_exact_in_embedded_mode() {
    let app = spawn_embedded().await;
    counters_stay_exact_under_storms(&app).await;
}

/// Many comments are read a page at a time: top-level comments oldest first with their
/// replies, the walk unshifted by comments written meanwhile; another post's cursor is refused.
async fn a_posts_comments_are_paged_by_cursor_with_their_replies(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let post = post_id(app, &alice, "NORMAL", normal_post()).await;
    let other = post_id(app, &alice, "NORMAL", normal_post()).await;
    let mut tops = Vec::new();
    for i in 0..5 {
        let top = comment(app, &alice, post, &format!("댓글 {i}"), None).await;
        comment(app, &alice, post, &format!("답글 {i}"), Some(top)).await;
        tops.push(top);
    }
    let path = format!("/api/v2/posts/{post}/comments?size=2");
    let first = app.call(Method::GET, &path, &alice, None, 200).await["result"].clone();
    let ids = |page: &Value| -> Vec<i64> {
        page["content"].as_array().unwrap().iter().map(|c| c["postCommentId"].as_i64().unwrap()).collect()
    };
    assert_eq!(ids(&first), tops[..2].to_vec(), "{first}");
    assert_eq!(first["content"][0]["childPostComments"].as_array().map(Vec::len), Some(1), "with its reply: {first}");
    // Written meanwhile: appears at the end, never shifts the walk.
    let late = comment(app, &alice, post, "늦은 댓글", None).await;
    let mut seen = ids(&first);
    let mut cursor = first["nextCursor"].as_str().unwrap().to_owned();
    loop {
        let page = app.call(Method::GET, &format!("{path}&cursor={cursor}"), &alice, None, 200).await["result"].clone();
        seen.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let mut expected = tops.clone();
    expected.push(late);
    assert_eq!(seen, expected);
    let foreign =
        app.call(Method::GET, &format!("/api/v2/posts/{other}/comments?cursor={cursor}"), &alice, None, 400).await;
    assert_eq!(foreign["errors"][0]["field"], "cursor", "{foreign}");
    let missing = app.call(Method::GET, "/api/v2/posts/987654321/comments", &alice, None, 404).await;
    assert_eq!(missing["responseCode"], "COM_001");
}
