//! In-memory fakes of the account service's ports: just enough behaviour to keep each port's
//! documented contract (unique emails and nicknames, single-use codes, rotating refresh tokens
//! with a grace window and family revocation, fixed-window rate limits). Profile images are
//! kept in common's [`MapStorage`].

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use cercat_common::{
    PortError,
    audit::AuditEntry,
    broadcast::Broadcast,
    clock::ManualClock,
    mail::Mail,
    paging::KeysetRequest,
    ratelimit::{RateDecision, RateLimiter},
    testkit::fakes::MapStorage,
};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::{
    model::{CodePurpose, Email, NewUser, Nickname, Role, Suspension, User},
    ports::{
        CodeCheck, EmailCodeRepository, ExternalIdentity, IdentityProviderError, IdentityProviders, RefreshSession,
        RefreshTokenStore, RoleChange, Rotation, SessionRevocations, UserFilter, UserRepository,
    },
};

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Accounts in a vector, ids from 1, with the OAuth identity each was created for, and the
/// audit entries appended with role and suspension changes.
#[derive(Default)]
pub struct Users(Mutex<Vec<User>>, Mutex<Vec<((String, String), i64)>>, Mutex<Option<String>>, Mutex<Vec<AuditEntry>>);

impl Users {
    /// The stored account with this email, withdrawn or not.
    pub fn find_by_email_str(&self, email: &str) -> Option<User> {
        locked(&self.0).iter().find(|u| u.email == email).cloned()
    }

    /// The stored account with this id, withdrawn or not.
    pub fn find_by_id(&self, id: i64) -> Option<User> {
        locked(&self.0).iter().find(|u| u.id == id).cloned()
    }

    /// The audit entries appended so far, oldest first.
    pub fn audited(&self) -> Vec<AuditEntry> {
        locked(&self.3).clone()
    }

    /// Has another account take `nickname` between the service's check and its write: the
    /// next profile update to it fails as the unique key would.
    pub fn nickname_claimed_meanwhile(&self, nickname: &str) {
        *locked(&self.2) = Some(nickname.to_owned());
    }

    fn taken(users: &[User], id: i64, email: Option<&str>, nickname: Option<&str>) -> Option<PortError> {
        let others = || users.iter().filter(move |u| u.id != id);
        if email.is_some_and(|e| others().any(|u| u.email == e)) {
            return Some(PortError::Duplicate("user.email".into()));
        }
        if nickname.is_some_and(|n| others().any(|u| u.nickname == n)) {
            return Some(PortError::Duplicate("user.nickname".into()));
        }
        None
    }
}

#[async_trait]
impl UserRepository for Users {
    async fn find(&self, id: i64) -> Result<Option<User>, PortError> {
        Ok(locked(&self.0).iter().find(|u| u.id == id && u.withdrawn_at.is_none()).cloned())
    }
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, PortError> {
        Ok(locked(&self.0).iter().find(|u| u.email == email.as_str()).cloned())
    }
    async fn find_by_oauth(&self, provider: &str, subject: &str) -> Result<Option<User>, PortError> {
        let linked = locked(&self.1).iter().find(|((p, s), _)| p == provider && s == subject).map(|(_, id)| *id);
        Ok(linked.and_then(|id| locked(&self.0).iter().find(|u| u.id == id).cloned()))
    }
    async fn create(&self, user: &NewUser, at: DateTime<Utc>) -> Result<User, PortError> {
        let mut users = locked(&self.0);
        if let Some(taken) = Self::taken(&users, 0, Some(user.email.as_str()), Some(user.nickname.as_str())) {
            return Err(taken);
        }
        let created = User {
            id: users.len() as i64 + 1,
            email: user.email.as_str().to_owned(),
            nickname: user.nickname.as_str().to_owned(),
            role: user.role,
            password_hash: user.password_hash.clone(),
            profile_image_key: None,
            withdrawn_at: None,
            suspension: None,
            created_at: at,
        };
        users.push(created.clone());
        if let Some(identity) = &user.oauth {
            locked(&self.1).push((identity.clone(), created.id));
        }
        Ok(created)
    }
    async fn nickname_taken(&self, nickname: &Nickname, except: Option<i64>) -> Result<bool, PortError> {
        Ok(locked(&self.0).iter().any(|u| u.nickname == nickname.as_str() && Some(u.id) != except))
    }
    async fn update_profile(
        &self,
        id: i64,
        nickname: Option<&Nickname>,
        image_key: Option<Option<&str>>,
        _: DateTime<Utc>,
    ) -> Result<(), PortError> {
        let claimed = locked(&self.2).take();
        if nickname.is_some_and(|n| claimed.as_deref() == Some(n.as_str())) {
            return Err(PortError::Duplicate("user.nickname".into()));
        }
        let mut users = locked(&self.0);
        if let Some(taken) = Self::taken(&users, id, None, nickname.map(Nickname::as_str)) {
            return Err(taken);
        }
        for user in users.iter_mut().filter(|u| u.id == id) {
            if let Some(n) = nickname {
                user.nickname = n.as_str().to_owned();
            }
            if let Some(key) = image_key {
                user.profile_image_key = key.map(str::to_owned);
            }
        }
        Ok(())
    }
    async fn set_role(&self, id: i64, role: Role, _: DateTime<Utc>) -> Result<(), PortError> {
        locked(&self.0).iter_mut().filter(|u| u.id == id).for_each(|u| u.role = role);
        Ok(())
    }
    async fn change_role(
        &self,
        id: i64,
        from: Role,
        to: Role,
        keep_an_admin: bool,
        audit: &AuditEntry,
    ) -> Result<RoleChange, PortError> {
        // One lock over the check and the write: what the SQL adapter's row locks give.
        let mut users = locked(&self.0);
        let others = users.iter().filter(|u| u.id != id && u.role == Role::Admin && u.withdrawn_at.is_none()).count();
        let Some(user) = users.iter_mut().find(|u| u.id == id && u.withdrawn_at.is_none() && u.role == from) else {
            return Ok(RoleChange::Stale);
        };
        if keep_an_admin && others == 0 {
            return Ok(RoleChange::NoOtherAdmin);
        }
        user.role = to;
        locked(&self.3).push(audit.clone());
        Ok(RoleChange::Changed)
    }
    async fn set_suspension(
        &self,
        id: i64,
        suspension: Option<&Suspension>,
        audit: &AuditEntry,
    ) -> Result<bool, PortError> {
        let mut users = locked(&self.0);
        let Some(user) = users.iter_mut().find(|u| u.id == id && u.withdrawn_at.is_none()) else { return Ok(false) };
        user.suspension = suspension.cloned();
        locked(&self.3).push(audit.clone());
        Ok(true)
    }
    async fn find_any(&self, id: i64) -> Result<Option<User>, PortError> {
        Ok(locked(&self.0).iter().find(|u| u.id == id).cloned())
    }
    async fn search(&self, filter: &UserFilter, page: &KeysetRequest) -> Result<Vec<User>, PortError> {
        let mut found: Vec<User> = locked(&self.0)
            .iter()
            .filter(|u| {
                filter.query.as_ref().is_none_or(|q| u.email.contains(q.as_str()) || u.nickname.contains(q.as_str()))
            })
            .filter(|u| filter.role.is_none_or(|r| u.role == r))
            .filter(|u| filter.status.is_none_or(|s| u.status_at(filter.now) == s))
            .filter(|u| page.after.is_none_or(|k| (u.created_at, u.id) < (k.at, k.id)))
            .cloned()
            .collect();
        found.sort_by_key(|u| std::cmp::Reverse((u.created_at, u.id)));
        found.truncate(page.fetch_limit() as usize);
        Ok(found)
    }
    async fn set_email(&self, id: i64, email: &Email, _: DateTime<Utc>) -> Result<(), PortError> {
        let mut users = locked(&self.0);
        if let Some(taken) = Self::taken(&users, id, Some(email.as_str()), None) {
            return Err(taken);
        }
        users.iter_mut().filter(|u| u.id == id).for_each(|u| u.email = email.as_str().to_owned());
        Ok(())
    }
    async fn set_password(&self, id: i64, hash: &str, _: DateTime<Utc>) -> Result<(), PortError> {
        locked(&self.0).iter_mut().filter(|u| u.id == id).for_each(|u| u.password_hash = Some(hash.to_owned()));
        Ok(())
    }
    async fn withdraw(&self, id: i64, at: DateTime<Utc>) -> Result<bool, PortError> {
        let mut users = locked(&self.0);
        let Some(user) = users.iter_mut().find(|u| u.id == id && u.withdrawn_at.is_none()) else { return Ok(false) };
        user.withdrawn_at = Some(at);
        Ok(true)
    }
    async fn restore(&self, id: i64, _: DateTime<Utc>) -> Result<bool, PortError> {
        let mut users = locked(&self.0);
        let Some(user) = users.iter_mut().find(|u| u.id == id && u.withdrawn_at.is_some()) else { return Ok(false) };
        user.withdrawn_at = None;
        Ok(true)
    }
    async fn purge_withdrawn_before(&self, cutoff: DateTime<Utc>) -> Result<u64, PortError> {
        let mut users = locked(&self.0);
        let before = users.len();
        users.retain(|u| u.withdrawn_at.is_none_or(|at| at >= cutoff));
        Ok((before - users.len()) as u64)
    }
}

/// A live code: its digest and when it expires, by (email, purpose).
type LiveCodes = HashMap<(String, &'static str), (String, DateTime<Utc>)>;

/// The latest code per (email, purpose) and every mail queued, so a test can read the code.
#[derive(Default)]
pub struct Codes {
    live: Mutex<LiveCodes>,
    /// Mails queued with codes, oldest first.
    pub mails: Mutex<Vec<Mail>>,
}

impl Codes {
    /// The six-digit code in the latest mail to `to`.
    pub fn last_code_to(&self, to: &str) -> Option<String> {
        let mails = locked(&self.mails);
        let body = &mails.iter().rev().find(|m| m.to == to)?.body;
        let at = body.find("인증번호: ")? + "인증번호: ".len();
        Some(body[at..].chars().take(6).collect())
    }
}

#[async_trait]
impl EmailCodeRepository for Codes {
    async fn issue(
        &self,
        email: &Email,
        purpose: CodePurpose,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        mail: &Mail,
        _: DateTime<Utc>,
    ) -> Result<(), PortError> {
        locked(&self.live).insert((email.as_str().to_owned(), purpose.as_str()), (code_hash.to_owned(), expires_at));
        locked(&self.mails).push(mail.clone());
        Ok(())
    }
    async fn consume(
        &self,
        email: &Email,
        purpose: CodePurpose,
        code_hash: &str,
        _: u32,
        now: DateTime<Utc>,
    ) -> Result<CodeCheck, PortError> {
        let mut live = locked(&self.live);
        let key = (email.as_str().to_owned(), purpose.as_str());
        match live.get(&key) {
            Some((hash, expires)) if hash == code_hash && now < *expires => {
                live.remove(&key);
                Ok(CodeCheck::Valid)
            }
            _ => Ok(CodeCheck::Invalid),
        }
    }
}

#[derive(Clone)]
struct Token {
    session: RefreshSession,
    /// When it was spent, and into which successor.
    spent: Option<(DateTime<Utc>, String)>,
}

/// Refresh tokens by hash (time-to-live not modelled: the tests never wait for it).
#[derive(Default)]
pub struct RefreshTokens(Mutex<HashMap<String, Token>>);

#[async_trait]
impl RefreshTokenStore for RefreshTokens {
    async fn create(&self, token_hash: &str, session: &RefreshSession, _: Duration) -> Result<(), PortError> {
        locked(&self.0).insert(token_hash.to_owned(), Token { session: session.clone(), spent: None });
        Ok(())
    }
    async fn rotate(
        &self,
        old_hash: &str,
        new_hash: &str,
        _: Duration,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> Result<Rotation, PortError> {
        let mut tokens = locked(&self.0);
        let Some(token) = tokens.get(old_hash).cloned() else { return Ok(Rotation::Unknown) };
        match token.spent {
            None => {
                tokens.insert(old_hash.to_owned(), Token { spent: Some((now, new_hash.to_owned())), ..token.clone() });
                tokens.insert(new_hash.to_owned(), Token { session: token.session.clone(), spent: None });
                Ok(Rotation::Rotated { session: token.session, at: now })
            }
            Some((at, successor))
                if successor == new_hash && now - at <= chrono::Duration::from_std(grace).unwrap_or_default() =>
            {
                Ok(Rotation::Rotated { session: token.session, at })
            }
            Some(_) => {
                tokens.retain(|_, t| t.session.family != token.session.family);
                Ok(Rotation::Reused(token.session))
            }
        }
    }
    async fn revoke_family(&self, family: &str) -> Result<(), PortError> {
        locked(&self.0).retain(|_, t| t.session.family != family);
        Ok(())
    }
    async fn revoke_user(&self, user_id: i64, keep: Option<&str>) -> Result<Vec<String>, PortError> {
        let mut tokens = locked(&self.0);
        let mut families: Vec<String> = tokens
            .values()
            .filter(|t| t.session.user_id == user_id && Some(t.session.family.as_str()) != keep)
            .map(|t| t.session.family.clone())
            .collect();
        families.sort();
        families.dedup();
        tokens.retain(|_, t| !families.contains(&t.session.family));
        Ok(families)
    }
    async fn live_families(&self, user_id: i64) -> Result<Vec<String>, PortError> {
        let mut families: Vec<String> = locked(&self.0)
            .values()
            .filter(|t| t.session.user_id == user_id)
            .map(|t| t.session.family.clone())
            .collect();
        families.sort();
        families.dedup();
        Ok(families)
    }
}

/// Fixed windows counted per key (windows never end: the tests are shorter than any).
#[derive(Default)]
pub struct Limiter(Mutex<HashMap<String, u32>>);

#[async_trait]
impl RateLimiter for Limiter {
    async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<RateDecision, PortError> {
        let mut hits = locked(&self.0);
        let n = hits.entry(key.to_owned()).or_default();
        *n += 1;
        Ok(if *n > limit { RateDecision::Limited { retry_after: window } } else { RateDecision::Allowed })
    }
    async fn check(&self, key: &str, limit: u32) -> Result<RateDecision, PortError> {
        let used = locked(&self.0).get(key).copied().unwrap_or(0);
        Ok(if used >= limit {
            RateDecision::Limited { retry_after: Duration::from_secs(60) }
        } else {
            RateDecision::Allowed
        })
    }
    async fn reset(&self, key: &str) -> Result<(), PortError> {
        locked(&self.0).remove(key);
        Ok(())
    }
}

/// Revoked session ids with their expiry; [`Revocations::go_down`] makes the store fail like
/// an unreachable Redis.
#[derive(Default)]
pub struct Revocations(Mutex<HashMap<String, DateTime<Utc>>>, AtomicBool);

impl Revocations {
    /// From now on every call fails as unavailable.
    pub fn go_down(&self) {
        self.1.store(true, Ordering::SeqCst);
    }

    fn up(&self) -> Result<(), PortError> {
        if self.1.load(Ordering::SeqCst) { Err(PortError::unavailable("redis", "down")) } else { Ok(()) }
    }
}

#[async_trait]
impl SessionRevocations for Revocations {
    async fn revoke(&self, sid: &str, until: DateTime<Utc>) -> Result<(), PortError> {
        self.up()?;
        locked(&self.0).insert(sid.to_owned(), until);
        Ok(())
    }
    async fn is_revoked(&self, sid: &str, now: DateTime<Utc>) -> Result<bool, PortError> {
        self.up()?;
        Ok(locked(&self.0).get(sid).is_some_and(|until| now < *until))
    }
}

/// Every message published, in order.
#[derive(Default)]
pub struct Announcements(pub Mutex<Vec<String>>);

#[async_trait]
impl Broadcast for Announcements {
    async fn publish(&self, message: &str) -> Result<(), PortError> {
        locked(&self.0).push(message.to_owned());
        Ok(())
    }
    async fn listen(&self) -> Result<mpsc::Receiver<String>, PortError> {
        Ok(mpsc::channel(1).1)
    }
}

/// One configured provider, `kakao`: each code answers what [`Providers::answer`] set for it
/// (unknown codes are refused like a provider refuses them); every identified code is recorded.
#[derive(Default)]
pub struct Providers {
    answers: Mutex<HashMap<String, Result<ExternalIdentity, IdentityProviderError>>>,
    /// The codes exchanged, in order.
    pub exchanged: Mutex<Vec<String>>,
}

impl Providers {
    /// What exchanging `code` answers.
    pub fn answer(&self, code: &str, answer: Result<ExternalIdentity, IdentityProviderError>) {
        locked(&self.answers).insert(code.to_owned(), answer);
    }
}

#[async_trait]
impl IdentityProviders for Providers {
    fn is_configured(&self, provider: &str) -> bool {
        provider == "kakao"
    }
    fn authorization_url(&self, provider: &str, state: &str) -> Result<String, IdentityProviderError> {
        if !self.is_configured(provider) {
            return Err(IdentityProviderError::UnknownProvider(provider.to_owned()));
        }
        Ok(format!("https://kauth.example/authorize?state={state}"))
    }
    async fn identify(&self, provider: &str, code: &str) -> Result<ExternalIdentity, IdentityProviderError> {
        if !self.is_configured(provider) {
            return Err(IdentityProviderError::UnknownProvider(provider.to_owned()));
        }
        locked(&self.exchanged).push(code.to_owned());
        locked(&self.answers)
            .get(code)
            .cloned()
            .unwrap_or_else(|| Err(IdentityProviderError::Rejected("invalid_grant".into())))
    }
}

/// The fakes wired together, with handles to look inside them.
pub struct World {
    /// The accounts.
    pub users: Arc<Users>,
    /// Codes and their mails.
    pub codes: Arc<Codes>,
    /// Refresh tokens.
    pub refresh: Arc<RefreshTokens>,
    /// Ended sessions.
    pub revocations: Arc<Revocations>,
    /// Announced session ends.
    pub session_ends: Arc<Announcements>,
    /// The identity providers.
    pub providers: Arc<Providers>,
    /// Profile images.
    pub images: Arc<MapStorage>,
    /// The sign-in history.
    pub sign_ins: Arc<SignIns>,
    /// The clock.
    pub clock: ManualClock,
}

/// The sign-in history, in order of recording.
#[derive(Default)]
pub struct SignIns(pub Mutex<Vec<crate::sign_ins::SignIn>>);

#[async_trait]
impl crate::sign_ins::SignInLog for SignIns {
    async fn record(&self, entry: &crate::sign_ins::SignIn) -> Result<(), PortError> {
        self.0.lock().unwrap().push(entry.clone());
        Ok(())
    }

    async fn recent(&self, user_id: i64, limit: u64) -> Result<Vec<crate::sign_ins::SignIn>, PortError> {
        let all = self.0.lock().unwrap();
        Ok(all.iter().rev().filter(|e| e.user_id == user_id).take(limit as usize).cloned().collect())
    }

    async fn counts(
        &self,
        user_id: i64,
        since: DateTime<Utc>,
    ) -> Result<(crate::sign_ins::SignInCounts, Option<DateTime<Utc>>), PortError> {
        use crate::sign_ins::SignInOutcome as O;
        let all = self.0.lock().unwrap();
        let mine = || all.iter().filter(|e| e.user_id == user_id);
        let count = |o: O| mine().filter(|e| e.at >= since && e.outcome == o).count() as u64;
        let counts = crate::sign_ins::SignInCounts {
            succeeded: count(O::Succeeded),
            wrong_password: count(O::WrongPassword),
            suspended: count(O::Suspended),
        };
        Ok((counts, mine().filter(|e| e.outcome == O::Succeeded).map(|e| e.at).max()))
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, PortError> {
        let mut all = self.0.lock().unwrap();
        let n = all.len();
        all.retain(|e| e.at >= before);
        Ok((n - all.len()) as u64)
    }
}

impl World {
    /// Fresh, empty fakes, the clock stopped at the real now (access tokens are checked
    /// against the real clock).
    pub fn new() -> Self {
        let at = Utc::now();
        Self {
            users: Arc::default(),
            codes: Arc::default(),
            refresh: Arc::default(),
            revocations: Arc::default(),
            session_ends: Arc::default(),
            providers: Arc::default(),
            images: Arc::default(),
            sign_ins: Arc::default(),
            clock: ManualClock::new(at),
        }
    }

    /// The service over these fakes.
    pub fn service(&self) -> super::super::AccountService {
        let ports = super::super::AccountPorts {
            users: self.users.clone(),
            codes: self.codes.clone(),
            refresh: self.refresh.clone(),
            limiter: Arc::new(Limiter::default()),
            revocations: self.revocations.clone(),
            session_ends: self.session_ends.clone(),
            storage: self.images.clone(),
            identities: self.providers.clone(),
            sign_ins: self.sign_ins.clone(),
            clock: Arc::new(self.clock.clone()),
        };
        let jwt = crate::JwtKeys::new(b"a test secret of thirty-two bytes!", "cercat", "cercat-web", 900);
        super::super::AccountService::new(ports, crate::password::PasswordHasher::new(2), jwt, Default::default())
    }
}
