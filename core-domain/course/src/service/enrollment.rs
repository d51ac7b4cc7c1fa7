//! Enrollments: seat holds, reading them, cancelling.

use super::*;

impl CourseService {
    /// Holds a seat for the caller: PENDING_PAYMENT until the deadline, or an error
    /// (SOLD_OUT, outside the window, no admission, already enrolled). The amount due is the
    /// course's price less the caller's `coupon_ids` (the coupon context's pricing rule); those
    /// coupons are reserved with the seat, spent with the payment (at once when nothing is left
    /// to pay) and given back if the enrollment is cancelled, refunded or expires.
    pub async fn enroll(
        &self,
        user_id: i64,
        course_id: i64,
        token: Option<&str>,
        coupon_ids: &[i64],
    ) -> Result<Enrollment, CourseError> {
        let course = self.recent_course(course_id).await?;
        let now = self.now();
        self.check_window(&course, now)?;
        if course.draft.waiting_room {
            let token = token.filter(|t| !t.trim().is_empty()).ok_or(CourseError::AdmissionRequired {
                course: course_id,
                reason: "send the token from the waiting room in the Admission-Token header",
            })?;
            self.signer
                .verify(token, course_id, user_id, now)
                .map_err(|reason| CourseError::AdmissionRequired { course: course_id, reason })?;
        }
        // The client never names the amount: the server prices, with the caller's coupons.
        let amount = if coupon_ids.is_empty() {
            course.draft.price
        } else {
            let price = Money::won(course.draft.price).map_err(|e| PortError::Corrupt(e.to_string()))?;
            self.ports.coupons.quote(user_id, cercat_coupon::Purchase::Course, price, coupon_ids).await?.amount.as_won()
        };
        let hold = NewHold {
            course_id,
            user_id,
            amount,
            coupons: coupon_ids.to_vec(),
            order_id: format!("crs{course_id}-{}", uuid::Uuid::new_v4().simple()),
            // Nothing to pay, nothing to wait for: a free (or fully discounted) seat is the
            // student's at once.
            status: if amount == 0 { EnrollmentStatus::Completed } else { EnrollmentStatus::PendingPayment },
            deadline: now + self.config.hold,
            at: now,
        };
        match self.gated_hold(&hold).await? {
            HoldOutcome::Held(e) => Ok(e),
            HoldOutcome::SoldOut => Err(CourseError::SoldOut(course_id)),
            HoldOutcome::AlreadyEnrolled(e) => {
                Err(CourseError::AlreadyEnrolled { course: course_id, id: e.id, status: e.status.as_str() })
            }
            HoldOutcome::NoCourse => Err(CourseError::NotFound(course_id)),
            HoldOutcome::CouponTaken(id) => Err(cercat_coupon::CouponError::NotUsable(id).into()),
        }
    }

    /// One of the caller's enrollments.
    pub async fn enrollment(&self, user_id: i64, id: i64) -> Result<Enrollment, CourseError> {
        self.ports.ledger.find(id).await?.filter(|e| e.user_id == user_id).ok_or(CourseError::EnrollmentNotFound(id))
    }

    /// The caller's enrollments, newest first.
    pub async fn my_enrollments(&self, user_id: i64) -> Result<Vec<Enrollment>, CourseError> {
        Ok(self.ports.ledger.for_user(user_id).await?)
    }

    /// Cancels one of the caller's enrollments: before payment the seat goes back; after
    /// payment the gateway refunds first, then the seat goes back.
    pub async fn cancel(&self, user_id: i64, id: i64) -> Result<Enrollment, CourseError> {
        let e = self.enrollment(user_id, id).await?;
        match e.status {
            EnrollmentStatus::PendingPayment => {
                if let Some(done) = self.release_seat(id, Transition::CANCEL_HOLD, self.now()).await? {
                    return Ok(done);
                }
                // It moved meanwhile (paid or swept): decide again on what it is now.
                let now = self.enrollment(user_id, id).await?;
                if now.status == EnrollmentStatus::Completed {
                    return self.refund(now).await;
                }
                Err(CourseError::NotCancellable { id, status: now.status.as_str() })
            }
            EnrollmentStatus::Completed => self.refund(e).await,
            other => Err(CourseError::NotCancellable { id, status: other.as_str() }),
        }
    }
}
