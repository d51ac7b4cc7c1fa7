//! Admin endpoints under `/admin/v1`.

pub mod audit;
pub mod certificates;
pub mod coupons;
pub mod courses;
pub mod jobs;
pub mod market;
pub mod mockexams;
pub mod users;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers every admin endpoint.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/admin/v1")
            .configure(certificates::configure)
            .configure(mockexams::configure)
            .configure(jobs::configure)
            .configure(courses::configure)
            .configure(coupons::configure)
            .configure(market::configure)
            .configure(users::configure)
            .configure(audit::configure),
    );
}
