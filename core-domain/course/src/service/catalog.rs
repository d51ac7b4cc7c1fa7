//! Courses: create, edit, delete (owner or admin), search.

use super::*;

impl CourseService {
    /// Creates a course owned by the caller (an instructor or admin).
    pub async fn create(&self, instructor_id: i64, mut draft: CourseDraft) -> Result<Course, CourseError> {
        draft.validate()?;
        let id = match self.ports.courses.create(instructor_id, &draft, self.now()).await {
            Err(PortError::InUse(_)) => return Err(CourseError::NoCertificate(draft.certificate_id)),
            other => other?,
        };
        self.get(id).await
    }

    pub(super) async fn owned(&self, actor: Actor, id: i64) -> Result<Course, CourseError> {
        let course = self.get(id).await?;
        if actor.admin || course.instructor_id == actor.user_id { Ok(course) } else { Err(CourseError::NotOwner(id)) }
    }

    /// Replaces a course's fields (owner or admin). The capacity cannot go below the seats taken.
    pub async fn update(&self, actor: Actor, id: i64, mut draft: CourseDraft) -> Result<Course, CourseError> {
        draft.validate()?;
        self.owned(actor, id).await?;
        match self.ports.courses.update(id, &draft, self.now()).await {
            Err(PortError::InUse(_)) => Err(CourseError::NoCertificate(draft.certificate_id)),
            Ok(CourseChange::Missing) => Err(CourseError::NotFound(id)),
            Ok(CourseChange::Refused) => Err(CourseError::HasEnrollments(format!(
                "course {id} has more seats taken than a capacity of {}",
                draft.capacity
            ))),
            Ok(CourseChange::Done) => {
                self.forget_gate(id).await;
                self.get(id).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a course nobody enrolled in (owner or admin).
    pub async fn delete(&self, actor: Actor, id: i64) -> Result<(), CourseError> {
        self.owned(actor, id).await?;
        match self.ports.courses.delete(id).await? {
            CourseChange::Done => {
                self.forget_gate(id).await;
                if let Err(err) = self.ports.room.clear(id).await {
                    tracing::warn!(%err, course = id, "could not empty the deleted course's waiting room");
                }
                Ok(())
            }
            CourseChange::Missing => Err(CourseError::NotFound(id)),
            CourseChange::Refused => Err(CourseError::HasEnrollments(format!(
                "course {id} has enrollments; it cannot be deleted (payments keep their course)"
            ))),
        }
    }

    /// Searches courses.
    pub async fn search(&self, search: &CourseSearch, page: &PageRequest) -> Result<Slice<Course>, CourseError> {
        Ok(self.ports.courses.search(search, page).await?)
    }
}
