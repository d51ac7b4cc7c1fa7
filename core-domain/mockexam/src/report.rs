//! Score reports and date filters on the `Asia/Seoul` calendar.
//!
//! - **WEEKLY** (`year`, `month`, `weekOfMonth`): the seven days, Sunday first, of week `W` of
//!   the month (week 1 holds the 1st; it may begin in the previous month and the last week may
//!   end in the next), one bucket per day.
//! - **MONTHLY** (`year`, `month`): one bucket per week of the month, each clipped to the
//!   month, so every result of the month lands in exactly one bucket.
//! - **YEARLY** (`year`): twelve monthly buckets.
//!
//! A bucket's `scoreAverage` is the mean total score of the results taken in it (0 when there
//! are none — `count` tells the two apart); `totalAverage` is the mean over all results of the
//! period (not the mean of bucket means) and `maxScore` the best one. Means are rounded to two
//! decimals.

use cercat_common::calendar::{
    first_of_month, last_of_month, seoul_date, seoul_days_utc, week_days, week_of_month, week_start, weeks_in_month,
};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::MockExamError;

/// Years a report or filter may ask for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn invalid(field: &'static str, reason: impl Into<String>) -> MockExamError {
    MockExamError::InvalidPeriod { field, reason: reason.into() }
}

fn check_year(year: Option<i32>) -> Result<i32, MockExamError> {
    let year = year.ok_or_else(|| invalid("year", "is required"))?;
    if YEARS.contains(&year) { Ok(year) } else { Err(invalid("year", "must be between 2000 and 2100")) }
}

fn check_month(month: Option<u32>) -> Result<u32, MockExamError> {
    let month = month.ok_or_else(|| invalid("month", "is required"))?;
    if (1..=12).contains(&month) { Ok(month) } else { Err(invalid("month", "must be between 1 and 12")) }
}

fn check_week(year: i32, month: u32, week: Option<u32>) -> Result<u32, MockExamError> {
    let week = week.ok_or_else(|| invalid("weekOfMonth", "is required"))?;
    let weeks = weeks_in_month(year, month).unwrap_or(0);
    if (1..=weeks).contains(&week) {
        Ok(week)
    } else {
        Err(invalid("weekOfMonth", format!("must be between 1 and {weeks} for {year}-{month:02}")))
    }
}

/// The days of week `week` of a month that fall inside the month.
fn week_in_month(year: i32, month: u32, week: u32) -> (NaiveDate, NaiveDate) {
    let days = week_days(year, month, week).unwrap_or([NaiveDate::MIN; 7]);
    let first = first_of_month(year, month).unwrap_or(days[0]).max(days[0]);
    let last = last_of_month(year, month).unwrap_or(days[6]).min(days[6]);
    (first, last)
}

/// What a score report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportPeriod {
    /// Week `week` of `year`-`month`, by day.
    Weekly {
        /// The calendar year, 2000 to 2100.
        year: i32,
        /// Month 1–12.
        month: u32,
        /// Week of the month, 1-based.
        week: u32,
    },
    /// `year`-`month`, by week.
    Monthly {
        /// The calendar year, 2000 to 2100.
        year: i32,
        /// Month 1–12.
        month: u32,
    },
    /// `year`, by month.
    Yearly {
        /// The calendar year, 2000 to 2100.
        year: i32,
    },
}

/// What one bucket stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BucketLabel {
    /// A day of a weekly report.
    Day(#[serde(with = "weekday_serde")] Weekday),
    /// A week of a monthly report.
    Week(u32),
    /// A month of a yearly report.
    Month(u32),
}

mod weekday_serde {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(day: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(day.num_days_from_monday() as u8)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        Weekday::try_from(u8::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A bucket's days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// The day, week or month the bucket stands for.
    pub label: BucketLabel,
    /// First day (inclusive).
    pub first: NaiveDate,
    /// Last day (inclusive).
    pub last: NaiveDate,
}

/// One bucket's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketAverage {
    /// The day, week or month the bucket stands for.
    pub label: BucketLabel,
    /// First day of the bucket.
    pub date: NaiveDate,
    /// Mean total score, two decimals; 0 without results.
    pub score_average: f64,
    /// Results in the bucket.
    pub count: u32,
}

/// A score report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Mean total score over the period.
    pub total_average: f64,
    /// Best total score in the period (0 without results).
    pub max_score: i32,
    /// Buckets in calendar order.
    pub buckets: Vec<BucketAverage>,
}

fn mean(sum: i64, count: u32) -> f64 {
    if count == 0 { 0.0 } else { ((sum as f64) * 100.0 / f64::from(count)).round() / 100.0 }
}

impl ReportPeriod {
    /// Parses `WEEKLY` / `MONTHLY` / `YEARLY` with the parameters each needs.
    pub fn parse(kind: &str, year: Option<i32>, month: Option<u32>, week: Option<u32>) -> Result<Self, MockExamError> {
        match kind {
            "WEEKLY" => {
                let (year, month) = (check_year(year)?, check_month(month)?);
                Ok(Self::Weekly { year, month, week: check_week(year, month, week)? })
            }
            "MONTHLY" => Ok(Self::Monthly { year: check_year(year)?, month: check_month(month)? }),
            "YEARLY" => Ok(Self::Yearly { year: check_year(year)? }),
            other => Err(invalid("reportType", format!("`{other}` is not WEEKLY, MONTHLY or YEARLY"))),
        }
    }

    /// The buckets, in calendar order.
    pub fn buckets(&self) -> Vec<Bucket> {
        match *self {
            Self::Weekly { year, month, week } => week_days(year, month, week)
                .map(|days| {
                    days.iter().map(|d| Bucket { label: BucketLabel::Day(d.weekday()), first: *d, last: *d }).collect()
                })
                .unwrap_or_default(),
            Self::Monthly { year, month } => (1..=weeks_in_month(year, month).unwrap_or(0))
                .map(|w| {
                    let (first, last) = week_in_month(year, month, w);
                    Bucket { label: BucketLabel::Week(w), first, last }
                })
                .collect(),
            Self::Yearly { year } => (1..=12)
                .filter_map(|m| {
                    Some(Bucket {
                        label: BucketLabel::Month(m),
                        first: first_of_month(year, m)?,
                        last: last_of_month(year, m)?,
                    })
                })
                .collect(),
        }
    }

    /// `[start, end)` in UTC.
    pub fn range(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let buckets = self.buckets();
        match (buckets.first(), buckets.last()) {
            (Some(f), Some(l)) => seoul_days_utc(f.first, l.last),
            _ => (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MIN_UTC),
        }
    }

    /// A stable name for cache keys, e.g. `W2026-05-1`.
    pub fn key(&self) -> String {
        match self {
            Self::Weekly { year, month, week } => format!("W{year}-{month:02}-{week}"),
            Self::Monthly { year, month } => format!("M{year}-{month:02}"),
            Self::Yearly { year } => format!("Y{year}"),
        }
    }

    /// Every period whose report includes `date`: its week (named in each month the week
    /// touches), its month and its year. Saving a result invalidates exactly these.
    pub fn containing(date: NaiveDate) -> Vec<Self> {
        let mut out = vec![Self::Weekly { year: date.year(), month: date.month(), week: week_of_month(date) }];
        let sunday = week_start(date);
        let saturday = sunday + Days::new(6);
        if sunday.month() != date.month() {
            out.push(Self::Weekly { year: sunday.year(), month: sunday.month(), week: week_of_month(sunday) });
        }
        if saturday.month() != date.month() {
            out.push(Self::Weekly { year: saturday.year(), month: saturday.month(), week: 1 });
        }
        out.push(Self::Monthly { year: date.year(), month: date.month() });
        out.push(Self::Yearly { year: date.year() });
        out
    }

    /// Computes the report from the (taken at, total score) of the results in [`Self::range`].
    pub fn compute(&self, scores: &[(DateTime<Utc>, i32)]) -> Report {
        let buckets = self.buckets();
        let mut sums = vec![(0i64, 0u32); buckets.len()];
        let (mut total, mut count, mut max) = (0i64, 0u32, 0i32);
        for (at, score) in scores {
            let day = seoul_date(*at);
            if let Some(i) = buckets.iter().position(|b| b.first <= day && day <= b.last) {
                sums[i].0 += i64::from(*score);
                sums[i].1 += 1;
                total += i64::from(*score);
                count += 1;
                max = max.max(*score);
            }
        }
        Report {
            total_average: mean(total, count),
            max_score: max,
            buckets: buckets
                .iter()
                .zip(sums)
                .map(|(b, (sum, n))| BucketAverage {
                    label: b.label,
                    date: b.first,
                    score_average: mean(sum, n),
                    count: n,
                })
                .collect(),
        }
    }
}

/// Which results a date-filtered list shows (`DATE` / `WEEK_OF_MONTH` / `MONTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFilter {
    /// One Seoul day.
    Date(NaiveDate),
    /// Week `week` of a month, clipped to the month (the drill-down of a monthly bucket).
    WeekOfMonth {
        /// The calendar year, 2000 to 2100.
        year: i32,
        /// Month 1–12.
        month: u32,
        /// Week of the month, 1-based (week 1 holds the 1st).
        week: u32,
    },
    /// A month.
    Month {
        /// The calendar year, 2000 to 2100.
        year: i32,
        /// Month 1–12.
        month: u32,
    },
}

impl ResultFilter {
    /// Parses the kind with its parameters (`date` is `YYYY-MM-DD`, or an ISO date-time whose
    /// date part is taken).
    pub fn parse(
        kind: &str,
        year: Option<i32>,
        month: Option<u32>,
        week: Option<u32>,
        date: Option<&str>,
    ) -> Result<Self, MockExamError> {
        match kind {
            "DATE" => {
                let raw =
                    date.map(str::trim).filter(|d| !d.is_empty()).ok_or_else(|| invalid("date", "is required"))?;
                let day = raw.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                let day = day.ok_or_else(|| invalid("date", "must be a date like 2026-05-01"))?;
                if !YEARS.contains(&day.year()) {
                    return Err(invalid("date", "must be between 2000 and 2100"));
                }
                Ok(Self::Date(day))
            }
            "WEEK_OF_MONTH" => {
                let (year, month) = (check_year(year)?, check_month(month)?);
                Ok(Self::WeekOfMonth { year, month, week: check_week(year, month, week)? })
            }
            "MONTH" => Ok(Self::Month { year: check_year(year)?, month: check_month(month)? }),
            other => Err(invalid("dateType", format!("`{other}` is not DATE, WEEK_OF_MONTH or MONTH"))),
        }
    }

    /// `[start, end)` in UTC.
    pub fn range(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let (first, last) = match *self {
            Self::Date(d) => (d, d),
            Self::WeekOfMonth { year, month, week } => week_in_month(year, month, week),
            Self::Month { year, month } => (
                first_of_month(year, month).unwrap_or(NaiveDate::MIN),
                last_of_month(year, month).unwrap_or(NaiveDate::MIN),
            ),
        };
        seoul_days_utc(first, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn kst(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        // Seoul is UTC+9 all year.
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap() - chrono::Duration::hours(9)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weekly_report_buckets_by_seoul_day_across_the_month_boundary() {
        // Week 1 of May 2026 runs Sun Apr 26 .. Sat May 2.
        let period = ReportPeriod::parse("WEEKLY", Some(2026), Some(5), Some(1)).unwrap();
        let scores = [
            (kst(2026, 4, 26, 10), 60), // Sunday (April, same week)
            (kst(2026, 4, 26, 23), 80), // Sunday again → average 70
            (kst(2026, 4, 28, 0), 50),  // Tuesday 00:00 KST = Monday 15:00 UTC
            (kst(2026, 5, 2, 23), 90),  // Saturday 23:00 KST
            (kst(2026, 5, 3, 0), 100),  // next Sunday: outside
            (kst(2026, 4, 25, 23), 10), // previous Saturday: outside
        ];
        let r = period.compute(&scores);
        assert_eq!(r.buckets.len(), 7);
        assert_eq!(r.buckets[0].label, BucketLabel::Day(Weekday::Sun));
        assert_eq!(r.buckets[0].date, day(2026, 4, 26));
        assert_eq!((r.buckets[0].score_average, r.buckets[0].count), (70.0, 2));
        assert_eq!((r.buckets[1].score_average, r.buckets[1].count), (0.0, 0));
        assert_eq!(r.buckets[2].score_average, 50.0);
        assert_eq!(r.buckets[6].score_average, 90.0);
        assert_eq!(r.total_average, 70.0); // (60+80+50+90)/4
        assert_eq!(r.max_score, 90);
        let (start, end) = period.range();
        assert_eq!(start, kst(2026, 4, 26, 0));
        assert_eq!(end, kst(2026, 5, 3, 0));
    }

    #[test]
    fn monthly_report_clips_weeks_to_the_month() {
        // May 2026: 1st is a Friday → week 1 = May 1–2, week 6 = May 31 only.
        let period = ReportPeriod::Monthly { year: 2026, month: 5 };
        let scores = [
            (kst(2026, 4, 30, 12), 99), // April: outside
            (kst(2026, 5, 1, 9), 40),
            (kst(2026, 5, 2, 9), 45),
            (kst(2026, 5, 3, 9), 70),   // week 2
            (kst(2026, 5, 31, 23), 77), // week 6
            (kst(2026, 6, 1, 0), 1),    // June: outside
        ];
        let r = period.compute(&scores);
        assert_eq!(r.buckets.len(), 6);
        assert_eq!((r.buckets[0].date, r.buckets[0].score_average, r.buckets[0].count), (day(2026, 5, 1), 42.5, 2));
        assert_eq!((r.buckets[1].date, r.buckets[1].score_average), (day(2026, 5, 3), 70.0));
        assert_eq!((r.buckets[5].date, r.buckets[5].score_average), (day(2026, 5, 31), 77.0));
        assert_eq!(r.total_average, 58.0); // (40+45+70+77)/4
        assert_eq!(r.max_score, 77);
    }

    #[test]
    fn yearly_report_has_twelve_months_including_leap_february() {
        let period = ReportPeriod::parse("YEARLY", Some(2024), None, None).unwrap();
        let scores = [(kst(2024, 2, 29, 23), 30), (kst(2024, 3, 1, 0), 60), (kst(2024, 12, 31, 23), 90)];
        let r = period.compute(&scores);
        assert_eq!(r.buckets.len(), 12);
        assert_eq!(r.buckets[1].score_average, 30.0);
        assert_eq!(r.buckets[2].score_average, 60.0);
        assert_eq!(r.buckets[11].score_average, 90.0);
        assert_eq!(r.total_average, 60.0);
        // An empty period is all zeros, not an error.
        let empty = period.compute(&[]);
        assert_eq!((empty.total_average, empty.max_score, empty.buckets[0].count), (0.0, 0, 0));
    }

    #[test]
    fn averages_round_to_two_decimals() {
        let period = ReportPeriod::Yearly { year: 2026 };
        let r = period.compute(&[(kst(2026, 1, 5, 9), 10), (kst(2026, 1, 6, 9), 10), (kst(2026, 1, 7, 9), 11)]);
        assert_eq!(r.total_average, 10.33);
    }

    #[test]
    fn a_day_invalidates_its_week_in_both_months_its_month_and_year() {
        // Thu Apr 30 2026 sits in week 5 of April, which is week 1 of May.
        let periods = ReportPeriod::containing(day(2026, 4, 30));
        assert!(periods.contains(&ReportPeriod::Weekly { year: 2026, month: 4, week: 5 }));
        assert!(periods.contains(&ReportPeriod::Weekly { year: 2026, month: 5, week: 1 }));
        assert!(periods.contains(&ReportPeriod::Monthly { year: 2026, month: 4 }));
        assert!(periods.contains(&ReportPeriod::Yearly { year: 2026 }));
        assert_eq!(periods.len(), 4);
        // Sat May 2: week 1 of May, which began in April (week 5 there).
        let periods = ReportPeriod::containing(day(2026, 5, 2));
        assert!(periods.contains(&ReportPeriod::Weekly { year: 2026, month: 4, week: 5 }));
        // Wed Dec 31 2025: its week continues into January 2026 (week 1).
        let periods = ReportPeriod::containing(day(2025, 12, 31));
        assert!(periods.contains(&ReportPeriod::Weekly { year: 2026, month: 1, week: 1 }));
        // Mid-month day: just one week.
        assert_eq!(ReportPeriod::containing(day(2026, 5, 13)).len(), 3);
    }

    #[test]
    fn parse_refuses_missing_and_out_of_range_parameters() {
        let field = |r: Result<ReportPeriod, MockExamError>| match r {
            Err(MockExamError::InvalidPeriod { field, .. }) => field,
            _ => "",
        };
        assert_eq!(field(ReportPeriod::parse("WEEKLY", Some(2026), Some(5), None)), "weekOfMonth");
        assert_eq!(field(ReportPeriod::parse("WEEKLY", Some(2026), Some(2), Some(5))), "weekOfMonth");
        assert_eq!(field(ReportPeriod::parse("MONTHLY", Some(2026), Some(13), None)), "month");
        assert_eq!(field(ReportPeriod::parse("YEARLY", None, None, None)), "year");
        assert_eq!(field(ReportPeriod::parse("DAILY", Some(2026), None, None)), "reportType");
        assert!(ReportPeriod::parse("WEEKLY", Some(2026), Some(5), Some(6)).is_ok());
    }

    #[test]
    fn filters_cover_a_seoul_day_a_clipped_week_and_a_month() {
        let f = ResultFilter::parse("DATE", None, None, None, Some("2026-05-02")).unwrap();
        assert_eq!(f.range(), (kst(2026, 5, 2, 0), kst(2026, 5, 3, 0)));
        let f = ResultFilter::parse("DATE", None, None, None, Some("2026-05-02T10:00:00")).unwrap();
        assert_eq!(f, ResultFilter::Date(day(2026, 5, 2)));
        let f = ResultFilter::parse("WEEK_OF_MONTH", Some(2026), Some(5), Some(1), None).unwrap();
        assert_eq!(f.range(), (kst(2026, 5, 1, 0), kst(2026, 5, 3, 0)));
        let f = ResultFilter::parse("MONTH", Some(2026), Some(2), None, None).unwrap();
        assert_eq!(f.range(), (kst(2026, 2, 1, 0), kst(2026, 3, 1, 0)));
        assert!(ResultFilter::parse("DATE", None, None, None, Some("May 2")).is_err());
        assert!(ResultFilter::parse("DATE", None, None, None, None).is_err());
    }
}

#[cfg(test)]
mod proptests;
