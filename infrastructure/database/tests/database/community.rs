//! The community and alarm repositories under their domain contracts, on SQLite (always) and
//! MariaDB (CI), plus what only the SQL adapters do: the purge of a withdrawn account keeps
//! the counters on everyone else's posts and comments exact.

use std::sync::Arc;

use async_trait::async_trait;
use cercat_common::{events::DomainEvent, outbox::OutboxStore};
use cercat_community::{
    LikeTarget, PostDraft, PostKind,
    events::CommunityEvent,
    ports::{LikeOutcome, PostRepository},
};
use cercat_database::*;
use cercat_user::ports::UserRepository;
use chrono::{Duration, Utc};

/// A migrated and seeded database.
async fn connect(url: &str) -> Db {
    let db = super::connect(url).await;
    seed::demo(&db, Utc::now()).await.expect("seed");
    db
}

/// Accounts through the user adapter, events read back from the outbox.
struct Fixtures {
    users: SqlUserRepository,
    outbox: SqlOutboxStore,
    joined: std::sync::atomic::AtomicU32,
}

impl Fixtures {
    fn new(db: &Db) -> Self {
        Self {
            users: SqlUserRepository::new(db.clone()),
            outbox: SqlOutboxStore::new(db.clone()),
            joined: Default::default(),
        }
    }
}

#[async_trait]
impl cercat_community::testkit::CommunityFixtures for Fixtures {
    async fn join(&self, nickname: &str) -> i64 {
        let n = self.joined.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let user = cercat_user::model::NewUser {
            email: cercat_user::Email::parse(&format!("member{n}@example.com")).unwrap(),
            nickname: cercat_user::Nickname::parse(nickname).unwrap(),
            role: cercat_user::Role::User,
            password_hash: None,
            oauth: None,
        };
        self.users.create(&user, Utc::now()).await.unwrap().id
    }

    async fn withdraw(&self, user_id: i64) {
        assert!(self.users.withdraw(user_id, Utc::now()).await.unwrap());
    }

    async fn recorded(&self) -> Vec<CommunityEvent> {
        let pending = self.outbox.unsent(1000).await.unwrap();
        let seqs: Vec<i64> = pending.iter().map(|p| p.seq).collect();
        self.outbox.mark_sent(&seqs, Utc::now()).await.unwrap();
        pending
            .into_iter()
            .filter(|p| CommunityEvent::carries(&p.event))
            .map(|p| p.event.decode::<CommunityEvent>().unwrap())
            .collect()
    }
}

#[async_trait]
impl cercat_alarm::testkit::AlarmFixtures for Fixtures {
    async fn join(&self, nickname: &str) -> i64 {
        cercat_community::testkit::CommunityFixtures::join(self, nickname).await
    }
}

async fn contracts(db: Db) {
    let fixtures = Fixtures::new(&db);
    cercat_community::testkit::post_repository_contract(Arc::new(SqlPostRepository::new(db.clone())), &fixtures, 2)
        .await;
    cercat_alarm::testkit::alarm_repository_contract(Arc::new(SqlAlarmRepository::new(db.clone())), &fixtures, "test")
        .await;
    purging_an_account_keeps_the_others_counters_exact(&db, &fixtures).await;
}

async fn purging_an_account_keeps_the_others_counters_exact(db: &Db, fx: &Fixtures) {
    use cercat_community::testkit::CommunityFixtures;
    let posts = SqlPostRepository::new(db.clone());
    let now = Utc::now();
    let stays = fx.join("남는사람").await;
    let leaves = fx.join("떠나는사람").await;
    let draft = |title: &str| PostDraft {
        kind: PostKind::Normal,
        title: title.into(),
        content: "본문".into(),
        tags: Vec::new(),
        question: None,
    };
    let kept = posts.create(3, stays, &draft("남는 글"), &[], &[], now).await.unwrap();
    let gone = posts.create(3, leaves, &draft("사라질 글"), &[], &[], now).await.unwrap();
    let comment = posts.add_comment(kept, stays, None, "내 댓글", None, now).await.unwrap();
    // The leaver likes the kept post and comment, comments on it, and is replied to there.
    assert_eq!(posts.like(leaves, LikeTarget::Post, kept, None, now).await.unwrap(), LikeOutcome::Added);
    assert_eq!(posts.like(leaves, LikeTarget::Comment, comment, None, now).await.unwrap(), LikeOutcome::Added);
    let theirs = posts.add_comment(kept, leaves, None, "떠날 댓글", None, now).await.unwrap();
    posts.add_comment(kept, stays, Some(theirs), "답글", None, now).await.unwrap();
    // The one who stays likes the leaver's post (that like goes with it).
    posts.like(stays, LikeTarget::Post, gone, None, now).await.unwrap();
    let before = posts.find(kept, stays).await.unwrap().unwrap();
    assert_eq!((before.like_count, before.comment_count), (1, 3));

    fx.withdraw(leaves).await;
    let users = SqlUserRepository::new(db.clone());
    let purged = users.purge_withdrawn_before(now + Duration::minutes(1)).await.unwrap();
    assert_eq!(purged, 2, "this account and the one the post contract withdrew");
    let after = posts.find(kept, stays).await.unwrap().unwrap();
    assert_eq!((after.like_count, after.liked, after.comment_count), (0, false, 1), "their like and comments left");
    let thread = posts.comments(kept, stays).await.unwrap();
    assert_eq!(thread.iter().map(|c| (c.id, c.like_count)).collect::<Vec<_>>(), [(comment, 0)]);
    assert!(posts.find(gone, stays).await.unwrap().is_none(), "their posts went with them");
    // The purged like is really gone: liking the comment again counts once more.
    assert_eq!(posts.like(stays, LikeTarget::Comment, comment, None, now).await.unwrap(), LikeOutcome::Added);
    assert_eq!(posts.comments(kept, stays).await.unwrap()[0].like_count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_community_adapters_keep_their_contracts() {
    let dir = tempfile::tempdir().unwrap();
    contracts(connect(&format!("sqlite://{}?mode=rwc", dir.path().join("community.db").display())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs MariaDB at 127.0.0.1:3306 (CI runs it)"]
async fn mariadb_community_adapters_keep_their_contracts() {
    let database = cercat_testing::TestMysql::fresh().await;
    contracts(connect(database.url()).await).await;
}
