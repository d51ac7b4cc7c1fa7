//! Goal, study-time and dashboard use cases.

use std::sync::Arc;

use cercat_certificate::CertificateService;
use cercat_common::{
    calendar::{seoul_date, seoul_days_utc},
    clock::Clock,
};
use chrono::{DateTime, Utc};

use crate::{
    Achievement, Goal, GoalDraft, LearningError,
    ports::{ExamActivity, GoalRepository},
};

/// Longest single study-time log, ms (a day).
pub const MAX_STUDY_MS: i64 = 86_400_000;

/// Learning use cases.
pub struct LearningService {
    goals: Arc<dyn GoalRepository>,
    activity: Arc<dyn ExamActivity>,
    certificates: Arc<CertificateService>,
    clock: Arc<dyn Clock>,
}

impl LearningService {
    /// Wires the service.
    pub fn new(
        goals: Arc<dyn GoalRepository>,
        activity: Arc<dyn ExamActivity>,
        certificates: Arc<CertificateService>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { goals, activity, certificates, clock }
    }

    /// Creates a goal for a certificate.
    pub async fn create(&self, user_id: i64, certificate_id: i64, mut draft: GoalDraft) -> Result<Goal, LearningError> {
        let certificate = self.certificates.get(certificate_id).await?;
        draft.validate(certificate.max_score())?;
        let id = self.goals.create(user_id, certificate_id, &draft, self.clock.now()).await?;
        self.goals.find(id).await?.ok_or(LearningError::GoalNotFound(id))
    }

    /// Replaces one of the caller's goals.
    pub async fn update(&self, user_id: i64, goal_id: i64, mut draft: GoalDraft) -> Result<Goal, LearningError> {
        let goal = self.goal(user_id, goal_id).await?;
        let certificate = self.certificates.get(goal.certificate_id).await?;
        draft.validate(certificate.max_score())?;
        if !self.goals.update(goal_id, user_id, &draft, self.clock.now()).await? {
            return Err(LearningError::GoalNotFound(goal_id));
        }
        self.goals.find(goal_id).await?.ok_or(LearningError::GoalNotFound(goal_id))
    }

    /// One of the caller's goals (another user's goal is "not found").
    pub async fn goal(&self, user_id: i64, goal_id: i64) -> Result<Goal, LearningError> {
        self.goals.find(goal_id).await?.filter(|g| g.user_id == user_id).ok_or(LearningError::GoalNotFound(goal_id))
    }

    /// The caller's goals for a certificate, oldest first (the client uses the last).
    pub async fn goals(&self, user_id: i64, certificate_id: i64) -> Result<Vec<Goal>, LearningError> {
        self.certificates.get(certificate_id).await?;
        Ok(self.goals.list(user_id, certificate_id).await?)
    }

    /// The goal that counts now: the newest whose period contains now, else the newest.
    pub async fn current_goal(&self, user_id: i64, certificate_id: i64) -> Result<Option<Goal>, LearningError> {
        let now = self.clock.now();
        let goals = self.goals(user_id, certificate_id).await?;
        let running = goals.iter().rev().find(|g| g.draft.prepare_start <= now && now <= g.draft.prepare_finish);
        Ok(running.or(goals.last()).cloned())
    }

    /// Whether the caller has a goal for the certificate that has not ended.
    pub async fn has_active_goal(&self, user_id: i64, certificate_id: i64) -> Result<bool, LearningError> {
        let now = self.clock.now();
        Ok(self.goals(user_id, certificate_id).await?.iter().any(|g| g.draft.prepare_finish >= now))
    }

    /// The current goal's period as `[start, finish]`, for period-bound views.
    pub async fn current_period(
        &self,
        user_id: i64,
        certificate_id: i64,
    ) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, LearningError> {
        Ok(self.current_goal(user_id, certificate_id).await?.map(|g| (g.draft.prepare_start, g.draft.prepare_finish)))
    }

    /// Logs `ms` of study time against one of the caller's goals.
    pub async fn log_study_time(&self, user_id: i64, goal_id: i64, ms: i64) -> Result<(), LearningError> {
        if !(1..=MAX_STUDY_MS).contains(&ms) {
            return Err(LearningError::InvalidStudyTime(format!("must be between 1 and {MAX_STUDY_MS} ms")));
        }
        let goal = self.goal(user_id, goal_id).await?;
        Ok(self.goals.add_study_time(&goal, ms, self.clock.now()).await?)
    }

    /// The dashboard for the caller's current goal of a certificate.
    pub async fn achievement(&self, user_id: i64, certificate_id: i64) -> Result<Achievement, LearningError> {
        let goal = self.current_goal(user_id, certificate_id).await?.ok_or(LearningError::NoGoal(certificate_id))?;
        let now = self.clock.now();
        let today = seoul_date(now);
        let (today_from, today_to) = seoul_days_utc(today, today);
        let period_end = goal.draft.prepare_finish + chrono::Duration::milliseconds(1);
        let (current, best) =
            self.activity.count_and_best(user_id, certificate_id, goal.draft.prepare_start, period_end).await?;
        let (today_exams, _) = self.activity.count_and_best(user_id, certificate_id, today_from, today_to).await?;
        let current_study_time = self.goals.study_time(goal.id, None).await?;
        let today_study_time = self.goals.study_time(goal.id, Some((today_from, today_to))).await?;
        let days_left = (seoul_date(goal.draft.prepare_finish) - today).num_days().max(0);
        Ok(Achievement {
            max_score: best.unwrap_or(0),
            current_mock_exams: current,
            today_mock_exams: today_exams,
            current_study_time,
            today_study_time,
            days_left,
            goal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use cercat_certificate::{
        Certificate, PassCriteria, Subject,
        testkit::{FixedCertificates, NoSchedules},
    };
    use cercat_common::{PortError, clock::ManualClock, testkit::fakes::MapCache};
    use chrono::TimeZone;
    use std::sync::Mutex;

    /// Certificate 1, one subject of 20 questions.
    fn one_certificate() -> FixedCertificates {
        FixedCertificates(vec![Certificate {
            id: 1,
            name: "c".into(),
            category: "x".into(),
            subjects: vec![Subject { id: 1, sequence: 1, name: "s".into(), number_of_questions: 20, total_score: 100 }],
            pass_criteria: PassCriteria { subject_min_percent: 40, average_min_percent: 60, practical_min_score: None },
        }])
    }

    #[derive(Default)]
    struct Memory {
        goals: Mutex<Vec<Goal>>,
        logs: Mutex<Vec<(i64, i64, DateTime<Utc>)>>,
        results: Mutex<Vec<(DateTime<Utc>, i32)>>,
    }

    #[async_trait]
    impl GoalRepository for Memory {
        async fn create(
            &self,
            user_id: i64,
            certificate_id: i64,
            draft: &GoalDraft,
            _: DateTime<Utc>,
        ) -> Result<i64, PortError> {
            let mut goals = self.goals.lock().unwrap();
            let id = goals.len() as i64 + 1;
            goals.push(Goal { id, user_id, certificate_id, draft: draft.clone() });
            Ok(id)
        }
        async fn update(
            &self,
            goal_id: i64,
            user_id: i64,
            draft: &GoalDraft,
            _: DateTime<Utc>,
        ) -> Result<bool, PortError> {
            let mut goals = self.goals.lock().unwrap();
            Ok(goals
                .iter_mut()
                .find(|g| g.id == goal_id && g.user_id == user_id)
                .map(|g| g.draft = draft.clone())
                .is_some())
        }
        async fn find(&self, goal_id: i64) -> Result<Option<Goal>, PortError> {
            Ok(self.goals.lock().unwrap().iter().find(|g| g.id == goal_id).cloned())
        }
        async fn list(&self, user_id: i64, certificate_id: i64) -> Result<Vec<Goal>, PortError> {
            let goals = self.goals.lock().unwrap();
            Ok(goals.iter().filter(|g| g.user_id == user_id && g.certificate_id == certificate_id).cloned().collect())
        }
        async fn add_study_time(&self, goal: &Goal, ms: i64, at: DateTime<Utc>) -> Result<(), PortError> {
            self.logs.lock().unwrap().push((goal.id, ms, at));
            Ok(())
        }
        async fn study_time(
            &self,
            goal_id: i64,
            period: Option<(DateTime<Utc>, DateTime<Utc>)>,
        ) -> Result<i64, PortError> {
            let logs = self.logs.lock().unwrap();
            Ok(logs
                .iter()
                .filter(|(g, _, at)| *g == goal_id && period.is_none_or(|(f, t)| f <= *at && *at < t))
                .map(|(_, ms, _)| ms)
                .sum())
        }
    }

    #[async_trait]
    impl ExamActivity for Memory {
        async fn count_and_best(
            &self,
            _: i64,
            _: i64,
            from: DateTime<Utc>,
            to: DateTime<Utc>,
        ) -> Result<(u32, Option<i32>), PortError> {
            let results = self.results.lock().unwrap();
            let inside: Vec<i32> = results.iter().filter(|(at, _)| from <= *at && *at < to).map(|(_, s)| *s).collect();
            Ok((inside.len() as u32, inside.iter().copied().max()))
        }
    }

    fn kst(m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap() - chrono::Duration::hours(9)
    }

    fn draft(start: DateTime<Utc>, finish: DateTime<Utc>) -> GoalDraft {
        GoalDraft {
            goal_score: 80,
            prepare_start: start,
            prepare_finish: finish,
            goal_prepare_days: 30,
            mock_exams_per_day: 2,
            goal_mock_exams: 40,
            mock_exam_repeat_days: vec![5, 1, 1, 3],
            study_time_per_day: 7_200_000,
            goal_study_time: 200_000_000,
            study_repeat_days: vec![0, 7],
        }
    }

    fn service(clock: &ManualClock, memory: &Arc<Memory>) -> LearningService {
        let certificates = Arc::new(CertificateService::new(
            Arc::new(one_certificate()),
            Arc::new(NoSchedules),
            Arc::new(MapCache::default()),
            Arc::new(clock.clone()),
        ));
        LearningService::new(memory.clone(), memory.clone(), certificates, Arc::new(clock.clone()))
    }

    #[tokio::test]
    async fn the_dashboard_counts_the_goal_period_and_the_seoul_day() {
        // Now: 2026-05-10 00:30 KST (still May 9 in UTC).
        let clock = ManualClock::new(kst(5, 10, 0) + chrono::Duration::minutes(30));
        let memory = Arc::new(Memory::default());
        let learning = service(&clock, &memory);
        let goal = learning.create(7, 1, draft(kst(5, 1, 0), kst(5, 31, 23))).await.unwrap();
        assert_eq!(goal.draft.mock_exam_repeat_days, vec![1, 3, 5]);
        memory.results.lock().unwrap().extend([
            (kst(4, 30, 23), 99), // before the period
            (kst(5, 2, 9), 60),
            (kst(5, 9, 23), 70), // yesterday in Seoul
            (kst(5, 10, 0), 65), // today, 00:00 KST
        ]);
        learning.log_study_time(7, goal.id, 1_000).await.unwrap();
        clock.advance(chrono::Duration::hours(-2)); // back to May 9, 22:30 KST
        learning.log_study_time(7, goal.id, 500).await.unwrap();
        clock.advance(chrono::Duration::hours(2));
        let a = learning.achievement(7, 1).await.unwrap();
        assert_eq!((a.max_score, a.current_mock_exams, a.today_mock_exams), (70, 3, 1));
        assert_eq!((a.current_study_time, a.today_study_time), (1_500, 1_000));
        assert_eq!(a.days_left, 21);
        assert!(learning.has_active_goal(7, 1).await.unwrap());
        // Another user sees neither the goal nor a dashboard.
        assert!(matches!(learning.goal(8, goal.id).await, Err(LearningError::GoalNotFound(_))));
        assert!(matches!(learning.achievement(8, 1).await, Err(LearningError::NoGoal(1))));
        assert!(matches!(learning.log_study_time(8, goal.id, 5).await, Err(LearningError::GoalNotFound(_))));
        // Once the period is over the goal no longer counts as active; days left stay at 0.
        clock.set(kst(6, 2, 12));
        assert!(!learning.has_active_goal(7, 1).await.unwrap());
        assert_eq!(learning.achievement(7, 1).await.unwrap().days_left, 0);
    }

    #[tokio::test]
    async fn goals_and_study_times_are_validated() {
        let clock = ManualClock::new(kst(5, 10, 9));
        let memory = Arc::new(Memory::default());
        let learning = service(&clock, &memory);
        let field = |r: Result<Goal, LearningError>| match r {
            Err(LearningError::InvalidGoal { field, .. }) => field,
            _ => "",
        };
        assert_eq!(field(learning.create(7, 1, draft(kst(5, 2, 0), kst(5, 1, 0))).await), "prepareFinishDateTime");
        let mut d = draft(kst(5, 1, 0), kst(5, 2, 0));
        d.goal_score = 101; // the certificate's maximum is 100
        assert_eq!(field(learning.create(7, 1, d).await), "goalScore");
        let mut d = draft(kst(5, 1, 0), kst(5, 2, 0));
        d.study_repeat_days = vec![8];
        assert_eq!(field(learning.create(7, 1, d).await), "studyRepeatDays");
        assert!(matches!(
            learning.create(7, 2, draft(kst(5, 1, 0), kst(5, 2, 0))).await,
            Err(LearningError::Certificate(_))
        ));
        let goal = learning.create(7, 1, draft(kst(5, 1, 0), kst(5, 2, 0))).await.unwrap();
        assert!(matches!(learning.log_study_time(7, goal.id, 0).await, Err(LearningError::InvalidStudyTime(_))));
        assert!(matches!(
            learning.log_study_time(7, goal.id, MAX_STUDY_MS + 1).await,
            Err(LearningError::InvalidStudyTime(_))
        ));
        assert!(matches!(learning.goal(7, 0).await, Err(LearningError::GoalNotFound(0))));
    }

    #[tokio::test]
    async fn each_out_of_range_goal_field_is_named() {
        let clock = ManualClock::new(kst(5, 10, 9));
        let learning = service(&clock, &Arc::new(Memory::default()));
        /// Makes one field of a valid draft out of range.
        type Spoil = fn(&mut GoalDraft);
        let cases: [(&str, Spoil); 6] = [
            ("prepareFinishDateTime", |d| d.prepare_finish = d.prepare_start + chrono::Duration::days(3 * 366 + 1)),
            ("goalPrepareDays", |d| d.goal_prepare_days = 1101),
            ("mockExamsPerDay", |d| d.mock_exams_per_day = -1),
            ("goalMockExams", |d| d.goal_mock_exams = 100_001),
            ("studyTimePerDay", |d| d.study_time_per_day = MAX_STUDY_MS + 1),
            ("goalStudyTime", |d| d.goal_study_time = -1),
        ];
        for (field, spoil) in cases {
            let mut d = draft(kst(5, 1, 0), kst(5, 2, 0));
            spoil(&mut d);
            match learning.create(7, 1, d).await {
                Err(LearningError::InvalidGoal { field: named, .. }) => assert_eq!(named, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert!(learning.goals(7, 1).await.unwrap().is_empty(), "no refused draft was stored");
    }

    #[tokio::test]
    async fn only_the_owner_updates_a_goal_and_the_update_is_validated_like_a_new_goal() {
        let clock = ManualClock::new(kst(5, 10, 9));
        let memory = Arc::new(Memory::default());
        let learning = service(&clock, &memory);
        let goal = learning.create(7, 1, draft(kst(5, 1, 0), kst(5, 31, 0))).await.unwrap();

        let mut raised = draft(kst(5, 1, 0), kst(6, 30, 0));
        raised.goal_score = 95;
        raised.study_repeat_days = vec![6, 2, 6];
        let updated = learning.update(7, goal.id, raised.clone()).await.unwrap();
        assert_eq!((updated.id, updated.draft.goal_score), (goal.id, 95));
        assert_eq!(updated.draft.study_repeat_days, vec![2, 6], "weekdays are sorted and deduplicated");
        assert_eq!(learning.goal(7, goal.id).await.unwrap(), updated);

        assert!(matches!(learning.update(8, goal.id, raised.clone()).await, Err(LearningError::GoalNotFound(_))));
        assert!(matches!(learning.update(7, 99, raised.clone()).await, Err(LearningError::GoalNotFound(99))));
        raised.goal_score = 101;
        assert!(matches!(
            learning.update(7, goal.id, raised).await,
            Err(LearningError::InvalidGoal { field: "goalScore", .. })
        ));
        assert_eq!(learning.goal(7, goal.id).await.unwrap().draft.goal_score, 95, "refused updates change nothing");
    }

    #[tokio::test]
    async fn the_current_goal_is_the_newest_running_one_else_the_newest() {
        let clock = ManualClock::new(kst(5, 10, 9));
        let memory = Arc::new(Memory::default());
        let learning = service(&clock, &memory);
        assert_eq!(learning.current_goal(7, 1).await.unwrap(), None);
        assert_eq!(learning.current_period(7, 1).await.unwrap(), None);
        assert!(!learning.has_active_goal(7, 1).await.unwrap());

        let may = learning.create(7, 1, draft(kst(5, 1, 0), kst(5, 31, 0))).await.unwrap();
        let mid_may = learning.create(7, 1, draft(kst(5, 5, 0), kst(5, 20, 0))).await.unwrap();
        let summer = learning.create(7, 1, draft(kst(7, 1, 0), kst(8, 31, 0))).await.unwrap();
        let others = learning.create(8, 1, draft(kst(5, 1, 0), kst(5, 31, 0))).await.unwrap();
        let listed: Vec<_> = learning.goals(7, 1).await.unwrap().iter().map(|g| g.id).collect();
        assert_eq!(listed, [may.id, mid_may.id, summer.id], "the user's own, oldest first");

        assert_eq!(learning.current_goal(7, 1).await.unwrap().map(|g| g.id), Some(mid_may.id), "newest running");
        clock.set(kst(5, 25, 9));
        assert_eq!(learning.current_goal(7, 1).await.unwrap().map(|g| g.id), Some(may.id), "the one still running");
        assert_eq!(learning.current_period(7, 1).await.unwrap(), Some((kst(5, 1, 0), kst(5, 31, 0))));
        clock.set(kst(6, 15, 9));
        assert_eq!(learning.current_goal(7, 1).await.unwrap().map(|g| g.id), Some(summer.id), "none runs: the newest");
        assert!(learning.has_active_goal(7, 1).await.unwrap(), "a goal that has not started yet has not ended");
        assert_eq!(learning.current_goal(8, 1).await.unwrap().map(|g| g.id), Some(others.id));

        assert!(matches!(learning.goals(7, 2).await, Err(LearningError::Certificate(_))), "an unknown certificate");
        assert!(matches!(learning.current_goal(7, 2).await, Err(LearningError::Certificate(_))));
    }
}
