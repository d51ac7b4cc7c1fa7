//! Slice paging (`page`, `size`, `sortFields`, `sortDirections` → `{content, hasNext}`).

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

#[cfg(test)]
mod tests {
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
