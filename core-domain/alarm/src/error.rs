//! The alarm context's failures, one table (codes, kinds and meanings for the OpenAPI document).

use cercat_common::{PortError, domain_errors};

use crate::MAX_READ_IDS;

domain_errors! {
    /// Failures of alarm use cases.
    pub enum AlarmError {
        /// Too many alarm ids in one mark-read call
        #[code("ALM_001", Invalid)]
        #[error("mark at most {MAX_READ_IDS} alarms read at once")]
        TooMany,
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
}
