//! Why a set of coupons cannot be applied to a price.

use cercat_common::domain_errors;

domain_errors! {
    /// Refusals of the pricing rule; each names the coupons at fault.
    pub enum PricingError {
        /// An exclusive coupon was combined with others
        #[code("CPN_001", Invalid)]
        #[error("coupon {exclusive} ({name}) cannot be combined with other coupons (also given: {others:?})")]
        NotCombinable {
            /// The exclusive coupon.
            exclusive: i64,
            /// Its name.
            name: String,
            /// The others given with it.
            others: Vec<i64>,
        },
        /// The coupon does not apply to this kind of purchase
        #[code("CPN_002", Invalid)]
        #[error("coupon {coupon} ({name}) is for {scope} purchases only")]
        OutOfScope {
            /// The coupon.
            coupon: i64,
            /// Its name.
            name: String,
            /// Where it applies.
            scope: &'static str,
        },
        /// The coupon is not valid now (before its validFrom or from its validUntil)
        #[code("CPN_003", Invalid)]
        #[error("coupon {coupon} ({name}) is valid from {from} until {until} (UTC)")]
        NotValidNow {
            /// The coupon.
            coupon: i64,
            /// Its name.
            name: String,
            /// Valid from.
            from: String,
            /// Valid until.
            until: String,
        },
        /// The price is below the coupon's minimum order amount
        #[code("CPN_004", Invalid)]
        #[error("coupon {coupon} ({name}) needs an order of at least {min} won; this one is {price} won")]
        BelowMinimum {
            /// The coupon.
            coupon: i64,
            /// Its name.
            name: String,
            /// Its minimum.
            min: i64,
            /// The price.
            price: i64,
        },
        /// The same coupon was given more than once
        #[code("CPN_005", Invalid)]
        #[error("coupon {0} is given more than once; each coupon is used once")]
        Repeated(i64),
    }
    impl DomainError {
        fn field(&self) -> Option<&'static str> {
            Some("couponIds")
        }
    }
}
