//! Two-step email sign-up and admin creation.

use cercat_common::{PortError, mail::Mail};
use std::time::Duration;

use super::AccountService;
use crate::{
    Email, Nickname, Role, User, UserError,
    model::{CodePurpose, NewUser},
    password::check_policy,
    ports::CodeCheck,
};

/// Wrong tries allowed per code.
pub const MAX_CODE_ATTEMPTS: u32 = 5;

fn six_digits() -> String {
    format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000)
}

/// Maps a unique-key violation to the field it names.
pub(crate) fn duplicate_to_error(err: PortError) -> UserError {
    match err {
        PortError::Duplicate(detail) if detail.contains("nickname") => UserError::NicknameTaken,
        PortError::Duplicate(_) => UserError::EmailTaken,
        other => UserError::Store(other),
    }
}

impl AccountService {
    /// Step 1: mails a 6-digit code valid 5 minutes. Throttled per IP (20 an hour) and per
    /// email (1 a minute, 5 an hour). The answer is the same whether or not the address has an
    /// account — only the mailbox learns that (its mail says so) — so the endpoint cannot be
    /// used to find out who is registered. The code and its mail are stored in one transaction.
    pub async fn request_signup_code(&self, raw_email: &str, ip: &str) -> Result<(), UserError> {
        let email = Email::parse(raw_email)?;
        self.throttle(&format!("code:ip:{ip}"), 20, Duration::from_secs(3600)).await?;
        self.throttle(&format!("code:signup-minute:{}", email.as_str()), 1, Duration::from_secs(60)).await?;
        self.throttle(&format!("code:signup-hour:{}", email.as_str()), 5, Duration::from_secs(3600)).await?;
        let note = self.ports.users.find_by_email(&email).await?.map(|_| {
            "이 주소로 이미 가입된 계정이 있습니다. 본인이라면 로그인하거나 계정 복구를 이용하세요. \
             이 인증번호로는 새 계정을 만들 수 없습니다."
        });
        self.send_code(&email, CodePurpose::Signup, note).await
    }

    /// Queues a fresh code for (email, purpose) and its mail, with an optional note above it.
    pub(crate) async fn send_code(
        &self,
        email: &Email,
        purpose: CodePurpose,
        note: Option<&str>,
    ) -> Result<(), UserError> {
        let code = six_digits();
        let now = self.ports.clock.now();
        let minutes = self.config.code_ttl.as_secs() / 60;
        let (subject, intro) = match purpose {
            CodePurpose::Signup => ("[Cercat] 회원가입 인증번호", "Cercat 회원가입 인증번호입니다."),
            CodePurpose::Recovery => ("[Cercat] 계정 복구 인증번호", "Cercat 계정 복구 인증번호입니다."),
            CodePurpose::EmailChange => ("[Cercat] 이메일 변경 인증번호", "Cercat 이메일 변경 인증번호입니다."),
        };
        let note = note.map(|n| format!("{n}\n\n")).unwrap_or_default();
        let mail = Mail {
            to: email.as_str().to_owned(),
            subject: subject.to_owned(),
            body: format!(
                "{intro}\n\n{note}인증번호: {code}\n\n{minutes}분 안에 입력해 주세요. 요청하지 않았다면 이 메일을 무시하세요."
            ),
        };
        let expires = now + chrono::Duration::from_std(self.config.code_ttl).unwrap_or_default();
        let hash = self.code_digest(email, purpose, &code);
        self.ports.codes.issue(email, purpose, &hash, expires, &mail, now).await?;
        Ok(())
    }

    /// How a code is stored: keyed with the server secret, so a leaked table of digests of
    /// six-digit codes cannot be reversed by trying all million of them.
    fn code_digest(&self, email: &Email, purpose: CodePurpose, code: &str) -> String {
        self.jwt.keyed_digest(&["email-code", email.as_str(), purpose.as_str(), code])
    }

    /// Verification tries per client and per address (any code endpoint), 30 and 10 per 15 min.
    pub(crate) async fn throttle_verification(&self, email: &Email, ip: &str) -> Result<(), UserError> {
        let window = Duration::from_secs(15 * 60);
        self.throttle(&format!("verify:ip:{ip}"), 30, window).await?;
        self.throttle(&format!("verify:email:{}", email.as_str()), 10, window).await
    }

    pub(crate) async fn consume_code(&self, email: &Email, purpose: CodePurpose, code: &str) -> Result<(), UserError> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UserError::InvalidCode);
        }
        let hash = self.code_digest(email, purpose, code);
        match self.ports.codes.consume(email, purpose, &hash, MAX_CODE_ATTEMPTS, self.ports.clock.now()).await? {
            CodeCheck::Valid => Ok(()),
            CodeCheck::Invalid => Err(UserError::InvalidCode),
        }
    }

    /// Step 2: checks the password policy, the nickname and the code, and creates a GUEST
    /// account (onboarding promotes it to USER). Whether the email is taken is told only after
    /// a right code, that is, only to the mailbox's owner.
    pub async fn signup(
        &self,
        raw_email: &str,
        code: &str,
        password: &str,
        raw_nickname: &str,
        ip: &str,
    ) -> Result<User, UserError> {
        let email = Email::parse(raw_email)?;
        let nickname = Nickname::parse(raw_nickname)?;
        check_policy(password, email.as_str())?;
        self.throttle_verification(&email, ip).await?;
        if self.ports.users.nickname_taken(&nickname, None).await? {
            return Err(UserError::NicknameTaken);
        }
        self.consume_code(&email, CodePurpose::Signup, code).await?;
        if self.ports.users.find_by_email(&email).await?.is_some() {
            return Err(UserError::EmailTaken);
        }
        let hash = self.hasher.hash(password).await?;
        let new = NewUser { email, nickname, role: Role::Guest, password_hash: Some(hash), oauth: None };
        self.ports.users.create(&new, self.ports.clock.now()).await.map_err(duplicate_to_error)
    }

    /// Creates an account with `role` directly (operators' `create-admin`, demo seeding).
    /// Same email, nickname and password rules as sign-up.
    pub async fn create_account(
        &self,
        raw_email: &str,
        password: &str,
        raw_nickname: &str,
        role: Role,
    ) -> Result<User, UserError> {
        let email = Email::parse(raw_email)?;
        let nickname = Nickname::parse(raw_nickname)?;
        check_policy(password, email.as_str())?;
        let hash = self.hasher.hash(password).await?;
        let new = NewUser { email, nickname, role, password_hash: Some(hash), oauth: None };
        self.ports.users.create(&new, self.ports.clock.now()).await.map_err(duplicate_to_error)
    }
}
