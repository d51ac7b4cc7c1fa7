//! Writing, editing, deleting and reading posts: the draft's rules, images stored and dropped
//! with their post, comment trees, lists and the cached best tips.

use std::sync::atomic::Ordering;

use cercat_common::{cache, clock::Clock, testkit::fakes::MapCache};

use super::{AUTHOR, READER, draft, fakes::Harness, page};
use crate::{
    CommunityError, PostDraft, PostKind,
    commentary::QuestionChoice,
    model::{Tag, TagType},
    ports::PostFilter,
    service::best_tips_key,
};

/// The smallest PNG header `sniff_image` accepts.
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0];

fn tip(tags: &[&str]) -> PostDraft {
    let tags = tags.iter().map(|t| Tag { tag_type: TagType::Book, tag_name: (*t).into() }).collect();
    PostDraft { tags, ..draft(PostKind::Tip) }
}

fn pngs(n: usize) -> Vec<Vec<u8>> {
    vec![PNG.to_vec(); n]
}

async fn write(h: &Harness, user: i64, draft: PostDraft, images: Vec<Vec<u8>>) -> Result<i64, CommunityError> {
    Ok(h.service.create_post(1, user, draft, QuestionChoice::default(), images).await?.post.id)
}

async fn edit(
    h: &Harness,
    post: i64,
    user: i64,
    draft: PostDraft,
    remove: &[i64],
    images: usize,
) -> Result<Vec<i64>, CommunityError> {
    let view = h.service.update_post(post, user, draft, QuestionChoice::default(), remove, pngs(images)).await?;
    Ok(view.post.images.iter().map(|i| i.id).collect())
}

fn field_of(err: CommunityError) -> &'static str {
    match err {
        CommunityError::InvalidPost { field, .. } => field,
        other => panic!("not an invalid post: {other:?}"),
    }
}

#[tokio::test]
async fn a_post_is_trimmed_and_checked_before_anything_is_stored() {
    let h = Harness::new();
    let with = |title: &str, content: &str| PostDraft {
        title: title.into(),
        content: content.into(),
        ..draft(PostKind::Normal)
    };
    let cases = [
        (with("  ", "내용"), "title"),
        (with(&"가".repeat(101), "내용"), "title"),
        (with("제목", " "), "content"),
        (with("제목", &"가".repeat(5001)), "content"),
        (tip(&["a", "b", "c", "d", "e", "f"]), "tags"),
        (tip(&["  "]), "tags"),
        (tip(&[&"가".repeat(51)]), "tags"),
    ];
    for (bad, field) in cases {
        assert_eq!(field_of(write(&h, AUTHOR, bad, Vec::new()).await.unwrap_err()), field);
    }
    assert!(h.posts.posts.lock().unwrap().is_empty(), "nothing refused was stored");

    let id = write(&h, AUTHOR, tip(&[" 기출문제집 "]), Vec::new()).await.unwrap();
    let (view, _) = h.service.post(id, READER).await.unwrap();
    assert_eq!(view.post.draft.tags[0].tag_name, "기출문제집", "tag names are trimmed");
    let normal = PostDraft { tags: tip(&["책"]).tags, ..with("  제목  ", "  내용 ") };
    let id = write(&h, AUTHOR, normal, Vec::new()).await.unwrap();
    let (view, _) = h.service.post(id, READER).await.unwrap();
    assert_eq!((view.post.draft.title.as_str(), view.post.draft.content.as_str()), ("제목", "내용"));
    assert!(view.post.draft.tags.is_empty(), "only tips carry tags");
}

#[tokio::test]
async fn a_post_s_images_are_sniffed_stored_and_deleted_with_the_post() {
    let h = Harness::new();
    for images in [pngs(6), vec![b"not an image".to_vec()], vec![vec![0x89; crate::service::MAX_IMAGE_BYTES + 1]]] {
        let err = write(&h, AUTHOR, draft(PostKind::Normal), images).await.unwrap_err();
        assert!(matches!(err, CommunityError::InvalidImage(_)), "{err:?}");
    }
    assert!(h.storage.keys().is_empty(), "a refused upload stores nothing");

    let id = write(&h, AUTHOR, draft(PostKind::Normal), pngs(2)).await.unwrap();
    let (view, _) = h.service.post(id, READER).await.unwrap();
    let keys: Vec<String> = view.post.images.iter().map(|i| i.key.clone()).collect();
    let mut stored = keys.clone();
    stored.sort();
    assert_eq!(h.storage.keys(), stored);
    assert!(keys.iter().all(|k| k.starts_with("posts/1/") && k.ends_with(".png")), "{keys:?}");
    assert_eq!(h.service.image_url(&keys[0]), format!("memory://{}", keys[0]));

    let stranger = h.service.delete_post(id, READER, false).await;
    assert!(matches!(stranger, Err(CommunityError::NotOwner(_))), "{stranger:?}");
    h.service.delete_post(id, 3, true).await.unwrap();
    assert!(h.storage.keys().is_empty(), "the images went with the post");
    assert!(matches!(h.service.post(id, READER).await, Err(CommunityError::PostNotFound(_))));
    assert!(matches!(h.service.delete_post(id, AUTHOR, false).await, Err(CommunityError::PostNotFound(_))));
}

#[tokio::test]
async fn a_post_that_cannot_be_stored_leaves_no_images_behind() {
    let h = Harness::new();
    let id = write(&h, AUTHOR, draft(PostKind::Normal), pngs(1)).await.unwrap();
    h.posts.down.store(true, Ordering::SeqCst);
    let err = write(&h, AUTHOR, draft(PostKind::Normal), pngs(2)).await.unwrap_err();
    assert!(matches!(err, CommunityError::Store(_)), "{err:?}");
    let err = edit(&h, id, AUTHOR, draft(PostKind::Normal), &[], 2).await.unwrap_err();
    assert!(matches!(err, CommunityError::Store(_)), "{err:?}");
    assert_eq!(h.storage.keys().len(), 1, "only the stored post's image is left");
}

#[tokio::test]
async fn only_the_author_edits_a_post_and_never_its_kind() {
    let h = Harness::new();
    let id = write(&h, AUTHOR, draft(PostKind::Commentary), Vec::new()).await;
    assert!(id.is_err(), "a commentary without its question is refused");
    let id = write(&h, AUTHOR, draft(PostKind::Normal), Vec::new()).await.unwrap();
    // A stranger is refused as one, whatever the form names.
    let nowhere = QuestionChoice { exam_year: Some(1999), round: Some(1), number: Some(1) };
    let stranger = h.service.update_post(id, READER, draft(PostKind::Commentary), nowhere, &[], Vec::new()).await;
    assert!(matches!(stranger, Err(CommunityError::NotOwner(_))), "{stranger:?}");
    assert!(matches!(edit(&h, id, READER, draft(PostKind::Normal), &[], 0).await, Err(CommunityError::NotOwner(_))));
    assert_eq!(field_of(edit(&h, id, AUTHOR, tip(&[]), &[], 0).await.unwrap_err()), "postType");
    assert!(matches!(
        edit(&h, 99, AUTHOR, draft(PostKind::Normal), &[], 0).await,
        Err(CommunityError::PostNotFound(99))
    ));

    let changed = PostDraft { title: " 고친 제목 ".into(), ..draft(PostKind::Normal) };
    h.service.update_post(id, AUTHOR, changed, QuestionChoice::default(), &[], Vec::new()).await.unwrap();
    let (view, _) = h.service.post(id, READER).await.unwrap();
    assert_eq!((view.post.draft.title.as_str(), view.post.modified_at), ("고친 제목", h.clock.now()));
}

#[tokio::test]
async fn an_edit_keeps_at_most_five_images_counting_those_it_keeps() {
    let h = Harness::new();
    let id = write(&h, AUTHOR, draft(PostKind::Normal), pngs(4)).await.unwrap();
    let (view, _) = h.service.post(id, READER).await.unwrap();
    let first = view.post.images[0].clone();
    let err = edit(&h, id, AUTHOR, draft(PostKind::Normal), &[], 2).await.unwrap_err();
    assert!(matches!(err, CommunityError::InvalidImage(_)), "four kept and two added: {err:?}");
    assert_eq!(h.storage.keys().len(), 4, "the refused images were not stored");

    let images = edit(&h, id, AUTHOR, draft(PostKind::Normal), &[first.id], 2).await.unwrap();
    assert_eq!(images.len(), 5);
    assert!(!images.contains(&first.id));
    assert_eq!(h.storage.keys().len(), 5, "the removed image is deleted, the new ones stored");
    assert!(!h.storage.keys().contains(&first.key));
}

#[tokio::test]
async fn a_post_is_read_with_its_comments_each_above_its_replies() {
    let h = Harness::new();
    let id = write(&h, AUTHOR, draft(PostKind::Normal), Vec::new()).await.unwrap();
    let first = h.service.add_comment(id, READER, None, "질문 있어요").await.unwrap();
    let second = h.service.add_comment(id, READER, None, "하나 더").await.unwrap();
    let reply = h.service.add_comment(id, AUTHOR, Some(first), "답변").await.unwrap();
    let another = h.service.add_comment(id, READER, Some(first), "감사합니다").await.unwrap();
    let (_, threads) = h.service.post(id, READER).await.unwrap();
    let shape: Vec<(i64, Vec<i64>)> =
        threads.iter().map(|t| (t.comment.id, t.replies.iter().map(|r| r.id).collect())).collect();
    assert_eq!(shape, [(first, vec![reply, another]), (second, vec![])]);
}

#[tokio::test]
async fn lists_come_a_page_at_a_time_and_a_board_list_filters_by_kind() {
    let h = Harness::new();
    for kind in [PostKind::Normal, PostKind::Tip, PostKind::Tip] {
        write(&h, AUTHOR, draft(kind), Vec::new()).await.unwrap();
    }
    write(&h, READER, draft(PostKind::Normal), Vec::new()).await.unwrap();
    let two = cercat_common::paging::PageRequest::parse(Some(0), Some(2), None, None, &[]).unwrap();
    let mine = PostFilter { author_id: Some(AUTHOR), ..PostFilter::default() };
    let first = h.service.list(mine.clone(), &two.into(), READER).await.unwrap();
    assert_eq!((first.content.len(), first.has_next), (2, true));
    let next = cercat_common::paging::PageRequest::parse(Some(1), Some(2), None, None, &[]).unwrap();
    let rest = h.service.list(mine, &next.into(), READER).await.unwrap();
    assert_eq!((rest.content.len(), rest.has_next), (1, false), "three by the author in all");

    let tips = h.service.board_posts(1, Some(" TIP "), None, &page().into(), READER).await.unwrap();
    assert_eq!(tips.content.iter().filter(|v| v.post.draft.kind == PostKind::Tip).count(), 2);
    assert_eq!(tips.content.len(), 2);
    let short = h.service.board_posts(1, None, Some(" 가 "), &page().into(), READER).await;
    assert!(matches!(short, Err(CommunityError::InvalidQuery { field: "keyword", .. })), "{short:?}");
    assert!(h.keywords.searched().is_empty(), "a refused keyword is not a search");
}

/// A board walked by cursor while others post sees every older post once, in order; the
/// cursor is refused on another board, with a page number or another sort, and tampered.
#[tokio::test]
async fn a_board_walked_by_cursor_while_others_post_has_no_duplicates_and_no_gaps() {
    use crate::service::PostPaging;
    let h = Harness::new();
    let mut before = Vec::new();
    for _ in 0..5 {
        before.push(write(&h, AUTHOR, draft(PostKind::Tip), Vec::new()).await.unwrap());
    }
    before.reverse();
    let sized = |page: i64, sort: Option<&str>, cursor: Option<&str>| PostPaging {
        page: cercat_common::paging::PageRequest::parse(Some(page), Some(2), sort, None, &["createdAt", "id", "count"])
            .unwrap(),
        cursor: cursor.map(str::to_owned),
    };
    let mut page = h.service.board_posts(1, Some("TIP"), None, &sized(0, None, None), READER).await.unwrap();
    let mut seen: Vec<i64> = page.content.iter().map(|v| v.post.id).collect();
    let first_cursor = page.next_cursor.clone().unwrap();
    while let Some(cursor) = page.next_cursor.clone() {
        write(&h, READER, draft(PostKind::Tip), Vec::new()).await.unwrap();
        page = h.service.board_posts(1, Some("TIP"), None, &sized(0, None, Some(&cursor)), READER).await.unwrap();
        seen.extend(page.content.iter().map(|v| v.post.id));
    }
    assert_eq!(seen, before);
    let refused = |r: Result<_, CommunityError>| match r {
        Err(CommunityError::InvalidQuery { field, .. }) => Some(field),
        _ => None,
    };
    let paging = sized(0, None, Some(&first_cursor));
    let other_kind = h.service.board_posts(1, Some("NORMAL"), None, &paging, READER);
    assert_eq!(refused(other_kind.await), Some("cursor"));
    let mut tampered = first_cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    let paging = sized(0, None, Some(&tampered));
    let changed = h.service.board_posts(1, Some("TIP"), None, &paging, READER);
    assert_eq!(refused(changed.await), Some("cursor"));
    let paging = sized(1, None, Some(&first_cursor));
    let paged = h.service.board_posts(1, Some("TIP"), None, &paging, READER);
    assert_eq!(refused(paged.await), Some("page"));
    let paging = sized(0, Some("count"), Some(&first_cursor));
    let sorted = h.service.board_posts(1, Some("TIP"), None, &paging, READER);
    assert_eq!(refused(sorted.await), Some("sortFields"));
    let by_likes = h.service.board_posts(1, Some("TIP"), None, &sized(0, Some("count"), None), READER).await.unwrap();
    assert_eq!((by_likes.has_next, by_likes.next_cursor), (true, None), "no cursor for another order");
}

#[tokio::test]
async fn the_best_tips_are_the_three_most_liked_cached_until_a_tip_changes() {
    let h = Harness::new();
    let mut tips = Vec::new();
    for _ in 0..4 {
        tips.push(write(&h, AUTHOR, tip(&[]), Vec::new()).await.unwrap());
    }
    let popular_normal = write(&h, AUTHOR, draft(PostKind::Normal), Vec::new()).await.unwrap();
    for (post, likers) in [(tips[0], 2), (tips[1], 1), (tips[3], 3), (popular_normal, 5)] {
        for user in 0..likers {
            h.service.like(10 + user, crate::LikeTarget::Post, post).await.unwrap();
        }
    }
    let ids = |views: Vec<crate::commentary::PostView>| views.into_iter().map(|v| v.post.id).collect::<Vec<_>>();
    let best = ids(h.service.best_tips(1, READER).await.unwrap());
    assert_eq!(best, [tips[3], tips[0], tips[1]], "tips only, most liked first");
    let cached = cache::get_json::<Vec<i64>>(&*h.cache, &best_tips_key(1)).await.unwrap();
    assert_eq!(cached, Some(best.clone()));

    for user in 0..4 {
        h.service.like(20 + user, crate::LikeTarget::Post, tips[2]).await.unwrap();
    }
    assert_eq!(ids(h.service.best_tips(1, READER).await.unwrap()), best, "likes alone wait for the cache to lapse");
    edit(&h, tips[2], AUTHOR, tip(&["기출"]), &[], 0).await.unwrap();
    assert_eq!(
        ids(h.service.best_tips(1, READER).await.unwrap()),
        [tips[2], tips[3], tips[0]],
        "an edit drops the cache"
    );
    h.service.delete_post(tips[3], AUTHOR, false).await.unwrap();
    assert_eq!(ids(h.service.best_tips(1, READER).await.unwrap()), [tips[2], tips[0], tips[1]], "so does a deletion");
    assert!(h.service.best_tips(2, READER).await.unwrap().is_empty(), "per board");
}

#[tokio::test]
async fn the_best_tips_are_served_without_a_cache() {
    let h = Harness::with_cache(MapCache::broken());
    let id = write(&h, AUTHOR, tip(&[]), Vec::new()).await.unwrap();
    let best = h.service.best_tips(1, READER).await.unwrap();
    assert_eq!(best.iter().map(|v| v.post.id).collect::<Vec<_>>(), [id]);
    h.service.delete_post(id, AUTHOR, false).await.unwrap();
    assert!(h.service.best_tips(1, READER).await.unwrap().is_empty(), "nothing stale is served");
}
