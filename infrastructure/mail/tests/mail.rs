//! SMTP against a scripted local server, and the dev mailbox on disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cercat_common::mail::{Mail, Mailer, SendError};
use cercat_mail::{DevMailbox, SmtpMailer};
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// A tiny SMTP server: refuses `MAIL FROM` with 451 for the first `fail_first` sessions,
/// refuses `RCPT TO:<nobody@…>` with 550 (no such mailbox), then accepts and records each
/// message body.
async fn fake_smtp(fail_first: usize) -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sessions = Arc::new(AtomicUsize::new(0));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let session = sessions.fetch_add(1, Ordering::SeqCst);
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut data = None::<String>;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 fake\r\n"
                    } else if upper.starts_with("MAIL FROM") && session < fail_first {
                        b"451 try again later\r\n"
                    } else if upper.starts_with("RCPT TO:<NOBODY@") {
                        b"550 5.1.1 no such mailbox\r\n"
                    } else if upper.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

fn mail() -> Mail {
    Mail {
        to: "kim@example.com".into(), subject: "[Cercat] 회원가입 인증번호".into(), body: "인증번호: 123456".into()
    }
}

#[tokio::test]
async fn smtp_delivers_and_reports_a_temporary_refusal_as_unavailable() {
    let (port, received) = fake_smtp(1).await;
    let mailer =
        SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), "Cercat <no-reply@cercat.dev>", Duration::from_secs(5))
            .unwrap();
    let err = mailer.send(&mail()).await.expect_err("the first session is refused");
    assert!(matches!(err, SendError::Unavailable(_)), "a 4xx is worth retrying: {err}");
    mailer.send(&mail()).await.expect("the second is accepted");
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("To: kim@example.com"), "{}", got[0]);
}

#[tokio::test]
async fn smtp_to_a_dead_server_fails_within_its_timeout() {
    let mailer = SmtpMailer::new("smtp://127.0.0.1:1", "no-reply@cercat.dev", Duration::from_millis(500)).unwrap();
    let started = std::time::Instant::now();
    assert!(mailer.send(&mail()).await.is_err());
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn the_dev_mailbox_writes_one_file_per_mail() {
    let dir = tempfile::tempdir().unwrap();
    let mailbox = DevMailbox::new(dir.path().join("mail"), "Cercat <no-reply@cercat.dev>").unwrap();
    mailbox.send(&mail()).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path().join("mail")).unwrap().collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(text.contains("To: kim@example.com"), "{text}");
}

#[tokio::test]
async fn a_permanent_refusal_or_an_impossible_address_is_rejected_for_good() {
    let (port, received) = fake_smtp(0).await;
    let mailer =
        SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), "Cercat <no-reply@cercat.dev>", Duration::from_secs(5))
            .unwrap();
    let nobody = Mail { to: "nobody@example.com".into(), ..mail() };
    let err = mailer.send(&nobody).await.expect_err("550");
    assert!(
        matches!(&err, SendError::Rejected(reason) if reason.contains("550") || reason.contains("mailbox")),
        "{err}"
    );
    // An address no server takes (the kind that was queued before request-time checks).
    let err = mailer.send(&Mail { to: "a,b@x.com".into(), ..mail() }).await.expect_err("unparseable");
    assert!(matches!(err, SendError::Rejected(_)), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let mailbox = DevMailbox::new(dir.path().join("mail"), "no-reply@cercat.dev").unwrap();
    assert!(matches!(mailbox.send(&Mail { to: "a,b@x.com".into(), ..mail() }).await, Err(SendError::Rejected(_))));
    assert!(received.lock().unwrap().is_empty());
}
