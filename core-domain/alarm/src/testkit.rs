//! The [`AlarmRepository`] contract, run against every adapter (SQLite always, MariaDB in CI).

use std::sync::Arc;

use cercat_common::paging::Keyset;
use chrono::{Duration, Utc};

use crate::{
    AlarmRepository, AlarmType, NewAlarm,
    model::{Alarm, like_alarm_key},
};

/// What the contract needs of the storage around the repository: receivers to store alarms for.
#[async_trait::async_trait]
pub trait AlarmFixtures: Send + Sync {
    /// A new account with this nickname; its id.
    async fn join(&self, nickname: &str) -> i64;
}

fn alarm(receiver_id: i64, alarm_type: AlarmType, origin_id: i64, minutes_ago: i64) -> NewAlarm {
    NewAlarm {
        receiver_id,
        alarm_type,
        origin_id,
        certificate_id: 1,
        actor_nickname: Some("홍길동".into()),
        like_target_type: None,
        occurred_at: Utc::now() - Duration::minutes(minutes_ago),
        once_key: None,
    }
}

/// `a` with its instant cut to whole microseconds, what every store keeps.
fn micros(mut a: NewAlarm) -> NewAlarm {
    a.occurred_at = chrono::DateTime::from_timestamp_micros(a.occurred_at.timestamp_micros()).unwrap_or(a.occurred_at);
    a
}

/// Stores once per (consumer, event id), once per `once_key`; lists a receiver's unread alarms
/// newest first; counts and marks only the receiver's own. `consumer` must be unique to the run.
pub async fn alarm_repository_contract(repo: Arc<dyn AlarmRepository>, fx: &dyn AlarmFixtures, consumer: &str) {
    let r = &*repo;
    let me = fx.join("알람받는이").await;
    let other = fx.join("다른사람").await;

    // Once per event id: a redelivery stores nothing; an alarm-less event still records its id.
    let older = micros(alarm(me, AlarmType::NewCommentOnPost, 10, 5));
    let first = r.store_once(consumer, "e-1", Some(&older)).await.expect("store").expect("stored now");
    assert_eq!(r.store_once(consumer, "e-1", Some(&older)).await.expect("redelivery"), None);
    assert_eq!(r.store_once(consumer, "e-2", None).await.expect("alarm-less"), None);
    let later = micros(alarm(me, AlarmType::NewCommentOnPost, 11, 1));
    assert_eq!(r.store_once(consumer, "e-2", Some(&later)).await.expect("seen id"), None, "the id was recorded");

    // Once per once_key: liking, unliking and liking again tells the author once.
    let key = like_alarm_key(AlarmType::NewLikeOnPost, 8, 10);
    let like = NewAlarm {
        once_key: Some(key),
        like_target_type: Some("POST"),
        ..micros(alarm(me, AlarmType::NewLikeOnPost, 10, 3))
    };
    let liked = r.store_once(consumer, "e-3", Some(&like)).await.expect("store").expect("stored now");
    assert_eq!(r.store_once(consumer, "e-4", Some(&like)).await.expect("same key"), None);

    // Unread, newest first (by when it happened), with every field as stored.
    let newest = r.store_once(consumer, "e-5", Some(&later)).await.expect("store").expect("stored now");
    let theirs = micros(alarm(other, AlarmType::StartApplication, 4, 0));
    let their_id = r.store_once(consumer, "e-6", Some(&theirs)).await.expect("store").expect("stored now");
    let unread = r.unread(me, 10).await.expect("unread");
    assert_eq!(
        unread,
        vec![
            Alarm { id: newest, alarm: later, read: false },
            Alarm { id: liked, alarm: like, read: false },
            Alarm { id: first, alarm: older, read: false },
        ]
    );
    assert_eq!(r.unread(me, 1).await.expect("limit").len(), 1);
    assert_eq!(r.unread_count(me).await.expect("count"), 3);
    // The same by keyset position: strictly older by (occurred_at, id), the time as read back.
    assert_eq!(r.list(me, true, None, 10).await.expect("list"), unread);
    let after = |a: &Alarm| Some(Keyset { at: a.alarm.occurred_at, id: a.id });
    let older_ids = |v: Vec<Alarm>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(older_ids(r.list(me, true, after(&unread[0]), 10).await.expect("after")), [liked, first]);
    assert_eq!(older_ids(r.list(me, true, after(&unread[1]), 1).await.expect("after")), [first]);
    assert!(r.list(me, true, after(&unread[2]), 10).await.expect("after").is_empty());

    // Marking read: only the receiver's own, once.
    assert_eq!(r.mark_read(me, &[first, their_id, liked], Utc::now()).await.expect("mark"), 2);
    assert_eq!(r.mark_read(me, &[first], Utc::now()).await.expect("mark again"), 0);
    assert_eq!(r.unread(me, 10).await.expect("unread").iter().map(|a| a.id).collect::<Vec<_>>(), [newest]);
    let all = r.list(me, false, None, 10).await.expect("all");
    assert_eq!(all.iter().map(|a| (a.id, a.read)).collect::<Vec<_>>(), [(newest, false), (liked, true), (first, true)]);
    assert_eq!(older_ids(r.list(me, false, after(&all[0]), 10).await.expect("after")), [liked, first], "read ones too");
    assert_eq!(r.unread_count(other).await.expect("count"), 1, "another's alarm stays unread");
    assert_eq!(r.mark_read(me, &[], Utc::now()).await.expect("nothing"), 0);
}
