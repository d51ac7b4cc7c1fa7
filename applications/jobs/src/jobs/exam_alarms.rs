//! `exam-alarms` (daily 09:00 Asia/Seoul): reminders for users with the certificate as an
//! interest — application opens tomorrow, opens today, deadline tomorrow. The alarm context's
//! `ExamReminders` decides which are due and records them in the outbox with ids derived from
//! (schedule, kind, user, day), so a re-run the same day adds nothing.

use async_trait::async_trait;
use cercat_alarm::exam::ScheduleDates;
use cercat_common::jobs::JobCounts;
use cercat_config::Settings;
use std::time::Duration;

use crate::{Job, JobContext, JobError, Params, RunScope, job::JobReport};

/// The daily exam reminders.
#[derive(Debug)]
pub struct ExamAlarms;

#[async_trait]
impl Job for ExamAlarms {
    fn name(&self) -> &'static str {
        "exam-alarms"
    }

    fn description(&self) -> &'static str {
        "remind interested users of application openings and deadlines (alarms)"
    }

    fn schedule(&self, _settings: &Settings) -> Option<&'static str> {
        // Daily at 09:00 KST.
        Some("0 0 9 * * *")
    }

    fn max_hold(&self) -> Duration {
        Duration::from_secs(900)
    }

    async fn run(&self, ctx: &JobContext, _params: &Params, _run: &RunScope) -> Result<JobReport, JobError> {
        let fail = |e: &dyn std::fmt::Display| JobError::Failed(e.to_string());
        let (certificates, reminders) = (&ctx.services.certificates, &ctx.services.exam_reminders);
        let (mut read, mut written) = (0, 0);
        for certificate in certificates.list().await.map_err(|e| fail(&e))? {
            let mut users = None;
            for schedule in certificates.schedules(certificate.id).await.map_err(|e| fail(&e))? {
                read += 1;
                let dates = ScheduleDates {
                    schedule_id: schedule.id,
                    certificate_id: certificate.id,
                    application_start: schedule.draft.application_start,
                    application_deadline: schedule.draft.application_deadline,
                };
                if !reminders.any_due(&dates) {
                    continue;
                }
                if users.is_none() {
                    users = Some(certificates.interested_users(certificate.id).await.map_err(|e| fail(&e))?);
                }
                written +=
                    reminders.record(&dates, users.as_deref().unwrap_or_default()).await.map_err(|e| fail(&e))?;
            }
        }
        Ok(JobReport { counts: JobCounts { read, written, skipped: 0 }, skips: Vec::new(), summary: None })
    }
}
