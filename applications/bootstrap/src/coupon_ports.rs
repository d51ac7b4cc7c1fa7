//! The coupon context's [`PriceCatalog`], implemented over the services that sell: a course's
//! price from the course context. The market has no products yet, so no product has a price.

use std::sync::Arc;

use async_trait::async_trait;
use cercat_common::{PortError, money::Money};
use cercat_coupon::{Purchase, ports::PriceCatalog};
use cercat_course::{CourseError, CourseService};

/// Prices by asking their owners.
pub(crate) struct Prices {
    pub(crate) courses: Arc<CourseService>,
}

#[async_trait]
impl PriceCatalog for Prices {
    async fn price(&self, purchase: Purchase, id: i64) -> Result<Option<Money>, PortError> {
        match purchase {
            Purchase::Course => match self.courses.get(id).await {
                Ok(course) => Money::won(course.draft.price).map(Some).map_err(|e| PortError::Corrupt(e.to_string())),
                Err(CourseError::NotFound(_)) => Ok(None),
                Err(CourseError::Store(e)) => Err(e),
                Err(other) => Err(PortError::unavailable("course context", other)),
            },
            Purchase::Product => Ok(None),
        }
    }
}
