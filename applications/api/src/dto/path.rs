//! The named path segments that take one of a few words, as the document lists them. The
//! handlers parse these with the domain's own parsers (`PostKind::parse`, `ResultFilter::parse`,
//! `ReportPeriod::parse`, the OAuth provider registry); these enums only give the schema its
//! `enum`, and a test checks each word parses.

use utoipa::ToSchema;

/// A board's post kind (`postType`).
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PostTypeSegment {
    /// Free posts.
    Normal,
    /// Tips.
    Tip,
    /// Question commentaries.
    Commentary,
}

/// Which results a date-filtered list shows (`dateType`).
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DateTypeSegment {
    /// One day (`date`).
    Date,
    /// A week of a month (`year`, `month`, `weekOfMonth`).
    WeekOfMonth,
    /// A month (`year`, `month`).
    Month,
}

/// A score report's period (`reportType`).
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportTypeSegment {
    /// A week: one bar per day.
    Weekly,
    /// A month: one bar per week.
    Monthly,
    /// A year: one bar per month.
    Yearly,
}

/// An OAuth2 sign-in provider (`provider`). One that is not configured answers 404 `USR_015`.
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ProviderSegment {
    /// Kakao.
    Kakao,
    /// Google.
    Google,
    /// Apple.
    Apple,
}

#[cfg(test)]
mod tests {
    use cercat_community::PostKind;
    use cercat_mockexam::{ReportPeriod, ResultFilter};

    fn words<T: utoipa::PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap_or_default();
        schema["enum"].as_array().into_iter().flatten().filter_map(|w| w.as_str().map(str::to_owned)).collect()
    }

    #[test]
    fn every_listed_word_is_one_the_handlers_parse() {
        let kinds = words::<super::PostTypeSegment>();
        assert_eq!(kinds.len(), 3);
        assert!(kinds.iter().all(|k| PostKind::parse(k).is_some()), "{kinds:?}");
        let dates = words::<super::DateTypeSegment>();
        assert_eq!(dates, ["DATE", "WEEK_OF_MONTH", "MONTH"]);
        assert!(dates.iter().all(|d| ResultFilter::parse(d, Some(2026), Some(5), Some(1), Some("2026-05-01")).is_ok()));
        let reports = words::<super::ReportTypeSegment>();
        assert_eq!(reports, ["WEEKLY", "MONTHLY", "YEARLY"]);
        assert!(reports.iter().all(|r| ReportPeriod::parse(r, Some(2026), Some(5), Some(1)).is_ok()));
        assert_eq!(words::<super::ProviderSegment>(), ["kakao", "google", "apple"]);
    }
}
