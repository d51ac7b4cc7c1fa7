//! `cercat-admin`: the operator CLI — `migrate`, `seed`, `create-admin`, `import-mock-exam`,
//! `dlq`, `course verify`, `users role|suspend|unsuspend` — and `serve`, the ADMIN-only HTTP API. One module per command in
//! `commands/`.

mod commands;

use clap::{Parser, Subcommand};
use commands::{course::CourseAction, dlq::DlqAction, migrate::MigrateAction, users::UsersAction};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cercat-admin", version, about = "Operate a Cercat deployment")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Database schema migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Create an ADMIN account. The password is read from a prompt on a terminal, otherwise
    /// from the first line of stdin (`echo "$PW" | cercat-admin create-admin --email …`).
    CreateAdmin {
        /// The admin's email.
        #[arg(long)]
        email: String,
        /// The admin's nickname.
        #[arg(long, default_value = "관리자")]
        nickname: String,
    },
    /// Serve the ADMIN-only HTTP API on `admin.host:admin.port` (default 127.0.0.1:8090).
    Serve,
    /// Print the admin OpenAPI document.
    Openapi,
    /// Import a mock exam from a file in Cercat's JSON format (see docs/mock-exam-import.md).
    ImportMockExam {
        /// The JSON document.
        file: std::path::PathBuf,
        /// The certificate it belongs to.
        #[arg(long)]
        certificate: i64,
    },
    /// The dead-letter queue: events consumer groups gave up on.
    Dlq {
        #[command(subcommand)]
        action: DlqAction,
    },
    /// Prep courses.
    Course {
        #[command(subcommand)]
        action: CourseAction,
    },
    /// Accounts: roles and suspensions (the same rules as the admin API, audited as `cli`).
    Users {
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Load data.
    Seed {
        /// The demo certificates, subjects and exam schedules (idempotent).
        #[arg(long)]
        demo: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", cercat_admin::admin_document_json());
        return ExitCode::SUCCESS;
    }
    let settings = match cercat_bootstrap::load_settings("cercat-admin") {
        Ok(s) => s,
        Err(code) => return code,
    };
    let _logs = cercat_bootstrap::init_logging(&settings);
    match cli.command {
        // Printed above: the document needs no settings.
        Command::Openapi => ExitCode::SUCCESS,
        Command::Migrate { action } => commands::migrate::run(&settings, action).await,
        Command::Seed { demo } => commands::seed::run(&settings, demo).await,
        Command::CreateAdmin { email, nickname } => commands::create_admin::run(&settings, &email, &nickname).await,
        Command::Serve => commands::serve::run(settings).await,
        Command::ImportMockExam { file, certificate } => {
            commands::import_mock_exam::run(&settings, &file, certificate).await
        }
        Command::Dlq { action } => commands::dlq::run(&settings, &action).await,
        Command::Course { action } => commands::course::run(&settings, &action).await,
        Command::Users { action } => commands::users::run(&settings, &action).await,
    }
}
