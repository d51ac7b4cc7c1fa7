//! A local fake of Q-Net's exam-schedule list (`getQualExamSchdList`) on 127.0.0.1:0: pages
//! of `response.body.items.item[]` in JSON or XML (as `dataFormat` asks) against
//! `totalCount`, with faults to inject — a status a page answers once (500, 429 with a
//! `Retry-After`), a pause before every answer — and a log of the calls it served.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// One row: field → text, as Q-Net sends it.
pub type FakeItem = BTreeMap<String, String>;

/// The series the generated rounds cycle through.
pub const SERIES: [&str; 3] = ["기사", "산업기사", "기능사"];

/// `n` distinct rounds: series cycling through [`SERIES`], four rounds a year from 2000 on,
/// with written and practical stages in order (`n` ≤ 1200 keeps the years in 2000..=2100).
pub fn rounds(n: usize) -> Vec<FakeItem> {
    (0..n)
        .map(|i| {
            let (series, k) = (SERIES[i % 3], i / 3);
            let (year, seq) = (2000 + k / 4, k % 4 + 1);
            let m = seq * 3 - 2;
            let d = |month: usize, day: usize| format!("{year:04}{month:02}{day:02}");
            let fields = [
                ("implYy", year.to_string()),
                ("implSeq", seq.to_string()),
                ("description", format!("국가기술자격 {series} ({year}년도 제{seq}회)")),
                ("qualgbCd", "T".to_owned()),
                ("qualgbNm", series.to_owned()),
                ("docRegStartDt", d(m, 1)),
                ("docRegEndDt", d(m, 4)),
                ("docExamStartDt", d(m, 20)),
                ("docExamEndDt", d(m, 25)),
                ("docPassDt", d(m + 1, 10)),
                ("pracRegStartDt", d(m + 1, 15)),
                ("pracRegEndDt", d(m + 1, 18)),
                ("pracExamStartDt", d(m + 1, 25)),
                ("pracExamEndDt", d(m + 2, 5)),
                ("pracPassDt", d(m + 2, 20)),
            ];
            fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
        })
        .collect()
}

#[derive(Default)]
struct State {
    items: Vec<FakeItem>,
    faults: HashMap<u32, VecDeque<u16>>,
    delay: Duration,
    calls: Vec<(u32, u16)>,
    keys: Vec<String>,
}

/// The running fake; it stops with the test's runtime.
#[derive(Clone)]
pub struct FakeQnet {
    port: u16,
    state: Arc<Mutex<State>>,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl FakeQnet {
    /// Serves `items`.
    pub async fn start(items: Vec<FakeItem>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Q-Net");
        let port = listener.local_addr().expect("its address").port();
        let state = Arc::new(Mutex::new(State { items, ..State::default() }));
        let fake = Self { port, state };
        let server = fake.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move { server.answer(socket).await });
            }
        });
        fake
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The endpoint, for `batch.qnet_base_url`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/B490007/qualExamSchd/getQualExamSchdList", self.port)
    }

    /// Page `page` answers `status` once (queued after the faults already set for it).
    pub fn fail_once(&self, page: u32, status: u16) {
        self.state().faults.entry(page).or_default().push_back(status);
    }

    /// Every answer waits this long first.
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// The (page, status) of every call served, in order.
    pub fn calls(&self) -> Vec<(u32, u16)> {
        self.state().calls.clone()
    }

    /// The `serviceKey` of every call.
    pub fn keys(&self) -> Vec<String> {
        self.state().keys.clone()
    }

    async fn answer(&self, mut socket: tokio::net::TcpStream) {
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
        let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let number = |k: &str, default: u32| params.get(k).and_then(|v| v.parse().ok()).unwrap_or(default);
        let (page, rows) = (number("pageNo", 1).max(1), number("numOfRows", 10).max(1));
        let xml = params.get("dataFormat").is_none_or(|f| f != "json");
        let (delay, fault) = {
            let mut state = self.state();
            state.keys.push(params.get("serviceKey").cloned().unwrap_or_default());
            let fault = state.faults.get_mut(&page).and_then(VecDeque::pop_front);
            state.calls.push((page, fault.unwrap_or(200)));
            (state.delay, fault)
        };
        tokio::time::sleep(delay).await;
        let response = match fault {
            Some(status) => format!(
                "HTTP/1.1 {status} Injected\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ),
            None => {
                let (body, kind) = self.page_body(page, rows, xml);
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            }
        };
        let _ = socket.write_all(response.as_bytes()).await;
        let _ = socket.shutdown().await;
    }

    fn page_body(&self, page: u32, rows: u32, xml: bool) -> (String, &'static str) {
        let state = self.state();
        let start = ((page - 1) as usize).saturating_mul(rows as usize);
        let items: Vec<&FakeItem> = state.items.iter().skip(start).take(rows as usize).collect();
        let total = state.items.len();
        if xml {
            let items: String = items
                .iter()
                .map(|item| {
                    let fields: String = item.iter().map(|(k, v)| format!("<{k}>{}</{k}>", xml_escape(v))).collect();
                    format!("<item>{fields}</item>")
                })
                .collect();
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><response><header><resultCode>00</resultCode><resultMsg>NORMAL SERVICE.</resultMsg></header><body><items>{items}</items><numOfRows>{rows}</numOfRows><pageNo>{page}</pageNo><totalCount>{total}</totalCount></body></response>"
            );
            (body, "application/xml;charset=UTF-8")
        } else {
            let items: Vec<String> = items
                .iter()
                .map(|item| {
                    let fields: Vec<String> =
                        item.iter().map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))).collect();
                    format!("{{{}}}", fields.join(","))
                })
                .collect();
            let body = format!(
                "{{\"response\":{{\"header\":{{\"resultCode\":\"00\",\"resultMsg\":\"NORMAL SERVICE.\"}},\"body\":{{\"items\":{{\"item\":[{}]}},\"numOfRows\":{rows},\"pageNo\":{page},\"totalCount\":{total}}}}}}}",
                items.join(",")
            );
            (body, "application/json;charset=UTF-8")
        }
    }
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
