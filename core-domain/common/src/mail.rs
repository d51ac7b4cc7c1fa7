//! Outgoing mail: queued in the database with the change that caused it, sent by a
//! dispatcher that retries failures with backoff and never drops a mail.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::{sync::Arc, time::Duration};

use crate::{PortError, clock::Clock};

/// A mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// A queued mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    /// Queue id.
    pub id: i64,
    /// The mail.
    pub mail: Mail,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// The mail queue (a table written in the same transaction as the change).
#[async_trait]
pub trait MailQueue: Send + Sync {
    /// Up to `limit` unsent mails whose next attempt is due at `now`, oldest first.
    async fn due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<QueuedMail>, PortError>;
    /// Marks a mail sent.
    async fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<(), PortError>;
    /// Records a failed attempt and when to retry.
    async fn mark_failed(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<(), PortError>;
    /// Mails not yet sent.
    async fn unsent_count(&self) -> Result<u64, PortError>;
}

/// Delivers one mail (SMTP, or the dev mailbox).
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `mail`; `Ok` means the server accepted it.
    async fn send(&self, mail: &Mail) -> Result<(), PortError>;
}

/// What one dispatch pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Mails accepted by the transport.
    pub sent: u64,
    /// Mails that failed and wait for a retry.
    pub failed: u64,
}

/// Sends due mails; each failure is retried later (1 min doubling, at most 1 hour apart), forever.
pub struct MailDispatcher {
    queue: Arc<dyn MailQueue>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    batch_size: u32,
}

impl MailDispatcher {
    /// A dispatcher sending up to `batch_size` mails per pass.
    pub fn new(queue: Arc<dyn MailQueue>, mailer: Arc<dyn Mailer>, clock: Arc<dyn Clock>, batch_size: u32) -> Self {
        Self { queue, mailer, clock, batch_size }
    }

    /// Delay before the next attempt after `attempts` failures.
    pub fn backoff(attempts: u32) -> Duration {
        Duration::from_secs(60u64 << attempts.min(6)).min(Duration::from_secs(3600))
    }

    /// One pass over the due mails. Unlike events, mails are independent: one failure does
    /// not hold the others back.
    pub async fn dispatch_once(&self) -> Result<DispatchReport, PortError> {
        let mut report = DispatchReport::default();
        for queued in self.queue.due(self.clock.now(), self.batch_size).await? {
            match self.mailer.send(&queued.mail).await {
                Ok(()) => {
                    self.queue.mark_sent(queued.id, self.clock.now()).await?;
                    report.sent += 1;
                }
                Err(err) => {
                    let retry_at = self.clock.now()
                        + chrono::Duration::from_std(Self::backoff(queued.attempts)).unwrap_or_default();
                    tracing::warn!(mail_id = queued.id, %err, "sending a mail failed; will retry");
                    self.queue.mark_failed(queued.id, &err.to_string(), retry_at).await?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    /// Dispatches until `shutdown` resolves, pausing `idle` between passes.
    pub async fn run(&self, idle: Duration, shutdown: impl std::future::Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            if let Err(err) = self.dispatch_once().await {
                tracing::warn!(%err, "mail dispatch pass failed");
            }
            tokio::select! {
                () = tokio::time::sleep(idle) => {}
                () = &mut shutdown => return,
            }
        }
    }
}
