//! Shared by the load generators that host librdkafka's mock cluster (`like_sse`,
//! `deploy_proof`): the cluster with a deployment's topics, and percentiles.

#![allow(dead_code, clippy::unwrap_used)]

use cercat_bootstrap::Services;
use cercat_community::{PostDraft, PostKind, commentary::QuestionChoice};
use cercat_user::Role;
use rdkafka::{mocking::MockCluster, producer::DefaultProducerContext};

/// Authors with a post each on board 1 and likers, seeded straight into the database.
pub struct Cast {
    /// (author id, access token), one per post.
    pub authors: Vec<(i64, String)>,
    /// The authors' posts, in the same order.
    pub posts: Vec<i64>,
    /// (access token, nickname) of each liker.
    pub likers: Vec<(String, String)>,
}

/// Seeds `authors` authors (one post each, titled `title`) and `likers` likers, all with
/// nicknames starting with `prefix` and a random tag, and issues their access tokens.
pub async fn seed_cast(services: &Services, prefix: char, authors: usize, likers: usize, title: &str) -> Cast {
    let tag = format!("{prefix}{}x", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let ids = cercat_database::seed::load_students(&services.adapters().db, &tag, authors + likers, chrono::Utc::now())
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    let token = |id: i64| {
        services.adapters().jwt.issue(id, Role::User, &uuid::Uuid::new_v4().simple().to_string(), now).unwrap()
    };
    let mut posts = Vec::with_capacity(authors);
    for &author in &ids[..authors] {
        let draft = PostDraft {
            kind: PostKind::Normal,
            title: title.into(),
            content: format!("{title}: 좋아요 알림이 Kafka를 거쳐 빠짐없이, 빨리 오는지"),
            tags: Vec::new(),
            question: None,
        };
        let view =
            services.community.create_post(1, author, draft, QuestionChoice::default(), Vec::new()).await.unwrap();
        posts.push(view.post.id);
    }
    Cast {
        authors: ids[..authors].iter().map(|&id| (id, token(id))).collect(),
        posts,
        likers: (0..likers).map(|i| (token(ids[authors + i]), format!("{tag}{}", authors + i))).collect(),
    }
}

/// A one-broker mock cluster with every topic of a deployment (prefix `cercat.`), each of
/// `partitions` partitions; its bootstrap address is written to `bootstrap_file` (atomically:
/// a script waits for the file).
pub fn host_cluster(partitions: i32, bootstrap_file: &str) -> MockCluster<'static, DefaultProducerContext> {
    let cluster: MockCluster<'static, DefaultProducerContext> = MockCluster::new(1).unwrap();
    for topic in [
        cercat_certificate::ports::SCHEDULE_TOPIC,
        cercat_certificate::interest::INTEREST_TOPIC,
        cercat_mockexam::ports::RESULT_TOPIC,
        cercat_community::events::POST_LIKED_TOPIC,
        cercat_community::events::COMMENT_LIKED_TOPIC,
        cercat_community::events::POST_COMMENTED_TOPIC,
        cercat_alarm::exam::EXAM_ALARM_TOPIC,
        cercat_kafka::DEAD_LETTER_TOPIC,
        cercat_course::events::ENROLLMENT_TOPIC,
        cercat_market::events::ORDER_TOPIC,
    ] {
        cluster.create_topic(&format!("cercat.{topic}"), partitions, 1).unwrap();
    }
    let partial = format!("{bootstrap_file}.part");
    std::fs::write(&partial, cluster.bootstrap_servers()).unwrap();
    std::fs::rename(&partial, bootstrap_file).unwrap();
    cluster
}

/// The `p` quantile of sorted `v` (0 when empty).
pub fn pct(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// `n | p50 | p90 | p99 | max` of `v`, a Markdown table's cells.
pub fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    format!(
        "{} | {:.1} | {:.1} | {:.1} | {:.1}",
        v.len(),
        pct(&v, 0.5),
        pct(&v, 0.9),
        pct(&v, 0.99),
        v.last().copied().unwrap_or(0.0)
    )
}

/// One server-sent event's fields.
#[derive(Debug, Default)]
pub struct SseFrame {
    pub event: Option<String>,
    pub id: Option<String>,
    pub data: Option<String>,
    pub retry_ms: Option<u64>,
}

/// Takes the complete frames (ended by a blank line) out of `buffer`.
pub fn take_frames(buffer: &mut Vec<u8>) -> Vec<SseFrame> {
    let mut frames = Vec::new();
    while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
        let raw: Vec<u8> = buffer.drain(..end + 2).collect();
        let mut frame = SseFrame::default();
        for line in String::from_utf8_lossy(&raw).lines() {
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
            match field {
                "event" => frame.event = Some(value),
                "id" => frame.id = Some(value),
                "data" => frame.data = Some(value),
                "retry" => frame.retry_ms = value.parse().ok(),
                _ => {}
            }
        }
        frames.push(frame);
    }
    frames
}
