//! The injected clock: business rules ask it for "now" so tests can move time.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Seoul;
use std::sync::{Arc, Mutex};

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    /// The current instant, UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date on the `Asia/Seoul` calendar (business rules count days in KST).
    fn today_in_seoul(&self) -> NaiveDate {
        self.now().with_timezone(&Seoul).date_naive()
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests set and move by hand.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    /// A clock stopped at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut now) = self.0.lock() {
            *now = at;
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|now| *now).unwrap_or_else(|poisoned| *poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn seoul_today_rolls_over_at_kst_midnight() {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 14, 59, 0).single().unwrap_or_default());
        assert_eq!(clock.today_in_seoul(), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default());
        clock.advance(chrono::Duration::minutes(1));
        assert_eq!(clock.today_in_seoul(), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default());
    }
}
