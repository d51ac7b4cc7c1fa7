//! `/oauth2/authorization/{provider}` and its callback `/login/oauth2/code/{provider}`: the
//! login state rides a cookie; the account service and its identity-provider port do the rest.

use actix_web::{
    HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    get,
    http::header,
    post, web,
};
use cercat_user::{
    Role, UserError,
    service::oauth::{LOGIN_STATE_TTL_SECS, OAuthCallback},
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use cercat_http::AppError;

/// The cookie carrying the signed login state.
const STATE_COOKIE: &str = "cercat_oauth_state";

/// Starts a sign-in: redirects to the provider, with the login state in a signed cookie.
#[utoipa::path(
    tag = "auth",
    params(("provider" = inline(crate::dto::path::ProviderSegment), Path)),
    extensions(("x-errors" = json!(["USR_015"]))),
    responses(
        (status = 302, description = "Redirect to the provider's consent page"),
    )
)]
#[get("/oauth2/authorization/{provider}")]
pub async fn start(state: web::Data<AppState>, name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let started = state.accounts.oauth_start(&name)?;
    let secure = state.services.settings.oauth.redirect_base_url.starts_with("https://");
    let cookie = Cookie::build(STATE_COOKIE, started.signed_state)
        .path("/login/oauth2")
        .http_only(true)
        .secure(secure)
        // Lax so the cookie rides the provider's top-level GET redirect; Apple's form_post
        // callback is a cross-site POST and needs None (which browsers require to be Secure).
        .same_site(if name == "apple" && secure { SameSite::None } else { SameSite::Lax })
        .max_age(CookieDuration::seconds(LOGIN_STATE_TTL_SECS))
        .finish();
    Ok(HttpResponse::Found().insert_header((header::LOCATION, started.location)).cookie(cookie).finish())
}

/// What the provider sends back.
#[derive(Debug, Deserialize, IntoParams, utoipa::ToSchema)]
pub struct Callback {
    /// The authorization code.
    pub code: Option<String>,
    /// The state we sent.
    pub state: Option<String>,
    /// Set when the user declined.
    pub error: Option<String>,
}

async fn finish(state: &AppState, req: &HttpRequest, name: &str, cb: Callback) -> Result<HttpResponse, AppError> {
    let cookie = req.cookie(STATE_COOKIE);
    let client = state.proxies.client_ip(req);
    let returned = OAuthCallback {
        signed_state: cookie.as_ref().map(Cookie::value),
        state: cb.state.as_deref(),
        code: cb.code.as_deref(),
        error: cb.error.as_deref(),
        client: Some(&client),
    };
    let (user, pair) = state.accounts.oauth_finish(name, returned).await?;
    let page = if user.role == Role::Guest { "onboarding" } else { "home" };
    let mut target = url::Url::parse(&state.services.settings.auth.client_url)
        .map_err(|e| UserError::OAuthRejected(format!("bad client URL: {e}")))?
        .join(page)
        .map_err(|e| UserError::OAuthRejected(format!("bad client URL: {e}")))?;
    target
        .query_pairs_mut()
        .append_pair("accessToken", &pair.access_token)
        .append_pair("refreshToken", &pair.refresh_token);
    let mut expired = Cookie::build(STATE_COOKIE, "").path("/login/oauth2").finish();
    expired.make_removal();
    Ok(HttpResponse::Found().insert_header((header::LOCATION, target.to_string())).cookie(expired).finish())
}

/// The provider's redirect back: checks the signed state, exchanges the code, signs the user
/// in (creating a GUEST on first use) and redirects to the client's `/onboarding` (GUEST) or
/// `/home` with `accessToken` and `refreshToken` query parameters.
#[utoipa::path(
    tag = "auth",
    params(("provider" = inline(crate::dto::path::ProviderSegment), Path), Callback),
    extensions(("x-errors" = json!(["USR_016", "USR_017", "USR_015"]))),
    responses(
        (status = 302, description = "Redirect to the client with the tokens"),
    )
)]
#[get("/login/oauth2/code/{provider}")]
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    query: web::Query<Callback>,
) -> Result<HttpResponse, AppError> {
    finish(&state, &req, &name.into_inner(), query.into_inner()).await
}

/// Apple's `form_post` variant of the callback.
#[utoipa::path(
    tag = "auth",
    params(("provider" = String, Path, description = "`apple`")),
    extensions(("x-errors" = json!(["USR_016", "USR_015"]))),
    responses(
        (status = 302, description = "Redirect to the client with the tokens"),
    )
)]
#[post("/login/oauth2/code/{provider}")]
pub async fn callback_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    form: web::Form<Callback>,
) -> Result<HttpResponse, AppError> {
    finish(&state, &req, &name.into_inner(), form.into_inner()).await
}
