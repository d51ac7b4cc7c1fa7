//! Boards and favourites. Choosing interest certificates favourites their boards through the
//! `InterestCertificatesChanged` event (topic [`INTEREST_TOPIC`]), handled by a consumer group
//! with an inbox, never by a direct call from the interest use case.

use std::{sync::Arc, time::Duration};

use cercat_common::{
    PortError,
    clock::Clock,
    events::{EventConsumer, EventEnvelope, EventSubscription},
};

use crate::{
    CertificateError, CertificateSummary,
    interest::INTEREST_TOPIC,
    ports::{CertificateRepository, FavoriteBoardRepository},
};

/// The consumer group (and inbox name) of the favouriting handler.
pub const FAVORITE_CONSUMER: &str = "certificate.favorite-boards";

/// A board as listed for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    /// The certificate the board belongs to.
    pub certificate: CertificateSummary,
    /// Whether the user favourited it.
    pub is_favorite: bool,
}

/// Board listing, favourite toggles and the interest-event handler.
pub struct BoardService {
    certificates: Arc<dyn CertificateRepository>,
    favorites: Arc<dyn FavoriteBoardRepository>,
    clock: Arc<dyn Clock>,
}

impl BoardService {
    /// Wires the service.
    pub fn new(
        certificates: Arc<dyn CertificateRepository>,
        favorites: Arc<dyn FavoriteBoardRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { certificates, favorites, clock }
    }

    /// Every board with the user's favourite flag.
    pub async fn boards(&self, user_id: i64) -> Result<Vec<Board>, CertificateError> {
        let favorites = self.favorites.favorites(user_id).await?;
        Ok(self
            .certificates
            .list()
            .await?
            .into_iter()
            .map(|certificate| Board { is_favorite: favorites.contains(&certificate.id), certificate })
            .collect())
    }

    /// Flips a board's favourite state; returns the new state.
    pub async fn toggle(&self, user_id: i64, certificate_id: i64) -> Result<bool, CertificateError> {
        if self.certificates.find(certificate_id).await?.is_none() {
            return Err(CertificateError::NotFound(certificate_id));
        }
        Ok(self.favorites.toggle(user_id, certificate_id, self.clock.now()).await?)
    }

    /// Handles one `InterestCertificatesChanged` event: favourites the chosen certificates'
    /// boards, once per event id. Other event types are ignored.
    pub async fn handle(&self, event: &EventEnvelope) -> Result<(), PortError> {
        if event.event_type != "InterestCertificatesChanged" {
            return Ok(());
        }
        let user_id = event.payload.get("userId").and_then(serde_json::Value::as_i64);
        let Some(user_id) = user_id else {
            tracing::warn!(event_id = %event.id, "interest event without userId; skipped");
            return Ok(());
        };
        let ids: Vec<i64> = event
            .payload
            .get("interests")
            .and_then(serde_json::Value::as_array)
            .map(|list| {
                list.iter().filter_map(|i| i.get("certificateId").and_then(serde_json::Value::as_i64)).collect()
            })
            .unwrap_or_default();
        let mut existing = Vec::with_capacity(ids.len());
        for id in ids {
            // A certificate deleted since the event was written has no board to favourite.
            if self.certificates.find(id).await?.is_some() {
                existing.push(id);
            }
        }
        let fresh = self
            .favorites
            .favorite_once(FAVORITE_CONSUMER, &event.id.to_string(), user_id, &existing, self.clock.now())
            .await?;
        if !fresh {
            tracing::debug!(event_id = %event.id, "interest event already handled");
        }
        Ok(())
    }

    /// Joins the favouriting consumer group (do this before the outbox relay starts, so an
    /// in-process bus has a subscriber for the first events).
    pub async fn subscribe(consumer: &dyn EventConsumer) -> Result<Box<dyn EventSubscription>, PortError> {
        consumer.subscribe(FAVORITE_CONSUMER, &[INTEREST_TOPIC]).await
    }

    /// Consumes interest events until `stop` resolves: each is handled, then committed; a
    /// handling failure is retried with backoff (1 s doubling to 1 min) without committing,
    /// so nothing is skipped. Subscribing failures (when `subscription` is `None` or the bus
    /// fails) are retried the same way.
    pub async fn run_consumer(
        self: Arc<Self>,
        consumer: Arc<dyn EventConsumer>,
        subscription: Option<Box<dyn EventSubscription>>,
        stop: impl std::future::Future<Output = ()> + Send,
    ) {
        tokio::pin!(stop);
        let mut backoff = Duration::from_secs(1);
        let mut subscription = subscription;
        loop {
            if subscription.is_none() {
                match Self::subscribe(&*consumer).await {
                    Ok(s) => subscription = Some(s),
                    Err(err) => {
                        tracing::warn!(%err, "cannot subscribe to interest events; retrying");
                        tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                        backoff = (backoff * 2).min(Duration::from_secs(60));
                        continue;
                    }
                }
            }
            let Some(sub) = subscription.as_mut() else { continue };
            let next = tokio::select! {
                () = &mut stop => return,
                next = sub.next(Duration::from_secs(1)) => next,
            };
            let delivery = match next {
                Ok(Some(d)) => d,
                Ok(None) => continue,
                Err(err) => {
                    tracing::warn!(%err, "reading interest events failed; retrying");
                    tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                    continue;
                }
            };
            loop {
                match self.handle(&delivery.event).await {
                    Ok(()) => break,
                    Err(err) => {
                        tracing::warn!(%err, event_id = %delivery.event.id, "favouriting boards failed; retrying");
                        tokio::select! { () = &mut stop => return, () = tokio::time::sleep(backoff) => {} }
                        backoff = (backoff * 2).min(Duration::from_secs(60));
                    }
                }
            }
            backoff = Duration::from_secs(1);
            if let Err(err) = sub.commit(&delivery).await {
                // Not committed: the event may come again, and the inbox makes that harmless.
                tracing::warn!(%err, "committing an interest event failed");
            }
        }
    }
}
