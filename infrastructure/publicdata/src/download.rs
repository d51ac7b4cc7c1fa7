//! Downloading the feed over HTTP(S) within bounds: the whole exchange is under the job's
//! timeout (connecting under a shorter one), the body is read chunk by chunk and refused as
//! soon as it passes the size cap — with or without a `Content-Length` — and redirects are
//! followed only on the same host (an `http` → `https` upgrade included), at most five times.
//! A feed URL that redirects elsewhere is refused rather than trusted: the configured source is
//! what an operator vetted.

use std::time::Duration;

use cercat_common::PortError;
use reqwest::{Url, redirect};

use crate::DEP;

/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;
/// Longest wait for a connection (the job's timeout bounds the whole download).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

fn same_host(from: &Url, to: &Url) -> bool {
    let upgrade_or_same = from.scheme() == to.scheme() || (from.scheme() == "http" && to.scheme() == "https");
    upgrade_or_same && from.host_str() == to.host_str() && (from.scheme() != to.scheme() || from.port() == to.port())
}

fn policy() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first().cloned() else { return attempt.follow() };
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else if same_host(&first, attempt.url()) {
            attempt.follow()
        } else {
            let to = attempt.url().host_str().unwrap_or("?").to_owned();
            attempt.error(format!("the feed redirects to another host ({to}); configure that URL if it is trusted"))
        }
    })
}

/// A transport failure: a timeout as such, anything else with reqwest's cause (which carries
/// the redirect policy's message rather than "error following redirect").
fn failure(error: &reqwest::Error, timeout: Duration) -> PortError {
    if error.is_timeout() {
        return PortError::timeout(DEP, timeout);
    }
    let detail =
        std::error::Error::source(error).map_or_else(|| error.to_string(), |cause| format!("{error}: {cause}"));
    PortError::unavailable(DEP, detail)
}

/// The body at `url` as text: at most `max_bytes`, within `timeout`. Errors:
/// [`PortError::Timeout`]; [`PortError::Unavailable`] when it cannot be fetched (no connection,
/// an error status, a redirect elsewhere); [`PortError::Corrupt`] when it is too large or not
/// UTF-8.
pub(crate) async fn download(url: &str, timeout: Duration, max_bytes: usize) -> Result<String, PortError> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .redirect(policy())
        .build()
        .map_err(|e| PortError::unavailable(DEP, format!("http client: {e}")))?;
    let fetch = async {
        let mut res = client.get(url).send().await.map_err(|e| failure(&e, timeout))?;
        if !res.status().is_success() {
            return Err(PortError::unavailable(DEP, format!("HTTP {}", res.status())));
        }
        let too_large = || PortError::Corrupt(format!("larger than {max_bytes} bytes"));
        if res.content_length().is_some_and(|n| n > max_bytes as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| failure(&e, timeout))? {
            if body.len() + chunk.len() > max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    let body = tokio::time::timeout(timeout, fetch).await.map_err(|_| PortError::timeout(DEP, timeout))??;
    String::from_utf8(body).map_err(|_| PortError::Corrupt("not UTF-8 text".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpListener,
    };

    /// A tiny HTTP/1.1 server: `/big` streams chunks without a length forever, `/slow` never
    /// answers, `/missing` is a 404, `/hop` redirects
    /// to `/feed` on the same host, `/away` redirects to `away` (another host), `/feed` is a
    /// small feed. Returns its port.
    async fn server(away: String) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let away = away.clone();
                tokio::spawn(async move {
                    let mut head = [0u8; 2048];
                    let n = socket.read(&mut head).await.unwrap_or(0);
                    let head = String::from_utf8_lossy(&head[..n]).into_owned();
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let redirect =
                        |to: &str| format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n");
                    let answer = match path.as_str() {
                        "/big" => {
                            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").await;
                            let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
                            while socket.write_all(chunk.as_bytes()).await.is_ok() {}
                            return;
                        }
                        "/slow" => {
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            return;
                        }
                        "/missing" => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_owned(),
                        "/hop" => redirect("/feed"),
                        "/away" => redirect(&away),
                        _ => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]".to_owned(),
                    };
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        port
    }

    #[tokio::test]
    async fn a_body_without_length_is_cut_at_the_cap() {
        let port = server(String::new()).await;
        let got = tokio::time::timeout(
            Duration::from_secs(10),
            download(&format!("http://127.0.0.1:{port}/big"), Duration::from_secs(30), 1024 * 1024),
        )
        .await
        .expect("the download stops at the cap instead of reading an endless body");
        assert_eq!(got, Err(PortError::Corrupt("larger than 1048576 bytes".to_owned())));
    }

    #[tokio::test]
    async fn redirects_are_followed_only_on_the_same_host() {
        let other = server(String::new()).await;
        let port = server(format!("http://localhost:{other}/feed")).await;
        let same = download(&format!("http://127.0.0.1:{port}/hop"), Duration::from_secs(5), 1024).await;
        assert_eq!(same.as_deref(), Ok("[]"));
        let away = download(&format!("http://127.0.0.1:{port}/away"), Duration::from_secs(5), 1024).await;
        let err = away.expect_err("a redirect to another host is refused");
        assert!(matches!(err, PortError::Unavailable { .. }), "{err:?}");
        assert!(err.to_string().contains("another host (localhost)"), "{err}");
        assert!(same_host(&"http://a.kr/x".parse().unwrap(), &"https://a.kr/y".parse().unwrap()), "upgrade");
        assert!(!same_host(&"https://a.kr/x".parse().unwrap(), &"http://a.kr/y".parse().unwrap()), "downgrade");
        assert!(!same_host(&"http://a.kr/x".parse().unwrap(), &"http://a.kr:8080/y".parse().unwrap()), "port");
    }

    #[tokio::test]
    async fn an_error_status_or_a_silent_server_fails_as_a_dependency() {
        let port = server(String::new()).await;
        let missing = download(&format!("http://127.0.0.1:{port}/missing"), Duration::from_secs(5), 1024).await;
        assert_eq!(missing, Err(PortError::unavailable(DEP, "HTTP 404 Not Found")));
        let timeout = Duration::from_millis(300);
        let slow = download(&format!("http://127.0.0.1:{port}/slow"), timeout, 1024).await;
        assert_eq!(slow, Err(PortError::timeout(DEP, timeout)));
    }
}
