//! Profile: read, nickname and image changes, onboarding, password change.

use super::{AccountService, TokenPair};
use crate::{
    AccessClaims, Nickname, Role, User, UserError, password::check_policy, service::signup::duplicate_to_error,
};

pub use cercat_common::storage::sniff_image;

/// A user as shown to themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The account.
    pub user: User,
    /// Public URL of the profile image.
    pub image_url: Option<String>,
}

impl AccountService {
    /// The caller's account.
    pub async fn me(&self, user_id: i64) -> Result<Profile, UserError> {
        let user = self.ports.users.find(user_id).await?.ok_or(UserError::NotFound)?;
        let image_url = user.profile_image_key.as_deref().map(|k| self.ports.storage.url_for(k));
        Ok(Profile { user, image_url })
    }

    /// Changes the nickname and/or the image (type checked by content, size bounded).
    pub async fn update_profile(
        &self,
        user_id: i64,
        nickname: Option<&str>,
        image: Option<Vec<u8>>,
    ) -> Result<Profile, UserError> {
        let user = self.ports.users.find(user_id).await?.ok_or(UserError::NotFound)?;
        let nickname = nickname.map(Nickname::parse).transpose()?.filter(|n| n.as_str() != user.nickname);
        if let Some(n) = &nickname
            && self.ports.users.nickname_taken(n, Some(user_id)).await?
        {
            return Err(UserError::NicknameTaken);
        }
        let mut new_key = None;
        if let Some(bytes) = image {
            if bytes.len() > self.config.max_image_bytes {
                return Err(UserError::InvalidImage(format!("larger than {} bytes", self.config.max_image_bytes)));
            }
            let (ext, mime) =
                sniff_image(&bytes).ok_or_else(|| UserError::InvalidImage("use PNG, JPEG, GIF or WebP".into()))?;
            let key = format!("profile/{user_id}/{}.{ext}", uuid::Uuid::new_v4().simple());
            self.ports.storage.put(&key, bytes, mime).await?;
            new_key = Some(key);
        }
        let now = self.ports.clock.now();
        if let Err(err) =
            self.ports.users.update_profile(user_id, nickname.as_ref(), new_key.as_deref().map(Some), now).await
        {
            if let Some(key) = &new_key {
                let _ = self.ports.storage.delete(key).await;
            }
            return Err(duplicate_to_error(err));
        }
        if let (Some(_), Some(old)) = (&new_key, &user.profile_image_key)
            && let Err(err) = self.ports.storage.delete(old).await
        {
            tracing::warn!(%err, key = old.as_str(), "could not delete a replaced profile image");
        }
        self.me(user_id).await
    }

    /// Finishes onboarding: GUEST becomes USER and gets a new session carrying the new role
    /// (the GUEST one ends). A caller who is already past onboarding keeps their session: the
    /// answer is a fresh pair in that same session, and their other tokens stay valid.
    pub async fn complete_onboarding(&self, claims: &AccessClaims) -> Result<TokenPair, UserError> {
        let mut user = self.ports.users.find(claims.user_id()).await?.ok_or(UserError::NotFound)?;
        if user.role != Role::Guest {
            return self.extend_session(&user, &claims.sid).await;
        }
        self.ports.users.set_role(user.id, Role::User, self.ports.clock.now()).await?;
        user.role = Role::User;
        self.reissue(&user, &claims.sid).await
    }

    /// Mails a code to `new_email` to confirm an email change (throttled like sign-up codes).
    pub async fn request_email_change_code(&self, user_id: i64, new_email: &str, ip: &str) -> Result<(), UserError> {
        let email = crate::Email::parse(new_email)?;
        self.throttle(&format!("code:ip:{ip}"), 20, std::time::Duration::from_secs(3600)).await?;
        // Throttled before the lookup, so an account cannot probe many addresses.
        self.throttle(&format!("code:email-change:{user_id}"), 3, std::time::Duration::from_secs(600)).await?;
        if self.ports.users.find_by_email(&email).await?.is_some() {
            return Err(UserError::EmailTaken);
        }
        self.send_code(&email, crate::model::CodePurpose::EmailChange, None).await
    }

    /// Changes the email: needs the current password and the code mailed to the new address;
    /// every other session ends.
    pub async fn change_email(
        &self,
        claims: &AccessClaims,
        current: &str,
        new_email: &str,
        code: &str,
    ) -> Result<Profile, UserError> {
        let user = self.ports.users.find(claims.user_id()).await?.ok_or(UserError::NotFound)?;
        self.check_current_password(&user, current).await?;
        let email = crate::Email::parse(new_email)?;
        self.consume_code(&email, crate::model::CodePurpose::EmailChange, code).await?;
        self.ports.users.set_email(user.id, &email, self.ports.clock.now()).await.map_err(duplicate_to_error)?;
        self.end_sessions(user.id, Some(&claims.sid)).await?;
        self.me(user.id).await
    }

    /// Changes the password after checking the current one; every other session ends.
    pub async fn change_password(&self, claims: &AccessClaims, current: &str, new: &str) -> Result<(), UserError> {
        let user = self.ports.users.find(claims.user_id()).await?.ok_or(UserError::NotFound)?;
        self.check_current_password(&user, current).await?;
        check_policy(new, &user.email)?;
        let new_hash = self.hasher.hash(new).await?;
        self.ports.users.set_password(user.id, &new_hash, self.ports.clock.now()).await?;
        self.end_sessions(user.id, Some(&claims.sid)).await
    }
}
