//! `page`, `size`, `sortFields`, `sortDirections`.

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
