//! `page`, `size`, `sortFields`, `sortDirections`, and `cursor` where a list also pages by cursor.

use cercat_common::paging::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use cercat_http::AppError;

/// Slice paging parameters (sort lists may have spaces after commas, as Cercat's client sends).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    /// 0-based page (default 0).
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 10).
    pub size: Option<i64>,
    /// Comma-separated sort fields.
    pub sort_fields: Option<String>,
    /// Comma-separated `ASC`/`DESC`, one per field (default `DESC`).
    pub sort_directions: Option<String>,
}

impl PageQuery {
    /// Validates against the endpoint's sortable fields.
    pub fn request(&self, allowed: &[&str]) -> Result<PageRequest, AppError> {
        PageRequest::parse(self.page, self.size, self.sort_fields.as_deref(), self.sort_directions.as_deref(), allowed)
            .map_err(|e| AppError::invalid_query(e.field, &e.reason))
    }
}

/// Cursor paging, for lists that offer it beside page numbers (`size` comes from [`PageQuery`]).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct CursorQuery {
    /// `nextCursor` of the previous page: the items strictly older than its last one, newest
    /// first by (createdAt, id), unaffected by items written meanwhile. Opaque; only valid on
    /// the list that handed it out (another list's, or a changed one, answers 400 naming
    /// `cursor`). Leave `page` at 0 and `sortFields` out with it.
    pub cursor: Option<String>,
}
