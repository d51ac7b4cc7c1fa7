use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use cercat_common::{PortError, clock::ManualClock};
use chrono::{DateTime, Utc};

use super::{
    ports::{
        ItemFacts, ModelSnapshot, ModelStamp, ModelStore, PreferenceStore, Preferences, RecommendationSource,
        TimedInteraction, UserFacts,
    },
    *,
};
use crate::model::{Interaction, InteractionKind, ItemKey, ItemKind, Reason};

#[derive(Default)]
struct Source {
    items: Mutex<Vec<ItemFacts>>,
    interactions: Mutex<Vec<TimedInteraction>>,
    owned: Mutex<HashMap<i64, Vec<ItemKey>>>,
}

#[async_trait]
impl RecommendationSource for Source {
    async fn items(&self) -> Result<Vec<ItemFacts>, PortError> {
        Ok(self.items.lock().unwrap().clone())
    }
    async fn item(&self, key: ItemKey) -> Result<Option<ItemFacts>, PortError> {
        Ok(self.items.lock().unwrap().iter().find(|i| i.key == key).cloned())
    }
    async fn offered(&self, keys: &[ItemKey]) -> Result<Vec<ItemKey>, PortError> {
        let items = self.items.lock().unwrap();
        Ok(keys.iter().copied().filter(|k| items.iter().any(|i| i.key == *k && i.on_offer)).collect())
    }
    async fn interactions(&self) -> Result<Vec<TimedInteraction>, PortError> {
        Ok(self.interactions.lock().unwrap().clone())
    }
    async fn user_facts(&self, user: i64) -> Result<UserFacts, PortError> {
        let interactions: Vec<Interaction> =
            self.interactions.lock().unwrap().iter().map(|t| t.interaction).filter(|i| i.user == user).collect();
        let interest_certificates =
            interactions.iter().filter(|i| i.kind == InteractionKind::InterestCertificate).map(|i| i.item.id).collect();
        let owned = self.owned.lock().unwrap().get(&user).cloned().unwrap_or_default();
        Ok(UserFacts { interactions, owned, interest_certificates })
    }
}

#[derive(Default)]
struct Prefs(Mutex<HashMap<i64, Preferences>>);

#[async_trait]
impl PreferenceStore for Prefs {
    async fn get(&self, user: i64) -> Result<Preferences, PortError> {
        Ok(self.0.lock().unwrap().get(&user).cloned().unwrap_or_default())
    }
    async fn replace(&self, user: i64, keywords: &[(String, f32)], at: DateTime<Utc>) -> Result<(), PortError> {
        self.0.lock().unwrap().insert(user, Preferences { keywords: keywords.to_vec(), updated_at: Some(at) });
        Ok(())
    }
}

#[derive(Default)]
struct Models {
    stored: Mutex<Vec<(ModelStamp, ModelSnapshot)>>,
    down: AtomicBool,
}

impl Models {
    fn check(&self) -> Result<(), PortError> {
        if self.down.load(Ordering::SeqCst) { Err(PortError::unavailable("database", "down")) } else { Ok(()) }
    }
}

#[async_trait]
impl ModelStore for Models {
    async fn save(&self, model: &ModelSnapshot, keep: u32) -> Result<ModelStamp, PortError> {
        self.check()?;
        let mut stored = self.stored.lock().unwrap();
        let id = stored.last().map_or(1, |(s, _)| s.id + 1);
        let stamp = ModelStamp { id, built_at: model.built_at };
        stored.push((stamp, model.clone()));
        let drop = stored.len().saturating_sub(keep as usize);
        stored.drain(..drop);
        Ok(stamp)
    }
    async fn latest(&self) -> Result<Option<ModelStamp>, PortError> {
        self.check()?;
        Ok(self.stored.lock().unwrap().last().map(|(s, _)| *s))
    }
    async fn load(&self, id: i64) -> Result<Option<ModelSnapshot>, PortError> {
        self.check()?;
        Ok(self.stored.lock().unwrap().iter().find(|(s, _)| s.id == id).map(|(_, m)| m.clone()))
    }
}

struct World {
    source: Arc<Source>,
    prefs: Arc<Prefs>,
    models: Arc<Models>,
    service: RecommendationService,
}

fn post(id: i64, title: &str) -> ItemFacts {
    ItemFacts {
        key: ItemKey::new(ItemKind::Post, id),
        title: title.into(),
        certificate_id: Some(1),
        labels: vec!["정보처리기사".into()],
        on_offer: true,
        closes_at: None,
    }
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

fn world(reload_every: Duration) -> World {
    let source = Arc::new(Source::default());
    {
        let mut items = source.items.lock().unwrap();
        items.push(ItemFacts {
            key: ItemKey::new(ItemKind::Certificate, 1),
            title: "정보처리기사".into(),
            certificate_id: Some(1),
            labels: vec!["정보처리기사".into(), "IT".into(), "데이터베이스".into()],
            on_offer: true,
            closes_at: None,
        });
        items.push(post(10, "데이터베이스 정규화 정리"));
        items.push(post(11, "SQL 조인 문제풀이"));
        items.push(post(12, "네트워크 계층 암기법"));
        items.push(post(13, "운영체제 스케줄링 요약"));
        items.push(post(14, "보안 용어 모음"));
    }
    {
        // Posts 10 and 11 are liked together by users 1–4; post 12 by everyone (the most popular).
        let mut rows = source.interactions.lock().unwrap();
        let like = |user, id, s| TimedInteraction {
            interaction: Interaction {
                user,
                item: ItemKey::new(ItemKind::Post, id),
                kind: InteractionKind::Like,
                weight: None,
            },
            at: at(s),
        };
        for user in 1..=4 {
            rows.push(like(user, 10, user));
            rows.push(like(user, 11, user + 10));
        }
        for user in 1..=6 {
            rows.push(like(user, 12, user + 20));
        }
        rows.push(like(5, 13, 40));
    }
    let prefs = Arc::new(Prefs::default());
    let models = Arc::new(Models::default());
    let service = RecommendationService::new(
        RecommendationPorts {
            source: source.clone(),
            preferences: prefs.clone(),
            models: models.clone(),
            clock: Arc::new(ManualClock::new(at(1000))),
        },
        RecommendationConfig { reload_every, ..RecommendationConfig::default() },
    );
    World { source, prefs, models, service }
}

fn ids(answer: &Recommendations) -> Vec<i64> {
    answer.items.iter().map(|r| r.item.id).collect()
}

#[tokio::test]
async fn a_new_user_gets_popular_items_even_before_the_first_rebuild() {
    let w = world(Duration::from_secs(30));
    let answer = w.service.recommend(99, ItemKind::Post, Some(3)).await.unwrap();
    assert_eq!(ids(&answer)[0], 12, "the post everyone liked leads: {answer:?}");
    assert_eq!(answer.items.len(), 3);
    assert!(answer.items.iter().all(|r| r.reason == Reason::Popular));
    assert!(w.models.stored.lock().unwrap().is_empty(), "the in-memory model is not stored");
}

#[tokio::test]
async fn a_like_counts_at_once_through_the_neighbour_lists_and_owned_items_never_come_back() {
    let w = world(Duration::from_secs(30));
    let report = w.service.rebuild().await.unwrap();
    assert_eq!((report.summary.items, report.summary.users), (6, 6));
    // User 7 likes post 10 now, after the rebuild: post 11 (liked with it by four users) comes first.
    w.source.interactions.lock().unwrap().push(TimedInteraction {
        interaction: Interaction {
            user: 7,
            item: ItemKey::new(ItemKind::Post, 10),
            kind: InteractionKind::Like,
            weight: None,
        },
        at: at(500),
    });
    w.source.owned.lock().unwrap().insert(7, vec![ItemKey::new(ItemKind::Post, 14)]);
    let answer = w.service.recommend(7, ItemKind::Post, Some(10)).await.unwrap();
    assert_eq!(answer.items[0].item.id, 11, "{answer:?}");
    assert_eq!(answer.items[0].reason, Reason::Collaborative);
    assert!(!ids(&answer).contains(&10), "the liked post is not recommended back");
    assert!(!ids(&answer).contains(&14), "nor the user's own post");
    assert!(answer.items.iter().all(|r| r.item.kind == ItemKind::Post));
    assert!(!answer.items[0].title.is_empty());
    // Post 11 is deleted after the rebuild: it is never shown, and the list stays as long.
    w.source.items.lock().unwrap().retain(|i| i.key != ItemKey::new(ItemKind::Post, 11));
    let after = w.service.recommend(7, ItemKind::Post, Some(10)).await.unwrap();
    assert!(!ids(&after).contains(&11), "{after:?}");
    assert_eq!(after.items.len(), answer.items.len() - 1, "only the deleted post is gone");
}

#[tokio::test]
async fn preferences_steer_content_matches_and_are_checked() {
    let w = world(Duration::from_secs(30));
    let saved = w.service.replace_preferences(8, &[("운영체제".into(), 1.0), ("스케줄링".into(), 0.7)]).await.unwrap();
    assert_eq!(saved.keywords.len(), 2);
    assert_eq!(w.service.preferences(8).await.unwrap().keywords, saved.keywords);
    let answer = w.service.recommend(8, ItemKind::Post, Some(1)).await.unwrap();
    assert_eq!((answer.items[0].item.id, answer.items[0].reason), (13, Reason::Content), "{answer:?}");
    let err = w.service.replace_preferences(8, &[("보안".into(), 2.0)]).await.unwrap_err();
    assert!(matches!(err, RecommendationError::InvalidPreferences(_)));
    assert_eq!(w.prefs.0.lock().unwrap()[&8].keywords, saved.keywords, "a refused change keeps the old ones");
}

#[tokio::test]
async fn similar_items_come_from_the_neighbours_and_unknown_ones_are_refused() {
    let w = world(Duration::from_secs(30));
    w.service.rebuild().await.unwrap();
    let answer = w.service.similar(ItemKind::Post, 10, ItemKind::Post, Some(2)).await.unwrap();
    assert_eq!(answer.items[0].item.id, 11);
    assert!(!ids(&answer).contains(&10));
    let err = w.service.similar(ItemKind::Post, 999, ItemKind::Post, None).await.unwrap_err();
    assert!(matches!(err, RecommendationError::UnknownItem { kind: "post", id: 999 }));
    // A post written after the rebuild gets what is popular on its board.
    w.source.items.lock().unwrap().push(post(15, "새 글"));
    let fresh = w.service.similar(ItemKind::Post, 15, ItemKind::Post, Some(1)).await.unwrap();
    assert_eq!((fresh.items[0].item.id, fresh.items[0].reason), (12, Reason::Popular));
}

#[tokio::test]
async fn sizes_outside_one_to_fifty_are_refused() {
    let w = world(Duration::from_secs(30));
    for size in [0, -1, 51, i64::MAX] {
        let err = w.service.recommend(1, ItemKind::Post, Some(size)).await.unwrap_err();
        assert!(matches!(err, RecommendationError::InvalidSize { max: 50, .. }), "{size}");
    }
    assert_eq!(checked_size(None).unwrap(), 10);
}

#[tokio::test]
async fn another_process_s_rebuild_is_picked_up_and_a_store_outage_keeps_the_model_held() {
    let w = world(Duration::ZERO);
    let before = w.service.recommend(99, ItemKind::Post, Some(5)).await.unwrap();
    assert!(!before.items.is_empty());
    // Another process (the batch node) stores a model where post 14 is the most popular.
    let other = world(Duration::ZERO);
    for user in 1..=9 {
        other.source.interactions.lock().unwrap().push(TimedInteraction {
            interaction: Interaction {
                user: 100 + user,
                item: ItemKey::new(ItemKind::Post, 14),
                kind: InteractionKind::Comment,
                weight: None,
            },
            at: at(600),
        });
    }
    let built = RecommendationService::new(
        RecommendationPorts {
            source: other.source.clone(),
            preferences: other.prefs.clone(),
            models: w.models.clone(),
            clock: Arc::new(ManualClock::new(at(2000))),
        },
        RecommendationConfig::default(),
    );
    built.rebuild().await.unwrap();
    let after = w.service.recommend(99, ItemKind::Post, Some(1)).await.unwrap();
    assert_eq!(ids(&after), vec![14], "the stored model replaced the in-memory one");
    assert_eq!(after.model_built_at, at(2000));
    w.models.down.store(true, Ordering::SeqCst);
    let during = w.service.recommend(99, ItemKind::Post, Some(1)).await.unwrap();
    assert_eq!(ids(&during), vec![14], "the model held keeps answering while the store is down");
}
