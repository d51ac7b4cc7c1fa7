//! Outgoing mail: queued in the database with the change that caused it, sent by a
//! dispatcher that retries failures with backoff and never drops a mail it could still send.
//! A mail the server refused for good (a 5xx reply, an address no server takes) is marked
//! undeliverable instead of retried forever. Several dispatchers (api instances, `batch serve`
//! nodes) may run at once: each mail is claimed before it is sent, so only one sends it.

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
    /// Up to `limit` mails to send whose next attempt is due at `now`, oldest first (not yet
    /// claimed: a dispatcher must still [`claim`](Self::claim) each one).
    async fn due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<QueuedMail>, PortError>;
    /// Takes mail `id` for one send attempt: atomically, only if it is still unsent and due at
    /// `now`, moves its next attempt to `until` (so no other dispatcher takes it meanwhile, and
    /// a dispatcher that dies mid-send leaves it due again then). `false` when another
    /// dispatcher took it first, or it was sent or given up on meanwhile.
    async fn claim(&self, id: i64, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, PortError>;
    /// Marks a mail sent and drops its body (a sent code must not stay readable in storage).
    async fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<(), PortError>;
    /// Records a failed attempt and when to retry.
    async fn mark_failed(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<(), PortError>;
    /// Gives up on a mail the server refused for good: it is never tried again.
    async fn mark_undeliverable(&self, id: i64, error: &str, at: DateTime<Utc>) -> Result<(), PortError>;
    /// Mails still to send (neither sent nor given up on).
    async fn unsent_count(&self) -> Result<u64, PortError>;
}

/// Why a mail was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Refused for good (an SMTP 5xx reply, a recipient no server can take): retrying cannot
    /// help.
    #[error("refused for good: {0}")]
    Rejected(String),
    /// Not delivered now (a 4xx reply, a timeout, no connection): worth retrying.
    #[error(transparent)]
    Unavailable(#[from] PortError),
}

/// Delivers one mail (SMTP, or the dev mailbox).
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `mail`; `Ok` means the server accepted it. Every send is bounded in time.
    async fn send(&self, mail: &Mail) -> Result<(), SendError>;
}

/// What one dispatch pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Mails accepted by the transport.
    pub sent: u64,
    /// Mails that failed and wait for a retry.
    pub failed: u64,
    /// Mails refused for good and given up on.
    pub rejected: u64,
}

/// How long a claim keeps a mail from other dispatchers: far beyond one send's bound (the
/// SMTP timeout is at most 10 minutes), so a claim never lapses while its send is running.
pub const CLAIM_LEASE: Duration = Duration::from_secs(15 * 60);

/// Sends due mails; each transient failure is retried later (1 min doubling, at most 1 hour
/// apart), forever; a permanent one is given up on.
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
    /// not hold the others back. Each mail is claimed just before its send, so a mail another
    /// dispatcher is sending (or sent) is skipped.
    pub async fn dispatch_once(&self) -> Result<DispatchReport, PortError> {
        let mut report = DispatchReport::default();
        let lease = chrono::Duration::from_std(CLAIM_LEASE).unwrap_or_default();
        for queued in self.queue.due(self.clock.now(), self.batch_size).await? {
            let now = self.clock.now();
            if !self.queue.claim(queued.id, now, now + lease).await? {
                continue;
            }
            match self.mailer.send(&queued.mail).await {
                Ok(()) => {
                    self.queue.mark_sent(queued.id, self.clock.now()).await?;
                    report.sent += 1;
                }
                Err(SendError::Rejected(reason)) => {
                    tracing::warn!(mail_id = queued.id, %reason, "a mail was refused for good; giving up on it");
                    self.queue.mark_undeliverable(queued.id, &reason, self.clock.now()).await?;
                    report.rejected += 1;
                }
                Err(SendError::Unavailable(err)) => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::Mutex;

    /// A queued mail, when it was sent (or given up on), and when it is next due.
    type Row = (QueuedMail, Option<DateTime<Utc>>, DateTime<Utc>);

    #[derive(Default)]
    struct Queue(Mutex<Vec<Row>>);

    #[async_trait]
    impl MailQueue for Queue {
        async fn due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<QueuedMail>, PortError> {
            let rows = self.0.lock().unwrap();
            Ok(rows.iter().filter(|r| r.1.is_none() && r.2 <= now).take(limit as usize).map(|r| r.0.clone()).collect())
        }
        async fn claim(&self, id: i64, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, PortError> {
            let mut rows = self.0.lock().unwrap();
            let Some(r) = rows.iter_mut().find(|r| r.0.id == id && r.1.is_none() && r.2 <= now) else {
                return Ok(false);
            };
            r.2 = until;
            Ok(true)
        }
        async fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<(), PortError> {
            self.0.lock().unwrap().iter_mut().filter(|r| r.0.id == id).for_each(|r| r.1 = Some(at));
            Ok(())
        }
        async fn mark_failed(&self, id: i64, _: &str, retry_at: DateTime<Utc>) -> Result<(), PortError> {
            for r in self.0.lock().unwrap().iter_mut().filter(|r| r.0.id == id) {
                r.0.attempts += 1;
                r.2 = retry_at;
            }
            Ok(())
        }
        async fn mark_undeliverable(&self, id: i64, _: &str, at: DateTime<Utc>) -> Result<(), PortError> {
            self.mark_sent(id, at).await
        }
        async fn unsent_count(&self) -> Result<u64, PortError> {
            Ok(self.0.lock().unwrap().iter().filter(|r| r.1.is_none()).count() as u64)
        }
    }

    /// Refuses the first `fail` sends, like an SMTP server answering 451, and refuses for good
    /// any mail to `nobody@x.com`, like one answering 550.
    struct Flaky {
        fail: Mutex<u32>,
        sent: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Mailer for Flaky {
        async fn send(&self, mail: &Mail) -> Result<(), SendError> {
            if mail.to == "nobody@x.com" {
                return Err(SendError::Rejected("550 no such user".into()));
            }
            let mut fail = self.fail.lock().unwrap();
            if *fail > 0 {
                *fail -= 1;
                return Err(PortError::unavailable("mail", "451 try again later").into());
            }
            self.sent.lock().unwrap().push(mail.to.clone());
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_refused_mail_is_given_up_on_and_a_claimed_one_is_skipped() {
        let clock = ManualClock::new(Utc::now());
        let queue = Arc::new(Queue::default());
        for (id, to) in [(1, "nobody@x.com"), (2, "b@x.com")] {
            let mail = Mail { to: to.into(), subject: "s".into(), body: "b".into() };
            queue.0.lock().unwrap().push((QueuedMail { id, mail, attempts: 0 }, None, clock.now()));
        }
        // Another dispatcher claimed mail 2 a moment ago.
        assert!(queue.claim(2, clock.now(), clock.now() + chrono::Duration::minutes(15)).await.unwrap());
        let mailer = Arc::new(Flaky { fail: Mutex::new(0), sent: Mutex::default() });
        let dispatcher = MailDispatcher::new(queue.clone(), mailer.clone(), Arc::new(clock.clone()), 10);
        assert_eq!(dispatcher.dispatch_once().await.unwrap(), DispatchReport { sent: 0, failed: 0, rejected: 1 });
        assert!(mailer.sent.lock().unwrap().is_empty(), "the claimed mail is left to its claimer");
        clock.advance(chrono::Duration::hours(2));
        // The refused mail is never tried again; the abandoned claim lapses and the mail goes out.
        assert_eq!(dispatcher.dispatch_once().await.unwrap(), DispatchReport { sent: 1, failed: 0, rejected: 0 });
        assert_eq!(*mailer.sent.lock().unwrap(), vec!["b@x.com"]);
        assert_eq!(queue.unsent_count().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_failed_mail_is_kept_and_retried_after_its_backoff_while_others_go_out() {
        let clock = ManualClock::new(Utc::now());
        let queue = Arc::new(Queue::default());
        for (id, to) in [(1, "a@x.com"), (2, "b@x.com")] {
            let mail = Mail { to: to.into(), subject: "s".into(), body: "b".into() };
            queue.0.lock().unwrap().push((QueuedMail { id, mail, attempts: 0 }, None, clock.now()));
        }
        let mailer = Arc::new(Flaky { fail: Mutex::new(1), sent: Mutex::default() });
        let dispatcher = MailDispatcher::new(queue.clone(), mailer.clone(), Arc::new(clock.clone()), 10);
        assert_eq!(dispatcher.dispatch_once().await.unwrap(), DispatchReport { sent: 1, failed: 1, rejected: 0 });
        assert_eq!(*mailer.sent.lock().unwrap(), vec!["b@x.com"], "one failure does not hold the others back");
        assert_eq!(queue.unsent_count().await.unwrap(), 1, "the failed mail is kept");
        assert_eq!(dispatcher.dispatch_once().await.unwrap(), DispatchReport::default(), "not before its backoff");
        clock.advance(chrono::Duration::seconds(61));
        assert_eq!(dispatcher.dispatch_once().await.unwrap(), DispatchReport { sent: 1, failed: 0, rejected: 0 });
        assert_eq!(queue.unsent_count().await.unwrap(), 0);
    }

    #[test]
    fn mail_backoff_grows_to_an_hour() {
        assert_eq!(MailDispatcher::backoff(0), Duration::from_secs(60));
        assert_eq!(MailDispatcher::backoff(2), Duration::from_secs(240));
        assert_eq!(MailDispatcher::backoff(20), Duration::from_secs(3600));
    }
}
