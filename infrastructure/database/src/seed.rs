//! Demo data: three certificates (id 1 is the one Cercat's web client hard-codes; it follows
//! Q-Net's 기사 series) with their subjects, and exam schedules for this year and next, so there is always an upcoming exam.
//! Certificate 1 also gets a complete mock exam (`seed/mock-exam-1.json`). Idempotent:
//! existing certificates and mock exams are left alone, schedules are upserted.

use cercat_certificate::{
    ExamFees, ExamScheduleDraft, ExamTimeLimits, UpsertOutcome, events::PendingScheduleChange,
    ports::ExamScheduleRepository,
};
use cercat_common::PortError;
use chrono::{DateTime, Datelike, Duration, FixedOffset, TimeZone, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};

use cercat_certificate::ports::CertificateRepository;
use cercat_mockexam::{import::MockExamImport, ports::MockExamRepository};

use crate::{
    Db, SqlCertificateRepository, SqlExamScheduleRepository, SqlMockExamRepository,
    entity::{certificate, subject},
};

struct DemoCertificate {
    id: i64,
    name: &'static str,
    category: &'static str,
    practical_min: Option<i32>,
    subjects: &'static [(&'static str, i32, i32)],
    rounds: &'static [(u32, u32)],
    fees: (i64, Option<i64>),
    format: &'static str,
    eligibility: &'static str,
    /// The Q-Net series whose rounds fill its schedules.
    qnet_series: Option<&'static str>,
}

const DEMO: &[DemoCertificate] = &[
    DemoCertificate {
        id: 1,
        name: "정보처리기사",
        category: "정보기술",
        practical_min: Some(60),
        subjects: &[
            ("소프트웨어 설계", 20, 100),
            ("소프트웨어 개발", 20, 100),
            ("데이터베이스 구축", 20, 100),
            ("프로그래밍 언어 활용", 20, 100),
            ("정보시스템 구축 관리", 20, 100),
        ],
        rounds: &[(3, 2), (5, 10), (8, 9)],
        fees: (19_400, Some(22_600)),
        format: "필기: 객관식 4지 택일형 100문항 / 실기: 필답형",
        eligibility: "관련학과 4년제 대학 졸업(예정)자 또는 동일 직무 분야 실무경력 4년 이상",
        qnet_series: Some("기사"),
    },
    DemoCertificate {
        id: 2,
        name: "컴퓨터활용능력 1급",
        category: "사무",
        practical_min: Some(70),
        subjects: &[("컴퓨터 일반", 20, 100), ("스프레드시트 일반", 20, 100), ("데이터베이스 일반", 20, 100)],
        rounds: &[(2, 15), (6, 7), (10, 18)],
        fees: (19_500, Some(25_000)),
        format: "필기: 객관식 4지 택일형 60문항 / 실기: 컴퓨터 작업형",
        eligibility: "제한 없음",
        qnet_series: None,
    },
    DemoCertificate {
        id: 3,
        name: "SQLD",
        category: "데이터",
        practical_min: None,
        subjects: &[("데이터 모델링의 이해", 10, 20), ("SQL 기본과 활용", 40, 80)],
        rounds: &[(3, 9), (5, 31), (8, 24), (11, 16)],
        fees: (50_000, None),
        format: "객관식 4지 택일형 50문항",
        eligibility: "제한 없음",
        qnet_series: None,
    },
];

/// What the seed did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Certificates created.
    pub certificates_created: u32,
    /// Schedules inserted or changed.
    pub schedules_written: u32,
    /// Mock exams created.
    pub mock_exams_created: u32,
}

/// Certificate 1's demo mock exam (정보처리기사, 5 subjects × 20 questions) in Cercat's import format.
pub const DEMO_MOCK_EXAM: &str = include_str!("../seed/mock-exam-1.json");

/// Creates the demo mock exam of certificate 1 unless that certificate already has one for
/// its year and round. Returns whether it was created.
pub async fn demo_mock_exam(db: &Db, now: DateTime<Utc>) -> Result<bool, PortError> {
    let document = MockExamImport::from_json(DEMO_MOCK_EXAM.as_bytes())
        .map_err(|e| PortError::Corrupt(format!("the bundled demo mock exam: {e}")))?;
    let Some(certificate) = SqlCertificateRepository::new(db.clone()).find(1).await? else { return Ok(false) };
    let exams = SqlMockExamRepository::new(db.clone());
    if exams.list(1, Some(document.exam_year)).await?.iter().any(|e| e.round == document.round) {
        return Ok(false);
    }
    let draft = document
        .into_draft(&certificate)
        .map_err(|e| PortError::Corrupt(format!("the bundled demo mock exam does not fit certificate 1: {e}")))?;
    match exams.create(&draft, now).await {
        Ok(_) => Ok(true),
        // Another process seeded it at the same moment.
        Err(PortError::Duplicate(_)) => Ok(false),
        Err(err) => Err(err),
    }
}

fn kst(year: i32, month: u32, day: u32, hour: u32) -> Option<DateTime<Utc>> {
    let offset = FixedOffset::east_opt(9 * 3600)?;
    offset.with_ymd_and_hms(year, month, day, hour, 0, 0).single().map(|t| t.with_timezone(&Utc))
}

/// Seeds the demo data (see the module docs).
pub async fn demo(db: &Db, now: DateTime<Utc>) -> Result<SeedReport, PortError> {
    let mut report = SeedReport::default();
    for cert in DEMO {
        if ensure_certificate(db, cert, now).await? {
            report.certificates_created += 1;
        }
    }
    let schedules = SqlExamScheduleRepository::new(db.clone());
    let this_year = (now + Duration::hours(9)).year();
    for cert in DEMO {
        for year in [this_year, this_year + 1] {
            for (index, &(month, day)) in cert.rounds.iter().enumerate() {
                let Some(draft) = demo_schedule(cert, year, index, month, day) else { continue };
                if schedules.upsert(&draft, &PendingScheduleChange::of(&draft), now).await? != UpsertOutcome::Unchanged
                {
                    report.schedules_written += 1;
                }
            }
        }
    }
    if demo_mock_exam(db, now).await? {
        report.mock_exams_created += 1;
    }
    Ok(report)
}

fn demo_schedule(cert: &DemoCertificate, year: i32, index: usize, month: u32, day: u32) -> Option<ExamScheduleDraft> {
    let exam = kst(year, month, day, 9)?;
    let round = i32::try_from(index + 1).ok()?;
    Some(ExamScheduleDraft {
        certificate_id: cert.id,
        exam_year: year,
        round,
        application_start: exam - Duration::days(40) + Duration::hours(1),
        application_deadline: exam - Duration::days(33) + Duration::hours(9),
        exam_date: exam,
        result_announcement: exam + Duration::days(30),
        fees: ExamFees { written: Some(cert.fees.0), practical: cert.fees.1 },
        time_limits: ExamTimeLimits { written_minutes: Some(150), practical_minutes: cert.fees.1.map(|_| 150) },
        eligibility: Some(cert.eligibility.to_owned()),
        description: Some(format!("{year}년 {} 제{round}회 정기검정", cert.name)),
        exam_format: Some(cert.format.to_owned()),
    })
}

async fn ensure_certificate(db: &Db, cert: &DemoCertificate, now: DateTime<Utc>) -> Result<bool, PortError> {
    if db.run(certificate::Entity::find_by_id(cert.id).one(db.conn())).await?.is_some() {
        return Ok(false);
    }
    let result = db
        .run(async {
            let txn = db.conn().begin().await?;
            certificate::Entity::insert(certificate::ActiveModel {
                id: Set(cert.id),
                name: Set(cert.name.to_owned()),
                category: Set(cert.category.to_owned()),
                subject_min_percent: Set(40),
                average_min_percent: Set(60),
                practical_min_score: Set(cert.practical_min),
                created_at: Set(now),
                updated_at: Set(now),
                qnet_series: Set(cert.qnet_series.map(str::to_owned)),
            })
            .exec_without_returning(&txn)
            .await?;
            let subjects =
                cert.subjects.iter().enumerate().map(|(i, &(name, questions, score))| subject::ActiveModel {
                    certificate_id: Set(cert.id),
                    sequence: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                    name: Set(name.to_owned()),
                    number_of_questions: Set(questions),
                    total_score: Set(score),
                    ..Default::default()
                });
            subject::Entity::insert_many(subjects).exec_without_returning(&txn).await?;
            txn.commit().await
        })
        .await;
    match result {
        Ok(()) => Ok(true),
        // Another process seeded it at the same moment.
        Err(PortError::Duplicate(_)) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Creates `count` password-less USER accounts named `{tag}{i}` (`{tag}{i}@load.cercat.dev`)
/// for load tests and benchmarks, and returns their ids in order. They sign in only with
/// tokens minted by whoever holds the JWT secret (the tests and `bench/`).
pub async fn load_students(db: &Db, tag: &str, count: usize, now: DateTime<Utc>) -> Result<Vec<i64>, PortError> {
    use crate::entity::user;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let emails: Vec<String> = (0..count).map(|i| format!("{tag}{i}@load.cercat.dev")).collect();
    for (chunk_no, chunk) in emails.chunks(500).enumerate() {
        let rows: Vec<user::ActiveModel> = chunk
            .iter()
            .enumerate()
            .map(|(j, email)| user::ActiveModel {
                email: Set(email.clone()),
                nickname: Set(format!("{tag}{}", chunk_no * 500 + j)),
                role: Set("USER".into()),
                password_hash: Set(None),
                profile_image_key: Set(None),
                oauth_provider: Set(None),
                oauth_subject: Set(None),
                withdrawn_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect();
        db.write(|| user::Entity::insert_many(rows.clone()).exec_without_returning(db.conn())).await?;
    }
    let mut ids = Vec::with_capacity(count);
    for chunk in emails.chunks(500) {
        let found: Vec<(i64, String)> = db
            .run(
                user::Entity::find()
                    .select_only()
                    .columns([user::Column::Id, user::Column::Email])
                    .filter(user::Column::Email.is_in(chunk.to_vec()))
                    .order_by_asc(user::Column::Id)
                    .into_tuple()
                    .all(db.conn()),
            )
            .await?;
        let by_email: std::collections::HashMap<String, i64> = found.into_iter().map(|(id, e)| (e, id)).collect();
        ids.extend(chunk.iter().filter_map(|e| by_email.get(e).copied()));
    }
    Ok(ids)
}
