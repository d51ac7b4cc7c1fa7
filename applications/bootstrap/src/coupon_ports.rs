//! The ports between the coupon context and the contexts that sell: the coupon context's
//! [`PriceCatalog`] (a course's price, read from the course store — the course service itself
//! asks coupons for quotes, so it cannot be asked back) and the course context's
//! [`CouponPricing`] over the coupon service. The market has no products yet, so no product
//! has a price.

use std::sync::Arc;

use async_trait::async_trait;
use cercat_common::{PortError, money::Money};
use cercat_coupon::{Purchase, ports::PriceCatalog};
use cercat_course::ports::CourseRepository;

/// Prices by reading their owners' stores.
pub(crate) struct Prices {
    pub(crate) courses: Arc<dyn CourseRepository>,
}

#[async_trait]
impl PriceCatalog for Prices {
    async fn price(&self, purchase: Purchase, id: i64) -> Result<Option<Money>, PortError> {
        match purchase {
            Purchase::Course => match self.courses.find(id).await? {
                Some(course) => Money::won(course.draft.price).map(Some).map_err(|e| PortError::Corrupt(e.to_string())),
                None => Ok(None),
            },
            Purchase::Product => Ok(None),
        }
    }
}
