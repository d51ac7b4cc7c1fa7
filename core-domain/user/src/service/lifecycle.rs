//! Withdrawal (soft delete), recovery within a year, and the purge of old withdrawals.

use super::{AccountService, TokenPair};
use crate::{AccessClaims, Email, UserError, model::CodePurpose};
use std::time::Duration;

impl AccountService {
    /// Withdraws the caller: the account is hidden everywhere, its email and nickname stay
    /// reserved, every session ends. Recoverable for a year.
    pub async fn withdraw(&self, claims: &AccessClaims) -> Result<(), UserError> {
        let user_id = claims.user_id();
        if !self.ports.users.withdraw(user_id, self.ports.clock.now()).await? {
            return Err(UserError::NotFound);
        }
        self.end_sessions(user_id, None).await
    }

    /// Mails a recovery code to an account. Answers alike for every address — unknown ones get
    /// no mail, active ones a code with a note that they can simply sign in — so the endpoint
    /// does not tell who is registered or withdrawn. Throttled per IP and per address.
    pub async fn request_recovery_code(&self, raw_email: &str, ip: &str) -> Result<(), UserError> {
        let email = Email::parse(raw_email)?;
        self.throttle(&format!("code:ip:{ip}"), 20, Duration::from_secs(3600)).await?;
        self.throttle(&format!("code:recovery-minute:{}", email.as_str()), 1, Duration::from_secs(60)).await?;
        self.throttle(&format!("code:recovery-hour:{}", email.as_str()), 5, Duration::from_secs(3600)).await?;
        let Some(user) = self.ports.users.find_by_email(&email).await? else {
            return Ok(());
        };
        let note = match user.withdrawn_at {
            None => Some("이 계정은 탈퇴하지 않은 활성 계정입니다. 복구 없이 바로 로그인할 수 있습니다."),
            Some(at) if self.ports.clock.now() - at > self.config.recovery_window => {
                Some("탈퇴한 지 1년이 지나 이 계정은 복구할 수 없습니다.")
            }
            Some(_) => None,
        };
        self.send_code(&email, CodePurpose::Recovery, note).await
    }

    /// Restores a withdrawn account with its recovery code and signs it in. The code is
    /// checked first: only its mailbox learns the account's state.
    pub async fn recover(&self, raw_email: &str, code: &str, ip: &str) -> Result<TokenPair, UserError> {
        let email = Email::parse(raw_email)?;
        self.throttle_verification(&email, ip).await?;
        self.consume_code(&email, CodePurpose::Recovery, code).await?;
        let user = self.ports.users.find_by_email(&email).await?.ok_or(UserError::InvalidCode)?;
        let withdrawn = user.withdrawn_at.ok_or(UserError::NotRecoverable("the account is active"))?;
        if self.ports.clock.now() - withdrawn > self.config.recovery_window {
            return Err(UserError::NotRecoverable("it was withdrawn more than a year ago"));
        }
        self.ports.users.restore(user.id, self.ports.clock.now()).await?;
        let user = self.ports.users.find(user.id).await?.ok_or(UserError::NotFound)?;
        let via = crate::sign_ins::SignInVia::new(crate::sign_ins::SignInMethod::Recovery, Some(ip));
        self.start_session(&user, &via).await
    }

    /// Hard-deletes accounts withdrawn more than the recovery window ago; returns how many.
    pub async fn purge_withdrawn(&self) -> Result<u64, UserError> {
        let cutoff = self.ports.clock.now() - self.config.recovery_window;
        Ok(self.ports.users.purge_withdrawn_before(cutoff).await?)
    }
}
