//! Community use cases, one file per group: [`posts`] (writing, reading and listing posts),
//! [`activity`] (comments and likes, and who hears of them), [`searches`] (recent searches,
//! autocomplete, trending), [`reviews`] (exam reviews) and [`listing`] (post lists by page or by
//! cursor).

mod activity;
mod listing;
mod posts;
mod reviews;
mod searches;
#[cfg(test)]
mod tests;

pub use listing::PostPaging;

use std::{sync::Arc, time::Duration};

use cercat_common::{cache::Cache, clock::Clock, storage::ImageStorage};

use crate::{
    CommunityError,
    ports::{BoardDirectory, KeywordStore, PostRepository, QuestionCatalog, ReviewEligibility, ReviewRepository},
};

/// Sort fields of post lists (`count` = likes, as Cercat's client names it).
pub const POST_SORT_FIELDS: &[&str] = &["createdAt", "id", "count"];
/// Most images on one post.
pub const MAX_IMAGES: usize = 5;
/// Largest image, bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// How long the best-tips list stays cached.
pub const BEST_TIPS_TTL: Duration = Duration::from_secs(300);

/// The cache key of a board's best tips.
pub fn best_tips_key(certificate_id: i64) -> String {
    format!("community:v1:best-tips:{certificate_id}")
}

/// What the community context asks of its neighbours (boards, mock-exam questions, who
/// studied what), through ports it owns; the composition root adapts the other contexts'
/// services to them.
#[derive(Clone)]
pub struct CommunityNeighbours {
    /// Which boards exist.
    pub boards: Arc<dyn BoardDirectory>,
    /// The questions COMMENTARY posts are about.
    pub questions: Arc<dyn QuestionCatalog>,
    /// Latest exams and users' preparation, for reviews.
    pub eligibility: Arc<dyn ReviewEligibility>,
}

/// Community use cases.
pub struct CommunityService {
    posts: Arc<dyn PostRepository>,
    reviews: Arc<dyn ReviewRepository>,
    keywords: Arc<dyn KeywordStore>,
    storage: Arc<dyn ImageStorage>,
    cache: Arc<dyn Cache>,
    clock: Arc<dyn Clock>,
    neighbours: CommunityNeighbours,
}

impl CommunityService {
    /// Wires the service.
    pub fn new(
        posts: Arc<dyn PostRepository>,
        reviews: Arc<dyn ReviewRepository>,
        keywords: Arc<dyn KeywordStore>,
        storage: Arc<dyn ImageStorage>,
        cache: Arc<dyn Cache>,
        clock: Arc<dyn Clock>,
        neighbours: CommunityNeighbours,
    ) -> Self {
        Self { posts, reviews, keywords, storage, cache, clock, neighbours }
    }

    /// Refuses a board that does not exist ([`CommunityError::BoardNotFound`]). Handlers that
    /// read an upload call it first, so an unknown board costs no upload quota.
    pub async fn ensure_board(&self, certificate_id: i64) -> Result<(), CommunityError> {
        if self.neighbours.boards.exists(certificate_id).await? {
            Ok(())
        } else {
            Err(CommunityError::BoardNotFound(certificate_id))
        }
    }

    /// The public URL of a stored image.
    pub fn image_url(&self, key: &str) -> String {
        self.storage.url_for(key)
    }
}
