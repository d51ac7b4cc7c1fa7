//! The vocabulary of recommendations: what can be recommended (items and their kinds), what users
//! do to items (interactions and their default weights), and what a scorer answers (a scored
//! item with the reason it was chosen).

use serde::{Deserialize, Serialize};

/// A dense item number, `0..catalogue size`, given by an [`Interner`](crate::Interner). Every
/// scorer works on these; the [`Catalogue`](crate::Catalogue) turns them back into [`ItemKey`]s.
pub type ItemIx = u32;

/// A dense user number, `0..user count`, given by an [`Interner`](crate::Interner).
pub type UserIx = u32;

/// What kind of thing an item is; one catalogue may hold all four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemKind {
    /// A national certificate (정보처리기사…).
    Certificate,
    /// A course one enrolls in.
    Course,
    /// A community post.
    Post,
    /// A market product.
    Product,
}

impl ItemKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::Certificate, Self::Course, Self::Post, Self::Product];

    /// The name stored and shown (`CERTIFICATE`, `COURSE`, `POST`, `PRODUCT`), as serde spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Certificate => "CERTIFICATE",
            Self::Course => "COURSE",
            Self::Post => "POST",
            Self::Product => "PRODUCT",
        }
    }

    /// The kind named `name` (see [`as_str`](Self::as_str)).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// An item as the rest of Cercat names it: its kind and its id in that kind's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemKey {
    /// The table the id belongs to.
    pub kind: ItemKind,
    /// The entity's id (positive, as `cercat_common::Id` holds it).
    pub id: i64,
}

impl ItemKey {
    /// The item `id` of `kind`.
    pub fn new(kind: ItemKind, id: i64) -> Self {
        Self { kind, id }
    }
}

/// Something a user did to an item that says they care about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InteractionKind {
    /// The user marked a certificate as one they are preparing for.
    InterestCertificate,
    /// The user sat a mock exam of a certificate.
    MockExamAttempt,
    /// The user enrolled in a course.
    Enrollment,
    /// The user liked a post.
    Like,
    /// The user commented on a post.
    Comment,
    /// The user bought a product.
    Purchase,
    /// The user opened a product's page.
    ProductView,
}

impl InteractionKind {
    /// How much one such interaction says about the user's taste, in `(0, 1]`.
    ///
    /// Acts that cost the user money or effort weigh most (a purchase, an enrollment, a declared
    /// interest); a comment says more than a like, and a page view least of all because most views
    /// are browsing. The values are starting points meant to be tuned with the offline evaluation.
    pub fn default_weight(self) -> f32 {
        match self {
            Self::InterestCertificate => 1.0,
            Self::Enrollment => 1.0,
            Self::Purchase => 1.0,
            Self::MockExamAttempt => 0.8,
            Self::Comment => 0.7,
            Self::Like => 0.5,
            Self::ProductView => 0.2,
        }
    }
}

/// One recorded interaction, as the rebuild job reads it from the database.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    /// The acting user's id.
    pub user: i64,
    /// The item acted upon.
    pub item: ItemKey,
    /// What the user did.
    pub kind: InteractionKind,
    /// A weight that overrides the kind's [`default_weight`](InteractionKind::default_weight).
    pub weight: Option<f32>,
}

impl Interaction {
    /// The weight this interaction counts with.
    pub fn effective_weight(&self) -> f32 {
        self.weight.unwrap_or_else(|| self.kind.default_weight())
    }
}

/// Why an item was recommended, shown to the user beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// Its keywords match the user's preferences.
    Content,
    /// Users who like what this user likes also like it.
    Collaborative,
    /// Many users chose it (the answer for a user we know nothing about yet).
    Popular,
}

impl Reason {
    /// The name shown (`CONTENT`, `COLLABORATIVE`, `POPULAR`), as serde spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Content => "CONTENT",
            Self::Collaborative => "COLLABORATIVE",
            Self::Popular => "POPULAR",
        }
    }
}

/// One recommended item in dense numbering, as every scorer returns it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scored {
    /// The recommended item.
    pub item: ItemIx,
    /// Higher is better; comparable only within one answer.
    pub score: f32,
    /// Why it was chosen.
    pub reason: Reason,
}

/// One recommended item under its real key, as an endpoint returns it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    /// The recommended item.
    pub item: ItemKey,
    /// Higher is better; comparable only within one answer.
    pub score: f32,
    /// Why it was chosen.
    pub reason: Reason,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_kinds_are_spelled_as_the_api_shows_them() {
        let json = serde_json::to_string(&[Reason::Content, Reason::Collaborative, Reason::Popular]).unwrap();
        assert_eq!(json, r#"["CONTENT","COLLABORATIVE","POPULAR"]"#);
        let key = serde_json::to_string(&ItemKey::new(ItemKind::Certificate, 3)).unwrap();
        assert_eq!(key, r#"{"kind":"CERTIFICATE","id":3}"#);
        assert_eq!(serde_json::to_string(&InteractionKind::MockExamAttempt).unwrap(), r#""MOCK_EXAM_ATTEMPT""#);
        for kind in ItemKind::ALL {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
            assert_eq!(ItemKind::parse(kind.as_str()), Some(kind));
        }
        for reason in [Reason::Content, Reason::Collaborative, Reason::Popular] {
            assert_eq!(serde_json::to_string(&reason).unwrap(), format!("\"{}\"", reason.as_str()));
        }
    }

    #[test]
    fn default_weights_rank_commitment_above_browsing_and_can_be_overridden() {
        use InteractionKind::*;
        let all = [InterestCertificate, MockExamAttempt, Enrollment, Like, Comment, Purchase, ProductView];
        assert!(all.iter().all(|kind| kind.default_weight() > 0.0 && kind.default_weight() <= 1.0));
        assert!(Purchase.default_weight() > Comment.default_weight());
        assert!(Comment.default_weight() > Like.default_weight());
        assert!(Like.default_weight() > ProductView.default_weight());
        let item = ItemKey::new(ItemKind::Post, 1);
        let like = Interaction { user: 1, item, kind: Like, weight: None };
        assert_eq!(like.effective_weight(), 0.5);
        assert_eq!(Interaction { weight: Some(0.9), ..like }.effective_weight(), 0.9);
    }
}
