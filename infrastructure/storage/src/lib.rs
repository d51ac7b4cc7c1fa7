//! The image-storage port on object_store, chosen by URL: `gs://bucket[/prefix]` in
//! production, `file:///abs/dir` or `memory://` otherwise. Every call runs under a timeout.

use async_trait::async_trait;
use cercat_common::{
    PortError,
    health::HealthCheck,
    storage::{ImageStorage, StoredObject, is_valid_key},
};
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload, path::Path as ObjectPath,
};
use std::{future::Future, sync::Arc, time::Duration};
use url::Url;

const DEP: &str = "storage";

/// Images in an object store.
#[derive(Clone)]
pub struct ObjectImageStorage {
    store: Arc<dyn ObjectStore>,
    base: ObjectPath,
    public_base_url: String,
    timeout: Duration,
    // LocalFileSystem refuses object attributes such as Content-Type.
    keeps_attributes: bool,
}

impl std::fmt::Debug for ObjectImageStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectImageStorage")
            .field("base", &self.base)
            .field("public_base_url", &self.public_base_url)
            .finish()
    }
}

impl ObjectImageStorage {
    /// Opens the store named by `url`. For `gs://`, credentials come from the usual
    /// `GOOGLE_*` variables (`GOOGLE_SERVICE_ACCOUNT`, `GOOGLE_SERVICE_ACCOUNT_KEY`, …).
    /// Object URLs handed to clients are `public_base_url` + `/` + key.
    pub fn from_url(url: &str, public_base_url: &str, timeout: Duration) -> Result<Self, PortError> {
        let parsed = Url::parse(url).map_err(|e| PortError::unavailable(DEP, format!("bad storage URL {url}: {e}")))?;
        if parsed.scheme() == "file" {
            let dir = parsed
                .to_file_path()
                .map_err(|()| PortError::unavailable(DEP, format!("{url} is not a local path")))?;
            std::fs::create_dir_all(&dir)
                .map_err(|e| PortError::unavailable(DEP, format!("cannot create {}: {e}", dir.display())))?;
        }
        let options: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with("GOOGLE_"))
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        let (store, base) = object_store::parse_url_opts(&parsed, options)
            .map_err(|e| PortError::unavailable(DEP, format!("cannot open {url}: {e}")))?;
        Ok(Self {
            store: Arc::from(store),
            base,
            public_base_url: public_base_url.trim_end_matches('/').to_owned(),
            timeout,
            keeps_attributes: parsed.scheme() != "file",
        })
    }

    fn path(&self, key: &str) -> Result<ObjectPath, PortError> {
        if !is_valid_key(key) {
            return Err(PortError::Corrupt(format!("invalid object key `{key}`")));
        }
        Ok(key.split('/').fold(self.base.clone(), |path, part| path.clone().join(part)))
    }

    async fn bounded<T>(&self, fut: impl Future<Output = Result<T, object_store::Error>>) -> Result<T, PortError> {
        tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| PortError::timeout(DEP, self.timeout))?
            .map_err(|e| PortError::unavailable(DEP, e))
    }
}

#[async_trait]
impl ImageStorage for ObjectImageStorage {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<StoredObject, PortError> {
        let path = self.path(key)?;
        let size = bytes.len() as u64;
        let mut options = PutOptions::default();
        if self.keeps_attributes {
            options.attributes = Attributes::from_iter([(Attribute::ContentType, content_type.to_owned())]);
        }
        self.bounded(self.store.put_opts(&path, PutPayload::from(bytes), options)).await?;
        Ok(StoredObject { key: key.to_owned(), url: self.url_for(key), size })
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        let path = self.path(key)?;
        let read = async {
            match self.store.get(&path).await {
                Ok(result) => result.bytes().await.map(|b| Some(b.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(err) => Err(err),
            }
        };
        self.bounded(read).await
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        let path = self.path(key)?;
        let delete = async {
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(err) => Err(err),
            }
        };
        self.bounded(delete).await
    }

    fn url_for(&self, key: &str) -> String {
        format!("{}/{key}", self.public_base_url)
    }
}

#[async_trait]
impl HealthCheck for ObjectImageStorage {
    fn name(&self) -> &'static str {
        DEP
    }

    /// Reads a key that need not exist: any answer but an error means the store is reachable.
    async fn check(&self) -> Result<(), PortError> {
        self.get("health/probe").await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn round_trip(storage: &ObjectImageStorage) {
        assert_eq!(storage.get("profile/1/a.png").await.unwrap(), None);
        let stored = storage.put("profile/1/a.png", b"\x89PNG one".to_vec(), "image/png").await.unwrap();
        assert_eq!(stored.size, 8);
        assert_eq!(stored.url, "http://localhost:8080/objects/profile/1/a.png");
        storage.put("profile/1/a.png", b"two".to_vec(), "image/png").await.unwrap();
        assert_eq!(storage.get("profile/1/a.png").await.unwrap(), Some(b"two".to_vec()));
        storage.delete("profile/1/a.png").await.unwrap();
        storage.delete("profile/1/a.png").await.unwrap();
        assert_eq!(storage.get("profile/1/a.png").await.unwrap(), None);
        storage.check().await.unwrap();
    }

    #[tokio::test]
    async fn the_local_filesystem_stores_under_the_configured_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("objects");
        let url = Url::from_directory_path(&root).unwrap();
        let storage =
            ObjectImageStorage::from_url(url.as_str(), "http://localhost:8080/objects/", Duration::from_secs(5))
                .unwrap();
        round_trip(&storage).await;
        storage.put("post/7/b.jpg", b"jpeg".to_vec(), "image/jpeg").await.unwrap();
        assert_eq!(std::fs::read(root.join("post/7/b.jpg")).unwrap(), b"jpeg");
    }

    #[tokio::test]
    async fn memory_urls_work_for_tests() {
        let storage =
            ObjectImageStorage::from_url("memory://", "http://localhost:8080/objects", Duration::from_secs(5)).unwrap();
        round_trip(&storage).await;
    }

    #[tokio::test]
    async fn keys_that_escape_the_store_are_refused() {
        let storage = ObjectImageStorage::from_url("memory://", "http://x", Duration::from_secs(5)).unwrap();
        for key in ["../etc/passwd", "/abs", "a//b", "a/./b", "sp ace", ""] {
            assert!(storage.put(key, vec![1], "image/png").await.is_err(), "{key} must be refused");
        }
    }

    #[test]
    fn unknown_schemes_are_refused_with_the_url() {
        let err = ObjectImageStorage::from_url("ftp://x/y", "http://x", Duration::from_secs(1)).unwrap_err();
        assert!(err.to_string().contains("ftp://x/y"), "{err}");
    }
}
