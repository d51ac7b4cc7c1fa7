//! `page`, `size`, `sortFields`, `sortDirections`, and `cursor` where a list also pages by cursor.

use std::marker::PhantomData;

use cercat_common::paging::{MAX_PAGE_SIZE, PageRequest};
use serde::Deserialize;
use utoipa::{
    IntoParams,
    openapi::{
        Required,
        path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle},
        schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type},
    },
};

use cercat_http::AppError;

/// The fields a list sorts on: the type parameter of its [`PageQuery`], so the handler's
/// signature decides both what the server accepts and what the document lists.
pub trait Sorting {
    /// The names `sortFields` may hold (none: the list has one fixed order).
    const FIELDS: &'static [&'static str];
}

/// A list with one fixed order.
#[derive(Debug, Default)]
pub struct Unsorted;
impl Sorting for Unsorted {
    const FIELDS: &'static [&'static str] = &[];
}

/// Posts: newest (`createdAt`, `id`) or most liked (`count`).
#[derive(Debug, Default)]
pub struct PostSorting;
impl Sorting for PostSorting {
    const FIELDS: &'static [&'static str] = cercat_community::service::POST_SORT_FIELDS;
}

/// Wrong answers, with the names Cercat's client sends.
#[derive(Debug, Default)]
pub struct AnswerSorting;
impl Sorting for AnswerSorting {
    const FIELDS: &'static [&'static str] = cercat_mockexam::service::ANSWER_SORT_FIELDS;
}

/// The course catalogue.
#[derive(Debug, Default)]
pub struct CourseSorting;
impl Sorting for CourseSorting {
    const FIELDS: &'static [&'static str] = &["createdAt", "price", "enrollmentOpensAt", "capacity", "id"];
}

/// Slice paging parameters (sort lists may have spaces after commas, as Cercat's client sends).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", bound = "")]
pub struct PageQuery<S = Unsorted> {
    /// 0-based page (default 0).
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 10).
    pub size: Option<i64>,
    /// Comma-separated sort fields.
    pub sort_fields: Option<String>,
    /// Comma-separated `ASC`/`DESC`, one per field (default `DESC`).
    pub sort_directions: Option<String>,
    #[serde(skip)]
    sorting: PhantomData<S>,
}

impl<S: Sorting> PageQuery<S> {
    /// Validates against the list's sortable fields.
    pub fn request(&self) -> Result<PageRequest, AppError> {
        PageRequest::parse(
            self.page,
            self.size,
            self.sort_fields.as_deref(),
            self.sort_directions.as_deref(),
            S::FIELDS,
        )
        .map_err(|e| AppError::invalid_query(e.field, &e.reason))
    }
}

impl<S: Sorting> IntoParams for PageQuery<S> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let query = |name: &str, description: String| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
        };
        let integer = |minimum: i64, maximum: i64| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(minimum))
                .maximum(Some(maximum))
        };
        let mut params = vec![
            query("page", "0-based page (default 0).".into()).schema(Some(integer(0, 1_000_000))).build(),
            query("size", format!("Items per page, 1–{MAX_PAGE_SIZE} (default 10)."))
                .schema(Some(integer(1, i64::from(MAX_PAGE_SIZE))))
                .build(),
        ];
        if !S::FIELDS.is_empty() {
            let fields = ObjectBuilder::new().schema_type(Type::String).enum_values(Some(S::FIELDS.iter().copied()));
            let directions =
                ObjectBuilder::new().schema_type(Type::String).pattern(Some("^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$"));
            params.push(
                query("sortFields", "Comma-separated sort fields (a space after a comma is allowed).".into())
                    .style(Some(ParameterStyle::Form))
                    .explode(Some(false))
                    .schema(Some(ArrayBuilder::new().items(fields)))
                    .build(),
            );
            params.push(
                query(
                    "sortDirections",
                    "Comma-separated `ASC`/`DESC` (any case), paired with the sort fields in order (default \
                     `DESC`); one beyond them is ignored."
                        .into(),
                )
                .style(Some(ParameterStyle::Form))
                .explode(Some(false))
                .schema(Some(ArrayBuilder::new().items(directions)))
                .build(),
            );
        }
        params
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
