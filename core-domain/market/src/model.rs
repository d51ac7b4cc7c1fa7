//! Products, orders, and the transitions between their states.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::MarketError;

/// Longest title, characters.
pub const MAX_TITLE: usize = 100;
/// Longest description, characters.
pub const MAX_DESCRIPTION: usize = 5_000;
/// Longest location, characters.
pub const MAX_LOCATION: usize = 100;
/// Highest price, won.
pub const MAX_PRICE: i64 = 10_000_000;
/// Most images a product carries.
pub const MAX_IMAGES: usize = 5;
/// Largest image, bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Shown instead of the nickname of a seller whose account was withdrawn.
pub const WITHDRAWN_NICKNAME: &str = "탈퇴한 회원";

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant,)*
        }

        impl $name {
            /// Every value, in wire order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire,)* }
            }

            /// Parses a stored or wire name.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// The wire names, for error messages.
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

wire_enum! {
    /// How worn the item is.
    Condition {
        /// Unused.
        New => "NEW",
        /// Used, no marks.
        LikeNew => "LIKE_NEW",
        /// Some marks or notes.
        Good => "GOOD",
        /// Well used.
        Fair => "FAIR",
    }
}

wire_enum! {
    /// What kind of study material it is.
    Category {
        /// A textbook or problem book.
        Book => "BOOK",
        /// Notes or summaries.
        Note => "NOTE",
        /// A calculator, tablet or other device.
        Device => "DEVICE",
        /// Anything else.
        Etc => "ETC",
    }
}

wire_enum! {
    /// Where a product stands.
    ProductStatus {
        /// Anyone may order it.
        OnSale => "ON_SALE",
        /// One buyer's order holds it until paid or released.
        Reserved => "RESERVED",
        /// Paid for.
        Sold => "SOLD",
    }
}

wire_enum! {
    /// Where an order stands.
    OrderStatus {
        /// The product is reserved for the buyer until `payBy`.
        PendingPayment => "PENDING_PAYMENT",
        /// Paid; the product is sold.
        Paid => "PAID",
        /// Cancelled before payment; the product went back on sale.
        Cancelled => "CANCELLED",
        /// Not paid by `payBy`; the product went back on sale.
        Expired => "EXPIRED",
        /// Cancelled after payment and refunded; the product went back on sale.
        Refunded => "REFUNDED",
    }
}

wire_enum! {
    /// Which side of a trade a history lists.
    OrderRole {
        /// Orders the user placed.
        Buyer => "BUYER",
        /// Orders of the user's products.
        Seller => "SELLER",
    }
}

/// The name product lists put in their cursors (every filter pages the same order, so a
/// cursor stays a position whatever filter reads it).
pub const PRODUCTS_LIST: &str = "products";

impl OrderRole {
    /// The name this side's trade history puts in its cursors (`orders:BUYER`,
    /// `orders:SELLER`): a cursor of one side is refused on the other.
    pub fn list(self) -> &'static str {
        match self {
            Self::Buyer => "orders:BUYER",
            Self::Seller => "orders:SELLER",
        }
    }
}

/// The fields a seller sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDraft {
    /// The certificate (board) the material is for.
    pub certificate_id: i64,
    /// Trimmed, 1 to 100 characters.
    pub title: String,
    /// Trimmed, 1 to 5,000 characters; searched with the title.
    pub description: String,
    /// Whole won, 1 to 10,000,000.
    pub price: i64,
    /// How worn it is.
    pub condition: Condition,
    /// What it is.
    pub category: Category,
    /// Where to meet, trimmed, 1 to 100 characters.
    pub location: String,
}

fn check_text(field: &'static str, value: &mut String, max: usize) -> Result<(), MarketError> {
    *value = value.trim().to_owned();
    let chars = value.chars().count();
    if chars == 0 || chars > max {
        return Err(MarketError::Invalid { field, reason: format!("must be 1 to {max} characters") });
    }
    Ok(())
}

impl ProductDraft {
    /// Trims the texts and checks every field (the first bad one is named).
    pub fn validate(&mut self) -> Result<(), MarketError> {
        if self.certificate_id <= 0 {
            return Err(MarketError::Invalid { field: "certificateId", reason: "must be a positive integer".into() });
        }
        check_text("title", &mut self.title, MAX_TITLE)?;
        check_text("description", &mut self.description, MAX_DESCRIPTION)?;
        check_text("location", &mut self.location, MAX_LOCATION)?;
        if !(1..=MAX_PRICE).contains(&self.price) {
            return Err(MarketError::Invalid {
                field: "price",
                reason: format!("must be between 1 and {MAX_PRICE} won"),
            });
        }
        Ok(())
    }
}

/// A seller's change to a product: the fields given replace the current ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductPatch {
    /// New board.
    pub certificate_id: Option<i64>,
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New price.
    pub price: Option<i64>,
    /// New condition.
    pub condition: Option<Condition>,
    /// New category.
    pub category: Option<Category>,
    /// New location.
    pub location: Option<String>,
}

impl ProductPatch {
    /// The draft after this patch.
    pub fn apply(self, mut draft: ProductDraft) -> ProductDraft {
        if let Some(v) = self.certificate_id {
            draft.certificate_id = v;
        }
        if let Some(v) = self.title {
            draft.title = v;
        }
        if let Some(v) = self.description {
            draft.description = v;
        }
        if let Some(v) = self.price {
            draft.price = v;
        }
        if let Some(v) = self.condition {
            draft.condition = v;
        }
        if let Some(v) = self.category {
            draft.category = v;
        }
        if let Some(v) = self.location {
            draft.location = v;
        }
        draft
    }
}

/// Who sells a product, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seller {
    /// The seller's user id.
    pub user_id: i64,
    /// Nickname ([`WITHDRAWN_NICKNAME`] once the account is withdrawn).
    pub nickname: String,
}

impl Seller {
    /// How `user_id` is shown given its stored nickname (`None` when the account is withdrawn
    /// or gone) — the one place that rule lives.
    pub fn shown(user_id: i64, nickname: Option<String>) -> Self {
        Self { user_id, nickname: nickname.unwrap_or_else(|| WITHDRAWN_NICKNAME.to_owned()) }
    }
}

/// An image of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductImage {
    /// Its id (what `removeImageIds` names).
    pub id: i64,
    /// Its object key.
    pub key: String,
    /// Where clients load it from (filled by the service).
    pub url: String,
}

/// A product as a viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Its id.
    pub id: i64,
    /// Who sells it.
    pub seller: Seller,
    /// The seller's fields.
    pub draft: ProductDraft,
    /// Where it stands.
    pub status: ProductStatus,
    /// Hidden by an admin: shown to nobody but its seller and admins, and not for sale.
    pub hidden: bool,
    /// Its images, in upload order.
    pub images: Vec<ProductImage>,
    /// Distinct viewers per Seoul day, as last flushed to the database.
    pub view_count: u64,
    /// Likes.
    pub like_count: u64,
    /// Whether the viewer likes it.
    pub liked: bool,
    /// Listed at.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// An order of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Its id.
    pub id: i64,
    /// The product bought.
    pub product_id: i64,
    /// The product's title when ordered.
    pub product_title: String,
    /// The product's board.
    pub certificate_id: i64,
    /// Who buys.
    pub buyer_id: i64,
    /// Who sells.
    pub seller_id: i64,
    /// The product's price when ordered, won.
    pub price: i64,
    /// The coupons' discount, won.
    pub discount: i64,
    /// What the buyer pays: `price − discount`.
    pub amount: i64,
    /// The buyer's coupons (user-coupon ids) the order spends.
    pub coupon_ids: Vec<i64>,
    /// Where it stands.
    pub status: OrderStatus,
    /// The order id the payment gateway knows (unique, never reused).
    pub gateway_order_id: String,
    /// Pay by then, or the order is released.
    pub pay_by: DateTime<Utc>,
    /// The gateway's key of the payment, once paid.
    pub payment_key: Option<String>,
    /// Placed at.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// One entry of an order's append-only history: a status it entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    /// The status before (`None` for the order being placed).
    pub from: Option<OrderStatus>,
    /// The status entered.
    pub to: OrderStatus,
    /// When.
    pub at: DateTime<Utc>,
}

/// A change of an order's status with the product's status change it makes in the same
/// transaction. Only these exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTransition {
    from: OrderStatus,
    to: OrderStatus,
    product_from: ProductStatus,
    product_to: ProductStatus,
}

impl OrderTransition {
    /// Paid: the product is sold, the coupons spent.
    pub const PAY: Self =
        Self::new(OrderStatus::PendingPayment, OrderStatus::Paid, ProductStatus::Reserved, ProductStatus::Sold);
    /// Not paid in time: back on sale, coupons back.
    pub const EXPIRE: Self =
        Self::new(OrderStatus::PendingPayment, OrderStatus::Expired, ProductStatus::Reserved, ProductStatus::OnSale);
    /// Cancelled unpaid: back on sale, coupons back.
    pub const CANCEL: Self =
        Self::new(OrderStatus::PendingPayment, OrderStatus::Cancelled, ProductStatus::Reserved, ProductStatus::OnSale);
    /// Cancelled paid, refunded: back on sale, coupons back.
    pub const REFUND: Self =
        Self::new(OrderStatus::Paid, OrderStatus::Refunded, ProductStatus::Sold, ProductStatus::OnSale);

    const fn new(from: OrderStatus, to: OrderStatus, product_from: ProductStatus, product_to: ProductStatus) -> Self {
        Self { from, to, product_from, product_to }
    }

    /// The status the order must be in.
    pub fn from(self) -> OrderStatus {
        self.from
    }

    /// The status it enters.
    pub fn to(self) -> OrderStatus {
        self.to
    }

    /// The status the product must be in.
    pub fn product_from(self) -> ProductStatus {
        self.product_from
    }

    /// The status the product enters.
    pub fn product_to(self) -> ProductStatus {
        self.product_to
    }

    /// Whether the order's coupons go back to the buyer.
    pub fn gives_back_coupons(self) -> bool {
        self.product_to == ProductStatus::OnSale
    }

    /// Whether the order's payment is marked refunded.
    pub fn refunds_payment(self) -> bool {
        self.from == OrderStatus::Paid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ProductDraft {
        ProductDraft {
            certificate_id: 1,
            title: "  정보처리기사 필기 기본서 ".into(),
            description: "밑줄 조금".into(),
            price: 15_000,
            condition: Condition::Good,
            category: Category::Book,
            location: "서울대입구역".into(),
        }
    }

    #[test]
    fn drafts_are_trimmed_and_each_bad_field_is_named() {
        let mut d = draft();
        assert!(d.validate().is_ok());
        assert_eq!(d.title, "정보처리기사 필기 기본서");
        type Spoil = fn(&mut ProductDraft);
        let cases: [(&str, Spoil); 6] = [
            ("price", |d| d.price = 0),
            ("price", |d| d.price = MAX_PRICE + 1),
            ("title", |d| d.title = "  ".into()),
            ("description", |d| d.description = "가".repeat(MAX_DESCRIPTION + 1)),
            ("location", |d| d.location = String::new()),
            ("certificateId", |d| d.certificate_id = 0),
        ];
        for (field, spoil) in cases {
            let mut d = draft();
            spoil(&mut d);
            assert!(matches!(d.validate(), Err(MarketError::Invalid { field: f, .. }) if f == field), "{field}");
        }
        let mut top = draft();
        top.price = MAX_PRICE;
        assert!(top.validate().is_ok(), "10,000,000 won is allowed");
    }

    #[test]
    fn wire_names_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::Value::String(s.as_str().into())));
        }
        assert_eq!(Condition::parse("LIKE_NEW"), Some(Condition::LikeNew));
        assert_eq!(Category::names(), "BOOK, NOTE, DEVICE, ETC");
        assert_eq!(ProductStatus::parse("on_sale"), None);
    }

    #[test]
    fn releases_give_the_product_and_coupons_back_and_only_paying_sells() {
        for t in [OrderTransition::EXPIRE, OrderTransition::CANCEL, OrderTransition::REFUND] {
            assert!(t.gives_back_coupons());
            assert_eq!(t.product_to(), ProductStatus::OnSale);
        }
        assert!(!OrderTransition::PAY.gives_back_coupons());
        assert!(OrderTransition::REFUND.refunds_payment() && !OrderTransition::CANCEL.refunds_payment());
        let patched = ProductPatch { price: Some(9_000), ..Default::default() }.apply(draft());
        assert_eq!((patched.price, patched.category), (9_000, Category::Book));
    }
}
