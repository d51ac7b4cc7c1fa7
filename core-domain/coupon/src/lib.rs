//! The `coupon` context: coupon definitions (a fixed amount or a percentage off, for courses,
//! market products or both), the coupons users hold, and the one pricing rule every checkout
//! uses ([`pricing::quote`]).

mod error;
pub mod model;
pub mod pricing;

pub use error::PricingError;
pub use model::{Coupon, CouponKind, CouponScope, Purchase};
pub use pricing::{Discount, Quote, quote};
