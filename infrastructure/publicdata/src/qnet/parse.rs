//! Q-Net's answers, JSON or XML — `response.header.resultCode`, `response.body.totalCount` and
//! `response.body.items.item[]` (one item may come as an object, none as an empty string) —
//! and the data.go.kr gateway's own XML refusals (`OpenAPI_ServiceResponse`). Each item is
//! read on its own, so one bad item is skipped with its reason and the rest still import.

use std::collections::HashMap;

use cercat_certificate::{QnetRound, StageDates, ports::QnetItem};
use quick_xml::{Reader, events::Event};
use serde_json::Value;

use crate::format::parse_instant;

/// A page as the service sent it: its result, the total and the raw items.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RawPage {
    /// `resultCode`, `resultMsg`, or the gateway's `returnAuthMsg`/`errMsg`.
    pub(crate) error: Option<String>,
    /// `totalCount`.
    pub(crate) total_count: Option<u64>,
    /// Field → text of each item.
    pub(crate) items: Vec<HashMap<String, String>>,
}

/// Reads a body as JSON or XML, whichever it is.
pub(crate) fn raw_page(body: &str) -> Result<RawPage, String> {
    let trimmed = body.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') { xml_page(trimmed) } else { json_page(trimmed) }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn result_error(code: Option<&str>, message: Option<&str>) -> Option<String> {
    match code.map(str::trim) {
        None | Some("00" | "0000" | "0") => None,
        Some(code) => Some(format!("resultCode {code}: {}", message.unwrap_or("no message"))),
    }
}

fn json_page(body: &str) -> Result<RawPage, String> {
    let root: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let response = root.get("response").ok_or("the JSON has no `response`")?;
    let header = response.get("header");
    let code = header.and_then(|h| h.get("resultCode")).and_then(scalar);
    let message = header.and_then(|h| h.get("resultMsg")).and_then(scalar);
    let error = result_error(code.as_deref(), message.as_deref());
    let body = response.get("body");
    let total_count = body.and_then(|b| b.get("totalCount")).and_then(scalar).and_then(|t| t.parse().ok());
    let items = match body.and_then(|b| b.get("items")).and_then(|i| i.get("item")) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => vec![],
    };
    let items = items
        .into_iter()
        .map(|item| match item {
            Value::Object(map) => map.iter().filter_map(|(k, v)| scalar(v).map(|v| (k.clone(), v))).collect(),
            _ => HashMap::new(),
        })
        .collect();
    if error.is_none() && body.is_none() {
        return Err("the JSON has no `response.body`".into());
    }
    Ok(RawPage { error, total_count, items })
}

fn xml_page(body: &str) -> Result<RawPage, String> {
    let mut reader = Reader::from_str(body);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut page = RawPage::default();
    let mut item: Option<HashMap<String, String>> = None;
    let mut fields: HashMap<String, String> = HashMap::new();
    loop {
        match reader.read_event().map_err(|e| format!("not XML: {e}"))? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "item" && path.last().is_some_and(|p| p == "items") {
                    item = Some(HashMap::new());
                }
                path.push(name);
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.decode().map_err(|e| format!("not XML text: {e}"))?),
            Event::CData(t) => text.push_str(&t.decode().map_err(|e| format!("not XML text: {e}"))?),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = r.decode().map_err(|e| format!("not XML text: {e}"))?;
                    text.push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap_or(""));
                }
            }
            Event::End(_) => {
                let Some(name) = path.pop() else { return Err("unbalanced XML".into()) };
                let value = text.trim().to_owned();
                if name == "item" && path.last().is_some_and(|p| p == "items") {
                    page.items.extend(item.take());
                } else if let Some(item) = item.as_mut() {
                    item.insert(name, value);
                } else {
                    fields.insert(name, value);
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let get = |k: &str| fields.get(k).map(String::as_str).filter(|v| !v.is_empty());
    page.error = match get("returnAuthMsg").or(get("errMsg")) {
        Some(gateway) => Some(format!("the gateway refused the call: {gateway}")),
        None => result_error(get("resultCode"), get("resultMsg")),
    };
    page.total_count = get("totalCount").and_then(|t| t.parse().ok());
    Ok(page)
}

struct Fields<'a>(&'a HashMap<String, String>);

impl Fields<'_> {
    fn text(&self, field: &str) -> Option<String> {
        self.0.get(field).map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    fn int(&self, field: &str) -> Result<i32, String> {
        let text = self.text(field).ok_or_else(|| format!("{field}: is required"))?;
        text.parse().map_err(|_| format!("{field}: `{text}` is not an integer"))
    }

    fn date(&self, field: &str, end_of_day: bool) -> Result<chrono::DateTime<chrono::Utc>, String> {
        let text = self.text(field).ok_or_else(|| format!("{field}: is required"))?;
        parse_instant(&text, end_of_day).ok_or_else(|| format!("{field}: `{text}` is not a date (YYYYMMDD)"))
    }

    /// A stage's five dates; `None` when none of them is given.
    fn stage(&self, prefix: &str) -> Result<Option<StageDates>, String> {
        let names = ["RegStartDt", "RegEndDt", "ExamStartDt", "ExamEndDt", "PassDt"].map(|n| format!("{prefix}{n}"));
        if names.iter().all(|n| self.text(n).is_none()) {
            return Ok(None);
        }
        Ok(Some(StageDates {
            application_start: self.date(&names[0], false)?,
            application_deadline: self.date(&names[1], true)?,
            exam_start: self.date(&names[2], false)?,
            exam_end: self.date(&names[3], true)?,
            result_announcement: self.date(&names[4], false)?,
        }))
    }
}

/// Reads one item: dates `YYYYMMDD` in Korean time, deadlines and exam ends meaning the end
/// of their day.
pub(crate) fn round(item: &HashMap<String, String>) -> Result<QnetRound, String> {
    let f = Fields(item);
    let series = f.text("qualgbNm").ok_or("qualgbNm: is required")?;
    Ok(QnetRound {
        year: f.int("implYy")?,
        round: f.int("implSeq")?,
        description: f.text("description"),
        series_code: f.text("qualgbCd"),
        written: f.stage("doc")?.ok_or("docRegStartDt: is required (the round has no written stage)")?,
        practical: f.stage("prac")?,
        series,
    })
}

/// The items of page `page`, each keyed for reports and read on its own.
pub(crate) fn items(page: u32, raw: &[HashMap<String, String>]) -> Vec<QnetItem> {
    raw.iter()
        .enumerate()
        .map(|(i, item)| {
            let read = round(item);
            let about = match &read {
                Ok(r) => format!(" ({} {}-{})", r.series, r.year, r.round),
                Err(_) => String::new(),
            };
            QnetItem { key: format!("page {page} item {}{about}", i + 1), read }
        })
        .collect()
}

#[cfg(test)]
mod tests;
