//! `cercat-admin`: operator CLI — `migrate up|down|status`, `seed --demo`.
//! (The ADMIN-only HTTP API arrives with authentication.)

use cercat_database::{Db, DbOptions, Migrator, MigratorTrait, seed};
use clap::{Parser, Subcommand};
use std::{process::ExitCode, time::Duration};

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
    /// Load data.
    Seed {
        /// The demo certificates, subjects and exam schedules (idempotent).
        #[arg(long)]
        demo: bool,
    },
}

#[derive(Subcommand)]
enum CourseAction {
    /// Prove a course's invariant: PENDING_PAYMENT + COMPLETED ≤ capacity, the seat counter
    /// equals them, nobody holds two live enrollments, every completed enrollment is paid,
    /// every released one gave its seat back. Exits 1 when a rule is broken.
    Verify {
        /// The course id.
        id: i64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DlqAction {
    /// Print the waiting letters, oldest first (one line each; `--json` for whole letters).
    List {
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Print each letter as a JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Put the waiting events back in the outbox (published again under their own ids; groups
    /// that handled them already skip them), oldest first, and resolve their letters.
    Replay {
        /// At most this many.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// Drop messages that were not events at all (they cannot be replayed and otherwise
        /// stop the replay).
        #[arg(long)]
        discard_undecodable: bool,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply pending migrations.
    Up,
    /// Roll back the latest migrations.
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// Show applied and pending migrations.
    Status,
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
    cercat_bootstrap::init_logging(&settings);
    if let Command::CreateAdmin { email, nickname } = &cli.command {
        return create_admin(&settings, email, nickname).await;
    }
    if let Command::Serve = cli.command {
        return serve(settings).await;
    }
    if let Command::ImportMockExam { file, certificate } = &cli.command {
        return import_mock_exam(&settings, file, *certificate).await;
    }
    if let Command::Dlq { action } = &cli.command {
        return dead_letters(&settings, action).await;
    }
    if let Command::Course { action: CourseAction::Verify { id, json } } = &cli.command {
        return verify_course(&settings, *id, *json).await;
    }
    let url = settings.database.url.clone().unwrap_or_default();
    let db = match Db::connect(&DbOptions {
        url: url.clone(),
        max_connections: 2,
        connect_timeout: Duration::from_millis(settings.database.connect_timeout_ms),
        query_timeout: Duration::from_millis(settings.database.query_timeout_ms),
    })
    .await
    {
        Ok(db) => db,
        Err(err) => {
            eprintln!("cercat-admin: cannot connect to {}: {err}", cercat_config::redact_url(&url));
            return ExitCode::from(1);
        }
    };
    let result = match cli.command {
        Command::Migrate { action } => migrate(&db, action).await,
        Command::Seed { demo: true } => seed_demo(&db).await,
        Command::Seed { demo: false } => Err("nothing to seed: pass --demo".to_owned()),
        Command::CreateAdmin { .. }
        | Command::Serve
        | Command::Openapi
        | Command::ImportMockExam { .. }
        | Command::Dlq { .. }
        | Command::Course { .. } => Ok(()),
    };
    db.close().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            ExitCode::from(1)
        }
    }
}

async fn migrate(db: &Db, action: MigrateAction) -> Result<(), String> {
    let conn = db.conn();
    match action {
        MigrateAction::Up => {
            let pending = Migrator::get_pending_migrations(conn).await.map_err(|e| e.to_string())?;
            // Under the migration lock, like every program that migrates at start.
            db.migrate_up().await.map_err(|e| e.to_string())?;
            println!("applied {} migration(s)", pending.len());
        }
        MigrateAction::Down { steps } => {
            Migrator::down(conn, Some(steps)).await.map_err(|e| e.to_string())?;
            println!("rolled back up to {steps} migration(s)");
        }
        MigrateAction::Status => {
            let applied = Migrator::get_applied_migrations(conn).await.map_err(|e| e.to_string())?;
            let pending = Migrator::get_pending_migrations(conn).await.map_err(|e| e.to_string())?;
            for m in &applied {
                println!("applied  {}", m.name());
            }
            for m in &pending {
                println!("pending  {}", m.name());
            }
            println!("{} applied, {} pending", applied.len(), pending.len());
        }
    }
    Ok(())
}

async fn seed_demo(db: &Db) -> Result<(), String> {
    let pending = Migrator::get_pending_migrations(db.conn()).await.map_err(|e| e.to_string())?;
    if !pending.is_empty() {
        return Err(format!("{} migration(s) pending: run `cercat-admin migrate up` first", pending.len()));
    }
    let report = seed::demo(db, chrono::Utc::now()).await.map_err(|e| e.to_string())?;
    println!(
        "demo data: {} certificate(s) created, {} schedule(s) written, {} mock exam(s) created",
        report.certificates_created, report.schedules_written, report.mock_exams_created
    );
    Ok(())
}

fn read_password() -> Result<String, String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ").map_err(|e| format!("cannot read the password: {e}"))?;
        let again = rpassword::prompt_password("again:    ").map_err(|e| format!("cannot read the password: {e}"))?;
        if first != again {
            return Err("the passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

async fn create_admin(settings: &cercat_config::Settings, email: &str, nickname: &str) -> ExitCode {
    let password = match read_password() {
        Ok(p) => p,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            return ExitCode::from(2);
        }
    };
    let infra = match cercat_bootstrap::Infrastructure::connect(settings).await {
        Ok(infra) => infra,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            return ExitCode::from(1);
        }
    };
    match infra.account_service().create_account(email, &password, nickname, cercat_user::Role::Admin).await {
        Ok(user) => {
            println!("created ADMIN #{} {}", user.id, user.email);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cercat-admin: cannot create the admin: {err}");
            ExitCode::from(1)
        }
    }
}

async fn import_mock_exam(settings: &cercat_config::Settings, file: &std::path::Path, certificate: i64) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(err) => {
            eprintln!("cercat-admin: cannot read {}: {err}", file.display());
            return ExitCode::from(2);
        }
    };
    let document = match cercat_mockexam::import::MockExamImport::from_json(&bytes) {
        Ok(d) => d,
        Err(err) => {
            eprintln!("cercat-admin: {}: {err}", file.display());
            return ExitCode::from(2);
        }
    };
    let infra = match cercat_bootstrap::Infrastructure::connect(settings).await {
        Ok(infra) => infra,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            return ExitCode::from(1);
        }
    };
    let service = infra.mockexam_service(std::sync::Arc::new(infra.certificate_service()));
    match service.import(certificate, document).await {
        Ok(set) => {
            println!(
                "imported mock exam #{} ({} round {}): {} questions, max score {}",
                set.exam.id,
                set.exam.exam_year,
                set.exam.round,
                set.questions.len(),
                set.exam.max_score
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cercat-admin: {}: {err}", file.display());
            ExitCode::from(1)
        }
    }
}

async fn verify_course(settings: &cercat_config::Settings, id: i64, json: bool) -> ExitCode {
    let infra = match cercat_bootstrap::Infrastructure::connect(settings).await {
        Ok(infra) => infra,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            return ExitCode::from(1);
        }
    };
    let report = match infra.course_service().verify(id).await {
        Ok(report) => report,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            return ExitCode::from(1);
        }
    };
    if json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        println!(
            "course {}: capacity {}, seat counter {}, pending {} (overdue {}), completed {}, released {}; \
             charges {} (refunds due {}, unaccounted {})",
            report.course_id,
            report.capacity,
            report.seats_taken,
            report.pending,
            report.overdue,
            report.completed,
            report.released,
            report.charges,
            report.refunds_due,
            report.charges_unaccounted
        );
        for v in &report.violations {
            println!("VIOLATION: {v}");
        }
        if report.holds() {
            println!("invariant holds");
        }
    }
    if report.holds() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

async fn dead_letters(settings: &cercat_config::Settings, action: &DlqAction) -> ExitCode {
    let infra = match cercat_bootstrap::Infrastructure::connect(settings).await {
        Ok(infra) => infra,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            return ExitCode::from(1);
        }
    };
    let result = match action {
        DlqAction::List { limit, json } => list_dead_letters(&infra, *limit, *json).await,
        DlqAction::Replay { limit, discard_undecodable } => {
            cercat_common::events::replay_dead_letters(
                &*infra.dead_letters,
                &*infra.outbox,
                chrono::Utc::now(),
                *limit,
                *discard_undecodable,
            )
            .await
            .map(|r| {
                println!("replayed {} event(s), discarded {}, {} letter(s) left", r.replayed, r.discarded, r.left);
                if r.left > 0 && !*discard_undecodable {
                    println!("a letter that is not an event stops the replay: see `dlq list`, then `dlq replay --discard-undecodable`");
                }
            })
            .map_err(|e| e.to_string())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            ExitCode::from(1)
        }
    }
}

async fn list_dead_letters(infra: &cercat_bootstrap::Infrastructure, limit: usize, json: bool) -> Result<(), String> {
    let letters = infra.dead_letters.pending(limit).await.map_err(|e| e.to_string())?;
    let total = infra.dead_letters.size().await.map_err(|e| e.to_string())?;
    for l in &letters {
        if json {
            println!("{}", serde_json::to_string(l).unwrap_or_default());
            continue;
        }
        let what = match &l.event {
            Some(e) => format!("{} {} (key {})", e.event_type, e.id, e.aggregate_id),
            None => format!("undecodable message ({} bytes)", l.payload.as_deref().map_or(0, str::len)),
        };
        println!(
            "{}  group={} topic={} attempts={}  {what}  error: {}",
            l.failed_at.format("%Y-%m-%dT%H:%M:%SZ"),
            l.group,
            l.topic,
            l.attempts,
            l.error
        );
    }
    println!("{total} letter(s) waiting");
    Ok(())
}

async fn serve(settings: cercat_config::Settings) -> ExitCode {
    let server = match cercat_admin::AdminServer::build(settings.clone()).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            return ExitCode::from(1);
        }
    };
    let base = format!("http://{}:{}", settings.admin.host, server.port());
    println!("Cercat admin API listening on {base} (ADMIN tokens only)");
    println!("Admin API docs: {base}/docs/");
    match server.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cercat-admin: {err}");
            ExitCode::from(1)
        }
    }
}
