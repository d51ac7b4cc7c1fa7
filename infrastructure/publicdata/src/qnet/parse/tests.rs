//! The field mapping, checked by hand against Korean time (UTC+9): a date means 00:00 KST,
//! i.e. 15:00 UTC the day before; a deadline or an exam end means 23:59:59 KST that day.

use super::*;

const JSON: &str = r#"{"response":{"header":{"resultCode":"00","resultMsg":"NORMAL SERVICE."},
"body":{"items":{"item":[{"implYy":"2026","implSeq":2,"description":"국가기술자격 기사 (2026년도 제2회)",
"qualgbCd":"T","qualgbNm":"기사","docRegStartDt":"20260413","docRegEndDt":"20260416",
"docExamStartDt":"20260509","docExamEndDt":"20260520","docPassDt":"20260609",
"pracRegStartDt":"20260622","pracRegEndDt":"20260625","pracExamStartDt":"20260718",
"pracExamEndDt":"20260805","pracPassDt":"20260911"},
{"implYy":"2026","implSeq":"1","qualgbNm":"기능사","docRegStartDt":"20260105","docRegEndDt":"20260108",
"docExamStartDt":"20260121","docExamEndDt":"20260124","docPassDt":"20260204"}]},
"numOfRows":10,"pageNo":1,"totalCount":12}}}"#;

const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<response><header><resultCode>00</resultCode><resultMsg>NORMAL SERVICE.</resultMsg></header>
<body><items><item><description>국가기술자격 기사 (2026년도 제2회)</description><docExamEndDt>20260520</docExamEndDt>
<docExamStartDt>20260509</docExamStartDt><docPassDt>20260609</docPassDt><docRegEndDt>20260416</docRegEndDt>
<docRegStartDt>20260413</docRegStartDt><implSeq>2</implSeq><implYy>2026</implYy><pracExamEndDt>20260805</pracExamEndDt>
<pracExamStartDt>20260718</pracExamStartDt><pracPassDt>20260911</pracPassDt><pracRegEndDt>20260625</pracRegEndDt>
<pracRegStartDt>20260622</pracRegStartDt><qualgbCd>T</qualgbCd><qualgbNm>기사</qualgbNm></item>
<item><implYy>2026</implYy><implSeq>1</implSeq><qualgbNm>기능사</qualgbNm><description>A &amp; B&#33;</description>
<docRegStartDt>20260105</docRegStartDt><docRegEndDt>20260108</docRegEndDt><docExamStartDt>20260121</docExamStartDt>
<docExamEndDt>20260124</docExamEndDt><docPassDt>20260204</docPassDt></item></items>
<numOfRows>10</numOfRows><pageNo>1</pageNo><totalCount>12</totalCount></body></response>"#;

fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&chrono::Utc)
}

fn engineer_2026_2() -> QnetRound {
    QnetRound {
        series: "기사".into(),
        series_code: Some("T".into()),
        year: 2026,
        round: 2,
        description: Some("국가기술자격 기사 (2026년도 제2회)".into()),
        written: StageDates {
            application_start: utc("2026-04-12T15:00:00Z"),
            application_deadline: utc("2026-04-16T14:59:59Z"),
            exam_start: utc("2026-05-08T15:00:00Z"),
            exam_end: utc("2026-05-20T14:59:59Z"),
            result_announcement: utc("2026-06-08T15:00:00Z"),
        },
        practical: Some(StageDates {
            application_start: utc("2026-06-21T15:00:00Z"),
            application_deadline: utc("2026-06-25T14:59:59Z"),
            exam_start: utc("2026-07-17T15:00:00Z"),
            exam_end: utc("2026-08-05T14:59:59Z"),
            result_announcement: utc("2026-09-10T15:00:00Z"),
        }),
    }
}

#[test]
fn json_and_xml_map_every_field_the_same_way() {
    for (format, body) in [("json", JSON), ("xml", XML)] {
        let page = raw_page(body).unwrap();
        assert_eq!((page.error.clone(), page.total_count), (None, Some(12)), "{format}");
        let items = items(3, &page.items);
        assert_eq!(items.len(), 2, "{format}");
        assert_eq!(items[0].key, "page 3 item 1 (기사 2026-2)");
        assert_eq!(items[0].read, Ok(engineer_2026_2()), "{format}");
        let craftsman = items[1].read.as_ref().unwrap();
        assert_eq!((craftsman.series.as_str(), craftsman.round, craftsman.practical), ("기능사", 1, None), "{format}");
        assert_eq!(craftsman.written.exam_end, utc("2026-01-24T14:59:59Z"));
    }
    let xml = raw_page(XML).unwrap();
    assert_eq!(xml.items[1].get("description").map(String::as_str), Some("A & B!"), "entities are resolved");
}

#[test]
fn one_item_may_come_as_an_object_and_none_as_an_empty_string() {
    let one =
        r#"{"response":{"header":{"resultCode":"00"},"body":{"items":{"item":{"implYy":"2026"}},"totalCount":1}}}"#;
    assert_eq!(raw_page(one).unwrap().items.len(), 1);
    let none = r#"{"response":{"header":{"resultCode":"00"},"body":{"items":"","totalCount":0}}}"#;
    assert_eq!(raw_page(none).unwrap(), RawPage { error: None, total_count: Some(0), items: vec![] });
}

#[test]
fn refusals_name_the_services_reason() {
    let json = r#"{"response":{"header":{"resultCode":"22","resultMsg":"LIMITED NUMBER OF SERVICE REQUESTS EXCEEDS ERROR."}}}"#;
    assert_eq!(
        raw_page(json).unwrap().error.as_deref(),
        Some("resultCode 22: LIMITED NUMBER OF SERVICE REQUESTS EXCEEDS ERROR.")
    );
    let gateway = "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg><returnReasonCode>30</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>";
    assert_eq!(
        raw_page(gateway).unwrap().error.as_deref(),
        Some("the gateway refused the call: SERVICE_KEY_IS_NOT_REGISTERED_ERROR")
    );
    assert!(raw_page("{\"nope\": 1}").unwrap_err().contains("response"));
}

#[test]
fn a_bad_item_is_reported_with_its_field() {
    let mut item: HashMap<String, String> = [("implYy", "2026"), ("implSeq", "x"), ("qualgbNm", "기사")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(round(&item), Err("implSeq: `x` is not an integer".into()));
    item.insert("implSeq".into(), "1".into());
    assert!(round(&item).unwrap_err().starts_with("docRegStartDt: is required"));
    for (k, v) in [("docRegStartDt", "20260105"), ("docRegEndDt", "20260108"), ("docExamStartDt", "20260121")] {
        item.insert(k.into(), v.into());
    }
    item.insert("docExamEndDt".into(), "20260230".into());
    item.insert("docPassDt".into(), "20260301".into());
    assert_eq!(round(&item), Err("docExamEndDt: `20260230` is not a date (YYYYMMDD)".into()));
    item.insert("docExamEndDt".into(), "20260124".into());
    item.insert("pracPassDt".into(), "20260501".into());
    assert_eq!(round(&item), Err("pracRegStartDt: is required".into()), "a partial practical stage is refused");
}
