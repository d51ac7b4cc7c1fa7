//! The coupon context's failures: one table for the pricing rule, one for the use cases.

use cercat_common::{PortError, domain_errors};

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

domain_errors! {
    /// Failures of coupon use cases.
    pub enum CouponError {
        /// The caller holds no such coupon
        #[code("CPN_006", NotFound)]
        #[error("you hold no coupon with id {0:?}")]
        NotHeld(Vec<i64>),
        /// The coupon was spent, or is reserved by a checkout awaiting payment
        #[code("CPN_007", Conflict)]
        #[error("coupon {0} is already used or reserved by another checkout")]
        NotUsable(i64),
        /// No such coupon definition
        #[code("CPN_008", NotFound)]
        #[error("coupon {0} does not exist")]
        NotFound(i64),
        /// A coupon, grant or voucher field is invalid (the field is named)
        #[code("CPN_009", Invalid)]
        #[error("{field} {reason}")]
        Invalid {
            /// The field.
            field: &'static str,
            /// What is wrong with it, e.g. `must be 1 to 100 characters`.
            reason: String,
        },
        /// No voucher has this code
        #[code("CPN_010", NotFound)]
        #[error("no voucher has the code {0}")]
        UnknownCode(String),
        /// The caller already redeemed this voucher
        #[code("CPN_011", Conflict)]
        #[error("you already redeemed the voucher {0}")]
        AlreadyRedeemed(String),
        /// The voucher has been redeemed as often as it may, or its coupon has expired
        #[code("CPN_012", Conflict)]
        #[error("the voucher {code} can no longer be redeemed: {reason}")]
        VoucherSpent {
            /// The code.
            code: String,
            /// `its coupon has expired` or `it has been redeemed as often as it may`.
            reason: &'static str,
        },
        /// The voucher code is taken
        #[code("CPN_013", Conflict)]
        #[error("the voucher code {0} is taken")]
        CodeTaken(String),
        /// The course or product to price does not exist
        #[code("CPN_014", NotFound)]
        #[error("there is no {} {id} to price", purchase.as_str())]
        NothingToPrice {
            /// What kind of thing.
            purchase: crate::Purchase,
            /// Its id.
            id: i64,
        },
        /// No such first-come coupon event
        #[code("CPN_015", NotFound)]
        #[error("coupon event {0} does not exist")]
        NoSuchEvent(i64),
        /// The coupon event is not open now (before opensAt or from closesAt)
        #[code("CPN_016", Forbidden)]
        #[error("coupon event {id} takes claims from {opens} until {closes} (UTC)")]
        EventClosed {
            /// The event.
            id: i64,
            /// Opens.
            opens: String,
            /// Closes.
            closes: String,
        },
        /// Every copy of the coupon event is given (SOLD_OUT)
        #[code("CPN_017", Conflict)]
        #[error("coupon event {0} is sold out")]
        SoldOut(i64),
        /// The caller already claimed a copy from this coupon event (ALREADY_CLAIMED)
        #[code("CPN_018", Conflict)]
        #[error("you already claimed a coupon from event {0}")]
        AlreadyClaimed(i64),
        #[transparent]
        /// The pricing rule refused the coupons.
        Pricing(PricingError),
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
    impl DomainError {
        fn field(&self) -> Option<&'static str> {
            match self {
                Self::Invalid { field, .. } => Some(field),
                Self::NotHeld(_) | Self::NotUsable(_) => Some("couponIds"),
                Self::UnknownCode(_) | Self::AlreadyRedeemed(_) | Self::VoucherSpent { .. } | Self::CodeTaken(_) => {
                    Some("code")
                }
                Self::Pricing(e) => cercat_common::DomainError::field(e),
                Self::NothingToPrice { .. } => Some("id"),
                _ => None,
            }
        }
    }
}
