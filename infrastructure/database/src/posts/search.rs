//! Keyword search over posts: candidates from the bigram token index, then the substring check.

use sea_orm::{
    ColumnTrait, Condition, QueryFilter, Select,
    sea_query::{Expr, ExprTrait, LikeExpr, Query},
};

use crate::entity::{post, post_token};

/// `s` as a `LIKE` pattern matching it anywhere (escaped with `\`).
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Narrows `query` to posts whose title or content contains `keyword` (already normalized),
/// found through its `tokens`: a post is a candidate when every token is indexed for it.
pub(super) fn matching(query: Select<post::Entity>, keyword: &str, tokens: &[String]) -> Select<post::Entity> {
    let n = i64::try_from(tokens.len()).unwrap_or(i64::MAX);
    let pattern = || LikeExpr::new(escape_like(keyword)).escape('\\');
    query
        .filter(
            post::Column::Id.in_subquery(
                Query::select()
                    .column(post_token::Column::PostId)
                    .from(post_token::Entity)
                    .and_where(post_token::Column::Token.is_in(tokens.to_vec()))
                    .group_by_col(post_token::Column::PostId)
                    .and_having(Expr::col(post_token::Column::Token).count_distinct().eq(n))
                    .to_owned(),
            ),
        )
        .filter(
            Condition::any()
                .add(Expr::col(post::Column::Title).like(pattern()))
                .add(Expr::col(post::Column::Content).like(pattern())),
        )
}
