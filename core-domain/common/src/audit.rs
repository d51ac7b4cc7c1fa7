//! The operators' audit log: who did what to which target, the state before and after, when,
//! and from which client address. Append-only — nothing updates or deletes an entry — so it
//! can be trusted after the fact. Services build the entries (they know the before and after);
//! adapters only store and list them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{
    PortError,
    paging::{CursorPage, Keyset, KeysetRequest},
};

/// Who acted: an ADMIN (by user id) over the admin API, or an operator at the `cercat-admin` CLI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// An ADMIN account, by its user id.
    Admin(i64),
    /// Someone with shell access to the deployment, through the CLI (no account behind it).
    Cli,
}

impl Actor {
    /// The stored form: the decimal user id, or `cli`.
    pub fn as_stored(&self) -> String {
        match self {
            Self::Admin(id) => id.to_string(),
            Self::Cli => "cli".to_owned(),
        }
    }

    /// Reads the stored form back; `None` for anything [`Actor::as_stored`] never writes.
    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "cli" => Some(Self::Cli),
            // At most 18 significant digits: the documented pattern's bound (every such id fits).
            id => id.parse().ok().filter(|id| (1..=999_999_999_999_999_999).contains(id)).map(Self::Admin),
        }
    }
}

/// What an action was done to: a kind (`user`, `coupon`, `product`…) and its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditTarget {
    /// The kind of thing, lower case (`user`).
    pub kind: String,
    /// Its id, as text (ids of every context fit).
    pub id: String,
}

impl AuditTarget {
    /// A user account.
    pub fn user(id: i64) -> Self {
        Self { kind: "user".to_owned(), id: id.to_string() }
    }

    /// Reads `kind:id` (the `target` filter of the audit list); `None` when malformed.
    pub fn parse(raw: &str) -> Option<Self> {
        let (kind, id) = raw.trim().split_once(':')?;
        let ok = |s: &str| !s.is_empty() && s.chars().count() <= 64 && !s.contains(char::is_whitespace);
        (ok(kind) && ok(id)).then(|| Self { kind: kind.to_owned(), id: id.to_owned() })
    }
}

impl std::fmt::Display for AuditTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

/// One action to record.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Who did it.
    pub actor: Actor,
    /// What was done, as a stable dotted name (`user.role.change`, `user.suspend`).
    pub action: String,
    /// What it was done to.
    pub target: AuditTarget,
    /// The target's relevant state before (`None` when it did not exist or does not matter).
    pub before: Option<Value>,
    /// The target's relevant state after.
    pub after: Option<Value>,
    /// When.
    pub at: DateTime<Utc>,
    /// The client's address as the server saw it (`None` at the CLI).
    pub client: Option<String>,
}

/// An entry as stored, with the id that orders it among entries of the same instant.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// The entry's id (increasing).
    pub id: i64,
    /// The entry.
    pub entry: AuditEntry,
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this actor's.
    pub actor: Option<Actor>,
    /// Only those about this target.
    pub target: Option<AuditTarget>,
}

/// Where audit entries are kept (the database, in both modes).
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends `entry` on its own. Used right after a change the log could not join (one
    /// spanning several stores); changes that are one SQL write append in their own transaction.
    async fn append(&self, entry: &AuditEntry) -> Result<(), PortError>;
    /// Entries matching `filter`, newest first by `(at, id)`, strictly after `page.after`,
    /// at most `page.fetch_limit()` of them.
    async fn list(&self, filter: &AuditFilter, page: &KeysetRequest) -> Result<Vec<AuditRecord>, PortError>;
}

/// Pages the audit log for operators.
#[derive(Clone)]
pub struct AuditTrail {
    log: std::sync::Arc<dyn AuditLog>,
}

impl AuditTrail {
    /// Over `log`.
    pub fn new(log: std::sync::Arc<dyn AuditLog>) -> Self {
        Self { log }
    }

    /// A page of entries matching `filter`, newest first; `next_cursor` continues it.
    pub async fn page(&self, filter: &AuditFilter, page: &KeysetRequest) -> Result<CursorPage<AuditRecord>, PortError> {
        let rows = self.log.list(filter, page).await?;
        Ok(CursorPage::from_fetched(rows, page, |r| Keyset { at: r.entry.at, id: r.id }))
    }

    /// Appends `entry` (for changes that could not record it in their own transaction).
    pub async fn append(&self, entry: &AuditEntry) -> Result<(), PortError> {
        self.log.append(entry).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_and_targets_read_back_what_is_stored() {
        for actor in [Actor::Admin(7), Actor::Cli] {
            assert_eq!(Actor::parse(&actor.as_stored()), Some(actor));
        }
        assert_eq!(Actor::parse("0"), None);
        assert_eq!(Actor::parse("admin"), None);
        assert_eq!(AuditTarget::parse("user:12"), Some(AuditTarget::user(12)));
        for bad in ["user", ":1", "user:", "user: 1"] {
            assert_eq!(AuditTarget::parse(bad), None, "{bad}");
        }
    }
}
