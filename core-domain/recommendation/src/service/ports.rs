//! What the recommendation service needs from storage: the facts about items and users the
//! neighbouring contexts own (read, never written), the users' onboarding preferences, and the
//! models the rebuild stores.

use async_trait::async_trait;
use cercat_common::PortError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Interaction, ItemKey};

/// One recommendable item as its context stores it: the facts its keywords are made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFacts {
    /// The item.
    pub key: ItemKey,
    /// Its title (a certificate's name, a course's, post's or product's title).
    pub title: String,
    /// The certificate it belongs to (itself, for a certificate).
    pub certificate_id: Option<i64>,
    /// Labels that describe it beyond its title: the certificate's name and category, its
    /// subjects, a post's type and TIP tags, a product's category.
    pub labels: Vec<String>,
    /// Whether it is offered at all: `false` for a product reserved or sold (it still carries
    /// its buyers' signal for the others, but is never shown).
    pub on_offer: bool,
    /// When it stops being offered (a course's enrollment close).
    pub closes_at: Option<DateTime<Utc>>,
}

/// An interaction with when it happened, as the rebuild and the evaluation read them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedInteraction {
    /// What was done.
    pub interaction: Interaction,
    /// When (the row's creation time).
    pub at: DateTime<Utc>,
}

/// What a user has now, read at request time (so an interaction just recorded counts).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFacts {
    /// Their interactions: interests, mock-exam attempts, live enrollments, likes of posts and
    /// products, comments, paid purchases.
    pub interactions: Vec<Interaction>,
    /// Items that are theirs without an interaction: their own posts and products.
    pub owned: Vec<ItemKey>,
    /// Their interest certificates, for the per-certificate popularity of cold start.
    pub interest_certificates: Vec<i64>,
}

/// The facts the rebuild and the endpoints read from the other contexts' tables.
#[async_trait]
pub trait RecommendationSource: Send + Sync {
    /// Every item: certificates, courses, posts, products (deleted and hidden ones never), each
    /// saying whether it is available.
    async fn items(&self) -> Result<Vec<ItemFacts>, PortError>;
    /// One item (deleted and hidden ones never).
    async fn item(&self, key: ItemKey) -> Result<Option<ItemFacts>, PortError>;
    /// Which of `keys` are still offered now: the item exists (not deleted or hidden) and, for a
    /// product, is on sale. The model is a day old at most; this keeps what changed since out.
    async fn offered(&self, keys: &[ItemKey]) -> Result<Vec<ItemKey>, PortError>;
    /// Every interaction of every active (not withdrawn) user, oldest first.
    async fn interactions(&self) -> Result<Vec<TimedInteraction>, PortError>;
    /// What `user` has now.
    async fn user_facts(&self, user: i64) -> Result<UserFacts, PortError>;
}

/// A user's onboarding preferences: keyword → weight in `0..=1`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    /// The keywords with their weights, sorted by keyword.
    pub keywords: Vec<(String, f32)>,
    /// When they were last replaced (`None`: never given).
    pub updated_at: Option<DateTime<Utc>>,
}

/// Onboarding preferences.
#[async_trait]
pub trait PreferenceStore: Send + Sync {
    /// The user's preferences (empty if never given).
    async fn get(&self, user: i64) -> Result<Preferences, PortError>;
    /// Replaces the user's preferences at once (one transaction).
    async fn replace(&self, user: i64, keywords: &[(String, f32)], at: DateTime<Utc>) -> Result<(), PortError>;
}

/// One item of a stored model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelItem {
    /// The item.
    pub key: ItemKey,
    /// Its title when the model was built.
    pub title: String,
    /// Its certificate (the popularity group).
    pub certificate_id: Option<i64>,
    /// Its keyword vector (keyword, weight in `0..=1`).
    pub keywords: Vec<(String, f32)>,
    /// Distinct users who interacted with it.
    pub popularity: u32,
    /// Whether it is offered (see [`ItemFacts::on_offer`]).
    pub on_offer: bool,
    /// When it stops being offered.
    pub closes_at: Option<DateTime<Utc>>,
    /// Its neighbours, most similar first (the collaborative part).
    pub neighbours: Vec<(ItemKey, f32)>,
}

/// A model as the rebuild stores it and the api loads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelSnapshot {
    /// When it was built.
    pub built_at: DateTime<Utc>,
    /// The scorer its neighbour lists come from (`item-knn` or `ease`).
    pub scorer: String,
    /// Users with interactions.
    pub users: u64,
    /// Interactions read.
    pub interactions: u64,
    /// Every item.
    pub items: Vec<ModelItem>,
}

/// A stored model's identity, cheap to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelStamp {
    /// Its id (newer models have larger ids).
    pub id: i64,
    /// When it was built.
    pub built_at: DateTime<Utc>,
}

/// Stored models. A model becomes visible whole (it is written in one transaction).
#[async_trait]
pub trait ModelStore: Send + Sync {
    /// Stores `model` and drops all but the newest `keep` models; returns its stamp.
    async fn save(&self, model: &ModelSnapshot, keep: u32) -> Result<ModelStamp, PortError>;
    /// The newest model's stamp.
    async fn latest(&self) -> Result<Option<ModelStamp>, PortError>;
    /// Model `id`, if still stored.
    async fn load(&self, id: i64) -> Result<Option<ModelSnapshot>, PortError>;
}
