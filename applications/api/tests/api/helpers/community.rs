//! Community set-up: posts of each kind, comments, likes.

use super::{TestApp, assert_json};
use reqwest::{Method, multipart};
use serde_json::{Value, json};

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

impl TestApp {
    /// Sends the client's multipart post form: `request` as JSON and `files` small PNGs.
    pub async fn post_form(
        &self,
        method: Method,
        path: &str,
        token: &str,
        request: Value,
        files: usize,
        status: u16,
    ) -> Value {
        let mut form = multipart::Form::new().part(
            "request",
            multipart::Part::bytes(serde_json::to_vec(&request).unwrap()).mime_str("application/json").unwrap(),
        );
        for i in 0..files {
            form = form.part(
                "files",
                multipart::Part::bytes(PNG.to_vec()).file_name(format!("{i}.png")).mime_str("image/png").unwrap(),
            );
        }
        let res = self.req(method, path).header("Access-Token", token).multipart(form).send().await.unwrap();
        assert_json(res, status).await
    }

    /// Likes (POST) or unlikes (DELETE) a `POST` or `COMMENT` with the client's JSON body.
    pub async fn like_body(&self, method: Method, token: &str, kind: &str, id: i64, status: u16) -> Value {
        let body = json!({ "likeTargetType": kind, "targetId": id });
        self.call(method, "/api/v2/likes", token, Some(body), status).await
    }
}

/// The NORMAL post body the client sends: the shared state atom's defaults and an unknown field.
pub fn normal_post() -> Value {
    json!({ "title": "필기공부법정리", "content": "정보처리기사 필기 3주 합격 후기입니다", "tags": [], "examYear": 0, "round": 0, "questionSequence": 0, "extra": 1 })
}

/// A TIP with two recommendation tags.
pub fn tip_post() -> Value {
    json!({ "title": "SQL 요약 노트", "content": "조인 정리", "tags": [{ "tagType": "BOOK", "tagName": "이기적 SQLD" }, { "tagType": "LECTURE", "tagName": "유튜브" }] })
}

/// A COMMENTARY on question 3 of the 2024 round-1 exam of certificate 1.
pub fn commentary_post() -> Value {
    json!({ "title": "3번 해설", "content": "정답은 보기 2번인 이유", "tags": [], "examYear": 2024, "round": 1, "questionSequence": 3 })
}

/// Creates a post of `kind` on certificate 1 with `files` images; returns the created post.
pub async fn create_post(app: &TestApp, token: &str, kind: &str, body: Value, files: usize) -> Value {
    let path = format!("/api/v2/certificates/1/{kind}/posts");
    app.post_form(Method::POST, &path, token, body, files, 201).await["result"].clone()
}

/// Creates a post of `kind` on certificate 1 without images; returns its id.
pub async fn post_id(app: &TestApp, token: &str, kind: &str, body: Value) -> i64 {
    create_post(app, token, kind, body, 0).await["postId"].as_i64().unwrap()
}

/// A NORMAL post by `author` on board 1; returns its id.
pub async fn post_of(app: &TestApp, author: &str, title: &str) -> i64 {
    post_id(app, author, "NORMAL", json!({ "title": title, "content": "본문" })).await
}

/// Comments on `post` (a reply when `parent` is given); returns the comment id.
pub async fn comment(app: &TestApp, token: &str, post: i64, content: &str, parent: Option<i64>) -> i64 {
    let body = match parent {
        Some(parent) => json!({ "content": content, "parentCommentId": parent }),
        None => json!({ "content": content }),
    };
    app.call(Method::POST, &format!("/api/v2/posts/{post}/post-comments"), token, Some(body), 201).await["result"]
        .as_i64()
        .unwrap()
}

/// The post's detail as `token` sees it (`result`).
pub async fn detail(app: &TestApp, token: &str, post: i64) -> Value {
    app.call(Method::GET, &format!("/api/v2/posts/{post}"), token, None, 200).await["result"].clone()
}

/// The ids of the post's images.
pub async fn image_ids(app: &TestApp, token: &str, post: i64) -> Vec<i64> {
    detail(app, token, post).await["postResponse"]["postImages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// The post ids of a page of posts.
pub fn ids(v: &Value) -> Vec<i64> {
    v["result"]["content"].as_array().unwrap().iter().map(|p| p["postId"].as_i64().unwrap()).collect()
}
