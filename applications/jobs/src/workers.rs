//! The continuous workers — unlike the scheduled jobs they never end: the outbox relay and the
//! mail dispatcher. `cercat-batch serve` always runs them; the api does when
//! `jobs.workers_in_process`. Running them in several processes is safe: the relay takes a lease
//! per pass, and each mail is claimed before it is sent.

use cercat_bootstrap::Services;
use std::time::Duration;
use tokio::{sync::watch, task::JoinHandle};

/// Starts the relay and the dispatcher; both stop when `shutdown` flips to true.
///
/// The relay is woken by this process's own outbox writes (the store's signal, rung after each
/// commit that appended events) and otherwise looks for events every `outbox.poll_interval_ms`
/// (other processes' writes, retries past their backoff). The dispatcher sends what is due
/// every `mail.poll_interval_ms`.
pub fn spawn_workers(services: &Services, shutdown: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let relay = services.outbox_relay.clone();
    let idle = Duration::from_millis(services.settings.outbox.poll_interval_ms);
    let relay_stop = shutdown.clone();
    let mail = services.mail_dispatcher.clone();
    let mail_idle = Duration::from_millis(services.settings.mail.poll_interval_ms);
    let mail_stop = shutdown.clone();
    tracing::info!(node = %services.node, "relaying the outbox and dispatching mail continuously");
    vec![
        tokio::spawn(async move { relay.run(idle, cercat_common::shutdown::requested(relay_stop)).await }),
        tokio::spawn(async move { mail.run(mail_idle, cercat_common::shutdown::requested(mail_stop)).await }),
    ]
}
