//! Mail that cannot be delivered: an address no server takes is refused when it is given
//! (400), and a queued mail the transport refuses for good is given up on, not retried
//! hourly forever.

use reqwest::Method;
use serde_json::json;
use std::time::Duration;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeliverable_addresses_are_refused_at_request_time_and_given_up_on_in_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let s = with_mail_delivery(settings(cercat_config::Profile::Embedded, &dir));
    let app = spawn(s, dir, Vec::new()).await;
    let (token, _) = member(&app, "mailer").await;
    let outbox =
        "SELECT COUNT(*) FROM mail_outbox WHERE recipient LIKE '%,%' OR recipient LIKE '%;%' OR recipient LIKE '%\"%'";
    for bad in ["a,b@x.com", "\"kim\"@x.com", "kim;lee@x.com"] {
        let err = app.post_json("/api/v2/auth/email-codes", json!({ "email": bad }), 400).await;
        assert_eq!(err["responseCode"], "USR_001", "{bad}: {err}");
    }
    let err = app
        .call(Method::POST, "/api/v2/users/me/email-codes", &token, Some(json!({ "newEmail": "a,b@x.com" })), 400)
        .await;
    assert_eq!(err["responseCode"], "USR_001");
    assert_eq!(app.count(outbox).await, 0, "nothing was queued for them");

    // A mail queued before these checks existed is refused by the transport for good: the
    // dispatcher gives up on it at its first attempt.
    let legacy = cercat_common::mail::Mail { to: "a,b@x.com".into(), subject: "s".into(), body: "b".into() };
    cercat_database::enqueue_mail(app.state.services.adapters().db.conn(), &legacy, chrono::Utc::now()).await.unwrap();
    let given_up =
        "SELECT COUNT(*) FROM mail_outbox WHERE recipient = 'a,b@x.com' AND failed_at IS NOT NULL AND attempts = 1";
    for _ in 0..100 {
        if app.count(given_up).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.count(given_up).await, 1, "the refused mail is marked failed after one attempt");
    assert_eq!(app.state.services.adapters().mail_queue.unsent_count().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.count("SELECT attempts FROM mail_outbox WHERE recipient = 'a,b@x.com'").await, 1, "never retried");
}
