//! Exam reviews: who may write one and when (the rules are in [`crate::reviews`]; the facts
//! come from the certificate and learning contexts through [`crate::ports::ReviewEligibility`]).

use cercat_common::{
    PortError,
    paging::{PageRequest, Slice},
};

use crate::{
    CommunityError, CommunityService,
    ports::NewReview,
    reviews::{self, Difficulty, ExamReview, ReviewFilter, ReviewedExam},
};

impl CommunityService {
    async fn latest_exam(&self, certificate_id: i64) -> Result<Option<ReviewedExam>, CommunityError> {
        self.ensure_board(certificate_id).await?;
        Ok(self.neighbours.eligibility.latest_exam(certificate_id).await?)
    }

    /// Why the user may not review `exam` now (`studied`: the certificate is one of their goals
    /// or interests), or `None` when they may.
    async fn review_refusal(
        &self,
        user_id: i64,
        exam: Option<ReviewedExam>,
        studied: bool,
    ) -> Result<Option<CommunityError>, CommunityError> {
        let already = match exam {
            Some(e) => self.reviews.exists(user_id, e.schedule_id).await?,
            None => false,
        };
        Ok(reviews::refusal(exam, studied, already, self.clock.now()))
    }

    /// Whether reviews of the board's latest exam are open now (the two weeks after it).
    pub async fn review_period_open(&self, certificate_id: i64) -> Result<bool, CommunityError> {
        let exam = self.latest_exam(certificate_id).await?;
        Ok(exam.is_some_and(|e| e.open_at(self.clock.now())))
    }

    /// Whether the user may review the board's latest exam now.
    pub async fn may_review(&self, user_id: i64, certificate_id: i64) -> Result<bool, CommunityError> {
        let exam = self.latest_exam(certificate_id).await?;
        let preparation = self.neighbours.eligibility.preparation(user_id, certificate_id).await?;
        Ok(self.review_refusal(user_id, exam, preparation.studied).await?.is_none())
    }

    /// Reviews the board's latest exam: only in the two weeks after it, only by users who had
    /// the certificate as a goal or interest, once. The preparation months come from the
    /// user's current goal (0 without one).
    pub async fn create_review(
        &self,
        user_id: i64,
        certificate_id: i64,
        difficulty: Difficulty,
        content: &str,
    ) -> Result<i64, CommunityError> {
        let exam = self.latest_exam(certificate_id).await?;
        let preparation = self.neighbours.eligibility.preparation(user_id, certificate_id).await?;
        let prepare_months = match (preparation.goal_start, exam) {
            (Some(start), Some(e)) => reviews::prepare_months(start, e.exam_date),
            _ => 0,
        };
        let content = content.trim();
        if !(1..=reviews::MAX_REVIEW_CHARS).contains(&content.chars().count()) {
            return Err(CommunityError::InvalidReview {
                field: "content",
                reason: format!("must be 1 to {} characters", reviews::MAX_REVIEW_CHARS),
            });
        }
        if let Some(refusal) = self.review_refusal(user_id, exam, preparation.studied).await? {
            return Err(refusal);
        }
        let Some(exam) = exam else { return Err(CommunityError::ReviewClosed) };
        let review = NewReview {
            user_id,
            certificate_id,
            schedule_id: exam.schedule_id,
            difficulty,
            prepare_months,
            content: content.to_owned(),
        };
        self.reviews.create(&review, self.clock.now()).await.map_err(|e| match e {
            // Two submissions raced: the unique key let one through.
            PortError::Duplicate(_) => CommunityError::AlreadyReviewed,
            other => other.into(),
        })
    }

    /// The certificate's reviews, newest first.
    pub async fn reviews(
        &self,
        certificate_id: i64,
        filter: ReviewFilter,
        page: &PageRequest,
    ) -> Result<Slice<ExamReview>, CommunityError> {
        let rows = self.reviews.list(certificate_id, &filter, page.offset(), page.fetch_limit()).await?;
        Ok(Slice::from_fetched(rows, page))
    }
}
