//! What operators do to accounts: look them up, change their role, suspend and unsuspend them.
//! Every change ends the account's sessions at once on every instance (the refresh tokens are
//! revoked, the sessions' access tokens refused, their streams closed), so the new role or
//! the suspension applies from the next request; and every change is audited in the same
//! transaction as its write.

use cercat_common::{
    audit::{Actor, AuditEntry, AuditTarget},
    paging::{CursorPage, Keyset, KeysetRequest},
};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::AccountService;
use crate::{
    Role, Suspension, User, UserError,
    ports::{RoleChange, UserFilter},
    sign_ins::{KEPT_DAYS, RECENT, SUMMARY_DAYS, SignInHistory},
};

/// Longest suspension reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Who is acting on accounts, and from where (for the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The ADMIN's id, or the CLI.
    pub actor: Actor,
    /// The client's address as the admin server saw it; `None` at the CLI.
    pub client: Option<String>,
}

impl Operator {
    /// An operator at the `cercat-admin` CLI.
    pub fn cli() -> Self {
        Self { actor: Actor::Cli, client: None }
    }
}

/// How many times a role change re-reads an account that changed under it.
const ROLE_CHANGE_TRIES: usize = 3;

impl AccountService {
    /// Any account by id, withdrawn ones included. Errors: `NotFound`.
    pub async fn account(&self, user_id: i64) -> Result<User, UserError> {
        self.ports.users.find_any(user_id).await?.ok_or(UserError::NotFound)
    }

    /// A page of accounts matching `query` (email or nickname contains), `role` and `status`
    /// (judged now), newest first.
    pub async fn accounts(
        &self,
        query: Option<&str>,
        role: Option<Role>,
        status: Option<crate::UserStatus>,
        page: &KeysetRequest,
    ) -> Result<CursorPage<User>, UserError> {
        let query = query.map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned);
        if query.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(UserError::InvalidField { field: "query", reason: "must be at most 100 characters".into() });
        }
        let filter = UserFilter { query, role, status, now: self.ports.clock.now() };
        let rows = self.ports.users.search(&filter, page).await?;
        Ok(CursorPage::from_fetched(rows, page, |u| Keyset { at: u.created_at, id: u.id }))
    }

    /// Gives the member `user_id` the role `role` (USER, INSTRUCTOR or ADMIN). A GUEST has not
    /// finished onboarding and gets no role (`NotOnboarded`): onboarding makes them a USER
    /// first. The last active ADMIN cannot lose the role (`LastAdmin`), whoever asks. The same
    /// role again changes nothing. Otherwise the change is audited and the account's sessions
    /// end, so no token with the old role is accepted any more.
    pub async fn change_role(&self, by: &Operator, user_id: i64, role: Role) -> Result<User, UserError> {
        if role == Role::Guest {
            return Err(UserError::InvalidField { field: "role", reason: "must be USER, INSTRUCTOR or ADMIN".into() });
        }
        for _ in 0..ROLE_CHANGE_TRIES {
            let mut user = self.ports.users.find(user_id).await?.ok_or(UserError::NotFound)?;
            if user.role == Role::Guest {
                return Err(UserError::NotOnboarded);
            }
            if user.role == role {
                return Ok(user);
            }
            let keep_an_admin = user.role == Role::Admin;
            let entry = self.audit_entry(
                by,
                "user.role.change",
                user_id,
                json!({ "role": user.role.as_str() }),
                json!({ "role": role.as_str() }),
            );
            match self.ports.users.change_role(user_id, user.role, role, keep_an_admin, &entry).await? {
                RoleChange::Changed => {
                    self.end_sessions(user_id, None).await?;
                    user.role = role;
                    return Ok(user);
                }
                RoleChange::NoOtherAdmin => return Err(UserError::LastAdmin),
                // Changed meanwhile (another operator, onboarding, a withdrawal): decide again.
                RoleChange::Stale => continue,
            }
        }
        // Only a storm of concurrent changes to one account gets here; retrying later works.
        Err(UserError::Store(cercat_common::PortError::unavailable(
            "users",
            "the account kept changing during the role change",
        )))
    }

    /// Suspends the member `user_id` for `reason` until `until` (`None`: until an operator
    /// lifts it), replacing any suspension in force. ADMIN accounts are not suspended
    /// (`AdminNotSuspendable`). Every session ends at once; sign-in and refresh answer
    /// `Suspended` with the end date until it is over.
    pub async fn suspend(
        &self,
        by: &Operator,
        user_id: i64,
        reason: &str,
        until: Option<DateTime<Utc>>,
    ) -> Result<User, UserError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(UserError::InvalidField {
                field: "reason",
                reason: format!("must be 1 to {MAX_REASON_CHARS} characters"),
            });
        }
        let now = self.ports.clock.now();
        if until.is_some_and(|u| u <= now) {
            return Err(UserError::InvalidField { field: "until", reason: "must be in the future".into() });
        }
        let mut user = self.ports.users.find(user_id).await?.ok_or(UserError::NotFound)?;
        if user.role == Role::Admin {
            return Err(UserError::AdminNotSuspendable);
        }
        let suspension = Suspension { reason: reason.to_owned(), until, since: now };
        let entry = self.audit_entry(by, "user.suspend", user_id, json!(user.suspension_at(now)), json!(&suspension));
        if !self.ports.users.set_suspension(user_id, Some(&suspension), &entry).await? {
            return Err(UserError::NotFound);
        }
        self.end_sessions(user_id, None).await?;
        user.suspension = Some(suspension);
        Ok(user)
    }

    /// Any account by id with its sign-in history: counts over the last [`SUMMARY_DAYS`] days, the last
    /// session started, and the newest [`RECENT`] attempts, each session marked live while it
    /// still holds a refresh token. Errors: `NotFound`.
    pub async fn account_detail(&self, user_id: i64) -> Result<(User, SignInHistory), UserError> {
        let user = self.ports.users.find(user_id).await?.ok_or(UserError::NotFound)?;
        let since = self.ports.clock.now() - chrono::Duration::days(SUMMARY_DAYS);
        let (last_30_days, last_signed_in_at) = self.ports.sign_ins.counts(user_id, since).await?;
        let live = self.ports.refresh.live_families(user_id).await?;
        let recent = self
            .ports
            .sign_ins
            .recent(user_id, RECENT)
            .await?
            .into_iter()
            .map(|entry| {
                let alive = entry.session.as_ref().is_some_and(|sid| live.contains(sid));
                (entry, alive)
            })
            .collect();
        Ok((user, SignInHistory { last_30_days, last_signed_in_at, recent }))
    }

    /// Forgets sign-in history older than [`KEPT_DAYS`] days; returns how many entries went.
    pub async fn prune_sign_ins(&self) -> Result<u64, UserError> {
        Ok(self.ports.sign_ins.prune(self.ports.clock.now() - chrono::Duration::days(KEPT_DAYS)).await?)
    }

    /// Lifts the suspension of `user_id` (audited); an account without one is left as it is.
    pub async fn unsuspend(&self, by: &Operator, user_id: i64) -> Result<User, UserError> {
        let mut user = self.ports.users.find(user_id).await?.ok_or(UserError::NotFound)?;
        let Some(previous) = user.suspension.take() else {
            return Ok(user);
        };
        let entry = self.audit_entry(by, "user.unsuspend", user_id, json!(previous), serde_json::Value::Null);
        if !self.ports.users.set_suspension(user_id, None, &entry).await? {
            return Err(UserError::NotFound);
        }
        Ok(user)
    }

    /// Refuses a session to an account suspended now, with the suspension's end.
    pub(crate) fn ensure_not_suspended(&self, user: &User) -> Result<(), UserError> {
        match user.suspension_at(self.ports.clock.now()) {
            Some(s) => Err(UserError::Suspended { until: s.until }),
            None => Ok(()),
        }
    }

    fn audit_entry(
        &self,
        by: &Operator,
        action: &str,
        user_id: i64,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> AuditEntry {
        let some = |v: serde_json::Value| (!v.is_null()).then_some(v);
        AuditEntry {
            actor: by.actor.clone(),
            action: action.to_owned(),
            target: AuditTarget::user(user_id),
            before: some(before),
            after: some(after),
            at: self.ports.clock.now(),
            client: by.client.clone(),
        }
    }
}
