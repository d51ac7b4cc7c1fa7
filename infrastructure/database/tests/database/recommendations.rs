//! The recommendation adapters on SQLite (always) and MariaDB (CI): the facts read from the
//! other contexts' tables (withdrawn users and deleted or hidden items left out, repeated rows
//! counted once), preferences replaced whole, models stored whole and pruned.

use cercat_database::*;
use cercat_recommendation::{
    model::{InteractionKind, ItemKey, ItemKind},
    service::ports::{ModelItem, ModelSnapshot, ModelStore, PreferenceStore, RecommendationSource},
};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, Statement, Value};

async fn exec(db: &Db, sql: &str, values: Vec<Value>) -> i64 {
    let result = db.conn().execute_raw(Statement::from_sql_and_values(db.backend(), sql, values)).await.unwrap();
    i64::try_from(result.last_insert_id()).unwrap()
}

async fn post(db: &Db, author: i64, title: &str, tags: &str, at: DateTime<Utc>) -> i64 {
    exec(
        db,
        "INSERT INTO posts (certificate_id, user_id, post_type, title, content, tags, like_count, comment_count, created_at, updated_at) \
         VALUES (1, ?, 'TIP', ?, '본문', ?, 0, 0, ?, ?)",
        vec![author.into(), title.into(), tags.into(), at.into(), at.into()],
    )
    .await
}

async fn product(db: &Db, seller: i64, title: &str, status: &str, hidden: bool, at: DateTime<Utc>) -> i64 {
    exec(
        db,
        "INSERT INTO products (seller_id, certificate_id, title, description, price, `condition`, category, location, status, hidden, view_count, like_count, created_at, updated_at) \
         VALUES (?, 1, ?, '설명', 1000, 'GOOD', 'BOOK', '서울', ?, ?, 0, 0, ?, ?)",
        vec![seller.into(), title.into(), status.into(), hidden.into(), at.into(), at.into()],
    )
    .await
}

async fn facts_are_read_from_the_other_contexts(db: Db) {
    let users = super::accounts(&db, "recfacts", 3).await;
    let (author, fan, gone) = (users[0], users[1], users[2]);
    let at = Utc::now().trunc_subsecs(6);
    let tip = post(&db, author, "SQL 조인 정리", r#"[{"tagType":"BOOK","tagName":"이기적 SQLD"}]"#, at).await;
    let on_sale = product(&db, author, "정처기 필기 책", "ON_SALE", false, at).await;
    let sold = product(&db, author, "팔린 책", "SOLD", false, at).await;
    let hidden = product(&db, author, "숨긴 책", "ON_SALE", true, at).await;
    for who in [fan, gone] {
        exec(
            &db,
            "INSERT INTO likes (user_id, target_type, target_id, created_at) VALUES (?, 'POST', ?, ?)",
            vec![who.into(), tip.into(), at.into()],
        )
        .await;
    }
    for text in ["첫 댓글", "둘째 댓글"] {
        exec(
            &db,
            "INSERT INTO post_comments (post_id, user_id, content, like_count, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
            vec![tip.into(), fan.into(), text.into(), at.into(), at.into()],
        )
        .await;
    }
    exec(
        &db,
        "INSERT INTO interest_certificates (user_id, certificate_id, priority, created_at) VALUES (?, 1, 'HIGH', ?)",
        vec![fan.into(), at.into()],
    )
    .await;
    exec(
        &db,
        "INSERT INTO product_likes (product_id, user_id, created_at) VALUES (?, ?, ?)",
        vec![sold.into(), fan.into(), at.into()],
    )
    .await;
    exec(&db, "UPDATE users SET withdrawn_at = ? WHERE id = ?", vec![at.into(), gone.into()]).await;

    let source = SqlRecommendationSource::new(db.clone());
    let items = source.items().await.unwrap();
    let find = |key: ItemKey| items.iter().find(|i| i.key == key);
    let certificate = find(ItemKey::new(ItemKind::Certificate, 1)).expect("certificate 1");
    assert!(certificate.labels.len() > 2, "its name, category and subjects: {certificate:?}");
    let tip_facts = find(ItemKey::new(ItemKind::Post, tip)).expect("the tip");
    assert!(tip_facts.labels.contains(&"이기적 SQLD".to_owned()), "{tip_facts:?}");
    assert_eq!(tip_facts.certificate_id, Some(1));
    assert!(find(ItemKey::new(ItemKind::Product, on_sale)).unwrap().on_offer);
    assert!(!find(ItemKey::new(ItemKind::Product, sold)).unwrap().on_offer, "sold: kept for its signal, not offered");
    assert!(find(ItemKey::new(ItemKind::Product, hidden)).is_none(), "hidden products are left out");
    assert!(source.item(ItemKey::new(ItemKind::Post, tip)).await.unwrap().is_some());
    let asked = [
        ItemKey::new(ItemKind::Post, tip),
        ItemKey::new(ItemKind::Product, on_sale),
        ItemKey::new(ItemKind::Product, sold),
        ItemKey::new(ItemKind::Product, hidden),
        ItemKey::new(ItemKind::Certificate, 1),
        ItemKey::new(ItemKind::Course, 987_654_321),
    ];
    let mut offered = source.offered(&asked).await.unwrap();
    offered.sort();
    let mut expected = vec![asked[0], asked[1], asked[4]];
    expected.sort();
    assert_eq!(offered, expected, "sold, hidden and missing items are not offered");
    assert!(source.item(ItemKey::new(ItemKind::Post, 987_654_321)).await.unwrap().is_none());

    let all = source.interactions().await.unwrap();
    let of = |user: i64| {
        all.iter()
            .filter(|t| t.interaction.user == user)
            .map(|t| (t.interaction.kind, t.interaction.item))
            .collect::<Vec<_>>()
    };
    let mut fan_did = of(fan);
    fan_did.sort_by_key(|(kind, item)| (format!("{kind:?}"), *item));
    assert_eq!(
        fan_did,
        vec![
            (InteractionKind::Comment, ItemKey::new(ItemKind::Post, tip)),
            (InteractionKind::InterestCertificate, ItemKey::new(ItemKind::Certificate, 1)),
            (InteractionKind::Like, ItemKey::new(ItemKind::Post, tip)),
            (InteractionKind::Like, ItemKey::new(ItemKind::Product, sold)),
        ],
        "two comments count once"
    );
    assert!(of(gone).is_empty(), "a withdrawn user's likes are left out");

    let facts = source.user_facts(fan).await.unwrap();
    assert_eq!(facts.interactions.len(), 4);
    assert_eq!(facts.interest_certificates, vec![1]);
    let own = source.user_facts(author).await.unwrap().owned;
    for key in [ItemKey::new(ItemKind::Post, tip), ItemKey::new(ItemKind::Product, on_sale)] {
        assert!(own.contains(&key), "{own:?}");
    }
}

async fn preferences_and_models_are_stored_whole(db: Db) {
    let user = super::accounts(&db, "recprefs", 1).await[0];
    let prefs = SqlPreferenceStore::new(db.clone());
    assert_eq!(prefs.get(user).await.unwrap(), Default::default());
    let at = Utc::now().trunc_subsecs(6);
    let keywords = vec![("데이터베이스".to_owned(), 0.8), ("sql".to_owned(), 1.0)];
    prefs.replace(user, &keywords, at).await.unwrap();
    let read = prefs.get(user).await.unwrap();
    assert_eq!((read.keywords.len(), read.updated_at), (2, Some(at)));
    assert!(read.keywords.contains(&("데이터베이스".to_owned(), 0.8)));
    prefs.replace(user, &[], at).await.unwrap();
    assert!(prefs.get(user).await.unwrap().keywords.is_empty(), "replaced whole");

    let models = SqlModelStore::new(db.clone());
    let item = |i: i64| ModelItem {
        key: ItemKey::new(if i % 2 == 0 { ItemKind::Post } else { ItemKind::Course }, i),
        title: format!("항목 {i}"),
        certificate_id: (i % 3 != 0).then_some(1),
        keywords: vec![(format!("k{i}"), 0.6)],
        popularity: u32::try_from(i).unwrap(),
        on_offer: i % 5 != 0,
        closes_at: (i % 2 == 1).then_some(at),
        neighbours: vec![(ItemKey::new(ItemKind::Post, i + 1), 0.25), (ItemKey::new(ItemKind::Course, i + 2), 0.125)],
    };
    let snapshot = |n: i64| ModelSnapshot {
        built_at: at,
        scorer: "item-knn".into(),
        users: 7,
        interactions: 99,
        items: (1..=n).map(item).collect(),
    };
    let first = models.save(&snapshot(3), 2).await.unwrap();
    let big = snapshot(450);
    let second = models.save(&big, 2).await.unwrap();
    assert!(second.id > first.id);
    assert_eq!(models.latest().await.unwrap(), Some(second));
    assert_eq!(models.load(second.id).await.unwrap().as_ref(), Some(&big), "450 items in three chunks, in order");
    let third = models.save(&snapshot(1), 2).await.unwrap();
    assert_eq!(models.latest().await.unwrap(), Some(third));
    assert!(models.load(first.id).await.unwrap().is_none(), "only the newest two are kept");
    assert!(models.load(second.id).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_recommendation_facts_are_read_from_the_other_contexts() {
    let dir = tempfile::tempdir().unwrap();
    facts_are_read_from_the_other_contexts(super::seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_recommendation_facts_are_read_from_the_other_contexts() {
    let (_database, db) = super::seeded_mariadb().await;
    facts_are_read_from_the_other_contexts(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_preferences_and_models_are_stored_whole() {
    let dir = tempfile::tempdir().unwrap();
    preferences_and_models_are_stored_whole(super::seeded_sqlite(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_preferences_and_models_are_stored_whole() {
    let (_database, db) = super::seeded_mariadb().await;
    preferences_and_models_are_stored_whole(db).await;
}
