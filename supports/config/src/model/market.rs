//! `[market]`: the study-material market — how long an order reserves its product.

use serde::{Deserialize, Serialize};

/// The market. The span is `u32` so that, once validated, it converts to any duration type
/// without a fallback.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MarketSettings {
    /// How long an order reserves its product waiting for the payment, seconds (default 1800:
    /// 30 minutes); unpaid after that, the `market-orders-sweep` job puts it back on sale.
    pub pay_within_seconds: u32,
}

impl Default for MarketSettings {
    fn default() -> Self {
        Self { pay_within_seconds: 1800 }
    }
}
