//! Daily call quotas of outside services (a public-data API allows so many calls a day): the
//! count lives in a shared store, so restarts and other nodes spend the same allowance.

use async_trait::async_trait;
use chrono::NaiveDate;

use crate::PortError;

/// Whether a call may be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaTake {
    /// Counted: this is call number `used` of the day.
    Granted {
        /// Calls counted today, this one included.
        used: u32,
    },
    /// The day's allowance is spent; nothing was counted.
    Exhausted {
        /// Calls counted today (the limit).
        used: u32,
    },
}

/// Counts calls per quota name and day.
#[async_trait]
pub trait DailyCallQuota: Send + Sync {
    /// Counts one call of `name` on `day` if fewer than `limit` were counted, atomically (two
    /// nodes asking for the last call: one is granted). Errors: [`PortError::Timeout`],
    /// [`PortError::Unavailable`].
    async fn try_take(&self, name: &str, day: NaiveDate, limit: u32) -> Result<QuotaTake, PortError>;
    /// Calls of `name` counted on `day`.
    async fn used(&self, name: &str, day: NaiveDate) -> Result<u32, PortError>;
}
