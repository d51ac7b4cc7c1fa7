//! Waiting rooms: joining, standing, the admission step.

use super::*;

impl CourseService {
    pub(super) fn rate(&self, course: &Course) -> u32 {
        course.draft.admission_rate.unwrap_or(self.config.default_admission_rate).max(1)
    }

    pub(super) fn check_window(&self, course: &Course, now: DateTime<Utc>) -> Result<(), CourseError> {
        if course.window_open(now) {
            return Ok(());
        }
        Err(CourseError::WindowClosed {
            course: course.id,
            opens: course.draft.opens_at.to_rfc3339(),
            closes: course.draft.closes_at.to_rfc3339(),
        })
    }

    /// Joins the course's waiting room (idempotent: joining again returns the same place).
    pub async fn join_queue(&self, user_id: i64, course_id: i64) -> Result<QueueStatus, CourseError> {
        let course = self.recent_course(course_id).await?;
        if !course.draft.waiting_room {
            return Err(CourseError::NoWaitingRoom(course_id));
        }
        let now = self.now();
        self.check_window(&course, now)?;
        let (index, state) = self.ports.room.join(course_id, user_id).await?;
        Ok(self.standing(&course, user_id, index, state, now))
    }

    /// The caller's place in the course's waiting room (and an admission token once admitted).
    pub async fn queue_status(&self, user_id: i64, course_id: i64) -> Result<QueueStatus, CourseError> {
        let course = self.recent_course(course_id).await?;
        if !course.draft.waiting_room {
            return Err(CourseError::NoWaitingRoom(course_id));
        }
        let (index, state) = self.ports.room.standing(course_id, user_id).await?;
        let index = index.ok_or(CourseError::NotInQueue(course_id))?;
        Ok(self.standing(&course, user_id, index, state, self.now()))
    }

    pub(super) fn standing(
        &self,
        course: &Course,
        user_id: i64,
        index: u64,
        state: RoomState,
        now: DateTime<Utc>,
    ) -> QueueStatus {
        let rate = u64::from(self.rate(course));
        let admitted = index < state.admitted && course.window_open(now);
        let ahead = index.saturating_sub(state.admitted);
        let wait = if admitted { 0 } else { (ahead + 1).div_ceil(rate) };
        let (token, expires) = if admitted {
            let expires = now + self.config.token_ttl;
            (Some(self.signer.issue(course.id, user_id, expires)), Some(expires))
        } else {
            (None, None)
        };
        QueueStatus {
            position: index + 1,
            ahead: if admitted { 0 } else { ahead },
            admitted,
            estimated_wait_secs: wait,
            // Ask again about when the turn comes, but at least every `max_poll_secs`.
            retry_after_secs: if admitted { 0 } else { (wait / 2).clamp(1, self.config.max_poll_secs) },
            admission_token: token,
            token_expires_at: expires,
            queue_length: state.length,
        }
    }

    /// Courses whose enrollment window is open now.
    pub async fn open_courses(&self) -> Result<Vec<Course>, CourseError> {
        Ok(self.ports.courses.open_at(self.now()).await?)
    }

    /// One admitter pass over every open course with a waiting room; returns each course's
    /// state after it. Any number of instances may run it: the room meters the rate.
    pub async fn admit_all(&self) -> Result<Vec<(Course, RoomState)>, CourseError> {
        let now = self.now();
        let mut out = Vec::new();
        for course in self.ports.courses.open_at(now).await? {
            if !course.draft.waiting_room {
                continue;
            }
            let state = self.ports.room.admit(course.id, self.rate(&course), now).await?;
            out.push((course, state));
        }
        Ok(out)
    }
}
