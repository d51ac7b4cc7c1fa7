//! The embedded demo's content, made once when the demo accounts are first created, through the
//! services (so every rule applies): a few posts of each kind on board 1 with comments and likes,
//! an open prep course, market products on sale, reserved and sold, a usable coupon for the demo
//! student and an open first-come coupon event.
//! A new user sees the app alive instead of empty boards.

use cercat_common::PortError;
use cercat_community::{LikeTarget, PostDraft, PostKind, Tag, TagType, commentary::QuestionChoice};
use cercat_coupon::{
    CouponScope,
    service::{CouponDraft, DraftKind},
};
use cercat_course::CourseDraft;
use cercat_market::{Category, Condition, ProductDraft};
use chrono::{Duration, SubsecRound};

use crate::Services;

fn failed(what: &'static str) -> impl Fn(&dyn std::fmt::Display) -> PortError {
    move |e| PortError::Corrupt(format!("demo content ({what}): {e}"))
}

/// Makes the demo content: `student` writes and comments, `admin` teaches and answers.
pub(crate) async fn content(s: &Services, student: i64, admin: i64) -> Result<(), PortError> {
    // Whole seconds: the times are shown to users as they are stored.
    let now = s.clock.now().trunc_subsecs(0);
    let post = |kind: PostKind, title: &str, content: &str, tags: Vec<Tag>| PostDraft {
        kind,
        title: title.into(),
        content: content.into(),
        tags,
        question: None,
    };
    let normal = s
        .community
        .create_post(
            1,
            student,
            post(PostKind::Normal, "필기 2주 완성 후기", "기출 3회독하고 오답노트 정리했더니 합격했어요!", vec![]),
            QuestionChoice::default(),
            vec![],
        )
        .await
        .map_err(|e| failed("normal post")(&e))?;
    let tip = s
        .community
        .create_post(
            1,
            admin,
            post(
                PostKind::Tip,
                "데이터베이스 과목 공부 팁",
                "정규화와 트랜잭션 격리 수준은 매 회차 나옵니다. 개념 정리 후 기출로 확인하세요.",
                vec![Tag { tag_type: TagType::Book, tag_name: "시나공 정보처리기사".into() }],
            ),
            QuestionChoice::default(),
            vec![],
        )
        .await
        .map_err(|e| failed("tip")(&e))?;
    if let Some(exam) = s.mockexams.mock_exams(1, None).await.map_err(|e| failed("mock exams")(&e))?.first() {
        let choice = QuestionChoice { exam_year: Some(exam.exam_year), round: Some(exam.round), number: Some(1) };
        s.community
            .create_post(
                1,
                student,
                post(PostKind::Commentary, "1번 문제 해설 부탁드려요", "보기 2번이 왜 정답인지 모르겠어요.", vec![]),
                choice,
                vec![],
            )
            .await
            .map_err(|e| failed("commentary")(&e))?;
    }
    let comment = s
        .community
        .add_comment(normal.post.id, admin, None, "축하드려요! 실기도 화이팅입니다.")
        .await
        .map_err(|e| failed("comment")(&e))?;
    s.community
        .add_comment(normal.post.id, student, Some(comment), "감사합니다 :)")
        .await
        .map_err(|e| failed("reply")(&e))?;
    s.community.like(admin, LikeTarget::Post, normal.post.id).await.map_err(|e| failed("like")(&e))?;
    s.community.like(student, LikeTarget::Post, tip.post.id).await.map_err(|e| failed("like")(&e))?;

    s.courses
        .create(
            admin,
            CourseDraft {
                title: "정보처리기사 실기 2주 완성".into(),
                description: "기출 위주의 실기 대비 특강입니다.".into(),
                certificate_id: 1,
                capacity: 30,
                price: 99_000,
                opens_at: now - Duration::hours(1),
                closes_at: now + Duration::days(14),
                waiting_room: false,
                admission_rate: None,
            },
        )
        .await
        .map_err(|e| failed("course")(&e))?;

    market(s, student, admin).await?;

    let coupon = |name: &str, kind: DraftKind| CouponDraft {
        name: name.into(),
        kind,
        amount: (kind == DraftKind::Fixed).then_some(3_000),
        percent: (kind == DraftKind::Percent).then_some(10),
        max_discount: (kind == DraftKind::Percent).then_some(10_000),
        exclusive: false,
        min_order_amount: 0,
        valid_from: now - Duration::hours(1),
        valid_until: now + Duration::days(90),
        scope: CouponScope::Any,
    };
    let welcome =
        s.coupons.define(coupon("신규 가입 3,000원 할인", DraftKind::Fixed)).await.map_err(|e| failed("coupon")(&e))?;
    s.coupons.grant(welcome.id, &[student]).await.map_err(|e| failed("grant")(&e))?;
    let rush =
        s.coupons.define(coupon("선착순 10% 할인", DraftKind::Percent)).await.map_err(|e| failed("coupon")(&e))?;
    s.first_come
        .define(rush.id, 100, now - Duration::hours(1), now + Duration::days(7))
        .await
        .map_err(|e| failed("coupon event")(&e))?;
    Ok(())
}

/// Products in each state: two on sale (one liked), one reserved by the student's unpaid order,
/// one the student bought.
async fn market(s: &Services, student: i64, admin: i64) -> Result<(), PortError> {
    let product = |title: &str, description: &str, price: i64, condition: Condition, category: Category| ProductDraft {
        certificate_id: 1,
        title: title.into(),
        description: description.into(),
        price,
        condition,
        category,
        location: "서울대입구역 2번 출구".into(),
    };
    let sell = |seller: i64, draft: ProductDraft| async move {
        s.market.create_product(seller, draft, vec![]).await.map_err(|e| failed("product")(&e))
    };
    sell(
        admin,
        product(
            "정보처리기사 필기 기본서 (2026)",
            "밑줄 몇 군데 있고 상태 좋아요. 기출 해설 포함.",
            15_000,
            Condition::Good,
            Category::Book,
        ),
    )
    .await?;
    let notes = sell(
        admin,
        product("실기 요약 노트 출력본", "SQL·알고리즘 파트 요약 40쪽.", 5_000, Condition::LikeNew, Category::Note),
    )
    .await?;
    let calculator = sell(
        admin,
        product(
            "공학용 계산기 CASIO fx-570",
            "시험장 반입 가능 모델입니다.",
            12_000,
            Condition::Good,
            Category::Device,
        ),
    )
    .await?;
    let workbook = sell(
        student,
        product("SQLD 기출문제집", "합격해서 팝니다. 필기 흔적 조금.", 8_000, Condition::Fair, Category::Book),
    )
    .await?;
    s.market.like(admin, workbook.id).await.map_err(|e| failed("product like")(&e))?;
    s.market.place_order(student, notes.id, &[]).await.map_err(|e| failed("order")(&e))?;
    let bought = s.market.place_order(student, calculator.id, &[]).await.map_err(|e| failed("order")(&e))?;
    // The embedded gateway is the simulator; a gateway that declines leaves the order reserved.
    if let Err(err) = s.market.pay(student, bought.id, &format!("demo-{}", bought.gateway_order_id)).await {
        tracing::warn!(%err, "the demo purchase was not paid; the calculator stays reserved");
    }
    Ok(())
}
