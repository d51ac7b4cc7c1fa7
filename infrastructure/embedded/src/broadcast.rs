//! [`Broadcast`] within one process: a tokio broadcast channel.

use async_trait::async_trait;
use cercat_common::{PortError, broadcast::Broadcast};
use tokio::sync::{broadcast, mpsc};

/// Every listener of this process gets every notice published after it started listening.
#[derive(Debug)]
pub struct MemoryBroadcast {
    sender: broadcast::Sender<String>,
}

impl Default for MemoryBroadcast {
    fn default() -> Self {
        Self { sender: broadcast::channel(4096).0 }
    }
}

#[async_trait]
impl Broadcast for MemoryBroadcast {
    async fn publish(&self, message: &str) -> Result<(), PortError> {
        // No listener is not an error: nobody is connected to be told.
        let _ = self.sender.send(message.to_owned());
        Ok(())
    }

    async fn listen(&self) -> Result<mpsc::Receiver<String>, PortError> {
        let mut source = self.sender.subscribe();
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                match source.recv().await {
                    Ok(message) => {
                        if tx.send(message).await.is_err() {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a slow listener missed broadcast notices");
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_listener_gets_what_is_published_after_it_listens() {
        let b = MemoryBroadcast::default();
        b.publish("before").await.unwrap();
        let mut one = b.listen().await.unwrap();
        let mut two = b.listen().await.unwrap();
        b.publish("hello").await.unwrap();
        assert_eq!(one.recv().await.as_deref(), Some("hello"));
        assert_eq!(two.recv().await.as_deref(), Some("hello"));
    }
}
