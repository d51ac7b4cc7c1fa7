//! The [`ProductRepository`] contract, run against every adapter: products round-trip with
//! their images, edits replace fields, tokens and images, a soft-deleted product is gone from
//! finding and listing, hidden ones only from listing; keyset pages neither repeat nor skip
//! while products are added between them; the Korean keyword search finds words inside longer
//! words; likes and views stay exact under concurrency and retries. (Edits refused because an
//! order holds the product are checked by the order contract, which can make one.)

use std::{collections::HashSet, sync::Arc};

use cercat_common::{PortError, paging::Keyset, search};
use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::{
    Category, Condition, Product, ProductDraft, ProductStatus, Seller,
    ports::{LikeChange, ProductChange, ProductFilter, ProductRepository},
};

/// What the suite runs on: rows that exist in the adapter's store.
pub struct ProductFixture {
    /// Two sellers with no products yet, as they are shown (live accounts).
    pub sellers: [Seller; 2],
    /// At least 50 other users (the likers).
    pub users: Vec<i64>,
    /// Two distinct certificates.
    pub certificates: [i64; 2],
    /// An id no certificate has.
    pub missing_certificate: i64,
}

/// The instant the suites start from (whole microseconds: what every store keeps).
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).single().expect("a valid instant")
}

/// A valid draft for `certificate_id` with this title and description.
pub fn draft(certificate_id: i64, title: &str, description: &str) -> ProductDraft {
    ProductDraft {
        certificate_id,
        title: title.into(),
        description: description.into(),
        price: 15_000,
        condition: Condition::Good,
        category: Category::Book,
        location: "서울대입구역".into(),
    }
}

/// The search tokens the service indexes `d` under.
pub fn tokens(d: &ProductDraft) -> Vec<String> {
    search::post_tokens(&d.title, &d.description).into_iter().collect()
}

/// Creates a product of `seller` at `at` with image keys `images`; its id.
pub async fn listed(
    repo: &dyn ProductRepository,
    seller: i64,
    d: &ProductDraft,
    images: &[&str],
    at: DateTime<Utc>,
) -> i64 {
    let keys: Vec<String> = images.iter().map(|k| (*k).to_owned()).collect();
    repo.create(seller, d, &tokens(d), &keys, at).await.expect("create a product")
}

async fn shown(repo: &dyn ProductRepository, id: i64, viewer: i64) -> Product {
    repo.find(id, viewer).await.expect("find").expect("the product is found")
}

/// Every product `filter` lists, page by page (`size` a page; a cursor that does not move on
/// fails after 100 pages rather than looping).
async fn all_pages(repo: &dyn ProductRepository, filter: &ProductFilter, size: u64) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut after = None;
    for _ in 0..100 {
        let page = repo.list(filter, after, size, 0).await.expect("list");
        ids.extend(page.iter().map(|p| p.id));
        match page.last() {
            Some(last) if page.len() as u64 == size => after = Some(Keyset { at: last.created_at, id: last.id }),
            _ => return ids,
        }
    }
    panic!("100 pages and no end: the cursor does not move on ({ids:?})")
}

/// Runs every check.
pub async fn run_all(repo: Arc<dyn ProductRepository>, f: ProductFixture) {
    assert!(f.users.len() >= 50, "the product contract needs 50 users");
    round_trip_and_edits(&*repo, &f).await;
    deleted_and_hidden(&*repo, &f).await;
    keyset_pages_neither_repeat_nor_skip(&*repo, &f).await;
    keyword_and_filters(&*repo, &f).await;
    likes_are_exact(repo.clone(), &f).await;
    views_apply_once_per_batch(repo, &f).await;
}

async fn round_trip_and_edits(repo: &dyn ProductRepository, f: &ProductFixture) {
    let seller = &f.sellers[0];
    let d = draft(f.certificates[0], "정보처리기사 필기 기본서", "밑줄 조금, 2025년판");
    let id = listed(repo, seller.user_id, &d, &["products/a.png", "products/b.jpg"], t0()).await;
    let p = shown(repo, id, f.users[0]).await;
    assert_eq!((p.id, &p.seller, &p.draft), (id, seller, &d), "a product round-trips");
    assert_eq!((p.status, p.hidden, p.view_count, p.like_count, p.liked), (ProductStatus::OnSale, false, 0, 0, false));
    assert_eq!((p.created_at, p.updated_at), (t0(), t0()));
    let keys: Vec<&str> = p.images.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["products/a.png", "products/b.jpg"], "images in upload order");
    assert_eq!(repo.find(i64::MAX, 0).await.expect("find"), None);
    let orphan = repo.create(seller.user_id, &draft(f.missing_certificate, "없는 게시판", "x"), &[], &[], t0()).await;
    assert!(matches!(orphan, Err(PortError::InUse(_))), "an unknown certificate is InUse: {orphan:?}");

    // An edit replaces the fields and tokens, drops only this product's named images, appends.
    let other = listed(repo, seller.user_id, &d, &["products/other.png"], t0()).await;
    let foreign_image = shown(repo, other, 0).await.images[0].id;
    let mut edited = draft(f.certificates[1], "SQLD 요약 노트", "손글씨 정리본");
    edited.price = 9_000;
    edited.condition = Condition::LikeNew;
    edited.category = Category::Note;
    let later = t0() + Duration::minutes(5);
    let dropped = vec![p.images[0].id, foreign_image];
    let change = repo.update(id, &edited, &tokens(&edited), &dropped, &["products/c.webp".into()], later).await;
    assert_eq!(change.expect("update"), ProductChange::Done(vec!["products/a.png".into()]));
    let e = shown(repo, id, 0).await;
    assert_eq!((&e.draft, e.updated_at, e.created_at), (&edited, later, t0()));
    let keys: Vec<&str> = e.images.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["products/b.jpg", "products/c.webp"]);
    assert_eq!(shown(repo, other, 0).await.images.len(), 1, "another product's image is not removed");
    let by_new_words = ProductFilter {
        keyword: search::prepare("요약").map(|(k, t)| (k, t.into_iter().collect())),
        seller_id: Some(seller.user_id),
        ..Default::default()
    };
    let found = repo.list(&by_new_words, None, 10, 0).await.expect("list");
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![id], "the edit re-indexed the product");
    let missing = repo.update(i64::MAX, &edited, &[], &[], &[], later).await.expect("update");
    assert_eq!(missing, ProductChange::Missing);
    let bad = repo.update(id, &draft(f.missing_certificate, "x", "y"), &[], &[], &[], later).await;
    assert!(matches!(bad, Err(PortError::InUse(_))), "an unknown certificate is InUse: {bad:?}");
    assert_eq!(shown(repo, id, 0).await.draft, edited, "a refused edit changes nothing");
}

async fn deleted_and_hidden(repo: &dyn ProductRepository, f: &ProductFixture) {
    let seller = f.sellers[0].user_id;
    let board = ProductFilter { seller_id: Some(seller), ..Default::default() };
    let gone = listed(repo, seller, &draft(f.certificates[0], "삭제할 책", "x"), &["products/gone.png"], t0()).await;
    let hidden = listed(repo, seller, &draft(f.certificates[0], "숨길 책", "x"), &[], t0()).await;
    let listed_ids = |ps: Vec<Product>| ps.into_iter().map(|p| p.id).collect::<HashSet<_>>();
    let before = listed_ids(repo.list(&board, None, 100, 0).await.expect("list"));
    assert!(before.contains(&gone) && before.contains(&hidden));

    let deleted = repo.delete(gone, t0()).await.expect("delete");
    assert_eq!(deleted, ProductChange::Done(vec!["products/gone.png".into()]), "a delete hands back its image keys");
    assert_eq!(repo.find(gone, seller).await.expect("find"), None, "a deleted product is never found");
    assert!(!listed_ids(repo.list(&board, None, 100, 0).await.expect("list")).contains(&gone));
    assert_eq!(repo.delete(gone, t0()).await.expect("delete"), ProductChange::Missing, "deleted once");
    let d = draft(f.certificates[0], "x", "y");
    assert_eq!(repo.update(gone, &d, &[], &[], &[], t0()).await.expect("update"), ProductChange::Missing);
    assert_eq!(repo.like(gone, f.users[0], t0()).await.expect("like"), LikeChange::Missing);
    assert_eq!(repo.unlike(gone, f.users[0]).await.expect("unlike"), LikeChange::Missing);
    assert!(!repo.set_hidden(gone, true, t0()).await.expect("hide"), "a deleted product cannot be hidden");
    assert_eq!(repo.delete(i64::MAX, t0()).await.expect("delete"), ProductChange::Missing);

    assert!(repo.set_hidden(hidden, true, t0()).await.expect("hide"));
    assert!(repo.set_hidden(hidden, true, t0()).await.expect("hide"), "hiding twice still finds the product");
    assert!(shown(repo, hidden, seller).await.hidden, "a hidden product is still found (for its seller and admins)");
    assert!(!listed_ids(repo.list(&board, None, 100, 0).await.expect("list")).contains(&hidden), "but never listed");
    assert!(repo.set_hidden(hidden, false, t0()).await.expect("show"));
    assert!(listed_ids(repo.list(&board, None, 100, 0).await.expect("list")).contains(&hidden));
    assert!(!repo.set_hidden(i64::MAX, true, t0()).await.expect("hide"));
}

async fn keyset_pages_neither_repeat_nor_skip(repo: &dyn ProductRepository, f: &ProductFixture) {
    let seller = f.sellers[1].user_id;
    let mine = ProductFilter { seller_id: Some(seller), ..Default::default() };
    // Nine products at three instants (microseconds apart from whole seconds): ties on
    // created_at are ordered by id.
    let mut expected: Vec<(DateTime<Utc>, i64)> = Vec::new();
    for i in 0..9_i64 {
        let at = t0() + Duration::microseconds(1_123_457 * (i / 3));
        let id = listed(repo, seller, &draft(f.certificates[0], &format!("페이지 {i}"), "x"), &[], at).await;
        expected.push((at, id));
    }
    expected.sort_by(|a, b| b.cmp(a));
    let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();
    assert_eq!(all_pages(repo, &mine, 100).await, expected, "newest first by (created_at, id)");

    // Page by two; after each page a newer product is listed: it comes before the cursor, so
    // the pages still hold each older product exactly once.
    let mut seen = Vec::new();
    let mut after = None;
    for round in 0.. {
        assert!(round < 20, "nine products in two-item pages take five pages, not {round}: {seen:?}");
        let page = repo.list(&mine, after, 2, 0).await.expect("list");
        seen.extend(page.iter().map(|p| p.id));
        let Some(last) = page.last() else { break };
        after = Some(Keyset { at: last.created_at, id: last.id });
        let newer = t0() + Duration::hours(1) + Duration::seconds(round);
        listed(repo, seller, &draft(f.certificates[0], "새 상품", "x"), &[], newer).await;
    }
    assert_eq!(seen, expected, "no duplicates and no gaps across pages");
}

async fn keyword_and_filters(repo: &dyn ProductRepository, f: &ProductFixture) {
    let seller = f.sellers[0].user_id;
    let at = t0() + Duration::days(1);
    let wanted = listed(repo, seller, &draft(f.certificates[0], "필기공부법정리", "기출 위주"), &[], at).await;
    let in_text = listed(repo, seller, &draft(f.certificates[1], "요약집", "SQLD 합격 공부법 수록"), &[], at).await;
    // Every bigram of 공부법 is there, but not the word: the substring check refuses it.
    let scattered = listed(repo, seller, &draft(f.certificates[0], "공부 부법", "공부방"), &[], at).await;
    let search_for = |keyword: &str| ProductFilter {
        keyword: search::prepare(keyword).map(|(k, t)| (k, t.into_iter().collect())),
        seller_id: Some(seller),
        ..Default::default()
    };
    let ids = |ps: Vec<Product>| ps.into_iter().map(|p| p.id).collect::<Vec<_>>();
    let found = ids(repo.list(&search_for("공부법"), None, 10, 0).await.expect("search"));
    assert_eq!(found, vec![in_text, wanted], "공부법 is found inside 필기공부법정리 and in a description");
    assert!(!found.contains(&scattered));
    let ascii = ids(repo.list(&search_for("sqld 합격"), None, 10, 0).await.expect("search"));
    assert_eq!(ascii, vec![in_text], "ASCII in any case");
    assert!(repo.list(&search_for("공부방법"), None, 10, 0).await.expect("search").is_empty());

    let mut on_board = search_for("공부법");
    on_board.certificate_id = Some(f.certificates[1]);
    assert_eq!(ids(repo.list(&on_board, None, 10, 0).await.expect("list")), vec![in_text], "by board");
    let mut device = draft(f.certificates[0], "공학용 계산기", "fx-570");
    device.category = Category::Device;
    let calculator = listed(repo, seller, &device, &[], at).await;
    let by_category = ProductFilter { category: Some(Category::Device), seller_id: Some(seller), ..Default::default() };
    assert_eq!(ids(repo.list(&by_category, None, 10, 0).await.expect("list")), vec![calculator], "by category");
    let on_sale = ProductFilter { status: Some(ProductStatus::OnSale), seller_id: Some(seller), ..Default::default() };
    assert!(ids(repo.list(&on_sale, None, 100, 0).await.expect("list")).contains(&calculator), "by status");
    let sold = ProductFilter { status: Some(ProductStatus::Sold), seller_id: Some(seller), ..Default::default() };
    assert!(repo.list(&sold, None, 10, 0).await.expect("list").is_empty());
}

async fn likes_are_exact(repo: Arc<dyn ProductRepository>, f: &ProductFixture) {
    let seller = f.sellers[0].user_id;
    let id = listed(&*repo, seller, &draft(f.certificates[0], "인기 상품", "x"), &[], t0()).await;
    let likers: Vec<i64> = f.users[..50].to_vec();
    let racing = |ids: Vec<i64>, like: bool| {
        let handles: Vec<_> = ids
            .into_iter()
            .map(|user| {
                let repo = repo.clone();
                tokio::spawn(
                    async move { if like { repo.like(id, user, t0()).await } else { repo.unlike(id, user).await } },
                )
            })
            .collect();
        async move {
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await.expect("join").expect("a racing like never fails"));
            }
            out
        }
    };
    let outcomes = racing(likers.clone(), true).await;
    assert!(outcomes.iter().all(|o| *o == LikeChange::Changed), "{outcomes:?}");
    assert_eq!(shown(&*repo, id, seller).await.like_count, 50, "50 racing likers count 50");
    assert!(shown(&*repo, id, likers[0]).await.liked, "the liker sees its like");
    assert!(!shown(&*repo, id, seller).await.liked);
    assert_eq!(repo.like(id, likers[0], t0()).await.expect("like"), LikeChange::Unchanged, "once per user");
    assert_eq!(repo.like(i64::MAX, likers[0], t0()).await.expect("like"), LikeChange::Missing);

    // One user clicking twice at once counts once.
    let twice = listed(&*repo, seller, &draft(f.certificates[0], "두 번 클릭", "x"), &[], t0()).await;
    let (a, b) = tokio::join!(repo.like(twice, likers[1], t0()), repo.like(twice, likers[1], t0()));
    let mut both = [a.expect("like"), b.expect("like")];
    both.sort_by_key(|o| *o == LikeChange::Unchanged);
    assert_eq!(both, [LikeChange::Changed, LikeChange::Unchanged]);
    assert_eq!(shown(&*repo, twice, 0).await.like_count, 1);

    let outcomes = racing(likers[..25].to_vec(), false).await;
    assert!(outcomes.iter().all(|o| *o == LikeChange::Changed), "{outcomes:?}");
    assert_eq!(shown(&*repo, id, 0).await.like_count, 25, "25 racing unlikes take 25 back");
    assert_eq!(repo.unlike(id, likers[0]).await.expect("unlike"), LikeChange::Unchanged, "nothing to take back");
    assert!(!shown(&*repo, id, likers[0]).await.liked);
    assert_eq!(repo.unlike(i64::MAX, likers[0]).await.expect("unlike"), LikeChange::Missing);
}

async fn views_apply_once_per_batch(repo: Arc<dyn ProductRepository>, f: &ProductFixture) {
    let seller = f.sellers[0].user_id;
    let a = listed(&*repo, seller, &draft(f.certificates[0], "조회 A", "x"), &[], t0()).await;
    let b = listed(&*repo, seller, &draft(f.certificates[0], "조회 B", "x"), &[], t0()).await;
    let batch = format!("views-{}", uuid::Uuid::new_v4().simple());
    assert!(repo.add_views(&batch, &[(a, 3), (b, 1)], t0()).await.expect("add views"));
    assert!(!repo.add_views(&batch, &[(a, 3), (b, 1)], t0()).await.expect("add views"), "a batch is applied once");
    // A flush redone by several nodes at once: one applies it.
    let again = format!("views-{}", uuid::Uuid::new_v4().simple());
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let (repo, again) = (repo.clone(), again.clone());
            tokio::spawn(async move { repo.add_views(&again, &[(a, 2), (i64::MAX, 9)], t0()).await })
        })
        .collect();
    let mut applied = 0;
    for h in handles {
        applied += usize::from(h.await.expect("join").expect("a racing flush never fails"));
    }
    assert_eq!(applied, 1, "five racing flushes of one batch apply it once");
    assert_eq!((shown(&*repo, a, 0).await.view_count, shown(&*repo, b, 0).await.view_count), (5, 1));
    assert!(
        repo.add_views(&format!("empty-{again}"), &[], t0()).await.expect("add views"),
        "an empty batch is applied"
    );
}
