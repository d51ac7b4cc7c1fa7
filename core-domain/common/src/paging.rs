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
        // A blank list is no list; otherwise every comma-separated entry must name something.
        let split = |s: Option<&str>, field: &'static str| -> Result<Vec<String>, PagingError> {
            let Some(s) = s.filter(|s| !s.trim().is_empty()) else { return Ok(Vec::new()) };
            s.split(',')
                .map(str::trim)
                .map(|t| {
                    if t.is_empty() {
                        Err(PagingError { field, reason: "has an empty entry".into() })
                    } else {
                        Ok(t.to_owned())
                    }
                })
                .collect()
        };
        let fields = split(sort_fields, "sortFields")?;
        let directions = split(sort_directions, "sortDirections")?
            .into_iter()
            .map(|d| match d.to_ascii_uppercase().as_str() {
                "ASC" => Ok(Direction::Asc),
                "DESC" => Ok(Direction::Desc),
                _ => Err(PagingError { field: "sortDirections", reason: format!("`{d}` is not ASC or DESC") }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Directions pair with fields in order (`DESC` when a field has none); one beyond the
        // fields has nothing to order and is ignored.
        let mut sort = Vec::with_capacity(fields.len());
        for (i, field) in fields.into_iter().enumerate() {
            if !allowed_fields.contains(&field.as_str()) {
                return Err(PagingError {
                    field: "sortFields",
                    reason: format!("`{field}` cannot be sorted on; use one of: {}", allowed_fields.join(", ")),
                });
            }
            sort.push(SortOrder { field, direction: directions.get(i).copied().unwrap_or(Direction::Desc) });
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

/// Where a keyset page ends: the `(createdAt, id)` of its last item in the list's order. The
/// next page holds the items strictly after it in that order, so rows written meanwhile never
/// shift a page (no duplicates, no gaps). Clients see it as an opaque `cursor` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    /// The last item's creation time.
    pub at: DateTime<Utc>,
    /// The last item's id (ties on `at` are ordered by id, in the list's direction).
    pub id: i64,
}

/// Longest cursor string [`Keyset::decode`] reads; anything longer was not handed out here.
const MAX_CURSOR_CHARS: usize = 512;

/// 64-bit FNV-1a over `bytes`: cheap, and any single changed byte changes it (each step is a
/// bijection of the state), which is what a cursor's check needs.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Lowercase hex of `bytes` (common has no base64 dependency, and a cursor needs no more).
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xf)]]).map(char::from).collect()
}

/// The bytes of lowercase hex `text`; `None` for anything else (uppercase too, so each cursor
/// has exactly one spelling).
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes.chunks(2).map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?)).collect()
}

impl Keyset {
    /// The opaque cursor string for a position in `list`: lowercase hex of
    /// `<list>|<seconds>.<nanoseconds>|<id>|<check>`, where `<check>` is the 64-bit FNV-1a of
    /// the text before it. The time keeps every digit the store kept, so the next page starts
    /// exactly after this row.
    ///
    /// The check is a checksum, not a secret: it catches a cursor mangled in transit or by hand
    /// and one reused on another list ([`Keyset::decode`] refuses both). Anyone may forge a
    /// valid cursor, but a forged cursor can only name a position in a list the caller may
    /// already read, so it reveals nothing a page walk would not.
    pub fn encode(&self, list: &str) -> String {
        let body = format!("{list}|{}.{:09}|{}", self.at.timestamp(), self.at.timestamp_subsec_nanos(), self.id);
        hex(format!("{body}|{:016x}", fnv1a(body.as_bytes())).as_bytes())
    }

    /// Reads a cursor that [`Keyset::encode`] made for `list`. Garbage, a cursor with any byte
    /// changed, and a cursor of another list are refused with `field: "cursor"`.
    pub fn decode(list: &str, cursor: &str) -> Result<Self, PagingError> {
        let bad = || PagingError { field: "cursor", reason: "is not a cursor this API handed out".into() };
        if cursor.len() > MAX_CURSOR_CHARS {
            return Err(bad());
        }
        let text = unhex(cursor).and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad)?;
        let (body, check) = text.rsplit_once('|').ok_or_else(bad)?;
        if check.len() != 16 || u64::from_str_radix(check, 16).ok() != Some(fnv1a(body.as_bytes())) {
            return Err(bad());
        }
        let mut parts = body.rsplitn(3, '|');
        let (id, time, of) = match (parts.next(), parts.next(), parts.next()) {
            (Some(id), Some(time), Some(of)) => (id, time, of),
            _ => return Err(bad()),
        };
        if of != list {
            return Err(PagingError {
                field: "cursor",
                reason: "belongs to another list; start this one without a cursor".into(),
            });
        }
        let (secs, nanos) = time.split_once('.').ok_or_else(bad)?;
        let secs: i64 = secs.parse().map_err(|_| bad())?;
        let nanos: u32 = nanos.parse().map_err(|_| bad())?;
        let at = DateTime::<Utc>::from_timestamp(secs, nanos).ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let keyset = Self { at, id };
        // Only the one spelling encode makes is accepted (no `+1`, leading zeros, leap nanos…).
        if id <= 0 || keyset.encode(list) != cursor {
            return Err(bad());
        }
        Ok(keyset)
    }
}

/// A validated keyset page request on one list: `cursor` (where the previous page ended) and
/// `size`. The list's name goes into every cursor its pages hand out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysetRequest {
    /// The list paged, e.g. `products` or `orders:BUYER`; a cursor of another list is refused.
    pub list: String,
    /// Start after this item; `None` for the first page.
    pub after: Option<Keyset>,
    /// Items per page (1–[`MAX_PAGE_SIZE`]).
    pub size: u32,
}

impl KeysetRequest {
    /// Checks `cursor` (made for `list`) and `size` (default [`DEFAULT_PAGE_SIZE`]); a blank
    /// cursor asks for the first page.
    pub fn parse(list: &str, cursor: Option<&str>, size: Option<i64>) -> Result<Self, PagingError> {
        let size = size.unwrap_or(i64::from(DEFAULT_PAGE_SIZE));
        if !(1..=i64::from(MAX_PAGE_SIZE)).contains(&size) {
            return Err(PagingError { field: "size", reason: format!("must be between 1 and {MAX_PAGE_SIZE}") });
        }
        let after = cursor.filter(|c| !c.trim().is_empty()).map(|c| Keyset::decode(list, c.trim())).transpose()?;
        Ok(Self { list: list.to_owned(), after, size: size as u32 })
    }

    /// The first page of `list`, `size` items (callers inside the server, tests).
    pub fn first(list: &str, size: u32) -> Self {
        Self { list: list.to_owned(), after: None, size: size.clamp(1, MAX_PAGE_SIZE) }
    }

    /// Rows to fetch: one more than the page, to learn whether another page exists.
    pub fn fetch_limit(&self) -> u64 {
        u64::from(self.size) + 1
    }
}

/// A keyset page: the items, the cursor of the next page, and whether it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPage<T> {
    /// The items, in the list's order.
    pub content: Vec<T>,
    /// Pass this as `cursor` for the next page (`None` on the last page).
    pub next_cursor: Option<String>,
    /// Whether another page exists.
    pub has_next: bool,
}

impl<T> CursorPage<T> {
    /// Builds the page from up to `size + 1` fetched rows in the list's order; `key` reads an
    /// item's keyset, and the next cursor is made for the request's list.
    pub fn from_fetched(mut rows: Vec<T>, request: &KeysetRequest, key: impl Fn(&T) -> Keyset) -> Self {
        let has_next = rows.len() > request.size as usize;
        rows.truncate(request.size as usize);
        let next_cursor = if has_next { rows.last().map(|last| key(last).encode(&request.list)) } else { None };
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
        let k = Keyset { at: DateTime::<Utc>::from_timestamp(1_764_000_000, 123_456_789).unwrap_or_default(), id: 42 };
        let cursor = k.encode("orders:BUYER");
        assert_eq!(Keyset::decode("orders:BUYER", &cursor), Ok(k));
        for bad in ["", "x", "12", "12.x", "1.x", "garbage", "0g", &cursor.to_uppercase(), &format!("{cursor}00")] {
            assert_eq!(Keyset::decode("orders:BUYER", bad).map_err(|e| e.field), Err("cursor"), "{bad}");
        }
        assert_eq!(KeysetRequest::parse("products", None, Some(101)).map_err(|e| e.field), Err("size"));
        assert_eq!(KeysetRequest::parse("products", Some(" "), None), Ok(KeysetRequest::first("products", 10)));
        let rows: Vec<i64> = (1..=11).rev().collect();
        let page =
            CursorPage::from_fetched(rows, &KeysetRequest::first("products", 10), |id| Keyset { at: k.at, id: *id });
        assert_eq!(
            (page.content.len(), page.has_next, page.next_cursor),
            (10, true, Some(Keyset { at: k.at, id: 2 }.encode("products")))
        );
    }

    #[test]
    fn a_cursor_of_another_list_is_refused_naming_the_cursor() {
        let k = Keyset { at: DateTime::<Utc>::from_timestamp(1_764_000_000, 0).unwrap_or_default(), id: 7 };
        for (made, read) in [("orders:BUYER", "orders:SELLER"), ("products", "orders:BUYER"), ("posts", "posts:1")] {
            let refused = KeysetRequest::parse(read, Some(&k.encode(made)), None).err();
            assert_eq!(refused.map(|e| e.field), Some("cursor"), "{made} read as {read}");
        }
    }

    #[test]
    fn every_single_byte_tamper_is_refused() {
        let k = Keyset { at: DateTime::<Utc>::from_timestamp(1_764_000_000, 5_000).unwrap_or_default(), id: 1234 };
        let cursor = k.encode("orders:SELLER").into_bytes();
        for i in 0..cursor.len() {
            for b in 0..=255u8 {
                if b == cursor[i] {
                    continue;
                }
                let mut tampered = cursor.clone();
                tampered[i] = b;
                let Ok(text) = String::from_utf8(tampered) else { continue };
                assert_eq!(
                    Keyset::decode("orders:SELLER", &text).map_err(|e| e.field),
                    Err("cursor"),
                    "byte {i} set to {b}"
                );
            }
        }
        // The same for the decoded text: a cursor re-encoded with one byte changed (a new
        // position, list or check written by hand) fails its check.
        let text = String::from_utf8(unhex(&k.encode("orders:SELLER")).unwrap_or_default()).unwrap_or_default();
        for i in 0..text.len() {
            for b in 0x20..0x7f_u8 {
                let mut bytes = text.clone().into_bytes();
                if bytes[i] == b {
                    continue;
                }
                bytes[i] = b;
                assert!(Keyset::decode("orders:SELLER", &hex(&bytes)).is_err(), "decoded byte {i} set to {b}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_position_round_trips(secs in 0i64..4_000_000_000, nanos in 0u32..1_000_000_000, id in 1i64..i64::MAX) {
            let at = DateTime::<Utc>::from_timestamp(secs, nanos).unwrap_or_default();
            let k = Keyset { at, id };
            proptest::prop_assert_eq!(Keyset::decode("posts", &k.encode("posts")), Ok(k));
        }
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
