//! Boards and favourites. Choosing interest certificates favourites their boards through the
//! `InterestCertificatesChanged` event (topic [`INTEREST_TOPIC`]), handled by a consumer group
//! with an inbox, never by a direct call from the interest use case.

use std::sync::Arc;

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
            // Poison: retrying cannot fix it, so it goes to the dead-letter queue.
            return Err(PortError::Corrupt(format!("interest event {} has no userId", event.id)));
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

    /// Consumes interest events until `stop` resolves (see [`cercat_common::events::run_consumer`]).
    pub async fn run_consumer(
        self: Arc<Self>,
        source: cercat_common::events::EventSource,
        subscription: Option<Box<dyn EventSubscription>>,
        stop: impl std::future::Future<Output = ()> + Send,
    ) {
        let handle = move |event: EventEnvelope| {
            let this = self.clone();
            async move { this.handle(&event).await }
        };
        cercat_common::events::run_consumer(source, FAVORITE_CONSUMER, &[INTEREST_TOPIC], subscription, handle, stop)
            .await;
    }
}
