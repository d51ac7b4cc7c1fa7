//! Identity requests and responses.

use cercat_user::{TokenPair, service::profile::Profile};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// `POST /auth/email-codes` and `/auth/recovery-codes`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct EmailRequest {
    /// The address to mail the 6-digit code to.
    #[validate(length(min = 3, max = 254))]
    #[schema(schema_with = cercat_http::openapi::email)]
    pub email: String,
}

/// `POST /auth/signup`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct SignupRequest {
    /// The address the code was sent to.
    #[validate(length(min = 3, max = 254))]
    #[schema(schema_with = cercat_http::openapi::email)]
    pub email: String,
    /// The 6-digit code from the mail.
    #[validate(length(equal = 6))]
    #[schema(min_length = 6, max_length = 6, example = "123456")]
    pub code: String,
    /// 8–64 characters, not a common password.
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
    /// 2–20 letters, digits, `_` or `-`.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub nickname: String,
}

/// `POST /auth/login`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    /// The account's email; case does not matter.
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
    /// The account's password; OAuth-only accounts have none and cannot log in here.
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
}

/// `POST /auth/token/refresh`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    /// The refresh token (with or without `Bearer `).
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub refresh_token: String,
}

/// `POST /auth/recover`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RecoverRequest {
    /// The withdrawn account's email.
    #[validate(length(min = 3, max = 254))]
    #[schema(schema_with = cercat_http::openapi::email)]
    pub email: String,
    /// The 6-digit code from the recovery mail.
    #[validate(length(equal = 6))]
    #[schema(min_length = 6, max_length = 6)]
    pub code: String,
}

/// `PATCH /users/me/password`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChangeRequest {
    /// The current password.
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub current_password: String,
    /// The new password (same rules as sign-up).
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub new_password: String,
}

/// Tokens: `accessToken`/`refreshToken` carry `Bearer ` as Cercat's client stores them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// `Bearer <jwt>`, valid `expiresIn` seconds.
    pub access_token: String,
    /// `Bearer <opaque>`; single use — every refresh returns a new one.
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
}

impl From<TokenPair> for TokenResponse {
    fn from(p: TokenPair) -> Self {
        Self { access_token: p.access_token, refresh_token: p.refresh_token, expires_in: p.expires_in }
    }
}

/// Sent when a code was mailed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CodeSent {
    /// How long the code is valid.
    #[schema(example = 300)]
    pub expires_in_seconds: u64,
}

/// A signed-up account with its first tokens.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignupResponse {
    /// The new user's id.
    pub user_id: i64,
    /// The normalised (lower-cased) email the account was created with.
    pub email: String,
    /// The nickname as stored (trimmed, NFC-normalised).
    pub nickname: String,
    /// `GUEST` until onboarding.
    pub role: String,
    /// Tokens for the new session.
    #[serde(flatten)]
    pub tokens: TokenResponse,
}

/// `GET /users/me`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeResponse {
    /// Id (the client stores it to show edit buttons on own posts).
    pub user_id: i64,
    /// The nickname shown on posts, comments and reviews.
    pub nickname: String,
    /// The account's email, lower-cased.
    pub email: String,
    /// Image URL, or null (the client shows a default picture).
    pub profile_image: Option<String>,
    /// `GUEST`, `USER`, `INSTRUCTOR` or `ADMIN`.
    pub role: String,
}

impl From<Profile> for MeResponse {
    fn from(p: Profile) -> Self {
        Self {
            user_id: p.user.id,
            nickname: p.user.nickname,
            email: p.user.email,
            profile_image: p.image_url,
            role: p.user.role.as_str().to_owned(),
        }
    }
}

/// The `request` part of `PATCH /users/me`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfilePatch {
    /// New nickname (omit to keep).
    pub nickname: Option<String>,
}

/// `PATCH /users/me` multipart body.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct ProfileForm {
    /// JSON `{"nickname": "…"}`.
    request: ProfilePatch,
    /// PNG, JPEG, GIF or WebP up to 5 MiB (checked by content). The string `undefined` means no file.
    #[schema(value_type = Option<String>, format = Binary)]
    file: Option<Vec<u8>>,
}

/// `POST /users/me/email-codes`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailChangeCodeRequest {
    /// The new address (the code is mailed there).
    #[validate(length(min = 3, max = 254))]
    #[schema(schema_with = cercat_http::openapi::email)]
    pub new_email: String,
}

/// `PATCH /users/me/email`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailChangeRequest {
    /// The current password.
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub current_password: String,
    /// The new address.
    #[validate(length(min = 3, max = 254))]
    #[schema(schema_with = cercat_http::openapi::email)]
    pub new_email: String,
    /// The code mailed to the new address.
    #[validate(length(equal = 6))]
    #[schema(min_length = 6, max_length = 6)]
    pub code: String,
}
