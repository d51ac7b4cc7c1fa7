//! Admin endpoints under `/admin/v1`.

pub mod audit;
pub mod certificates;
pub mod coupons;
pub mod courses;
pub mod dead_letters;
pub mod jobs;
pub mod market;
pub mod mockexams;
pub mod users;

use actix_web::HttpRequest;
use cercat_common::audit::{AuditEntry, AuditTarget};
use cercat_http::auth::Admin;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::AdminState;

/// Records an admin write that another context's service made, right after it succeeded (that
/// service's store cannot join the audit log's transaction; account changes are audited in
/// their own). The change is done whatever happens here, so a failure to record is logged as
/// an error rather than answered.
pub(crate) async fn audit_after(
    state: &AdminState,
    admin: &Admin,
    req: &HttpRequest,
    action: &str,
    target: AuditTarget,
    after: &impl serde::Serialize,
) {
    let by = users::operator(admin, req);
    let entry = AuditEntry {
        actor: by.actor,
        action: action.to_owned(),
        target,
        before: None,
        after: serde_json::to_value(after).ok(),
        at: state.services.clock.now(),
        client: by.client,
    };
    if let Err(err) = state.services.audit.append(&entry).await {
        tracing::error!(%err, action, target = %entry.target, "an admin change could not be written to the audit log");
    }
}

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
            .configure(dead_letters::configure)
            .configure(users::configure)
            .configure(audit::configure),
    );
}
