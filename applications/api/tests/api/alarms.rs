//! Alarm streams (SSE): what the web client's `event-source-polyfill` sees.

use crate::community::member;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// An open `text/event-stream` response, read frame by frame.
pub struct Stream {
    res: reqwest::Response,
    buffer: String,
}

impl Stream {
    /// Opens the caller's alarm stream on `app` with the token in `Access-Token`.
    pub async fn open(app: &TestApp, token: &str) -> Self {
        let res = app
            .client
            .get(format!("{}/alarm-api/v2/alarms/subscribe", app.base))
            .header("Access-Token", token)
            .header("Origin", ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let ct = res.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-cache");
        let mut stream = Self { res, buffer: String::new() };
        assert_eq!(stream.frame(Duration::from_secs(5)).await.as_deref(), Some(": connected"));
        stream
    }

    /// The next frame (without its blank line), `None` when the stream ended or `wait` passed.
    pub async fn frame(&mut self, wait: Duration) -> Option<String> {
        let until = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return Some(frame);
            }
            let chunk = tokio::time::timeout_at(until, self.res.chunk()).await.ok()?.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `alarm` event's JSON (heartbeats skipped).
    pub async fn alarm(&mut self, wait: Duration) -> Option<Value> {
        let until = tokio::time::Instant::now() + wait;
        loop {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            let frame = self.frame(left).await?;
            if frame.starts_with(':') {
                continue;
            }
            let mut lines = frame.lines();
            assert_eq!(lines.next(), Some("event: alarm"), "{frame}");
            let id = lines.next().unwrap().strip_prefix("id: ").unwrap().to_owned();
            let data: Value = serde_json::from_str(lines.next().unwrap().strip_prefix("data: ").unwrap()).unwrap();
            assert_eq!(data["id"].to_string(), id, "the SSE id is the alarm id");
            return Some(data);
        }
    }

    /// Whether the server ended the stream within `wait`.
    pub async fn ends(&mut self, wait: Duration) -> bool {
        let until = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(until, self.res.chunk()).await {
                Err(_) => return false,
                Ok(Ok(Some(_))) => {}
                Ok(Ok(None) | Err(_)) => return true,
            }
        }
    }
}

/// A post by `author` on board 1.
pub async fn post_of(app: &TestApp, author: &str, title: &str) -> i64 {
    app.post_form(
        Method::POST,
        "/api/v2/certificates/1/NORMAL/posts",
        author,
        json!({ "title": title, "content": "본문" }),
        0,
        201,
    )
    .await["result"]["postId"]
        .as_i64()
        .unwrap()
}

/// A like on `author`'s post (through `on`) reaches the author's stream (opened on `listen`)
/// as an `alarm` event in the list's shape; the stream rejects calls without a token.
pub async fn stream_flow(on: &TestApp, listen: &TestApp) {
    let (author, author_id) = member(on, "streamer").await;
    let (fan, _) = member(on, "streamfan").await;
    let post_id = post_of(on, &author, "스트림 글").await;
    let mut stream = Stream::open(listen, &author).await;
    let mut fan_stream = Stream::open(listen, &fan).await;
    on.like_body(Method::POST, &fan, "POST", post_id, 200).await;
    let alarm = stream.alarm(Duration::from_secs(30)).await.expect("the alarm is pushed to the author's stream");
    assert_eq!(alarm["alarmType"], "NEW_LIKE_ON_POST");
    assert_eq!(alarm["originId"], post_id);
    assert_eq!(alarm["receiver"]["userId"], author_id);
    assert_eq!(alarm["read"], false);
    assert_eq!(alarm["certificate"]["certificateId"], 1);
    assert!(!alarm["certificate"]["certificateName"].as_str().unwrap().is_empty());
    let listed = on.call(Method::GET, "/alarm-api/v2/alarms", &author, None, 200).await;
    assert_eq!(listed["result"][0], alarm, "the pushed alarm is the listed one");
    assert!(fan_stream.alarm(Duration::from_millis(500)).await.is_none(), "nothing for the liker");

    // No token: 401 in the envelope, not a stream.
    let res = listen.get("/alarm-api/v2/alarms/subscribe").await;
    assert_json(res, 401).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarms_are_pushed_to_open_streams_in_embedded_mode() {
    let app = spawn_embedded().await;
    stream_flow(&app, &app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixth_stream_closes_the_oldest_and_heartbeats_keep_streams_alive() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(cercat_config::Profile::Embedded, &dir);
    s.sse.heartbeat_secs = 1;
    let app = spawn(s, dir, Vec::new()).await;
    let (user, _) = member(&app, "tabby").await;
    let mut first = Stream::open(&app, &user).await;
    assert_eq!(first.frame(Duration::from_secs(5)).await.as_deref(), Some(": heartbeat"));
    let mut others = Vec::new();
    for _ in 0..5 {
        others.push(Stream::open(&app, &user).await);
    }
    assert!(first.ends(Duration::from_secs(5)).await, "the oldest stream is closed");
    assert_eq!(app.state.hub.connections(), 5);
    drop(others);
    for _ in 0..50 {
        if app.state.hub.connections() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.state.hub.connections(), 0, "closed connections are forgotten");
}
