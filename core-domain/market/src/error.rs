//! Errors of the market context, with their stable codes.

use cercat_common::{PortError, domain_errors};

domain_errors! {
    /// Failures of market use cases.
    pub enum MarketError {
        /// No such product (or it was deleted, or an admin hid it)
        #[code("MKT_001", NotFound)]
        #[error("product {0} does not exist")]
        ProductNotFound(i64),
        /// A product or order field is out of range (the field is named)
        #[code("MKT_002", Invalid)]
        #[error("{field} {reason}")]
        Invalid {
            /// The wire field at fault, e.g. `price`; also the envelope's `field`.
            field: &'static str,
            /// What is wrong with it.
            reason: String,
        },
        /// Only the product's seller or an admin may change it
        #[code("MKT_003", Forbidden)]
        #[error("only the seller or an admin may change product {0}")]
        NotSeller(i64),
        /// A RESERVED or SOLD product cannot be edited or deleted
        #[code("MKT_004", Conflict)]
        #[error("product {id} is {status}; only an ON_SALE product can be edited or deleted")]
        Locked {
            /// The product.
            id: i64,
            /// Its status.
            status: &'static str,
        },
        /// The product is not on sale any more (another buyer's order won, or it is sold)
        #[code("MKT_005", Conflict)]
        #[error("product {id} is {status}, not ON_SALE")]
        NotOnSale {
            /// The product.
            id: i64,
            /// Its status.
            status: &'static str,
        },
        /// Sellers cannot buy their own products
        #[code("MKT_006", Forbidden)]
        #[error("product {0} is yours; you cannot buy it")]
        OwnProduct(i64),
        /// No such order of the caller's
        #[code("MKT_007", NotFound)]
        #[error("order {0} does not exist")]
        OrderNotFound(i64),
        /// The order is not awaiting payment
        #[code("MKT_008", Conflict)]
        #[error("order {id} is {status}, not PENDING_PAYMENT")]
        NotPayable {
            /// The order.
            id: i64,
            /// Its status.
            status: &'static str,
        },
        /// The order was released before the payment; the product went back on sale and any charge is refunded
        #[code("MKT_009", Conflict)]
        #[error("order {id} was {status} before the payment; any charge is refunded")]
        Released {
            /// The order.
            id: i64,
            /// EXPIRED or CANCELLED.
            status: &'static str,
        },
        /// The payment gateway declined the payment; the order stays until its deadline
        #[code("MKT_010", PaymentRequired)]
        #[error("the payment was declined: {code}: {message}")]
        PaymentDeclined {
            /// The gateway's code.
            code: String,
            /// The gateway's message.
            message: String,
        },
        /// The order is already paid with another payment; this payment is refunded
        #[code("MKT_011", Conflict)]
        #[error("order {0} is already paid with another payment; this payment is refunded")]
        AlreadyPaid(i64),
        /// The order was already released and cannot be cancelled
        #[code("MKT_012", Conflict)]
        #[error("order {id} is {status} and cannot be cancelled")]
        NotCancellable {
            /// The order.
            id: i64,
            /// Its status.
            status: &'static str,
        },
        /// An image is not PNG, JPEG, GIF or WebP, is too large, or there are too many
        #[code("MKT_013", Invalid)]
        #[error("{0}")]
        InvalidImage(String),
        /// The seller changed the price while the order was being placed; look at the product again
        #[code("MKT_014", Conflict)]
        #[error("the price of product {0} changed while ordering; look at it again")]
        PriceChanged(i64),
        /// A payment webhook's signature or timestamp did not verify
        #[code("MKT_015", Unauthenticated)]
        #[error("webhook signature invalid: {0}")]
        BadSignature(&'static str),
        /// The certificate does not exist
        #[code("CRT_001", NotFound)]
        #[error("certificate {0} does not exist")]
        NoCertificate(i64),
        #[transparent]
        /// The coupons do not apply (the coupon context's codes).
        Coupon(cercat_coupon::CouponError),
        #[transparent]
        /// A dependency failed.
        Store(PortError),
    }
    impl DomainError {
        fn field(&self) -> Option<&'static str> {
            match self {
                Self::Invalid { field, .. } => Some(field),
                Self::InvalidImage(_) => Some("files"),
                Self::NoCertificate(_) => Some("certificateId"),
                Self::Coupon(e) => cercat_common::DomainError::field(e),
                _ => None,
            }
        }
    }
}
