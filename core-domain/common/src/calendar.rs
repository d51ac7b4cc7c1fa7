//! The `Asia/Seoul` calendar business rules count in: dates of instants, the UTC bounds of a
//! Seoul day, and weeks of a month (weeks start on Sunday; week 1 is the week holding the 1st).

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Seoul;

/// The Seoul calendar date of `at`.
pub fn seoul_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Seoul).date_naive()
}

/// The instant a Seoul calendar day begins (Korea has no daylight saving time, so midnight
/// always exists and is unique).
pub fn seoul_day_start(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    Seoul.from_local_datetime(&midnight).earliest().map_or_else(
        || DateTime::<Utc>::from_naive_utc_and_offset(midnight, Utc) - chrono::Duration::hours(9),
        |t| t.with_timezone(&Utc),
    )
}

/// `[start, end)` in UTC covering the Seoul days `first..=last`.
pub fn seoul_days_utc(first: NaiveDate, last: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (seoul_day_start(first), seoul_day_start(last + Days::new(1)))
}

/// The first day of `year`-`month`, or `None` if the month is invalid.
pub fn first_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// The last day of `year`-`month`.
pub fn last_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    first_of_month(year, month)?;
    let next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1)? } else { first_of_month(year, month + 1)? };
    next.pred_opt()
}

/// The Sunday on or before `date`.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_sunday()))
}

/// How many Sunday-to-Saturday weeks touch `year`-`month` (4 to 6).
pub fn weeks_in_month(year: i32, month: u32) -> Option<u32> {
    let first = first_of_month(year, month)?;
    let last = last_of_month(year, month)?;
    let days = (week_start(last) - week_start(first)).num_days();
    u32::try_from(days / 7 + 1).ok()
}

/// Which week of its own month `date` falls in (1-based).
pub fn week_of_month(date: NaiveDate) -> u32 {
    let first = date.with_day(1).unwrap_or(date);
    let days = (week_start(date) - week_start(first)).num_days();
    u32::try_from(days / 7 + 1).unwrap_or(1)
}

/// The seven days (Sunday first) of week `week` of `year`-`month`; the week may begin in the
/// previous month or end in the next. `None` if the month or the week does not exist.
pub fn week_days(year: i32, month: u32, week: u32) -> Option<[NaiveDate; 7]> {
    if week == 0 || week > weeks_in_month(year, month)? {
        return None;
    }
    let sunday = week_start(first_of_month(year, month)?) + Days::new(u64::from(week - 1) * 7);
    let mut days = [sunday; 7];
    for (i, day) in days.iter_mut().enumerate() {
        *day = sunday + Days::new(i as u64);
    }
    Some(days)
}

/// The upper-case English name of a weekday, as Java's `DayOfWeek` prints it.
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MONDAY",
        Weekday::Tue => "TUESDAY",
        Weekday::Wed => "WEDNESDAY",
        Weekday::Thu => "THURSDAY",
        Weekday::Fri => "FRIDAY",
        Weekday::Sat => "SATURDAY",
        Weekday::Sun => "SUNDAY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn seoul_days_begin_at_15_utc_the_day_before() {
        assert_eq!(seoul_day_start(d(2026, 3, 1)), Utc.with_ymd_and_hms(2026, 2, 28, 15, 0, 0).unwrap());
        let late = Utc.with_ymd_and_hms(2026, 2, 28, 15, 0, 0).unwrap();
        assert_eq!(seoul_date(late), d(2026, 3, 1));
        assert_eq!(seoul_date(late - chrono::Duration::seconds(1)), d(2026, 2, 28));
    }

    #[test]
    fn weeks_start_on_sunday_and_week_one_holds_the_first() {
        // November 2026: the 1st is a Sunday; 30 days → weeks 1..=5.
        assert_eq!(weeks_in_month(2026, 11), Some(5));
        assert_eq!(week_of_month(d(2026, 11, 7)), 1);
        assert_eq!(week_of_month(d(2026, 11, 8)), 2);
        assert_eq!(week_of_month(d(2026, 11, 30)), 5);
        // May 2026: the 1st is a Friday, the 31st a Sunday → 6 weeks.
        assert_eq!(weeks_in_month(2026, 5), Some(6));
        assert_eq!(week_of_month(d(2026, 5, 2)), 1);
        assert_eq!(week_of_month(d(2026, 5, 3)), 2);
        assert_eq!(week_of_month(d(2026, 5, 31)), 6);
        // February 2026: the 1st is a Sunday, 28 days → exactly 4 weeks.
        assert_eq!(weeks_in_month(2026, 2), Some(4));
        assert_eq!(last_of_month(2024, 2), Some(d(2024, 2, 29)));
        assert_eq!(last_of_month(2026, 12), Some(d(2026, 12, 31)));
    }

    #[test]
    fn week_days_cross_month_ends() {
        let days = week_days(2026, 5, 1).unwrap();
        assert_eq!(days[0], d(2026, 4, 26));
        assert_eq!(days[6], d(2026, 5, 2));
        assert_eq!(days[0].weekday(), Weekday::Sun);
        assert_eq!(week_days(2026, 5, 7), None);
        assert_eq!(week_days(2026, 5, 0), None);
        assert_eq!(week_days(2026, 13, 1), None);
        assert_eq!(weekday_name(days[1].weekday()), "MONDAY");
    }
}
