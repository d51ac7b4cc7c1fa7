//! Operations: the hold sweep, the invariant check, live status.

use super::*;

impl CourseService {
    /// Releases holds whose deadline passed (each exactly once, whoever else sweeps) and
    /// retries refunds still due. At most `limit` of each per call.
    pub async fn sweep(&self, limit: u32) -> Result<SweepReport, CourseError> {
        let now = self.now();
        let mut report = SweepReport::default();
        for e in self.ports.ledger.overdue(now, limit).await? {
            if self.release_seat(e.id, Transition::EXPIRE, now).await?.is_some() {
                report.expired += 1;
            }
        }
        let claimed_until = self.now() + REFUND_CLAIM;
        for due in self.ports.ledger.claim_refunds(self.now(), claimed_until, limit).await? {
            match self
                .ports
                .gateway
                .cancel(&due.payment_key, "refund of a charge that is not the enrollment's payment")
                .await
            {
                Ok(()) => {
                    self.ports.ledger.refund_done(&due.payment_key, self.now()).await?;
                    report.refunded += 1;
                }
                Err(err) => {
                    tracing::warn!(%err, enrollment = due.enrollment_id, "refund still failing; will retry");
                    // The next sweep tries again (not this one: it would spin on a gateway that is down).
                    self.ports.ledger.refund_failed(&due.payment_key, now).await?;
                    report.refund_failures += 1;
                }
            }
        }
        Ok(report)
    }

    /// Proves the course's invariant: PENDING_PAYMENT + COMPLETED ≤ capacity, the seat counter
    /// equals them, nobody holds two live enrollments, every completed one is paid, every
    /// released one gave its seat back, and every captured charge is its enrollment's payment
    /// or refunded (or due a refund the sweep is retrying). Read in one snapshot.
    pub async fn verify(&self, course_id: i64) -> Result<InvariantReport, CourseError> {
        let report = self.ports.ledger.audit(course_id, self.now()).await?.ok_or(CourseError::NotFound(course_id))?;
        Ok(report.judge())
    }

    /// The live status operators watch.
    pub async fn live_status(&self, course_id: i64) -> Result<LiveStatus, CourseError> {
        let course = self.get(course_id).await?;
        let state = self.ports.room.state(course_id).await?;
        let invariant = self.verify(course_id).await?;
        Ok(LiveStatus {
            seats_left: course.seats_left(),
            window_open: course.window_open(self.now()),
            queue_length: state.length,
            admitted: state.admitted,
            waiting: state.length.saturating_sub(state.admitted),
            admission_rate: self.rate(&course),
            invariant,
            course,
        })
    }
}
