//! Reports: WEEKLY / MONTHLY / YEARLY score reports (cached) and per-subject averages.

use super::*;

impl MockExamService {
    /// The caller's WEEKLY / MONTHLY / YEARLY score report, cached until a result of theirs in
    /// that period is saved.
    pub async fn report(
        &self,
        user_id: i64,
        certificate_id: i64,
        period: ReportPeriod,
    ) -> Result<Report, MockExamError> {
        self.certificate(certificate_id).await?;
        let key = report_key(user_id, certificate_id, &period);
        match cache::get_json::<Report>(&*self.ports.cache, &key).await {
            Ok(Some(hit)) => return Ok(hit),
            Ok(None) => {}
            Err(err) => tracing::warn!(%err, "report cache read failed; computing"),
        }
        let (from, to) = period.range();
        let scores = self.ports.results.scores_between(user_id, certificate_id, from, to).await?;
        let report = period.compute(&scores);
        if let Err(err) = cache::set_json(&*self.ports.cache, &key, &report, REPORT_TTL).await {
            tracing::warn!(%err, "report cache write failed");
        }
        Ok(report)
    }

    /// Per-subject averages of the caller's results of a certificate within `period` (all
    /// time when `None`): every subject of the certificate, in exam order, zeros when unseen.
    pub async fn subject_averages(
        &self,
        user_id: i64,
        certificate_id: i64,
        period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Vec<SubjectAverage>, MockExamError> {
        let certificate = self.certificate(certificate_id).await?;
        let rows = self.ports.results.subject_rows(user_id, certificate_id, period).await?;
        Ok(certificate
            .subjects
            .into_iter()
            .map(|subject| {
                let mine: Vec<_> = rows.iter().filter(|r| r.subject_id == subject.id).collect();
                let n = mine.len() as u32;
                let avg_f = |f: fn(&crate::ports::SubjectRow) -> f64| {
                    if n == 0 {
                        0.0
                    } else {
                        (mine.iter().map(|r| f(r)).sum::<f64>() / f64::from(n) * 100.0).round() / 100.0
                    }
                };
                SubjectAverage {
                    correct_rate: avg_f(|r| r.correct_rate),
                    total_taken_time: avg_f(|r| r.total_taken_time as f64).round() as i64,
                    time_limit: avg_f(|r| r.time_limit_ms as f64).round() as i64,
                    results: n,
                    subject,
                }
            })
            .collect())
    }
}
