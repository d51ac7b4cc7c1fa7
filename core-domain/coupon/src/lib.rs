//! The `coupon` context: coupon definitions (a fixed amount or a percentage off, for courses,
//! market products or both), the coupons users hold, voucher codes that grant them, and the
//! one pricing rule every checkout uses ([`pricing::quote`]).

mod error;
pub mod first_come;
pub mod model;
pub mod ports;
pub mod pricing;
pub mod service;

#[cfg(any(test, feature = "testkit"))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub mod testkit;

pub use error::{CouponError, PricingError};
pub use model::{
    Checkout, Coupon, CouponDefinition, CouponKind, CouponScope, CouponSource, CouponTerms, HoldState, ListedState,
    Purchase, UserCoupon, Voucher, VoucherKind,
};
pub use pricing::{Discount, Quote, quote};
pub use service::CouponService;
