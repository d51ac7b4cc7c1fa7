//! Properties of report buckets over random periods and results: every result of a period
//! lands in exactly one bucket, buckets tile their period in calendar order, and the figures
//! are the plain statistics of the scores.

use chrono::{Duration, TimeZone};
use proptest::prelude::*;

use super::*;

fn period() -> impl Strategy<Value = ReportPeriod> {
    (2000..=2100i32, 1..=12u32, 1..=6u32).prop_flat_map(|(year, month, week)| {
        let week = week.min(weeks_in_month(year, month).unwrap_or(1));
        prop_oneof![
            Just(ReportPeriod::Weekly { year, month, week }),
            Just(ReportPeriod::Monthly { year, month }),
            Just(ReportPeriod::Yearly { year }),
        ]
    })
}

/// Result times from a few days before the period to a few days after it, to the second.
fn scores_around(period: ReportPeriod) -> impl Strategy<Value = Vec<(DateTime<Utc>, i32)>> {
    let (start, end) = period.range();
    let span = (end - start).num_seconds() + 2 * 3 * 86_400;
    let from = start - Duration::days(3);
    prop::collection::vec((0..span, 0..=500i32), 0..60)
        .prop_map(move |raw| raw.into_iter().map(|(s, score)| (from + Duration::seconds(s), score)).collect())
}

fn within(range: (DateTime<Utc>, DateTime<Utc>), at: DateTime<Utc>) -> bool {
    range.0 <= at && at < range.1
}

proptest! {
    #[test]
    fn buckets_tile_the_period_in_calendar_order(period in period()) {
        let buckets = period.buckets();
        prop_assert!(!buckets.is_empty());
        for pair in buckets.windows(2) {
            prop_assert!(pair[0].first <= pair[0].last);
            prop_assert_eq!(pair[0].last.succ_opt(), Some(pair[1].first), "contiguous, no overlap");
        }
        let (first, last) = (buckets[0].first, buckets[buckets.len() - 1].last);
        prop_assert_eq!(period.range(), seoul_days_utc(first, last));
        match period {
            ReportPeriod::Weekly { .. } => {
                prop_assert_eq!(buckets.len(), 7);
                prop_assert_eq!(first.weekday(), Weekday::Sun);
            }
            ReportPeriod::Monthly { year, month } => {
                prop_assert_eq!(Some(first), first_of_month(year, month));
                prop_assert_eq!(Some(last), last_of_month(year, month));
            }
            ReportPeriod::Yearly { year } => {
                prop_assert_eq!(buckets.len(), 12);
                prop_assert_eq!(Some(first), NaiveDate::from_ymd_opt(year, 1, 1));
                prop_assert_eq!(Some(last), NaiveDate::from_ymd_opt(year, 12, 31));
            }
        }
    }

    #[test]
    fn every_result_of_the_period_counts_once((period, scores) in period().prop_flat_map(|p| (Just(p), scores_around(p)))) {
        let report = period.compute(&scores);
        let inside: Vec<i32> =
            scores.iter().filter(|(at, _)| within(period.range(), *at)).map(|(_, s)| *s).collect();
        prop_assert_eq!(report.buckets.iter().map(|b| b.count as usize).sum::<usize>(), inside.len());
        prop_assert_eq!(report.max_score, inside.iter().copied().max().unwrap_or(0));
        let sum: i64 = inside.iter().map(|s| i64::from(*s)).sum();
        prop_assert_eq!(report.total_average, mean(sum, inside.len() as u32));
        for (bucket, figures) in period.buckets().iter().zip(&report.buckets) {
            let mine: Vec<i32> = scores
                .iter()
                .filter(|(at, _)| (bucket.first..=bucket.last).contains(&seoul_date(*at)))
                .map(|(_, s)| *s)
                .collect();
            prop_assert_eq!(figures.count as usize, mine.len());
            prop_assert_eq!(figures.score_average, mean(mine.iter().map(|s| i64::from(*s)).sum(), mine.len() as u32));
            prop_assert_eq!(figures.date, bucket.first);
        }
    }

    #[test]
    fn a_day_belongs_to_every_period_that_names_it(year in 2000..=2100i32, ordinal in 1..=365u32, hour in 0..24u32) {
        let date = NaiveDate::from_yo_opt(year, ordinal).unwrap();
        let noon = Utc.from_utc_datetime(&date.and_hms_opt(hour, 0, 0).unwrap()) - Duration::hours(9);
        let periods = ReportPeriod::containing(date);
        let has_month = periods.iter().any(|p| matches!(p, ReportPeriod::Monthly { .. }));
        prop_assert!(has_month, "the month of {} is among {:?}", date, periods);
        for p in periods {
            prop_assert!(within(p.range(), noon), "{:?} must include {}", p, date);
            prop_assert_eq!(p.compute(&[(noon, 70)]).buckets.iter().map(|b| b.count).sum::<u32>(), 1);
        }
    }
}
