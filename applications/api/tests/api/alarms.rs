//! Alarm streams (SSE): what the web client's `event-source-polyfill` sees.

use crate::helpers::{community::post_of, *};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// An open `text/event-stream` response, read frame by frame.
pub struct Stream {
    res: reqwest::Response,
    buffer: String,
    /// The `id:` of the opening frame: the newest alarm's when opened without `Last-Event-ID`.
    pub opening_id: Option<i64>,
}

impl Stream {
    /// Opens the caller's alarm stream on `app` with the token in `Access-Token`.
    pub async fn open(app: &TestApp, token: &str) -> Self {
        Self::open_after(app, token, None).await
    }

    /// Like [`Self::open`], reconnecting with `Last-Event-ID` when given.
    pub async fn open_after(app: &TestApp, token: &str, last_event_id: Option<i64>) -> Self {
        let mut req = app
            .client
            .get(format!("{}/alarm-api/v2/alarms/subscribe", app.base))
            .header("Access-Token", token)
            .header("Origin", ORIGIN);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        let ct = res.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-cache");
        let mut stream = Self { res, buffer: String::new(), opening_id: None };
        let opening = stream.frame(Duration::from_secs(5)).await.expect("the opening frame");
        let mut lines = opening.lines();
        assert_eq!(lines.next(), Some(": connected"), "{opening}");
        stream.opening_id = lines.next().map(|l| l.strip_prefix("id: ").expect("an id line").parse().unwrap());
        assert_eq!(stream.opening_id.is_some(), last_event_id.is_none(), "{opening}");
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

/// A stream belongs to its session: a logout or a withdrawal through `on` ends the streams
/// opened on `listen` (another instance, in production), and the token opens no new one.
pub async fn session_stream_flow(on: &TestApp, listen: &TestApp) {
    let (leaver, _) = member(on, "leaver").await;
    let (stayer, _) = member(on, "stayer").await;
    let mut leaving = Stream::open(listen, &leaver).await;
    let mut staying = Stream::open(listen, &stayer).await;
    on.call(Method::PATCH, "/api/v2/logout", &leaver, None, 200).await;
    assert!(leaving.ends(Duration::from_secs(10)).await, "logout closes the session's stream");
    let res =
        listen.client.get(format!("{}/alarm-api/v2/alarms/subscribe", listen.base)).header("Access-Token", &leaver);
    assert_json(res.send().await.unwrap(), 401).await;
    assert!(!staying.ends(Duration::from_millis(300)).await, "other sessions keep theirs");
    on.call(Method::DELETE, "/api/v2/users/me", &stayer, None, 200).await;
    assert!(staying.ends(Duration::from_secs(10)).await, "withdrawal closes the account's streams");
}

in_both_modes!(all_alarms_walked_by_cursor_while_more_arrive_repeat_and_skip_nothing);

/// Every alarm, read or not, walked by cursor while new ones arrive: each older alarm once,
/// newest first; the bare list stays as the web client reads it; a cursor of the unread list,
/// a changed one or garbage answers 400 naming `cursor`.
async fn all_alarms_walked_by_cursor_while_more_arrive_repeat_and_skip_nothing(app: &TestApp) {
    let (alice, _) = member(app, "alice").await;
    let (bob, _) = member(app, "bob").await;
    let post = app
        .post_form(
            Method::POST,
            "/api/v2/certificates/1/NORMAL/posts",
            &alice,
            json!({"title": "알람 커서", "content": "본문"}),
            0,
            201,
        )
        .await;
    let post = post["result"]["postId"].as_i64().unwrap();
    for i in 0..5 {
        comment(app, &bob, post, &format!("댓글 {i}")).await;
    }
    eventually(30, "five alarms", || async { unread(app, &alice).await == 5 }).await;
    let bare = app.call(Method::GET, "/alarm-api/v2/alarms", &alice, None, 200).await;
    let newest = bare["result"][0]["id"].as_i64().expect("a bare list, as before");
    app.call(Method::POST, "/alarm-api/v2/alarms/read", &alice, Some(json!([newest])), 200).await;
    let alarm_ids = |v: &Value| -> Vec<i64> {
        v["result"]["content"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect()
    };
    let all = app.call(Method::GET, "/alarm-api/v2/alarms?unreadOnly=false&size=100", &alice, None, 200).await;
    let before = alarm_ids(&all);
    assert_eq!((before.len(), before[0]), (5, newest), "the read one too, newest first");
    let unread_only = app.call(Method::GET, "/alarm-api/v2/alarms?size=100", &alice, None, 200).await;
    assert_eq!(alarm_ids(&unread_only), before[1..].to_vec());

    let path = "/alarm-api/v2/alarms?unreadOnly=false&size=2";
    let first = app.call(Method::GET, path, &alice, None, 200).await;
    let mut seen = alarm_ids(&first);
    let mut cursor = first["result"]["nextCursor"].as_str().unwrap().to_owned();
    let first_cursor = cursor.clone();
    let mut arrived = 0;
    loop {
        comment(app, &bob, post, "사이에 온 댓글").await;
        arrived += 1;
        let page = app.call(Method::GET, &format!("{path}&cursor={cursor}"), &alice, None, 200).await;
        seen.extend(alarm_ids(&page));
        match page["result"]["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => {
                assert_eq!(page["result"]["hasNext"], false);
                break;
            }
        }
    }
    assert_eq!(seen, before, "no duplicates, no gaps while alarms arrive");
    eventually(30, "the late alarms", || async { unread(app, &alice).await == 4 + arrived }).await;

    let mut tampered = first_cursor.clone().into_bytes();
    tampered[5] = if tampered[5] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    for query in [
        format!("cursor={first_cursor}"),
        format!("unreadOnly=true&cursor={first_cursor}"),
        format!("unreadOnly=false&cursor={tampered}"),
        "unreadOnly=false&cursor=garbage".to_owned(),
    ] {
        let err = app.call(Method::GET, &format!("/alarm-api/v2/alarms?{query}"), &alice, None, 400).await;
        assert_eq!(err["errors"][0]["field"].as_str(), Some("cursor"), "{query}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarms_are_pushed_to_open_streams_in_embedded_mode() {
    let app = spawn_embedded().await;
    stream_flow(&app, &app).await;
    session_stream_flow(&app, &app).await;
}

in_both_modes!(a_stream_reopened_with_last_event_id_misses_no_alarm);

/// A stream reopened with `Last-Event-ID` first gets the alarms stored after that one, then new
/// ones; a stream opened without it announces the newest alarm's id (0 before the first), so even
/// the first alarm is not missed; a malformed header is 400 `GLB_012`.
async fn a_stream_reopened_with_last_event_id_misses_no_alarm(app: &TestApp) {
    let (author, _) = member(app, "resumer").await;
    let (fan, _) = member(app, "resumefan").await;
    let (other, _) = member(app, "resumeoth").await;
    let post_id = post_of(app, &author, "재연결").await;
    let before_any = Stream::open(app, &author).await;
    assert_eq!(before_any.opening_id, Some(0), "no alarm yet");
    drop(before_any);
    // The first alarm is stored while that client reconnects, with the id it was given.
    app.like_body(Method::POST, &fan, "POST", post_id, 200).await;
    eventually(30, "the like's alarm is stored", || async { unread(app, &author).await == 1 }).await;
    let mut stream = Stream::open_after(app, &author, Some(0)).await;
    let seen = stream.alarm(Duration::from_secs(5)).await.expect("replayed");
    assert_eq!(seen["alarmType"], "NEW_LIKE_ON_POST");
    drop(stream);
    // While the client is away (a deploy, a dropped connection): two more alarms.
    app.like_body(Method::POST, &other, "POST", post_id, 200).await;
    comment(app, &fan, post_id, "없는 동안의 댓글").await;
    eventually(30, "both are stored", || async { unread(app, &author).await == 3 }).await;
    let mut resumed = Stream::open_after(app, &author, seen["id"].as_i64()).await;
    let first = resumed.alarm(Duration::from_secs(5)).await.expect("the first missed alarm");
    let second = resumed.alarm(Duration::from_secs(5)).await.expect("the second missed alarm");
    assert!(seen["id"].as_i64() < first["id"].as_i64() && first["id"].as_i64() < second["id"].as_i64());
    let mut types = vec![first["alarmType"].as_str().unwrap(), second["alarmType"].as_str().unwrap()];
    types.sort_unstable();
    assert_eq!(types, ["NEW_COMMENT_ON_POST", "NEW_LIKE_ON_POST"]);
    assert!(resumed.alarm(Duration::from_millis(300)).await.is_none(), "nothing twice");
    // New alarms follow on the same stream.
    let (late, _) = member(app, "resumelate").await;
    app.like_body(Method::POST, &late, "POST", post_id, 200).await;
    let live = resumed.alarm(Duration::from_secs(30)).await.expect("a new alarm after the replay");
    assert!(live["id"].as_i64() > second["id"].as_i64());
    // Reconnecting with the latest id replays nothing.
    let mut current = Stream::open_after(app, &author, live["id"].as_i64()).await;
    assert!(current.alarm(Duration::from_millis(300)).await.is_none());
    assert_eq!(Stream::open(app, &author).await.opening_id, live["id"].as_i64(), "a fresh stream starts at the newest");
    for bad in ["abc", "-1", "1.5", "99999999999999999999"] {
        let res = app
            .client
            .get(format!("{}/alarm-api/v2/alarms/subscribe", app.base))
            .header("Access-Token", &author)
            .header("Last-Event-ID", bad)
            .send()
            .await
            .unwrap();
        let body = assert_json(res, 400).await;
        assert_eq!(body["responseCode"], "GLB_012", "{bad}: {body}");
    }
}

/// SIGTERM's drain: readiness turns false and alarm streams end with a retry hint at once,
/// requests are still served during the wait, no stream opens, then the server stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_instance_is_not_ready_ends_its_streams_and_then_stops() {
    let app = spawn_embedded().await;
    let (reader, _) = member(&app, "drained").await;
    let mut stream = Stream::open(&app, &reader).await;
    app.get_json("/health/ready", 200).await;
    let drainer = cercat_api::Drainer::new(app.state.hub.clone(), app.server.clone());
    let draining = tokio::spawn(async move { drainer.drain(Duration::from_secs(2)).await });
    assert_eq!(stream.frame(Duration::from_secs(5)).await.as_deref(), Some("retry: 1000"));
    assert!(stream.ends(Duration::from_secs(5)).await, "the stream ends after its hint");
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status(), 503, "not ready while draining");
    app.get_json("/api/v2/certificates", 200).await;
    let res = app
        .client
        .get(format!("{}/alarm-api/v2/alarms/subscribe", app.base))
        .header("Access-Token", &reader)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503, "no stream opens on a draining instance");
    assert!(res.headers().contains_key("retry-after"));
    tokio::time::timeout(Duration::from_secs(20), draining).await.expect("the drain ends").unwrap();
    let gone = app.client.get(format!("{}/health/live", app.base)).send().await;
    assert!(gone.is_err(), "the listener is closed after the drain: {gone:?}");
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

/// Waits until `check` holds (polling), panicking with `what` after `secs`.
async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < until {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what} (waited {secs} s)");
}

async fn unread(app: &TestApp, token: &str) -> i64 {
    app.call(Method::GET, "/alarm-api/v2/alarms/unread", token, None, 200).await["result"].as_i64().unwrap()
}

async fn comment(app: &TestApp, token: &str, post_id: i64, text: &str) {
    app.call(
        Method::POST,
        &format!("/api/v2/posts/{post_id}/post-comments"),
        token,
        Some(json!({ "content": text })),
        201,
    )
    .await;
}

async fn metrics(app: &TestApp) -> String {
    app.get("/metrics").await.text().await.unwrap()
}

/// `b` stops while the author's stream is open on it: the stream ends, later alarms are stored
/// (by `a`'s consumer, which takes over the partitions) and shown when the author reconnects to `a`.
pub async fn instance_stop_flow(a: &TestApp, b: &mut TestApp) {
    let (author, _) = member(a, "leaving").await;
    let (fan, _) = member(a, "staying").await;
    let post_id = post_of(a, &author, "인스턴스 중단").await;
    let mut on_b = Stream::open(b, &author).await;
    b.stop().await;
    assert!(on_b.ends(Duration::from_secs(20)).await, "a stopped instance closes its streams");
    comment(a, &fan, post_id, "중단 후 댓글").await;
    eventually(60, "the alarm is stored while the author's instance is down", || async {
        unread(a, &author).await == 1
    })
    .await;
    // Reconnect (to the instance still up): the client lists on open, then gets new ones pushed.
    let mut on_a = Stream::open(a, &author).await;
    let listed = a.call(Method::GET, "/alarm-api/v2/alarms", &author, None, 200).await;
    assert_eq!(listed["result"][0]["alarmType"], "NEW_COMMENT_ON_POST");
    a.like_body(Method::POST, &fan, "POST", post_id, 200).await;
    let pushed = on_a.alarm(Duration::from_secs(30)).await.expect("pushed on the new stream");
    assert_eq!(pushed["alarmType"], "NEW_LIKE_ON_POST");
}

/// Kafka refusing writes: the API still answers, events wait in the outbox (lag in
/// /metrics), and every alarm arrives exactly once after Kafka takes writes again.
///
/// (librdkafka's mock cluster fails every produce request while errors are pushed; its
/// broker down/up switch did not reliably come back in this setup.)
pub async fn kafka_outage_flow(
    app: &TestApp,
    cluster: &rdkafka::mocking::MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
) {
    use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
    let (author, _) = member(app, "outage").await;
    let (fan, _) = member(app, "outfan").await;
    let post_id = post_of(app, &author, "카프카 장애").await;
    cluster.request_errors(RDKafkaApiKey::Produce, &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS; 5000]);
    app.like_body(Method::POST, &fan, "POST", post_id, 200).await;
    for i in 0..3 {
        comment(app, &fan, post_id, &format!("장애 중 댓글 {i}")).await;
    }
    // A publish is given up after kafka.timeout_ms (5 s); the relay then backs off.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert!(app.state.services.backlog.unsent().await.unwrap() >= 4, "the events wait in the outbox");
    let text = metrics(app).await;
    let lag: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("cercat_outbox_lag_seconds "))
        .expect("outbox lag metric")
        .parse()
        .unwrap();
    assert!(lag >= 5.0, "{text}");
    assert_eq!(unread(app, &author).await, 0);
    cluster.clear_request_errors(RDKafkaApiKey::Produce);
    eventually(120, "every alarm arrives once Kafka is back", || async { unread(app, &author).await == 4 }).await;
    eventually(30, "the outbox drains", || async { app.state.services.backlog.unsent().await.unwrap() == 0 }).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(unread(app, &author).await, 4, "nothing doubled");
    app.get_json("/health/ready", 200).await;
    eventually(30, "consumer lag is published", || async {
        metrics(app).await.contains("cercat_consumer_lag{group=\"alarm.store\"}")
    })
    .await;
}

fn liked(receiver: i64, n: i64) -> cercat_common::events::EventEnvelope {
    cercat_common::events::EventEnvelope::new(
        cercat_community::events::POST_LIKED_TOPIC,
        "post",
        n.to_string(),
        "PostLiked",
        json!({ "receiverId": receiver, "actorId": 0, "actorNickname": format!("팬{n}"), "postId": n, "commentId": null, "certificateId": 1 }),
        chrono::Utc::now(),
    )
}

/// A member stores ten alarms and dies before committing; after its restart (and with the
/// group's own member handling the same events meanwhile) every alarm exists once.
pub async fn killed_consumer_flow(app: &TestApp) {
    use cercat_common::events::Received;
    let (author, author_id) = member(app, "crashy").await;
    let events: Vec<_> = (1..=20).map(|n| liked(author_id, n)).collect();
    for e in &events {
        app.state.services.adapters().publisher.publish(e).await.unwrap();
    }
    let ours = |id| events.iter().any(|e| e.id == id);
    let topics = cercat_alarm::ALARM_TOPICS;
    let mut sub = app.state.services.events.consumer.subscribe("alarm.crash-test", topics).await.unwrap();
    let mut handled = 0;
    while handled < 10 {
        if let Some(Received::Event(d)) = sub.next(Duration::from_millis(500)).await.unwrap()
            && ours(d.event.id)
        {
            app.state.alarms.handle(&d.event).await.unwrap();
            handled += 1;
        }
    }
    drop(sub); // killed: nothing committed
    let mut sub = app.state.services.events.consumer.subscribe("alarm.crash-test", topics).await.unwrap();
    let mut seen = std::collections::HashSet::new();
    let until = tokio::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < events.len() && tokio::time::Instant::now() < until {
        if let Some(Received::Event(d)) = sub.next(Duration::from_millis(500)).await.unwrap() {
            if ours(d.event.id) {
                app.state.alarms.handle(&d.event).await.unwrap();
                seen.insert(d.event.id);
            }
            sub.commit(&d.position).await.unwrap();
        }
    }
    assert_eq!(seen.len(), events.len(), "the restarted member gets everything uncommitted again");
    eventually(60, "the group's own member handled them too", || async { unread(app, &author).await >= 20 }).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(unread(app, &author).await, 20, "one alarm per event");
    let rows = app.count(&format!("SELECT COUNT(*) FROM alarms WHERE receiver_id = {author_id}")).await;
    assert_eq!(rows, 20);
}

/// Garbage on an alarm topic and an alarm event with a broken payload go to the dead-letter
/// topic; a real like after them still becomes an alarm; replay puts the event back.
pub async fn poison_flow(app: &TestApp, brokers: &str) {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let (author, _) = member(app, "poisoned").await;
    let (fan, _) = member(app, "antidote").await;
    let post_id = post_of(app, &author, "독").await;
    let raw: FutureProducer = rdkafka::ClientConfig::new().set("bootstrap.servers", brokers).create().unwrap();
    raw.send(
        FutureRecord::to("cercat.community.post-liked").key(&post_id.to_string()).payload("{\"not\": \"an envelope\""),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let mut broken = liked(0, post_id);
    broken.payload = json!({ "receiverId": "nobody" });
    app.state.services.adapters().publisher.publish(&broken).await.unwrap();
    app.like_body(Method::POST, &fan, "POST", post_id, 200).await;
    eventually(60, "the like after the poison is stored", || async { unread(app, &author).await == 1 }).await;
    let letters = &app.state.services.adapters().dead_letters;
    eventually(60, "both poison messages are dead-lettered", || async { letters.size().await.unwrap() == 2 }).await;
    let pending = letters.pending(10).await.unwrap();
    assert!(pending.iter().all(|l| l.group == "alarm.store" && l.topic == "community.post-liked"), "{pending:?}");
    assert!(pending.iter().any(|l| l.payload.as_deref() == Some("{\"not\": \"an envelope\"")));
    assert!(pending.iter().any(|l| l.event.as_ref().is_some_and(|e| e.id == broken.id)));
    assert!(metrics(app).await.contains("cercat_dead_letters 2"));
    // Replay: the event goes back through the outbox (and, still broken, comes back here);
    // the undecodable message is dropped on request.
    let report = cercat_common::events::replay_dead_letters(
        &**letters,
        &*app.state.services.adapters().outbox,
        chrono::Utc::now(),
        10,
        true,
    )
    .await
    .unwrap();
    assert_eq!((report.replayed, report.discarded), (1, 1));
    // `left` is a snapshot taken after the replay: the replayed event may already have been
    // relayed, failed again and been dead-lettered anew by then.
    assert!(report.left <= 1, "{report:?}");
    eventually(60, "the replayed, still broken, event is dead-lettered again", || async {
        letters.size().await.unwrap() == 1
    })
    .await;
    assert_eq!(unread(app, &author).await, 1);
}

/// Liking, unliking and liking again tells the author once per (fan, post or comment): 20
/// cycles on a post and on a comment make two alarms, while another fan's like and every
/// comment still make their own.
pub async fn like_cycle_flow(app: &TestApp) {
    let (author, author_id) = member(app, "cycled").await;
    let (fan, _) = member(app, "cycler").await;
    let (other_fan, _) = member(app, "cycler2").await;
    let post_id = post_of(app, &author, "좋아요 반복 글").await;
    let comment_id = app
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
    for _ in 0..20 {
        for (kind, id) in [("POST", post_id), ("COMMENT", comment_id)] {
            app.like_body(Method::POST, &fan, kind, id, 200).await;
            app.like_body(Method::DELETE, &fan, kind, id, 200).await;
        }
    }
    app.like_body(Method::POST, &other_fan, "POST", post_id, 200).await;
    comment(app, &fan, post_id, "첫 댓글").await;
    comment(app, &fan, post_id, "둘째 댓글").await;
    let events = app
        .count("SELECT COUNT(*) FROM outbox_events WHERE event_type IN ('PostLiked', 'CommentLiked', 'PostCommented')")
        .await;
    assert_eq!(events, 20 * 2 + 1 + 2, "every like is still an event");
    eventually(60, "the alarm consumer handles every event", || async {
        app.count("SELECT COUNT(*) FROM processed_events WHERE consumer = 'alarm.store'").await >= events
    })
    .await;
    let count = |kind: &'static str| async move {
        app.count(&format!("SELECT COUNT(*) FROM alarms WHERE receiver_id = {author_id} AND alarm_type = '{kind}'"))
            .await
    };
    assert_eq!(count("NEW_LIKE_ON_POST").await, 2, "one per fan");
    assert_eq!(count("NEW_LIKE_ON_COMMENT").await, 1);
    assert_eq!(count("NEW_COMMENT_ON_POST").await, 2, "every comment is its own alarm");
    assert_eq!(unread(app, &author).await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn like_unlike_cycles_make_one_alarm_in_embedded_mode() {
    let app = spawn_embedded().await;
    like_cycle_flow(&app).await;
}

/// Embedded mode runs `cercat-admin` as another process over the same database file, with its
/// own memory: a suspension made there must still end the user's session here — the open
/// alarm stream closes, the access token and the refresh token are refused, sign-in answers
/// USR_020 — and the user's posts stay, marked as a suspended author's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspension_made_by_another_process_ends_the_session_streams_and_tokens_here() {
    let app = spawn_embedded().await;
    let email = format!("suspendee-{}@example.com", uuid::Uuid::new_v4().simple());
    app.sign_up(&email, "정지될회원", "correct-horse-battery").await;
    let tokens = app.log_in(&email, "correct-horse-battery").await;
    let guest = s(&tokens["accessToken"]);
    let onboarded = app.call(Method::POST, "/api/v2/users/me/onboarding", &guest, None, 200).await;
    let (access, refresh) = (s(&onboarded["result"]["accessToken"]), s(&onboarded["result"]["refreshToken"]));
    let user_id =
        app.call(Method::GET, "/api/v2/users/me", &access, None, 200).await["result"]["userId"].as_i64().unwrap();
    let post =
        crate::helpers::community::post_id(&app, &access, "NORMAL", crate::helpers::community::normal_post()).await;
    let mut stream = Stream::open(&app, &access).await;

    // The operator's process: its own services (caches, broadcasts, revocation front) over the
    // same SQLite file, as `cercat-admin users suspend` builds them.
    let operator = cercat_bootstrap::Services::connect(&app.state.services.settings).await.expect("admin services");
    let op = cercat_user::service::admin::Operator::cli();
    operator.accounts.suspend(&op, user_id, "광고 도배", None).await.expect("suspend");

    assert!(stream.ends(Duration::from_secs(20)).await, "the open stream closes within the recheck period");
    wait_for(10, "the access token to be refused", || async {
        let res = app.client.get(format!("{}/api/v2/users/me", app.base)).header("Access-Token", &access);
        (res.send().await.unwrap().status() == 401).then_some(())
    })
    .await;
    let refused = app.post_json("/api/v2/auth/token/refresh", json!({ "refreshToken": refresh }), 401).await;
    assert_eq!(refused["responseCode"], "USR_007", "the refresh is refused: {refused}");
    let login =
        app.post_json("/api/v2/auth/login", json!({ "email": email, "password": "correct-horse-battery" }), 403).await;
    assert_eq!(login["responseCode"], "USR_020");

    let reader = member(&app, "reader").await.0;
    let shown = crate::helpers::community::detail(&app, &reader, post).await;
    assert_eq!(shown["postResponse"]["user"]["suspended"], true, "the post stays, marked: {shown}");
    assert_eq!(shown["postResponse"]["user"]["nickname"], "정지될회원");

    // The operator's detail view shows the history: the sign-up, the sign-in, the refused one.
    let (_, history) = operator.accounts.account_detail(user_id).await.expect("detail");
    let outcomes: Vec<_> = history.recent.iter().map(|(e, _)| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["SUSPENDED", "SUCCEEDED", "SUCCEEDED"], "{history:?}");
    assert!(history.recent.iter().all(|(_, live)| !live), "no session of the account is live");
    assert_eq!(history.last_30_days.suspended, 1);
}
