//! The client against the local fake of Q-Net: paging, retries of 500 and 429, the quota
//! counted per attempt, and a key that never shows.

use std::{collections::HashMap, sync::Mutex};

use super::*;
use cercat_testing::qnet::{FakeQnet, rounds};
use chrono::NaiveDate;

/// Calls per (name, day) in memory.
#[derive(Default)]
struct Counted(Mutex<HashMap<(String, NaiveDate), u32>>);

#[async_trait]
impl DailyCallQuota for Counted {
    async fn try_take(&self, name: &str, day: NaiveDate, limit: u32) -> Result<QuotaTake, PortError> {
        let mut calls = self.0.lock().unwrap();
        let used = calls.entry((name.to_owned(), day)).or_default();
        if *used >= limit {
            return Ok(QuotaTake::Exhausted { used: *used });
        }
        *used += 1;
        Ok(QuotaTake::Granted { used: *used })
    }
    async fn used(&self, name: &str, day: NaiveDate) -> Result<u32, PortError> {
        Ok(self.0.lock().unwrap().get(&(name.to_owned(), day)).copied().unwrap_or(0))
    }
}

const KEY: &str = "s3cr3t+Key/with==";

fn client(url: String, format: &'static str, quota: u32, counted: Arc<Counted>) -> QnetClient {
    let options = QnetOptions {
        base_url: url,
        service_key: KEY.into(),
        format,
        timeout: Duration::from_secs(5),
        attempts: 3,
        backoff: Duration::from_millis(5),
        daily_quota: quota,
    };
    QnetClient::new(options, counted).unwrap()
}

fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&Seoul).date_naive()
}

#[tokio::test]
async fn pages_are_read_in_both_formats_and_500_and_429_are_retried() {
    for format in ["json", "xml"] {
        let fake = FakeQnet::start(rounds(25)).await;
        fake.fail_once(2, 500);
        fake.fail_once(2, 429);
        let counted = Arc::new(Counted::default());
        let qnet = client(fake.url(), format, 100, counted.clone());
        let mut seen = Vec::new();
        for page in 1..=3 {
            let got = qnet.page(None, page, 10).await.unwrap();
            assert_eq!(got.total_count, 25, "{format}");
            seen.extend(got.items.into_iter().map(|i| i.read.unwrap()));
        }
        assert_eq!(seen.len(), 25, "{format}: 10 + 10 + 5");
        assert_eq!((seen[0].series.as_str(), seen[0].year, seen[0].round), ("기사", 2000, 1));
        assert_eq!((seen[24].series.as_str(), seen[24].year, seen[24].round), ("기사", 2002, 1));
        assert_eq!(
            fake.calls(),
            vec![(1, 200), (2, 500), (2, 429), (2, 200), (3, 200)],
            "{format}: page 2 succeeds on its third attempt"
        );
        assert_eq!(counted.used(QNET_QUOTA, today()).await.unwrap(), 5, "every attempt is a call");
        assert!(fake.keys().iter().all(|k| k == KEY), "the key arrives intact: {:?}", fake.keys());
    }
}

#[tokio::test]
async fn a_page_failing_every_attempt_fails_without_showing_the_key() {
    let fake = FakeQnet::start(rounds(5)).await;
    for _ in 0..3 {
        fake.fail_once(1, 503);
    }
    let qnet = client(fake.url(), "json", 100, Arc::new(Counted::default()));
    let err = qnet.page(None, 1, 10).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("HTTP 503") && text.contains("after 3 attempts"), "{text}");
    assert!(!text.contains("s3cr3t") && !text.contains("serviceKey"), "{text}");
    let unreachable = client("http://127.0.0.1:1/list".into(), "json", 100, Arc::new(Counted::default()));
    let text = unreachable.page(None, 1, 10).await.unwrap_err().to_string();
    assert!(!text.contains("s3cr3t") && !text.contains("127.0.0.1:1/list?"), "{text}");
    assert!(!format!("{unreachable:?}").contains("s3cr3t"), "Debug hides the key");
}

#[tokio::test]
async fn the_daily_quota_stops_calls_before_they_are_made() {
    let fake = FakeQnet::start(rounds(30)).await;
    fake.fail_once(2, 500);
    let counted = Arc::new(Counted::default());
    let qnet = client(fake.url(), "xml", 2, counted.clone());
    qnet.page(None, 1, 10).await.unwrap();
    let err = qnet.page(None, 2, 10).await.unwrap_err();
    assert!(err.to_string().contains("daily quota of 2 calls is used up"), "{err}");
    assert_eq!(fake.calls(), vec![(1, 200), (2, 500)], "the retry that would pass the quota is not made");
    let again = client(fake.url(), "xml", 2, counted);
    assert!(again.page(None, 3, 10).await.is_err(), "a new client (a restart) shares the count");
    assert_eq!(fake.calls().len(), 2);
}

#[tokio::test]
async fn the_query_carries_the_year_the_page_and_the_key_which_messages_redact() {
    let qnet = client("http://127.0.0.1:9/x".into(), "json", 1, Arc::new(Counted::default()));
    let url = qnet.url(Some(2026), 3, 50).unwrap();
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query.get("implYy").map(String::as_str), Some("2026"));
    assert_eq!(
        (query["pageNo"].as_str(), query["numOfRows"].as_str(), query["dataFormat"].as_str()),
        ("3", "50", "json")
    );
    assert_eq!(query["serviceKey"], KEY);
    assert_eq!(qnet.redact(url.as_str()).matches("[REDACTED]").count(), 1);
}
