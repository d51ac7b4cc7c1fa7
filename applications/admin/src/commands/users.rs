//! `users role <id> <ROLE>`, `users suspend <id> --reason R [--until RFC3339]`,
//! `users unsuspend <id>`: the admin API's account changes from a shell, through the same
//! service calls (same rules, sessions ended, audited with the actor `cli`).

use cercat_config::Settings;
use cercat_user::{Role, User, service::admin::Operator};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Subcommand;
use std::process::ExitCode;

/// What `users` does.
#[derive(Subcommand)]
pub enum UsersAction {
    /// Give a member a role (USER, INSTRUCTOR or ADMIN); their sessions end at once.
    Role {
        /// The account's id.
        id: i64,
        /// USER, INSTRUCTOR or ADMIN.
        role: String,
    },
    /// Suspend an account: its sessions end, sign-in is refused until the end.
    Suspend {
        /// The account's id.
        id: i64,
        /// Why (kept for operators, 1–500 characters).
        #[arg(long)]
        reason: String,
        /// When it ends, RFC 3339 (e.g. 2027-01-01T00:00:00+09:00); absent = until lifted.
        #[arg(long)]
        until: Option<String>,
    },
    /// Lift an account's suspension.
    Unsuspend {
        /// The account's id.
        id: i64,
    },
}

fn describe(user: &User) -> String {
    let suspension = match user.suspension_at(Utc::now()) {
        None => "not suspended".to_owned(),
        Some(s) => match s.until {
            Some(until) => format!("suspended until {}", until.to_rfc3339_opts(SecondsFormat::Secs, true)),
            None => "suspended until further notice".to_owned(),
        },
    };
    format!("user #{} {} is {}, {suspension}", user.id, user.email, user.role.as_str())
}

/// Runs `action` (exit code 2 for a malformed argument, 1 when the change was refused or failed).
pub async fn run(settings: &Settings, action: &UsersAction) -> ExitCode {
    let role = match action {
        UsersAction::Role { role, .. } => {
            match Role::parse(&role.trim().to_uppercase()).filter(|r| *r != Role::Guest) {
                Some(role) => Some(role),
                None => return super::fail(format!("`{role}` is not a role: use USER, INSTRUCTOR or ADMIN"), 2),
            }
        }
        _ => None,
    };
    let until = match action {
        UsersAction::Suspend { until: Some(raw), .. } => match DateTime::parse_from_rfc3339(raw.trim()) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => return super::fail(format!("--until `{raw}` is not RFC 3339 (2027-01-01T00:00:00+09:00)"), 2),
        },
        _ => None,
    };
    let services = match super::connect(settings).await {
        Ok(services) => services,
        Err(code) => return code,
    };
    let by = Operator::cli();
    let result = match (action, role) {
        (UsersAction::Role { id, .. }, Some(role)) => services.accounts.change_role(&by, *id, role).await,
        (UsersAction::Suspend { id, reason, .. }, _) => services.accounts.suspend(&by, *id, reason, until).await,
        (UsersAction::Unsuspend { id }, _) => services.accounts.unsuspend(&by, *id).await,
        (UsersAction::Role { .. }, None) => return super::fail("no role", 2),
    };
    match result {
        Ok(user) => {
            println!("{}", describe(&user));
            ExitCode::SUCCESS
        }
        Err(err) => super::fail(err, 1),
    }
}
