//! [`FeedReader`]: where the feed comes from (a file, or a URL downloaded within bounds) and
//! its rows.

use async_trait::async_trait;
use cercat_certificate::ports::{ExamScheduleFeed, FeedRow};
use cercat_common::PortError;
use std::time::Duration;
use tokio::io::AsyncReadExt;

use crate::{DEP, download, format};

/// How the feed is read.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// Bound on the whole download of an HTTP(S) feed.
    pub timeout: Duration,
    /// Largest feed accepted, in bytes.
    pub max_bytes: usize,
}

/// The file-or-HTTP adapter of [`ExamScheduleFeed`].
#[derive(Debug, Clone)]
pub struct FeedReader {
    options: FeedOptions,
}

impl FeedReader {
    /// A reader with these bounds.
    pub fn new(options: FeedOptions) -> Self {
        Self { options }
    }

    async fn read_file(&self, path: &str) -> Result<String, PortError> {
        let max = self.options.max_bytes;
        // Read at most one byte past the cap, so a file that grows meanwhile is still bounded.
        let file = tokio::fs::File::open(path).await.map_err(|e| PortError::unavailable(DEP, e))?;
        let mut bytes = Vec::new();
        file.take(max as u64 + 1).read_to_end(&mut bytes).await.map_err(|e| PortError::unavailable(DEP, e))?;
        if bytes.len() > max {
            return Err(PortError::Corrupt(format!("larger than {max} bytes")));
        }
        String::from_utf8(bytes).map_err(|_| PortError::Corrupt("not UTF-8 text".into()))
    }
}

#[async_trait]
impl ExamScheduleFeed for FeedReader {
    async fn rows(&self, source: &str) -> Result<Vec<FeedRow>, PortError> {
        let text = if source.starts_with("http://") || source.starts_with("https://") {
            download::download(source, self.options.timeout, self.options.max_bytes).await?
        } else {
            self.read_file(source.strip_prefix("file://").unwrap_or(source)).await?
        };
        let rows = format::rows(&text).map_err(PortError::Corrupt)?;
        Ok(rows.iter().map(|row| FeedRow { line: row.line, read: format::parse_row(row) }).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(max_bytes: usize) -> FeedReader {
        FeedReader::new(FeedOptions { timeout: Duration::from_secs(5), max_bytes })
    }

    #[tokio::test]
    async fn a_file_is_read_by_path_or_file_url_and_its_rows_keep_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.json");
        std::fs::write(&path, "[\n{\"examYear\": 2040},\n{\"certificateId\": 1}\n]").unwrap();
        for source in [path.display().to_string(), format!("file://{}", path.display())] {
            let rows = reader(1024).rows(&source).await.unwrap();
            assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 3]);
            assert!(rows[0].read.as_ref().unwrap_err().contains("certificateId or certificateName"));
            assert_eq!(rows[1].read.as_ref().unwrap_err(), "examYear: is required");
        }
    }

    #[tokio::test]
    async fn an_unreadable_file_fails_the_whole_feed() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.csv");
        assert!(matches!(reader(1024).rows(missing.to_str().unwrap()).await, Err(PortError::Unavailable { .. })));
        let big = dir.path().join("big.csv");
        std::fs::write(&big, "x".repeat(2048)).unwrap();
        assert_eq!(
            reader(1024).rows(big.to_str().unwrap()).await,
            Err(PortError::Corrupt("larger than 1024 bytes".into()))
        );
        let binary = dir.path().join("feed.bin");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        assert_eq!(reader(1024).rows(binary.to_str().unwrap()).await, Err(PortError::Corrupt("not UTF-8 text".into())));
        let not_rows = dir.path().join("feed.json");
        std::fs::write(&not_rows, "{\"nope\": 1}").unwrap();
        assert!(matches!(reader(1024).rows(not_rows.to_str().unwrap()).await, Err(PortError::Corrupt(_))));
    }
}
