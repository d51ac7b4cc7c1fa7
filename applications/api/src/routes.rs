//! Endpoints, one file per group. Each group registers its handlers (and so their OpenAPI
//! paths) in [`configure`]; nothing lists paths by hand.

pub mod alarms;
pub mod auth;
pub mod boards;
pub mod certificates;
pub mod coupons;
pub mod courses;
pub mod goals;
pub mod health;
pub mod interests;
pub mod market;
pub mod mockexams;
pub mod oauth;
pub mod objects;
pub mod posts;
pub mod recommendations;
pub mod reviews;
pub mod search;
pub mod users;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers every endpoint.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::live)
        .service(health::ready)
        .service(health::metrics)
        .service(objects::get_object)
        .service(oauth::start)
        .service(oauth::callback)
        .service(oauth::callback_post)
        .service(scope::scope("/alarm-api/v2").configure(alarms::configure))
        .service(
            scope::scope("/api/v2")
                .configure(certificates::configure)
                .configure(auth::configure)
                .configure(interests::configure)
                .configure(boards::configure)
                .configure(mockexams::configure)
                .configure(goals::configure)
                .configure(posts::configure)
                .configure(reviews::configure)
                .configure(search::configure)
                .configure(users::configure)
                .configure(courses::configure)
                .configure(coupons::configure)
                .configure(market::configure)
                .configure(recommendations::configure),
        );
}
