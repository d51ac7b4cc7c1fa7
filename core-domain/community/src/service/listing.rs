//! Post lists a page at a time: by page number (what Cercat's web client sends) or by cursor,
//! newest first by `(createdAt, id)`, so a walk while others post sees no duplicates and no gaps.

use cercat_common::paging::{CursorPage, Direction, Keyset, KeysetRequest, PageRequest, SortOrder};

use crate::{CommunityError, CommunityService, PostKind, commentary::PostView, ports::PostFilter};

/// How a post list is asked for: the page parameters, and the cursor when paging by cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostPaging {
    /// `page`, `size` and the sort. With a cursor only `size` counts: `page` must be 0 and the
    /// sort the default newest-first one.
    pub page: PageRequest,
    /// `nextCursor` of the previous page; `None` (or blank) for page paging and first pages.
    pub cursor: Option<String>,
}

impl From<PageRequest> for PostPaging {
    fn from(page: PageRequest) -> Self {
        Self { page, cursor: None }
    }
}

/// Whether `sort` is the keyset order, newest first by `(createdAt, id)` (what an empty sort
/// means too): only then do pages hand out cursors, or accept one.
fn keyset_order(sort: &[SortOrder]) -> bool {
    let is = |s: &SortOrder, field: &str| s.field == field && s.direction == Direction::Desc;
    match sort {
        [] => true,
        [at] => is(at, "createdAt"),
        [at, id] => is(at, "createdAt") && is(id, "id"),
        _ => false,
    }
}

/// The name of the list `filter` shows, put in its cursors so one list's cursor is refused on
/// another. A search is one list per board whatever the keyword: every keyword pages the same
/// newest-first order, so such a cursor is still a position.
fn list_name(filter: &PostFilter) -> String {
    let n = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
    let m = |v: Option<i32>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
    format!(
        "posts/b{}/k{}/a{}/c{}/q{}.{}.{}/s{}",
        n(filter.certificate_id),
        filter.kind.map_or("-", PostKind::as_str),
        n(filter.author_id),
        n(filter.commented_by),
        m(filter.exam_year),
        m(filter.round),
        m(filter.question_number),
        u8::from(filter.keyword.is_some()),
    )
}

impl CommunityService {
    /// Posts matching `filter`, a page at a time (pages past the end are empty). A page in the
    /// default newest-first order carries `next_cursor` when more exist; passing it back (with
    /// `page` 0 and no other sort, else 400 naming `page` or `sortFields`) gives the posts
    /// strictly older than the page's last one. A cursor of another list, a changed one or
    /// garbage is refused naming `cursor`.
    pub async fn list(
        &self,
        filter: PostFilter,
        paging: &PostPaging,
        viewer: i64,
    ) -> Result<CursorPage<PostView>, CommunityError> {
        let page = &paging.page;
        let list = list_name(&filter);
        let ordered = keyset_order(page.sort());
        let cursor = paging.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let after = match cursor {
            None => None,
            Some(_) if page.page() > 0 => {
                return Err(CommunityError::InvalidQuery {
                    field: "page",
                    reason: "must be 0 (or left out) with a cursor".into(),
                });
            }
            Some(_) if !ordered => {
                return Err(CommunityError::InvalidQuery {
                    field: "sortFields",
                    reason: "must be left out (newest first) with a cursor".into(),
                });
            }
            Some(c) => {
                KeysetRequest::parse(&list, Some(c), Some(i64::from(page.size())))
                    .map_err(|e| CommunityError::InvalidQuery { field: e.field, reason: e.reason })?
                    .after
            }
        };
        let offset = if after.is_some() { 0 } else { page.offset() };
        let mut rows = self.posts.list(&filter, page.sort(), offset, after, page.fetch_limit(), viewer).await?;
        let has_next = rows.len() > page.size() as usize;
        rows.truncate(page.size() as usize);
        let next_cursor = match rows.last() {
            Some(last) if has_next && ordered => Some(Keyset { at: last.created_at, id: last.id }.encode(&list)),
            _ => None,
        };
        Ok(CursorPage { content: self.views(rows).await?, next_cursor, has_next })
    }

    /// A board's posts as its list shows them: of one kind (`post_type`; `REVIEW` lists
    /// nothing, exam reviews being served by their own list) or matching a keyword in title or
    /// content, paged as [`CommunityService::list`] pages. A search's first page counts as one
    /// search of that board (scrolling, by page or by cursor, does not). An unknown board is
    /// [`CommunityError::BoardNotFound`], with or without a keyword.
    pub async fn board_posts(
        &self,
        certificate_id: i64,
        post_type: Option<&str>,
        keyword: Option<&str>,
        paging: &PostPaging,
        viewer: i64,
    ) -> Result<CursorPage<PostView>, CommunityError> {
        let kind = match post_type.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some("REVIEW") => {
                self.ensure_board(certificate_id).await?;
                return Ok(CursorPage { content: Vec::new(), next_cursor: None, has_next: false });
            }
            Some(t) => Some(PostKind::parse(t).ok_or_else(|| CommunityError::InvalidQuery {
                field: "postType",
                reason: "must be NORMAL, TIP, COMMENTARY or REVIEW".into(),
            })?),
        };
        let keyword = match Self::keyword_filter(keyword)? {
            None => None,
            Some(found) => {
                // Searches are recorded per board: only for boards that exist.
                self.ensure_board(certificate_id).await?;
                Some(found)
            }
        };
        let searched = keyword.as_ref().map(|(k, _)| k.clone());
        let filter = PostFilter { certificate_id: Some(certificate_id), kind, keyword, ..PostFilter::default() };
        let first = paging.page.page() == 0 && paging.cursor.as_deref().is_none_or(|c| c.trim().is_empty());
        let posts = self.list(filter, paging, viewer).await?;
        // A board with posts exists; an empty page asks, so an unknown board is 404 with or
        // without a keyword (and a list that finds posts costs no extra query).
        if posts.content.is_empty() && searched.is_none() {
            self.ensure_board(certificate_id).await?;
        }
        if let Some(keyword) = searched.filter(|_| first) {
            self.record_search(viewer, certificate_id, &keyword).await;
        }
        Ok(posts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_first_order_pages_by_cursor() {
        let desc = |f: &str| SortOrder { field: f.into(), direction: Direction::Desc };
        let asc = |f: &str| SortOrder { field: f.into(), direction: Direction::Asc };
        assert!(keyset_order(&[]));
        assert!(keyset_order(&[desc("createdAt")]));
        assert!(keyset_order(&[desc("createdAt"), desc("id")]));
        assert!(!keyset_order(&[desc("createdAt"), asc("id")]));
        assert!(!keyset_order(&[desc("count")]));
        assert!(!keyset_order(&[asc("createdAt")]));
    }

    #[test]
    fn each_filter_names_its_own_list() {
        let board = PostFilter { certificate_id: Some(1), kind: Some(PostKind::Tip), ..PostFilter::default() };
        let other_kind = PostFilter { kind: Some(PostKind::Normal), ..board.clone() };
        let other_board = PostFilter { certificate_id: Some(2), ..board.clone() };
        let search = PostFilter { keyword: Some(("망".into(), Vec::new())), ..board.clone() };
        let names = [&board, &other_kind, &other_board, &search].map(list_name);
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
