//! Stopping background loops: programs flip a `watch` flag; loops await [`requested`].

use tokio::sync::watch;

/// Resolves once `flag` is set to `true` (or its sender is gone).
pub async fn requested(mut flag: watch::Receiver<bool>) {
    while !*flag.borrow_and_update() {
        if flag.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resolves_when_the_flag_flips_or_the_sender_goes() {
        let (tx, rx) = watch::channel(false);
        let waiter = tokio::spawn(requested(rx.clone()));
        tx.send(true).unwrap();
        waiter.await.unwrap();
        let (tx, rx) = watch::channel(false);
        drop(tx);
        requested(rx).await;
    }
}
