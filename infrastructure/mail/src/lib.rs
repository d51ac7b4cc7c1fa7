//! Mail transports behind the [`Mailer`] port: [`SmtpMailer`] (lettre, every send bounded by a
//! timeout) and [`DevMailbox`] (one file per mail under `<data_dir>/mail/`, `data/mail/` by
//! default, plus a log line).

use async_trait::async_trait;
use cercat_common::{
    PortError,
    mail::{Mail, Mailer, SendError},
};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use std::{path::PathBuf, time::Duration};

const DEP: &str = "mail";

/// Sends through an SMTP server.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish()
    }
}

impl SmtpMailer {
    /// From an `smtp://user:pass@host:port` (STARTTLS: `?tls=required`) or `smtps://…` URL.
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, PortError> {
        let from =
            from.parse().map_err(|e| PortError::unavailable(DEP, format!("bad sender address `{from}`: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| PortError::unavailable(DEP, format!("bad SMTP URL: {e}")))?
            .timeout(Some(timeout))
            .build();
        Ok(Self { transport, from, timeout })
    }
}

/// The message for `mail`; a recipient or content no server could take is refused for good.
fn message(from: &Mailbox, mail: &Mail) -> Result<Message, SendError> {
    let to: Mailbox = mail.to.parse().map_err(|e| SendError::Rejected(format!("bad recipient `{}`: {e}", mail.to)))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| SendError::Rejected(format!("cannot build the mail: {e}")))
}

/// A failed SMTP exchange: a 5xx reply is final (the server will refuse the mail again);
/// anything else (4xx, a timeout, the connection) may pass later.
fn classify(err: lettre::transport::smtp::Error) -> SendError {
    if err.is_permanent() { SendError::Rejected(err.to_string()) } else { PortError::unavailable(DEP, err).into() }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        let msg = message(&self.from, mail)?;
        let bound = self.timeout + Duration::from_secs(1);
        match tokio::time::timeout(bound, self.transport.send(msg)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err(classify(err)),
            Err(_) => Err(PortError::timeout(DEP, bound).into()),
        }
    }
}

/// Embedded mode's mailbox: each mail becomes `<dir>/<time>-<id>.eml` and a log line, so a
/// developer can read sign-up codes without a mail server.
#[derive(Debug, Clone)]
pub struct DevMailbox {
    dir: PathBuf,
    from: Mailbox,
}

impl DevMailbox {
    /// Writes mails into `dir` (created on first use).
    pub fn new(dir: PathBuf, from: &str) -> Result<Self, PortError> {
        let from =
            from.parse().map_err(|e| PortError::unavailable(DEP, format!("bad sender address `{from}`: {e}")))?;
        Ok(Self { dir, from })
    }
}

#[async_trait]
impl Mailer for DevMailbox {
    async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        let msg = message(&self.from, mail)?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| PortError::unavailable(DEP, format!("cannot create {}: {e}", self.dir.display())))?;
        let name = format!("{}-{}.eml", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"), uuid::Uuid::new_v4().simple());
        let path = self.dir.join(name);
        tokio::fs::write(&path, msg.formatted())
            .await
            .map_err(|e| PortError::unavailable(DEP, format!("cannot write {}: {e}", path.display())))?;
        tracing::info!(to = mail.to.as_str(), subject = mail.subject.as_str(), file = %path.display(), body = mail.body.as_str(), "dev mailbox: mail delivered");
        Ok(())
    }
}
