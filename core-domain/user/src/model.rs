//! Users and the value types that validate their fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::UserError;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Signed up, onboarding not done.
    Guest,
    /// A regular member.
    User,
    /// Teaches prep courses.
    Instructor,
    /// Operates the platform.
    Admin,
}

impl Role {
    /// The stored/wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guest => "GUEST",
            Self::User => "USER",
            Self::Instructor => "INSTRUCTOR",
            Self::Admin => "ADMIN",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "GUEST" => Self::Guest,
            "USER" => Self::User,
            "INSTRUCTOR" => Self::Instructor,
            "ADMIN" => Self::Admin,
            _ => return None,
        })
    }

    /// Whether this role has finished onboarding (everything but GUEST).
    pub fn is_member(self) -> bool {
        self != Self::Guest
    }
}

/// What [`Email::parse`] accepts, as the OpenAPI documents state it (with `maxLength` 254):
/// a dot-atom local part, `@`, and two or more domain labels of letters, digits and inner
/// hyphens, with spaces, tabs and line breaks around it allowed.
pub const EMAIL_PATTERN: &str = "^[ \t\n\r]*[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+[ \t\n\r]*$";

/// A syntactically valid email address, lower-cased (emails are unique case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Validates and normalises `raw`.
    pub fn parse(raw: &str) -> Result<Self, UserError> {
        // Trimmed of exactly the blanks `EMAIL_PATTERN` allows around the address.
        let email = raw.trim_matches([' ', '\t', '\n', '\r']).to_lowercase();
        let invalid = || UserError::InvalidField { field: "email", reason: "is not a valid email address".into() };
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        // (No 64-character cap on the local part: every rule here is one `EMAIL_PATTERN` states,
        // and a regular expression cannot bound the length of a dot-atom; 254 in all is kept.)
        let ok = !local.is_empty()
            && email.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !email.contains(char::is_whitespace)
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
            // The local part as a dot-atom (RFC 5322): what every SMTP server takes unquoted.
            // `a,b@x.com`, quotes, brackets or spaces would be queued and refused forever.
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        if ok { Ok(Self(email)) } else { Err(invalid()) }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A nickname: 2–20 characters (after NFC normalisation) of letters (Korean included), digits,
/// `_` or `-`, in one writing system or the combinations people actually use (Latin with
/// Korean, Chinese or Japanese) — never two lookalike alphabets such as Latin and Cyrillic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Nickname(String);

impl Nickname {
    /// Validates `raw` (trimmed, then NFC-normalised so that composed and decomposed forms of
    /// one name are one name).
    pub fn parse(raw: &str) -> Result<Self, UserError> {
        use unicode_normalization::UnicodeNormalization;
        use unicode_security::{RestrictionLevel, RestrictionLevelDetection};
        let nick: String = raw.trim().nfc().collect();
        let count = nick.chars().count();
        if !(2..=20).contains(&count) {
            return Err(UserError::InvalidField { field: "nickname", reason: "must be 2 to 20 characters".into() });
        }
        if !nick.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            return Err(UserError::InvalidField {
                field: "nickname",
                reason: "may contain letters, digits, '_' and '-' only".into(),
            });
        }
        // UTS #39 "highly restrictive": one script, or Latin with Han+Hangul / Han+Kana /
        // Han+Bopomofo; this also refuses lookalike characters outside the identifier profile.
        if !nick.as_str().check_restriction_level(RestrictionLevel::HighlyRestrictive) {
            return Err(UserError::InvalidField {
                field: "nickname",
                reason: "mixes writing systems that look alike (e.g. Latin with Cyrillic); use one".into(),
            });
        }
        Ok(Self(nick))
    }

    /// The nickname.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's id: the `sub` of their access tokens.
    pub id: i64,
    /// Normalised email (OAuth accounts may have a provider-given or synthetic one).
    pub email: String,
    /// The nickname as stored (a valid [`Nickname`], unique among accounts).
    pub nickname: String,
    /// What the user may do now; tokens carry the role they were issued with.
    pub role: Role,
    /// argon2id PHC string; `None` for OAuth-only accounts.
    pub password_hash: Option<String>,
    /// Object key of the profile image.
    pub profile_image_key: Option<String>,
    /// When the account was withdrawn (soft-deleted), if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The suspension an operator put on the account, if any (it may have run out: see
    /// [`User::suspension_at`]).
    pub suspension: Option<Suspension>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl User {
    /// The suspension in force at `now`: one without an end, or ending after `now`. A
    /// suspension whose `until` has passed is over without anyone lifting it.
    pub fn suspension_at(&self, now: DateTime<Utc>) -> Option<&Suspension> {
        self.suspension.as_ref().filter(|s| s.until.is_none_or(|until| until > now))
    }

    /// Where the account stands at `now`.
    pub fn status_at(&self, now: DateTime<Utc>) -> UserStatus {
        if self.withdrawn_at.is_some() {
            UserStatus::Withdrawn
        } else if self.suspension_at(now).is_some() {
            UserStatus::Suspended
        } else {
            UserStatus::Active
        }
    }
}

/// An operator's suspension of an account: no sign-in, no session, until it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suspension {
    /// Why, in the operator's words (for operators; the user is told only the end).
    pub reason: String,
    /// When it ends by itself; `None` = until an operator lifts it.
    pub until: Option<DateTime<Utc>>,
    /// When it was put in place.
    pub since: DateTime<Utc>,
}

/// Where an account stands, as operators filter accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    /// Signs in and uses the service.
    Active,
    /// Suspended by an operator (and the suspension has not run out).
    Suspended,
    /// Withdrawn by its owner (recoverable for a year).
    Withdrawn,
}

impl UserStatus {
    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ACTIVE" => Self::Active,
            "SUSPENDED" => Self::Suspended,
            "WITHDRAWN" => Self::Withdrawn,
            _ => return None,
        })
    }
}

/// A new account to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Normalised email.
    pub email: Email,
    /// The nickname, unique among accounts (checked before the insert, enforced by the store).
    pub nickname: Nickname,
    /// Role to start with.
    pub role: Role,
    /// argon2id hash, if the account has a password.
    pub password_hash: Option<String>,
    /// `(provider, provider user id)` for OAuth accounts.
    pub oauth: Option<(String, String)>,
}

/// What an email code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodePurpose {
    /// Sign-up verification.
    Signup,
    /// Recovering a withdrawn account.
    Recovery,
    /// Confirming a new email address.
    EmailChange,
}

impl CodePurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "SIGNUP",
            Self::Recovery => "RECOVERY",
            Self::EmailChange => "EMAIL_CHANGE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("  Kim@Example.COM ").unwrap().as_str(), "kim@example.com");
        for bad in ["", "kim", "kim@", "@x.com", "kim@x", "kim @x.com", "kim@x..com", "kim@.x.com", "a@b@c.com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        // Addresses no mail server takes unquoted, which used to be queued and retried forever.
        for bad in [
            "a,b@x.com",
            "\"kim\"@x.com",
            "kim(x)@x.com",
            "<kim>@x.com",
            "kim;x@x.com",
            ".kim@x.com",
            "kim.@x.com",
            "k..m@x.com",
            "kim@-x.com",
            "kim@x-.com",
            "김@x.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        for good in ["kim.lee+cercat@x.co.kr", "o'neil@x.com", "a_b-c@mail-1.x.com"] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn nicknames_allow_korean_and_refuse_symbols() {
        assert!(Nickname::parse("자격증왕_1").is_ok());
        assert!(Nickname::parse("a").is_err());
        assert!(Nickname::parse("x".repeat(21).as_str()).is_err());
        assert!(Nickname::parse("<script>").is_err());
    }
}

#[cfg(test)]
mod nickname_tests {
    use super::Nickname;

    #[test]
    fn nicknames_are_nfc_so_decomposed_lookalikes_are_the_same_name() {
        let composed = Nickname::parse("김자격").unwrap();
        let decomposed: String = "\u{1100}\u{1175}\u{11B7}\u{110C}\u{1161}\u{1100}\u{1167}\u{11A8}".into();
        assert_ne!(decomposed, "김자격", "the NFD spelling is other bytes");
        assert_eq!(Nickname::parse(&decomposed).unwrap(), composed);
        // The length limit counts the normalised form: 20 composed syllables fit.
        let long_nfd: String = std::iter::repeat_n("\u{1100}\u{1161}", 20).collect();
        assert_eq!(Nickname::parse(&long_nfd).unwrap().as_str().chars().count(), 20);
    }

    #[test]
    fn real_mixes_pass_and_lookalike_alphabets_are_refused() {
        for ok in ["김자격", "kim_자격-2", "cercat", "自格", "山田たろう", "Алиса"] {
            assert!(Nickname::parse(ok).is_ok(), "{ok}");
        }
        // "pаypal" with a Cyrillic а, "Αdmin" with a Greek Alpha.
        for bad in ["p\u{0430}ypal", "\u{0391}dmin"] {
            assert!(Nickname::parse(bad).is_err(), "{bad}");
        }
    }
}
