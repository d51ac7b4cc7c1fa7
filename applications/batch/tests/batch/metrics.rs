//! `cercat-batch serve` answers `GET /metrics` with the `cercat_batch_*` metrics of its runs.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn scrape(port: u16) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    Some(body)
}

#[test]
fn serve_exports_the_batch_metrics_of_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_cercat-batch"))
        .arg("serve")
        .env("CERCAT_PROFILE", "embedded")
        .env("CERCAT_CONFIG_DIR", dir.path().join("no-config"))
        .env("CERCAT__DATA_DIR", dir.path())
        .env("CERCAT__LOG__LEVEL", "warn")
        .env("CERCAT__BATCH__METRICS_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The outbox relay and the view flush tick within seconds of the start.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = None;
    while Instant::now() < deadline {
        last = scrape(port);
        if last.as_deref().is_some_and(|body| body.contains("cercat_batch_runs_total{")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = serve.kill();
    let _ = serve.wait();
    let body = last.expect("the batch node answers /metrics");
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    for metric in
        ["cercat_batch_runs_total{", "cercat_batch_items_read_total{", "cercat_batch_run_duration_seconds_bucket{"]
    {
        assert!(body.contains(metric), "{metric} missing from {body}");
    }
}
