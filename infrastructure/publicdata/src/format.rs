//! The feed's wire format: JSON or CSV rows (`docs/exam-schedule-feed.md`), parsed leniently per
//! row so one bad row is reported with its line and the rest still import.

use cercat_certificate::{ExamFees, ExamScheduleDraft, ExamTimeLimits, ports::FeedSchedule};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Seoul;
use serde_json::{Map, Value, value::RawValue};

/// One row of the feed, not yet read, and the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawRow {
    /// 1-based line in the source.
    pub(crate) line: usize,
    /// Field name → value (CSV cells are strings).
    fields: Map<String, Value>,
}

/// Splits a whole feed into rows. JSON: an array of objects, or `{"items": [...]}`; anything
/// else is read as CSV with a header line.
pub(crate) fn rows(text: &str) -> Result<Vec<RawRow>, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') { json_rows(text) } else { csv_rows(text) }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

fn json_rows(text: &str) -> Result<Vec<RawRow>, String> {
    #[derive(serde::Deserialize)]
    struct Wrapped<'a> {
        #[serde(borrow)]
        items: Vec<&'a RawValue>,
    }
    let items = match serde_json::from_str::<Vec<&RawValue>>(text) {
        Ok(items) => items,
        Err(_) => {
            serde_json::from_str::<Wrapped<'_>>(text)
                .map_err(|e| format!("the JSON feed is neither an array of rows nor {{\"items\": [...]}}: {e}"))?
                .items
        }
    };
    Ok(items
        .into_iter()
        .map(|raw| {
            // RawValue borrows from `text`, so its address gives the row's position.
            let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            let fields = match serde_json::from_str::<Value>(raw.get()) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            };
            RawRow { line: line_of(text, offset), fields }
        })
        .collect())
}

fn csv_rows(text: &str) -> Result<Vec<RawRow>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| format!("the CSV feed has no readable header: {e}"))?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("the CSV feed is malformed: {e}"))?;
        let line = record.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        let fields = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.trim_start_matches('\u{feff}').to_owned(), Value::String(v.to_owned())))
            .collect();
        rows.push(RawRow { line, fields });
    }
    Ok(rows)
}

struct Reader<'a>(&'a Map<String, Value>);

impl Reader<'_> {
    fn text(&self, field: &str) -> Option<String> {
        match self.0.get(field)? {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    fn int(&self, field: &str) -> Result<Option<i64>, String> {
        match self.0.get(field) {
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| format!("{field}: `{n}` is not an integer")),
            _ => match self.text(field) {
                None => Ok(None),
                Some(s) => {
                    s.replace(',', "").parse().map(Some).map_err(|_| format!("{field}: `{s}` is not an integer"))
                }
            },
        }
    }

    fn required_int(&self, field: &str) -> Result<i64, String> {
        self.int(field)?.ok_or_else(|| format!("{field}: is required"))
    }

    fn small(&self, field: &str) -> Result<Option<i32>, String> {
        self.int(field)?.map(|v| i32::try_from(v).map_err(|_| format!("{field}: {v} is out of range"))).transpose()
    }

    fn date(&self, field: &str, end_of_day: bool) -> Result<DateTime<Utc>, String> {
        let text = self.text(field).ok_or_else(|| format!("{field}: is required"))?;
        parse_instant(&text, end_of_day).ok_or_else(|| {
            format!("{field}: `{text}` is not a date (use 2027-03-02T09:00:00+09:00, 2027-03-02 09:00, 2027-03-02 or 20270302)")
        })
    }
}

/// Parses an instant: RFC 3339 with offset, or a Korean local date/time (`YYYY-MM-DD[ T]HH:MM[:SS]`,
/// `YYYY-MM-DD`, `YYYYMMDD`). Date-only values mean 00:00 KST, or 23:59:59 KST when `end_of_day`.
pub(crate) fn parse_instant(text: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let local = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(text, "%Y%m%d"))
                .ok()?;
            let time = if end_of_day { NaiveTime::from_hms_opt(23, 59, 59)? } else { NaiveTime::MIN };
            Some(date.and_time(time))
        })?;
    Seoul.from_local_datetime(&local).single().map(|t| t.with_timezone(&Utc))
}

/// Reads one row into a schedule (the certificate is resolved by the import).
pub(crate) fn parse_row(row: &RawRow) -> Result<FeedSchedule, String> {
    let r = Reader(&row.fields);
    let certificate_id = r.int("certificateId")?;
    let certificate_name = r.text("certificateName");
    if certificate_id.is_none() && certificate_name.is_none() {
        return Err("certificateId or certificateName: one is required".into());
    }
    let year = r.required_int("examYear")?;
    let round = r.required_int("round")?;
    let draft = ExamScheduleDraft {
        certificate_id: certificate_id.unwrap_or(0),
        exam_year: i32::try_from(year).map_err(|_| format!("examYear: {year} is out of range"))?,
        round: i32::try_from(round).map_err(|_| format!("round: {round} is out of range"))?,
        application_start: r.date("applicationStartDateTime", false)?,
        application_deadline: r.date("applicationDeadlineDateTime", true)?,
        exam_date: r.date("examDateTime", false)?,
        result_announcement: r.date("resultAnnouncementDateTime", false)?,
        fees: ExamFees { written: r.int("writtenExamFee")?, practical: r.int("practicalExamFee")? },
        time_limits: ExamTimeLimits {
            written_minutes: r.small("writtenExamTimeLimit")?,
            practical_minutes: r.small("practicalExamTimeLimit")?,
        },
        eligibility: r.text("examEligibility"),
        description: r.text("description"),
        exam_format: r.text("examFormat"),
    };
    Ok(FeedSchedule { certificate_id, certificate_name, draft })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "certificateName,examYear,round,applicationStartDateTime,applicationDeadlineDateTime,examDateTime,resultAnnouncementDateTime,writtenExamFee,practicalExamFee,writtenExamTimeLimit,practicalExamTimeLimit,examEligibility,description,examFormat
정보처리기사,2027,1,2027-01-13 10:00,20270116,2027-02-15T09:00:00+09:00,2027-03-12,\"19,400\",22600,150,,누구나,설명,객관식
SQLD,2027,x,2027-01-13,2027-01-16,2027-02-15,2027-03-12,,,,,,,
";

    #[test]
    fn csv_rows_carry_their_lines_and_parse_korean_dates() {
        let rows = rows(CSV).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[1].line), (2, 3));
        let parsed = parse_row(&rows[0]).unwrap();
        assert_eq!(parsed.certificate_name.as_deref(), Some("정보처리기사"));
        assert_eq!(parsed.draft.fees.written, Some(19_400));
        assert_eq!(parsed.draft.time_limits.practical_minutes, None);
        assert_eq!(parsed.draft.application_start.to_rfc3339(), "2027-01-13T01:00:00+00:00");
        assert_eq!(
            parsed.draft.application_deadline.to_rfc3339(),
            "2027-01-16T14:59:59+00:00",
            "a date-only deadline ends the day"
        );
        assert_eq!(parsed.draft.exam_date.to_rfc3339(), "2027-02-15T00:00:00+00:00");
        assert_eq!(parse_row(&rows[1]).unwrap_err(), "round: `x` is not an integer");
    }

    #[test]
    fn json_rows_report_the_line_each_object_starts_on() {
        let text = "{\n  \"items\": [\n    {\"certificateId\": 1, \"examYear\": 2027, \"round\": 2},\n\n    {\"certificateId\": \"2\"}\n  ]\n}";
        let rows = rows(text).unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![3, 5]);
        assert!(parse_row(&rows[0]).unwrap_err().starts_with("applicationStartDateTime"));
        assert_eq!(parse_row(&rows[1]).unwrap_err(), "examYear: is required");
    }

    #[test]
    fn a_row_without_any_certificate_is_refused() {
        let rows = rows("[{\"examYear\": 2027}]").unwrap();
        assert!(parse_row(&rows[0]).unwrap_err().contains("certificateId or certificateName"));
    }

    #[test]
    fn a_feed_that_is_not_rows_is_refused_as_a_whole() {
        assert!(rows("{\"nope\": 1}").is_err());
        assert!(parse_instant("2027-02-30", false).is_none());
    }
}
