//! What one client can make an instance hold: slow bodies are cut with 408, uploads are capped
//! in size (413), stop at the first unknown or oversized part, are bounded in number at once
//! (503 + Retry-After) and per user per day (429 UPL_001). Raw TCP is used where a client
//! library would hide the behaviour (trickling, a body that never ends).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use cercat_config::Profile;
use reqwest::{Method, multipart};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::*;

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
const BOUNDARY: &str = "cercatlimitsboundary";

async fn spawn_with(tune: impl FnOnce(&mut cercat_config::Settings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(Profile::Embedded, &dir);
    tune(&mut s);
    spawn(s, dir, Vec::new()).await
}

/// What a raw exchange gave: the response text (empty if none) and the body bytes the server
/// took before it answered or closed.
struct Exchange {
    response: String,
    /// Body bytes sent when the first byte of the answer came back.
    written_at_answer: usize,
    /// Body bytes sent before the server closed the connection (or the exchange gave up).
    body_written: usize,
    elapsed: Duration,
}

impl Exchange {
    fn status(&self) -> u16 {
        self.response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    fn json(&self) -> serde_json::Value {
        let body = self.response.split("\r\n\r\n").nth(1).unwrap_or_default();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.response))
    }
}

/// Sends `head`, then the body chunk by chunk (`chunk(i)` gives the i-th chunk and the pause
/// before it, `None` ends the body) while reading the answer; gives up after `bound`.
async fn exchange(
    app: &TestApp,
    head: String,
    mut chunk: impl FnMut(usize) -> Option<(Vec<u8>, Duration)> + Send + 'static,
    bound: Duration,
) -> Exchange {
    let started = Instant::now();
    let stream = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let written = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&written);
    let writer = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        let mut i = 0;
        while let Some((bytes, pause)) = chunk(i) {
            tokio::time::sleep(pause).await;
            write.write_all(&bytes).await?;
            counter.fetch_add(bytes.len(), Ordering::SeqCst);
            i += 1;
        }
        // Keep the connection open: the server decides when it ends.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok::<_, std::io::Error>(())
    });
    let mut response = Vec::new();
    let mut written_at_answer = usize::MAX;
    let _ = tokio::time::timeout(bound, async {
        let mut buf = [0u8; 8192];
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    written_at_answer = written_at_answer.min(written.load(Ordering::SeqCst));
                    response.extend_from_slice(&buf[..n]);
                }
            }
        }
    })
    .await;
    let elapsed = started.elapsed();
    // Let the writer push what it still can after the answer (actix lingers ~1 s).
    let mut writer = writer;
    let _ = tokio::time::timeout(Duration::from_secs(3), &mut writer).await;
    writer.abort();
    Exchange {
        response: String::from_utf8_lossy(&response).into_owned(),
        written_at_answer,
        body_written: written.load(Ordering::SeqCst),
        elapsed,
    }
}

fn multipart_head(path: &str, token: &str, length: Option<usize>) -> String {
    let length =
        length.map_or_else(|| "Transfer-Encoding: chunked\r\n".to_owned(), |n| format!("Content-Length: {n}\r\n"));
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nAccess-Token: {token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{length}\r\n"
    )
}

fn part_head(name: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"x.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes()
}

/// One chunk of chunked transfer encoding.
fn chunked(bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    out
}

const POSTS: &str = "/api/v2/certificates/1/NORMAL/posts";

#[tokio::test]
async fn a_trickled_body_is_answered_408_and_its_connection_closed() {
    let app = spawn_with(|s| {
        s.limits.body_read_timeout_secs = 3;
        s.limits.body_idle_timeout_secs = 2;
    })
    .await;
    // One byte a second never pauses past the idle bound; the total bound ends it.
    let head = "POST /api/v2/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n";
    let trickle = |_| Some((b" ".to_vec(), Duration::from_secs(1)));
    let ex = exchange(&app, head.to_owned(), trickle, Duration::from_secs(15)).await;
    assert_eq!(ex.status(), 408, "{}", ex.response);
    assert_eq!(ex.json()["responseCode"], "GLB_015");
    assert!(ex.elapsed < Duration::from_secs(6), "cut near the 3 s bound, took {:?}", ex.elapsed);
    assert!(ex.response.to_ascii_lowercase().contains("connection: close"), "{}", ex.response);

    // A body that stops midway is cut by the idle bound — multipart uploads too.
    let (token, _) = member(&app, "slowup").await;
    let ex = exchange(
        &app,
        multipart_head(POSTS, &token, Some(10_000)),
        |i| (i == 0).then(|| (part_head("request"), Duration::ZERO)),
        Duration::from_secs(15),
    )
    .await;
    assert_eq!(ex.status(), 408, "{}", ex.response);
    assert!(ex.elapsed < Duration::from_secs(5), "{:?}", ex.elapsed);

    // Many trickling connections at once are all let go; the server still answers others.
    let many = futures::future::join_all((0..50).map(|_| {
        exchange(&app, head.to_owned(), |_| Some((b" ".to_vec(), Duration::from_secs(1))), Duration::from_secs(20))
    }));
    let health = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.get("/health/live").await.status().as_u16()
    };
    let (all, health) = tokio::join!(many, health);
    assert_eq!(health, 200);
    assert!(all.iter().all(|ex| ex.status() == 408), "every trickle is cut");
}

#[tokio::test]
async fn an_upload_over_the_body_cap_is_refused_with_413() {
    let app = spawn_with(|s| s.limits.upload_max_body_bytes = 8 * 1024 * 1024).await;
    let (token, _) = member(&app, "bigup").await;
    // Declared too large: refused before a byte of the body is read.
    let ex =
        exchange(&app, multipart_head(POSTS, &token, Some(300 * 1024 * 1024)), |_| None, Duration::from_secs(10)).await;
    assert_eq!((ex.status(), ex.json()["responseCode"].as_str()), (413, Some("GLB_009")), "{}", ex.response);

    // Streamed without a length: cut once the cap is passed, in images of allowed size (4 MiB
    // each), long before the 200 MiB the client would send.
    let image = vec![7u8; 4 * 1024 * 1024];
    let body = move |i: usize| {
        let mut bytes = part_head("files");
        bytes.extend_from_slice(&image);
        bytes.extend_from_slice(b"\r\n");
        (i < 50).then(|| (chunked(&bytes), Duration::from_millis(40)))
    };
    let ex = exchange(&app, multipart_head(POSTS, &token, None), body, Duration::from_secs(30)).await;
    assert_eq!((ex.status(), ex.json()["responseCode"].as_str()), (413, Some("GLB_009")), "{}", ex.response);
    assert!(ex.written_at_answer < 20 * 1024 * 1024, "answered after {} bytes", ex.written_at_answer);
    assert!(ex.body_written < 150 * 1024 * 1024, "the connection closed; {} bytes went in", ex.body_written);
}

#[tokio::test]
async fn reading_stops_at_the_first_unknown_part() {
    let app = spawn_with(|_| {}).await;
    let (token, _) = member(&app, "junk").await;
    // A 200 MiB part named `junk`, sent in 1 MiB chunks: answered at its first bytes.
    let mib = vec![b'x'; 1024 * 1024];
    let body = move |i: usize| match i {
        0 => Some((chunked(&part_head("junk")), Duration::ZERO)),
        i if i <= 200 => Some((chunked(&mib), Duration::from_millis(10))),
        _ => None,
    };
    let ex = exchange(&app, multipart_head(POSTS, &token, None), body, Duration::from_secs(30)).await;
    assert_eq!(ex.status(), 400, "{}", ex.response);
    let err = ex.json();
    assert_eq!(err["responseCode"], "GLB_014");
    assert!(err["message"].as_str().unwrap().contains("unknown part `junk`"), "{err}");
    assert!(ex.written_at_answer < 10 * 1024 * 1024, "answered after {} bytes", ex.written_at_answer);
    assert!(ex.body_written < 150 * 1024 * 1024, "the connection closed; {} bytes went in", ex.body_written);

    // The profile form too.
    let form = multipart::Form::new()
        .part("extra", multipart::Part::bytes(vec![0u8; 1024]).file_name("x.bin"))
        .part("request", multipart::Part::text(r#"{"nickname":"바뀐이름"}"#));
    let res = app.req(Method::PATCH, "/api/v2/users/me").header("Access-Token", &token).multipart(form).send().await;
    assert_eq!(assert_json(res.unwrap(), 400).await["responseCode"], "GLB_014");
}

#[tokio::test]
async fn uploads_beyond_the_concurrency_bound_get_503_with_retry_after() {
    let app = spawn_with(|s| s.limits.upload_max_concurrent = 1).await;
    let (token, _) = member(&app, "busy").await;
    // One upload in progress: its body has begun and pauses.
    let head = multipart_head(POSTS, &token, Some(50_000));
    let slow = tokio::spawn({
        let base = app.base.clone();
        async move {
            let mut stream = TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(&part_head("files")).await.unwrap();
            tokio::time::sleep(Duration::from_secs(3)).await;
            drop(stream);
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let request = json!({ "title": "동시 업로드", "content": "두 번째 업로드" });
    let res = app
        .req(Method::POST, POSTS)
        .header("Access-Token", &token)
        .multipart(multipart::Form::new().part("request", multipart::Part::text(request.to_string())))
        .send()
        .await
        .unwrap();
    let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(assert_json(res, 503).await["responseCode"], "GLB_008");
    assert_eq!(retry_after.as_deref(), Some("2"));
    slow.await.unwrap();
    // The slot is free again once that upload ended.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.post_form(Method::POST, POSTS, &token, request, 1, 201).await;
}

#[tokio::test]
async fn the_daily_upload_quota_is_per_user_and_answers_429() {
    let app = spawn_with(|s| s.limits.upload_daily_files_per_user = 3).await;
    let (alice, _) = member(&app, "quota").await;
    let (bob, _) = member(&app, "other").await;
    let post = json!({ "title": "이미지 글", "content": "이미지가 있는 글" });
    app.post_form(Method::POST, POSTS, &alice, post.clone(), 2, 201).await;
    let form = |n: usize| {
        let mut form = multipart::Form::new().part("request", multipart::Part::text(post.to_string()));
        for i in 0..n {
            form = form.part("files", multipart::Part::bytes(PNG.to_vec()).file_name(format!("{i}.png")));
        }
        form
    };
    let res = app.req(Method::POST, POSTS).header("Access-Token", &alice).multipart(form(2)).send().await.unwrap();
    let retry_after: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(assert_json(res, 429).await["responseCode"], "UPL_001");
    assert!(retry_after > 23 * 3600 && retry_after <= 24 * 3600, "{retry_after}");
    // A post without images still goes through; another user has their own quota.
    app.post_form(Method::POST, POSTS, &alice, post.clone(), 0, 201).await;
    app.post_form(Method::POST, POSTS, &bob, post.clone(), 3, 201).await;
    // The profile image counts too.
    let profile = multipart::Form::new().part("file", multipart::Part::bytes(PNG.to_vec()).file_name("me.png"));
    let res = app.req(Method::PATCH, "/api/v2/users/me").header("Access-Token", &alice).multipart(profile).send().await;
    assert_eq!(assert_json(res.unwrap(), 429).await["responseCode"], "UPL_001");
}
