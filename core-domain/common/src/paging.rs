//! Slice paging (`page`, `size`, `sortFields`, `sortDirections` → `{content, hasNext}`).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Largest page size a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size when the client gives none.
pub const DEFAULT_PAGE_SIZE: u32 = 10;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `ASC`: smallest first.
    Asc,
    /// `DESC`: largest (newest) first; the default when `sortDirections` is not given.
    Desc,
}

/// One sort key, already checked against the fields an endpoint allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortOrder {
    /// The field, as the endpoint names it.
    pub field: String,
    /// Its direction.
    pub direction: Direction,
}

/// Why a paging request was refused; `field` is the query parameter to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct PagingError {
    /// `page`, `size`, `sortFields` or `sortDirections`.
    pub field: &'static str,
    /// What is accepted.
    pub reason: String,
}

/// A validated page request. Build it with [`PageRequest::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    size: u32,
    sort: Vec<SortOrder>,
}

impl PageRequest {
    /// Checks `page`/`size` and the comma-separated sort lists (items are trimmed, because
    /// Cercat's client sends `createdAt, id`). Unknown sort fields are refused; a missing
    /// direction defaults to `DESC` like the original API.
    pub fn parse(
        page: Option<i64>,
        size: Option<i64>,
        sort_fields: Option<&str>,
        sort_directions: Option<&str>,
        allowed_fields: &[&str],
    ) -> Result<Self, PagingError> {
        let page = page.unwrap_or(0);
        if !(0..=1_000_000).contains(&page) {
            return Err(PagingError { field: "page", reason: "must be between 0 and 1000000".into() });
        }
        let size = size.unwrap_or(i64::from(DEFAULT_PAGE_SIZE));
        if !(1..=i64::from(MAX_PAGE_SIZE)).contains(&size) {
            return Err(PagingError { field: "size", reason: format!("must be between 1 and {MAX_PAGE_SIZE}") });
        }
        let split = |s: Option<&str>| -> Vec<String> {
            s.map(|s| s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default()
        };
        let fields = split(sort_fields);
        let directions = split(sort_directions);
        if directions.len() > fields.len() {
            return Err(PagingError { field: "sortDirections", reason: "has more entries than sortFields".into() });
        }
        let mut sort = Vec::with_capacity(fields.len());
        for (i, field) in fields.into_iter().enumerate() {
            if !allowed_fields.contains(&field.as_str()) {
                return Err(PagingError {
                    field: "sortFields",
                    reason: format!("`{field}` cannot be sorted on; use one of: {}", allowed_fields.join(", ")),
                });
            }
            let direction = match directions.get(i).map(|d| d.to_ascii_uppercase()) {
                None => Direction::Desc,
                Some(d) if d == "ASC" => Direction::Asc,
                Some(d) if d == "DESC" => Direction::Desc,
                Some(other) => {
                    return Err(PagingError {
                        field: "sortDirections",
                        reason: format!("`{other}` is not ASC or DESC"),
                    });
                }
            };
            sort.push(SortOrder { field, direction });
        }
        // Page and size are bounded above, so these conversions cannot truncate.
        Ok(Self { page: page as u32, size: size as u32, sort })
    }

    /// 0-based page number.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Items per page.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Sort keys in priority order.
    pub fn sort(&self) -> &[SortOrder] {
        &self.sort
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        u64::from(self.page) * u64::from(self.size)
    }

    /// Rows to fetch: one more than the page, to learn whether another page exists.
    pub fn fetch_limit(&self) -> u64 {
        u64::from(self.size) + 1
    }
}

/// A page of results and whether more exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Slice<T> {
    /// The items (empty past the end).
    pub content: Vec<T>,
    /// Whether the next page has items.
    pub has_next: bool,
}

impl<T> Slice<T> {
    /// Builds a slice from up to `size + 1` fetched rows.
    pub fn from_fetched(mut rows: Vec<T>, request: &PageRequest) -> Self {
        let size = request.size() as usize;
        let has_next = rows.len() > size;
        rows.truncate(size);
        Self { content: rows, has_next }
    }

    /// Converts each item.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Slice<U> {
        Slice { content: self.content.into_iter().map(f).collect(), has_next: self.has_next }
    }
}

/// Where a keyset page ends: the `(createdAt, id)` of its last item, newest first. The next
/// page holds the items strictly older in that order, so rows written meanwhile never shift a
/// page (no duplicates, no gaps). Clients see it as an opaque `cursor` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    /// The last item's creation time.
    pub at: DateTime<Utc>,
    /// The last item's id (ties on `at` are ordered by id, descending).
    pub id: i64,
}

impl Keyset {
    /// The opaque cursor string (`<microseconds>.<id>`).
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at.timestamp_micros(), self.id)
    }

    /// Reads a cursor handed out by [`Keyset::encode`].
    pub fn decode(cursor: &str) -> Result<Self, PagingError> {
        let bad = || PagingError { field: "cursor", reason: "is not a cursor this API handed out".into() };
        let (micros, id) = cursor.trim().split_once('.').ok_or_else(bad)?;
        let micros: i64 = micros.parse().map_err(|_| bad())?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad)?;
        if id <= 0 {
            return Err(bad());
        }
        Ok(Self { at, id })
    }
}

/// A validated keyset page request: `cursor` (where the previous page ended) and `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeysetRequest {
    /// Start after this item; `None` for the first page.
    pub after: Option<Keyset>,
    /// Items per page (1–[`MAX_PAGE_SIZE`]).
    pub size: u32,
}

impl KeysetRequest {
    /// Checks `cursor` and `size` (default [`DEFAULT_PAGE_SIZE`]).
    pub fn parse(cursor: Option<&str>, size: Option<i64>) -> Result<Self, PagingError> {
        let size = size.unwrap_or(i64::from(DEFAULT_PAGE_SIZE));
        if !(1..=i64::from(MAX_PAGE_SIZE)).contains(&size) {
            return Err(PagingError { field: "size", reason: format!("must be between 1 and {MAX_PAGE_SIZE}") });
        }
        let after = cursor.filter(|c| !c.trim().is_empty()).map(Keyset::decode).transpose()?;
        Ok(Self { after, size: size as u32 })
    }

    /// Rows to fetch: one more than the page, to learn whether another page exists.
    pub fn fetch_limit(&self) -> u64 {
        u64::from(self.size) + 1
    }
}

/// A keyset page: the items, the cursor of the next page, and whether it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPage<T> {
    /// The items, newest first.
    pub content: Vec<T>,
    /// Pass this as `cursor` for the next page (`None` on the last page).
    pub next_cursor: Option<String>,
    /// Whether another page exists.
    pub has_next: bool,
}

impl<T> CursorPage<T> {
    /// Builds the page from up to `size + 1` fetched rows, newest first; `key` reads an item's keyset.
    pub fn from_fetched(mut rows: Vec<T>, request: &KeysetRequest, key: impl Fn(&T) -> Keyset) -> Self {
        let has_next = rows.len() > request.size as usize;
        rows.truncate(request.size as usize);
        let next_cursor = if has_next { rows.last().map(|last| key(last).encode()) } else { None };
        Self { content: rows, next_cursor, has_next }
    }

    /// Converts each item.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> CursorPage<U> {
        CursorPage {
            content: self.content.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
            has_next: self.has_next,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let k =
            Keyset { at: DateTime::<Utc>::from_timestamp_micros(1_764_000_000_123_456).unwrap_or_default(), id: 42 };
        assert_eq!(Keyset::decode(&k.encode()), Ok(k));
        for bad in ["", "x", "12", "12.x", "12.0", "12.-3", "999999999999999999999.1"] {
            assert_eq!(Keyset::decode(bad).map_err(|e| e.field), Err("cursor"), "{bad}");
        }
        assert_eq!(KeysetRequest::parse(None, Some(101)).map_err(|e| e.field), Err("size"));
        assert_eq!(KeysetRequest::parse(Some(" "), None), Ok(KeysetRequest { after: None, size: 10 }));
        let rows: Vec<i64> = (1..=11).rev().collect();
        let page =
            CursorPage::from_fetched(rows, &KeysetRequest { after: None, size: 10 }, |id| Keyset { at: k.at, id: *id });
        assert_eq!(
            (page.content.len(), page.has_next, page.next_cursor),
            (10, true, Some(Keyset { at: k.at, id: 2 }.encode()))
        );
    }

    use super::*;

    #[test]
    fn trims_the_clients_space_after_commas() {
        let req = PageRequest::parse(Some(2), Some(10), Some("createdAt, id"), Some("DESC, ASC"), &["createdAt", "id"]);
        let req = req.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.offset(), 20);
        assert_eq!(req.sort()[1], SortOrder { field: "id".into(), direction: Direction::Asc });
    }

    #[test]
    fn refuses_bad_sizes_and_unknown_fields_naming_the_parameter() {
        let e = PageRequest::parse(None, Some(101), None, None, &[]).err();
        assert_eq!(e.map(|e| e.field), Some("size"));
        let e = PageRequest::parse(None, None, Some("password"), None, &["id"]).err();
        assert_eq!(e.map(|e| e.field), Some("sortFields"));
        let e = PageRequest::parse(Some(-1), None, None, None, &[]).err();
        assert_eq!(e.map(|e| e.field), Some("page"));
    }

    #[test]
    fn slices_report_has_next_from_the_extra_row() {
        let req = PageRequest::parse(None, Some(2), None, None, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Slice::from_fetched(vec![1, 2, 3], &req), Slice { content: vec![1, 2], has_next: true });
        assert_eq!(Slice::from_fetched(vec![1], &req), Slice { content: vec![1], has_next: false });
        assert_eq!(Slice::<i32>::from_fetched(vec![], &req), Slice { content: vec![], has_next: false });
    }
}
