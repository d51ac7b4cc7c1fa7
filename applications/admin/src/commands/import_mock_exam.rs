//! `import-mock-exam <file.json> --certificate ID`: a mock exam in Cercat's import format.

use cercat_config::Settings;
use std::{path::Path, process::ExitCode};

/// Imports `file` into `certificate` (exit code 2 for an unreadable or malformed file).
pub async fn run(settings: &Settings, file: &Path, certificate: i64) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(err) => return super::fail(format!("cannot read {}: {err}", file.display()), 2),
    };
    let document = match cercat_mockexam::import::MockExamImport::from_json(&bytes) {
        Ok(d) => d,
        Err(err) => return super::fail(format!("{}: {err}", file.display()), 2),
    };
    let services = match super::connect(settings).await {
        Ok(services) => services,
        Err(code) => return code,
    };
    let service = services.mockexams.clone();
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
        Err(err) => super::fail(format!("{}: {err}", file.display()), 1),
    }
}
