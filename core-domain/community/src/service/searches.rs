//! Searches on a board: the recent list, autocomplete and trending keywords.

use crate::{CommunityError, CommunityService, keywords};

impl CommunityService {
    /// Records a search the user made on a board (recent list, popularity, trending). A
    /// keyword-store failure is logged and does not fail the search.
    pub async fn record_search(&self, user_id: i64, certificate_id: i64, keyword: &str) {
        let recorded = self
            .keywords
            .record(
                user_id,
                certificate_id,
                keyword,
                &keywords::folded(keyword),
                &keywords::chosung(keyword),
                &keywords::LIMITS,
            )
            .await;
        if let Err(err) = recorded {
            tracing::warn!(%err, "could not record a search keyword");
        }
    }

    /// The user's recent searches on a board, newest first.
    pub async fn recent_searches(&self, user_id: i64, certificate_id: i64) -> Result<Vec<String>, CommunityError> {
        Ok(self.keywords.recent(user_id, certificate_id).await?)
    }

    /// Removes one recent search (an empty keyword is a no-op, as the client sends one on load),
    /// or all of them.
    pub async fn forget_searches(
        &self,
        user_id: i64,
        certificate_id: i64,
        keyword: Option<&str>,
    ) -> Result<(), CommunityError> {
        match keyword.map(|k| k.split_whitespace().collect::<Vec<_>>().join(" ")) {
            Some(k) if k.is_empty() => Ok(()),
            Some(k) => Ok(self.keywords.forget(user_id, certificate_id, Some(&k)).await?),
            None => Ok(self.keywords.forget(user_id, certificate_id, None).await?),
        }
    }

    /// Up to five popular keywords completing `query` by prefix, or by initial consonants when
    /// the query is made of them (`ㅈㅂㅊㄹ`). Blank (or the client's literal `null`) → none.
    pub async fn autocomplete(&self, certificate_id: i64, query: Option<&str>) -> Result<Vec<String>, CommunityError> {
        let Some(query) = query.map(str::trim).filter(|q| !q.is_empty() && *q != "null") else { return Ok(Vec::new()) };
        let by_chosung = keywords::is_chosung_query(query);
        let prefix = if by_chosung { query.split_whitespace().collect() } else { keywords::folded(query) };
        Ok(self.keywords.complete(certificate_id, &prefix, by_chosung, keywords::SUGGESTIONS).await?)
    }

    /// The board's top ten trending keywords with their movement since the last snapshot.
    pub async fn trending(&self, certificate_id: i64) -> Result<Vec<keywords::Trending>, CommunityError> {
        let current = self.keywords.trending(certificate_id, keywords::TRENDING).await?;
        let snapshot = self.keywords.snapshot_order(certificate_id).await?;
        Ok(keywords::rank(current, &snapshot))
    }

    /// Halves the board's trending scores (the 30-minute decay job).
    pub async fn decay_trending(&self, certificate_id: i64) -> Result<(), CommunityError> {
        Ok(self.keywords.decay(certificate_id, keywords::DECAY_FACTOR, keywords::DECAY_FLOOR).await?)
    }

    /// Stores the board's current ranking to compare with (the 10-minute snapshot job).
    pub async fn snapshot_trending(&self, certificate_id: i64) -> Result<(), CommunityError> {
        Ok(self.keywords.snapshot(certificate_id, keywords::TRENDING).await?)
    }
}
