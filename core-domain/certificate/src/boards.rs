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
    events::CertificateEvent,
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
        // A board deleted since the lookup is refused by its reference: still not found.
        self.favorites.toggle(user_id, certificate_id, self.clock.now()).await.map_err(|err| match err {
            PortError::InUse(_) => CertificateError::NotFound(certificate_id),
            other => CertificateError::Store(other),
        })
    }

    /// Handles one event of the interest topic: an `InterestCertificatesChanged` favourites the
    /// chosen certificates' boards, once per event id. Anything else on that topic is corrupt
    /// (it goes to the dead-letter queue).
    pub async fn handle(&self, event: &EventEnvelope) -> Result<(), PortError> {
        let changed = match event.decode::<CertificateEvent>()? {
            CertificateEvent::InterestCertificatesChanged(changed) => changed,
            CertificateEvent::ExamScheduleChanged(_) => {
                return Err(PortError::Corrupt(format!("event {} is not an interest change", event.id)));
            }
        };
        let user_id = changed.user_id;
        let ids: Vec<i64> = changed.interests.iter().map(|i| i.certificate_id).collect();
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

#[cfg(test)]
mod tests;
