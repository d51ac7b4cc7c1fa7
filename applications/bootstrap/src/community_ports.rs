//! The ports the community and alarm contexts own onto their neighbours, implemented here by
//! adapting the neighbours' services: boards and their names (certificate), the questions
//! COMMENTARY posts are about (mock exam), latest exams and who studied what (certificate,
//! learning). A neighbour's "not found" is an answer (`false`, `None`); its other failures
//! arrive as the [`PortError`] they carry, or as `Unavailable` when they carry none.

use std::sync::Arc;

use async_trait::async_trait;
use cercat_alarm::CertificateNames;
use cercat_certificate::{CertificateError, CertificateService, ScheduleError};
use cercat_common::PortError;
use cercat_community::{
    CommunityNeighbours,
    commentary::ExamQuestions,
    ports::{BoardDirectory, Preparation, QuestionCatalog, ReviewEligibility},
    reviews::ReviewedExam,
};
use cercat_learning::{LearningError, LearningService};
use cercat_mockexam::{MockExamError, MockExamService};

fn certificate_failure(err: CertificateError) -> PortError {
    match err {
        CertificateError::Store(e) => e,
        other => PortError::unavailable("certificate context", other),
    }
}

fn schedule_failure(err: ScheduleError) -> PortError {
    match err {
        ScheduleError::Store(e) => e,
        other => PortError::unavailable("certificate context", other),
    }
}

fn mockexam_failure(err: MockExamError) -> PortError {
    match err {
        MockExamError::Store(e) => e,
        MockExamError::Certificate(e) => certificate_failure(e),
        other => PortError::unavailable("mock-exam context", other),
    }
}

fn learning_failure(err: LearningError) -> PortError {
    match err {
        LearningError::Store(e) => e,
        LearningError::Certificate(e) => certificate_failure(e),
        other => PortError::unavailable("learning context", other),
    }
}

/// Boards are certificates.
struct Boards(Arc<CertificateService>);

#[async_trait]
impl BoardDirectory for Boards {
    async fn exists(&self, certificate_id: i64) -> Result<bool, PortError> {
        match self.0.get(certificate_id).await {
            Ok(_) => Ok(true),
            Err(CertificateError::NotFound(_)) => Ok(false),
            Err(err) => Err(certificate_failure(err)),
        }
    }
}

#[async_trait]
impl CertificateNames for Boards {
    async fn name(&self, certificate_id: i64) -> Result<Option<String>, PortError> {
        match self.0.get(certificate_id).await {
            Ok(certificate) => Ok(Some(certificate.name)),
            Err(CertificateError::NotFound(_)) => Ok(None),
            Err(err) => Err(certificate_failure(err)),
        }
    }
}

/// Questions through the mock-exam service (and its question cache).
struct Questions(Arc<MockExamService>);

#[async_trait]
impl QuestionCatalog for Questions {
    async fn exam_of(&self, certificate_id: i64, year: i32, round: i32) -> Result<Option<i64>, PortError> {
        let exams = self.0.mock_exams(certificate_id, Some(year)).await.map_err(mockexam_failure)?;
        Ok(exams.into_iter().find(|e| e.round == round).map(|e| e.id))
    }

    async fn questions(&self, mock_exam_id: i64) -> Result<Option<ExamQuestions>, PortError> {
        let set = match self.0.question_set(mock_exam_id).await {
            Ok(set) => set,
            Err(MockExamError::NotFound(_)) => return Ok(None),
            Err(err) => return Err(mockexam_failure(err)),
        };
        let subjects = self.0.subjects_of(&set.exam).await.map_err(mockexam_failure)?;
        Ok(Some(ExamQuestions { exam: set.exam, questions: set.questions, subjects }))
    }
}

/// Latest exams from the certificate context, goals from learning, interests from certificate.
struct Eligibility {
    certificates: Arc<CertificateService>,
    learning: Arc<LearningService>,
}

#[async_trait]
impl ReviewEligibility for Eligibility {
    async fn latest_exam(&self, certificate_id: i64) -> Result<Option<ReviewedExam>, PortError> {
        match self.certificates.previous_exam(certificate_id).await {
            Ok((_, schedule)) => {
                Ok(Some(ReviewedExam { schedule_id: schedule.id, exam_date: schedule.draft.exam_date }))
            }
            Err(CertificateError::NoPreviousExam(_)) => Ok(None),
            Err(err) => Err(certificate_failure(err)),
        }
    }

    async fn preparation(&self, user_id: i64, certificate_id: i64) -> Result<Preparation, PortError> {
        let goal = self.learning.current_goal(user_id, certificate_id).await.map_err(learning_failure)?;
        let interests = self.certificates.interests(user_id).await.map_err(schedule_failure)?;
        let interested = interests.iter().any(|i| i.certificate.id == certificate_id);
        Ok(Preparation { studied: goal.is_some() || interested, goal_start: goal.map(|g| g.draft.prepare_start) })
    }
}

/// The community context's neighbours, over the services they are adapted from.
pub(crate) fn community_neighbours(
    certificates: Arc<CertificateService>,
    mockexams: Arc<MockExamService>,
    learning: Arc<LearningService>,
) -> CommunityNeighbours {
    CommunityNeighbours {
        boards: Arc::new(Boards(certificates.clone())),
        questions: Arc::new(Questions(mockexams)),
        eligibility: Arc::new(Eligibility { certificates, learning }),
    }
}

/// Board names for alarms.
pub(crate) fn certificate_names(certificates: Arc<CertificateService>) -> Arc<dyn CertificateNames> {
    Arc::new(Boards(certificates))
}
