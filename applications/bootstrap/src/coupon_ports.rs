//! The coupon context's [`PriceCatalog`]: a course's or a product's price, read from their
//! stores (the course and market services themselves ask coupons for quotes, so they cannot
//! be asked back). The selling contexts' `CouponPricing` port is the coupon service itself.

use std::sync::Arc;

use async_trait::async_trait;
use cercat_common::{PortError, money::Money};
use cercat_coupon::{Purchase, ports::PriceCatalog};
use cercat_course::ports::CourseRepository;

/// Prices by reading their owners' stores.
pub(crate) struct Prices {
    pub(crate) courses: Arc<dyn CourseRepository>,
    pub(crate) products: Arc<dyn cercat_market::ports::ProductRepository>,
}

#[async_trait]
impl PriceCatalog for Prices {
    async fn price(&self, purchase: Purchase, id: i64) -> Result<Option<Money>, PortError> {
        match purchase {
            Purchase::Course => match self.courses.find(id).await? {
                Some(course) => Money::won(course.draft.price).map(Some).map_err(|e| PortError::Corrupt(e.to_string())),
                None => Ok(None),
            },
            // Deleted products are gone; a hidden one is not for sale.
            Purchase::Product => match self.products.find(id, 0).await? {
                Some(product) if !product.hidden => {
                    Money::won(product.draft.price).map(Some).map_err(|e| PortError::Corrupt(e.to_string()))
                }
                _ => Ok(None),
            },
        }
    }
}
