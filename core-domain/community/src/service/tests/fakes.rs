//! In-memory fakes of the community ports: enough storage to run the use cases, and a record
//! of what the service handed each write.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, Ordering},
    },
};

use async_trait::async_trait;
use cercat_certificate::Subject;
use cercat_common::{
    PortError,
    clock::ManualClock,
    paging::{Direction, Keyset, SortOrder},
    testkit::fakes::{MapCache, MapStorage},
};
use cercat_mockexam::{MockExam, Question};
use chrono::{DateTime, TimeZone, Utc};

use crate::{
    CommunityNeighbours, CommunityService, LikeTarget, Post, PostDraft,
    commentary::ExamQuestions,
    events::{CommentNotice, CommunityEvent},
    model::{Account, Author, Comment},
    ports::{
        ActivityTarget, BoardDirectory, LikeOutcome, NewReview, PostFilter, PostRepository, Preparation,
        QuestionCatalog, ReviewEligibility, ReviewRepository,
    },
    reviews::{ExamReview, ReviewFilter, ReviewedExam},
};

mod keywords;

pub use keywords::Keywords;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Posts, comments, likes and accounts in maps; the events written are kept in order. While
/// `down` is set, post writes fail as a database that is down does.
#[derive(Default)]
pub struct Posts {
    pub accounts: Mutex<HashMap<i64, Account>>,
    pub posts: Mutex<Vec<Post>>,
    pub comments: Mutex<Vec<Comment>>,
    pub likes: Mutex<HashSet<(i64, LikeTarget, i64)>>,
    pub events: Mutex<Vec<CommunityEvent>>,
    pub down: AtomicBool,
}

impl Posts {
    pub fn join(&self, user_id: i64, nickname: &str) {
        let account = Account { nickname: nickname.into(), image_key: None, withdrawn: false, suspended_until: None };
        lock(&self.accounts).insert(user_id, account);
    }

    fn author(&self, user_id: i64) -> Author {
        Author::shown(user_id, lock(&self.accounts).get(&user_id).cloned(), chrono::Utc::now())
    }

    pub fn find_comment_content(&self, comment_id: i64) -> String {
        lock(&self.comments).iter().find(|c| c.id == comment_id).map(|c| c.content.clone()).unwrap_or_default()
    }

    pub fn events(&self) -> Vec<CommunityEvent> {
        std::mem::take(&mut *lock(&self.events))
    }

    fn fail_if_down(&self) -> Result<(), PortError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(PortError::unavailable("database", "down"));
        }
        Ok(())
    }

    /// The post as `viewer` sees it: its author's current name, its likes counted.
    fn shown(&self, post: &Post, viewer: i64) -> Post {
        let likes = lock(&self.likes);
        let mine = |(_, target, id): &&(i64, LikeTarget, i64)| *target == LikeTarget::Post && *id == post.id;
        Post {
            like_count: i64::try_from(likes.iter().filter(mine).count()).unwrap_or_default(),
            liked: likes.contains(&(viewer, LikeTarget::Post, post.id)),
            author: self.author(post.author.user_id),
            ..post.clone()
        }
    }
}

fn post_images(post_id: i64, first: usize, keys: &[String]) -> Vec<crate::model::PostImage> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| crate::model::PostImage {
            id: post_id * 100 + i64::try_from(first + i).unwrap_or_default(),
            key: k.clone(),
        })
        .collect()
}

#[async_trait]
impl PostRepository for Posts {
    async fn create(
        &self,
        certificate_id: i64,
        user_id: i64,
        draft: &PostDraft,
        _tokens: &[String],
        image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        self.fail_if_down()?;
        let mut posts = lock(&self.posts);
        let id = posts.last().map_or(1, |p| p.id + 1);
        let images = post_images(id, 0, image_keys);
        posts.push(Post {
            id,
            certificate_id,
            draft: draft.clone(),
            author: self.author(user_id),
            images,
            like_count: 0,
            liked: false,
            comment_count: 0,
            created_at: at,
            modified_at: at,
        });
        Ok(id)
    }

    async fn update(
        &self,
        post_id: i64,
        draft: &PostDraft,
        _tokens: &[String],
        remove_image_ids: &[i64],
        new_image_keys: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, PortError> {
        self.fail_if_down()?;
        let mut posts = lock(&self.posts);
        let Some(post) = posts.iter_mut().find(|p| p.id == post_id) else { return Ok(Vec::new()) };
        post.draft = draft.clone();
        post.modified_at = at;
        let (gone, mut kept): (Vec<_>, Vec<_>) = post.images.drain(..).partition(|i| remove_image_ids.contains(&i.id));
        let next = kept.iter().chain(&gone).map(|i| i.id % 100).max().map_or(0, |n| n as usize + 1);
        kept.extend(post_images(post_id, next, new_image_keys));
        post.images = kept;
        Ok(gone.into_iter().map(|i| i.key).collect())
    }

    async fn delete(&self, post_id: i64) -> Result<Vec<String>, PortError> {
        self.fail_if_down()?;
        let mut posts = lock(&self.posts);
        let keys =
            posts.iter().filter(|p| p.id == post_id).flat_map(|p| p.images.iter().map(|i| i.key.clone())).collect();
        posts.retain(|p| p.id != post_id);
        Ok(keys)
    }

    async fn find(&self, post_id: i64, viewer: i64) -> Result<Option<Post>, PortError> {
        let post = lock(&self.posts).iter().find(|p| p.id == post_id).cloned();
        Ok(post.map(|p| self.shown(&p, viewer)))
    }

    async fn list(
        &self,
        filter: &PostFilter,
        sort: &[SortOrder],
        offset: u64,
        after: Option<Keyset>,
        limit: u64,
        viewer: i64,
    ) -> Result<Vec<Post>, PortError> {
        let posts: Vec<Post> = lock(&self.posts).clone();
        let mut matching: Vec<Post> = posts
            .iter()
            .rev()
            .filter(|p| filter.certificate_id.is_none_or(|c| c == p.certificate_id))
            .filter(|p| filter.kind.is_none_or(|k| k == p.draft.kind))
            .filter(|p| filter.author_id.is_none_or(|a| a == p.author.user_id))
            .filter(|p| filter.keyword.as_ref().is_none_or(|(k, _)| p.draft.title.contains(k.as_str())))
            .filter(|p| after.is_none_or(|a| (p.created_at, p.id) < (a.at, a.id)))
            .map(|p| self.shown(p, viewer))
            .collect();
        // Newest first (by id), or by likes when asked, ties newest first.
        if sort.iter().any(|s| s.field == "count" && s.direction == Direction::Desc) {
            matching.sort_by_key(|p| std::cmp::Reverse((p.like_count, p.id)));
        }
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        Ok(matching.into_iter().skip(skip).take(usize::try_from(limit).unwrap_or(usize::MAX)).collect())
    }

    async fn comments(&self, post_id: i64, _viewer: i64) -> Result<Vec<Comment>, PortError> {
        Ok(lock(&self.comments).iter().filter(|c| c.post_id == post_id).cloned().collect())
    }

    async fn find_comment(&self, comment_id: i64) -> Result<Option<Comment>, PortError> {
        Ok(lock(&self.comments).iter().find(|c| c.id == comment_id).cloned())
    }

    async fn add_comment(
        &self,
        post_id: i64,
        user_id: i64,
        parent_id: Option<i64>,
        content: &str,
        notice: Option<&CommentNotice>,
        at: DateTime<Utc>,
    ) -> Result<i64, PortError> {
        let mut comments = lock(&self.comments);
        let id = i64::try_from(comments.len()).unwrap_or_default() + 1;
        comments.push(Comment {
            id,
            post_id,
            parent_id,
            author: self.author(user_id),
            content: content.into(),
            like_count: 0,
            liked: false,
            created_at: at,
            modified_at: at,
        });
        if let Some(notice) = notice {
            lock(&self.events).push(notice.event(id));
        }
        Ok(id)
    }

    async fn delete_comment(&self, comment_id: i64) -> Result<u64, PortError> {
        let mut comments = lock(&self.comments);
        let before = comments.len();
        comments.retain(|c| c.id != comment_id && c.parent_id != Some(comment_id));
        Ok(u64::try_from(before - comments.len()).unwrap_or_default())
    }

    async fn like(
        &self,
        user_id: i64,
        target: LikeTarget,
        target_id: i64,
        event: Option<&CommunityEvent>,
        _at: DateTime<Utc>,
    ) -> Result<LikeOutcome, PortError> {
        if self.activity_target(target, target_id).await?.is_none() {
            return Ok(LikeOutcome::TargetMissing);
        }
        if !lock(&self.likes).insert((user_id, target, target_id)) {
            return Ok(LikeOutcome::AlreadyLiked);
        }
        if let Some(event) = event {
            lock(&self.events).push(event.clone());
        }
        Ok(LikeOutcome::Added)
    }

    async fn unlike(&self, user_id: i64, target: LikeTarget, target_id: i64) -> Result<bool, PortError> {
        Ok(lock(&self.likes).remove(&(user_id, target, target_id)))
    }

    async fn activity_target(&self, target: LikeTarget, target_id: i64) -> Result<Option<ActivityTarget>, PortError> {
        let posts = lock(&self.posts);
        let on_post = |author_id: i64, post_id: i64| {
            posts.iter().find(|p| p.id == post_id).map(|p| ActivityTarget {
                author_id,
                post_id,
                certificate_id: p.certificate_id,
            })
        };
        Ok(match target {
            LikeTarget::Post => posts.iter().find(|p| p.id == target_id).and_then(|p| on_post(p.author.user_id, p.id)),
            LikeTarget::Comment => {
                let comment = lock(&self.comments).iter().find(|c| c.id == target_id).cloned();
                comment.and_then(|c| on_post(c.author.user_id, c.post_id))
            }
        })
    }

    async fn account(&self, user_id: i64) -> Result<Option<Account>, PortError> {
        Ok(lock(&self.accounts).get(&user_id).cloned())
    }
}

/// Reviews in a list.
#[derive(Default)]
pub struct Reviews(pub Mutex<Vec<NewReview>>);

impl Reviews {
    /// What the list shows of the `i`th stored review (ids from 1, written on day 10).
    pub fn shown(i: usize, review: &NewReview) -> ExamReview {
        ExamReview {
            id: i64::try_from(i).unwrap_or_default() + 1,
            certificate_id: review.certificate_id,
            nickname: format!("user{}", review.user_id),
            difficulty: review.difficulty,
            prepare_months: review.prepare_months,
            content: review.content.clone(),
            created_at: at(10),
        }
    }
}

#[async_trait]
impl ReviewRepository for Reviews {
    async fn exists(&self, user_id: i64, schedule_id: i64) -> Result<bool, PortError> {
        Ok(lock(&self.0).iter().any(|r| r.user_id == user_id && r.schedule_id == schedule_id))
    }

    async fn create(&self, review: &NewReview, _at: DateTime<Utc>) -> Result<i64, PortError> {
        let mut reviews = lock(&self.0);
        reviews.push(review.clone());
        Ok(i64::try_from(reviews.len()).unwrap_or_default())
    }

    async fn list(
        &self,
        certificate_id: i64,
        filter: &ReviewFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<ExamReview>, PortError> {
        let reviews = lock(&self.0);
        let shown = reviews.iter().enumerate().rev().map(|(i, r)| Self::shown(i, r));
        Ok(shown
            .filter(|r| r.certificate_id == certificate_id)
            .filter(|r| filter.min_months.is_none_or(|m| r.prepare_months >= m))
            .filter(|r| filter.max_months.is_none_or(|m| r.prepare_months <= m))
            .filter(|r| filter.difficulty.is_none_or(|d| r.difficulty == d))
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect())
    }
}

/// The neighbours: boards 1 and 2 exist; board 1 has the 2024 round 1 exam (id 10) with
/// questions 1 and 2; each certificate's latest exam and each user's preparation are set by
/// the test.
#[derive(Default)]
pub struct World {
    pub exam_deleted: Mutex<bool>,
    pub latest_exam: Mutex<Option<ReviewedExam>>,
    pub preparation: Mutex<HashMap<i64, Preparation>>,
}

pub fn exam() -> MockExam {
    MockExam { id: 10, certificate_id: 1, exam_year: 2024, round: 1, time_limit_ms: 9_000_000, max_score: 500 }
}

pub fn question(number: i32) -> Question {
    Question {
        id: 100 + i64::from(number),
        mock_exam_id: 10,
        subject_id: 1,
        number,
        text: format!("문제 {number}"),
        image: None,
        options: Vec::new(),
        correct_option: 1,
        score: 5,
    }
}

pub fn subjects() -> Vec<Subject> {
    vec![Subject {
        id: 1, sequence: 1, name: "소프트웨어 설계".into(), number_of_questions: 20, total_score: 100
    }]
}

#[async_trait]
impl BoardDirectory for World {
    async fn exists(&self, certificate_id: i64) -> Result<bool, PortError> {
        Ok([1, 2].contains(&certificate_id))
    }
}

#[async_trait]
impl QuestionCatalog for World {
    async fn exam_of(&self, certificate_id: i64, year: i32, round: i32) -> Result<Option<i64>, PortError> {
        Ok(((certificate_id, year, round) == (1, 2024, 1)).then_some(10))
    }
    async fn questions(&self, mock_exam_id: i64) -> Result<Option<ExamQuestions>, PortError> {
        let there = mock_exam_id == 10 && !*lock(&self.exam_deleted);
        Ok(there.then(|| ExamQuestions {
            exam: exam(),
            questions: vec![question(1), question(2)],
            subjects: subjects(),
        }))
    }
}

#[async_trait]
impl ReviewEligibility for World {
    async fn latest_exam(&self, _certificate_id: i64) -> Result<Option<ReviewedExam>, PortError> {
        Ok(*lock(&self.latest_exam))
    }
    async fn preparation(&self, user_id: i64, _certificate_id: i64) -> Result<Preparation, PortError> {
        Ok(lock(&self.preparation).get(&user_id).copied().unwrap_or(Preparation { studied: false, goal_start: None }))
    }
}

/// The service over fresh fakes, with handles on them.
pub struct Harness {
    pub service: CommunityService,
    pub posts: Arc<Posts>,
    pub reviews: Arc<Reviews>,
    pub keywords: Arc<Keywords>,
    pub world: Arc<World>,
    pub storage: Arc<MapStorage>,
    pub cache: Arc<MapCache>,
    pub clock: ManualClock,
}

pub fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, day, 3, 0, 0).single().unwrap_or_default()
}

impl Harness {
    pub fn new() -> Self {
        Self::with_cache(MapCache::default())
    }

    /// The service over fresh fakes and `cache` (a [`MapCache::broken`] one to prove the
    /// service does without it).
    pub fn with_cache(cache: MapCache) -> Self {
        let (storage, cache) = (Arc::new(MapStorage::default()), Arc::new(cache));
        let posts = Arc::new(Posts::default());
        let reviews = Arc::new(Reviews::default());
        let keywords = Arc::new(Keywords::default());
        let world = Arc::new(World::default());
        let clock = ManualClock::new(at(10));
        let neighbours =
            CommunityNeighbours { boards: world.clone(), questions: world.clone(), eligibility: world.clone() };
        let service = CommunityService::new(
            posts.clone(),
            reviews.clone(),
            keywords.clone(),
            storage.clone(),
            cache.clone(),
            Arc::new(clock.clone()),
            neighbours,
        );
        posts.join(1, "글쓴이");
        posts.join(2, "매일공부");
        Self { service, posts, reviews, keywords, world, storage, cache, clock }
    }
}
