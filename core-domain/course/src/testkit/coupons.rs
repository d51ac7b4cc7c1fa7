//! The coupon context's stand-in pricing, as course tests and benchmarks use it.

pub use cercat_coupon::testkit::held::HeldCoupons;
