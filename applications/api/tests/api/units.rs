//! Unit-level checks of the api crate's own machinery (its lib has no test target, to keep
//! the number of test binaries small): the alarm-stream hub, the client-address rule and the
//! error responses generated from the error tables.

mod hub {
    use cercat_api::sse::{AlarmHub, AlarmStream, Full, frame};
    use futures::StreamExt;
    use std::time::Duration;

    const LONG: Duration = Duration::from_secs(900);

    async fn next_text(s: &mut AlarmStream) -> String {
        let item = tokio::time::timeout(Duration::from_secs(5), s.next()).await.expect("a frame in time");
        String::from_utf8(item.expect("open").expect("ok").to_vec()).expect("utf-8")
    }

    #[tokio::test]
    async fn pushes_reach_every_stream_of_the_user_only() {
        let hub = AlarmHub::new(5, 100, Duration::from_secs(30));
        let mut a1 = hub.connect(1, "s1", LONG).unwrap();
        let mut a2 = hub.connect(1, "s1", LONG).unwrap();
        let mut b = hub.connect(2, "s2", LONG).unwrap();
        for s in [&mut a1, &mut a2, &mut b] {
            assert_eq!(next_text(s).await, ": connected\n\n");
        }
        assert_eq!(hub.push(1, 9, &frame("alarm", 9, "{}")), 2);
        assert_eq!(next_text(&mut a1).await, "event: alarm\nid: 9\ndata: {}\n\n");
        assert_eq!(next_text(&mut a2).await, "event: alarm\nid: 9\ndata: {}\n\n");
        let got = tokio::time::timeout(Duration::from_millis(100), b.next()).await;
        assert!(got.is_err(), "not for user 2: {got:?}");
        drop(a1);
        assert_eq!(hub.connections(), 2, "a dropped stream unregisters");
    }

    #[tokio::test]
    async fn the_oldest_stream_of_a_user_closes_beyond_the_limit_and_the_instance_has_a_cap() {
        let hub = AlarmHub::new(2, 3, Duration::from_secs(30));
        let mut first = hub.connect(1, "s1", LONG).unwrap();
        let _second = hub.connect(1, "s1", LONG).unwrap();
        let _third = hub.connect(1, "s1", LONG).unwrap();
        assert_eq!(next_text(&mut first).await, ": connected\n\n");
        let end = tokio::time::timeout(Duration::from_secs(5), first.next()).await.expect("closed in time");
        assert!(end.is_none(), "the oldest stream ends");
        assert_eq!(hub.connections(), 2);
        let _other = hub.connect(2, "s2", LONG).unwrap();
        assert_eq!(hub.connect(3, "s3", LONG).err(), Some(Full), "the instance is full");
        assert!(!hub.has(3));
    }

    #[tokio::test]
    async fn a_stream_ends_with_its_session_or_its_token() {
        let hub = AlarmHub::new(5, 100, Duration::from_secs(30));
        let mut ended = hub.connect(1, "gone", LONG).unwrap();
        let mut other = hub.connect(1, "kept", LONG).unwrap();
        let mut expiring = hub.connect(2, "short", Duration::from_millis(100)).unwrap();
        for s in [&mut ended, &mut other, &mut expiring] {
            assert_eq!(next_text(s).await, ": connected\n\n");
        }
        assert_eq!(hub.close_session("gone"), 1);
        let end = tokio::time::timeout(Duration::from_secs(5), ended.next()).await.expect("closed in time");
        assert!(end.is_none(), "the ended session's stream closes");
        assert_eq!(hub.push(1, 1, &frame("alarm", 1, "{}")), 1, "the user's other session keeps its stream");
        assert_eq!(next_text(&mut other).await, "event: alarm\nid: 1\ndata: {}\n\n");
        let end = tokio::time::timeout(Duration::from_secs(5), expiring.next()).await.expect("expired in time");
        assert!(end.is_none(), "a stream ends when its token expires");
    }

    #[tokio::test]
    async fn a_replayed_alarm_is_not_sent_again_when_its_push_arrives() {
        let hub = AlarmHub::new(5, 100, Duration::from_secs(30));
        let stream = hub.connect(1, "s1", LONG).unwrap();
        // Alarm 7 was stored while the client was away; its notice reaches the new stream too.
        assert_eq!(hub.push(1, 7, &frame("alarm", 7, "{\"n\":7}")), 1);
        let mut s = stream.replaying(vec![(6, frame("alarm", 6, "{\"n\":6}")), (7, frame("alarm", 7, "{\"n\":7}"))]);
        assert_eq!(
            next_text(&mut s).await,
            ": connected\n\nevent: alarm\nid: 6\ndata: {\"n\":6}\n\nevent: alarm\nid: 7\ndata: {\"n\":7}\n\n"
        );
        hub.push(1, 8, &frame("alarm", 8, "{}"));
        assert_eq!(next_text(&mut s).await, "event: alarm\nid: 8\ndata: {}\n\n", "7 is skipped, 8 comes");
    }

    #[tokio::test]
    async fn draining_sends_a_retry_hint_ends_every_stream_and_opens_none() {
        let hub = AlarmHub::new(5, 100, Duration::from_secs(30));
        let mut a = hub.connect(1, "s1", LONG).unwrap();
        let mut b = hub.connect(2, "s2", LONG).unwrap();
        assert_eq!(next_text(&mut a).await, ": connected\n\n");
        hub.push(1, 3, &frame("alarm", 3, "{}"));
        assert_eq!(hub.close_all(Duration::from_millis(1500)), 2);
        assert_eq!(next_text(&mut a).await, "event: alarm\nid: 3\ndata: {}\n\n", "what was queued still goes out");
        let hint_a = next_text(&mut a).await;
        assert_eq!(next_text(&mut b).await, ": connected\n\n");
        let mut hints = [hint_a, next_text(&mut b).await];
        hints.sort();
        assert_eq!(hints, ["retry: 1500\n\n", "retry: 1505\n\n"], "reconnections spread 5 ms apart");
        for s in [&mut a, &mut b] {
            let end = tokio::time::timeout(Duration::from_secs(5), s.next()).await.expect("ended in time");
            assert!(end.is_none());
        }
        assert_eq!(hub.connect(3, "s3", LONG).err(), Some(Full), "a draining instance opens no stream");
        assert_eq!(hub.connections(), 0);
    }

    #[tokio::test]
    async fn an_idle_stream_gets_heartbeats() {
        let hub = AlarmHub::new(5, 100, Duration::from_millis(50));
        let mut s = hub.connect(1, "s1", LONG).unwrap();
        assert_eq!(next_text(&mut s).await, ": connected\n\n");
        assert_eq!(next_text(&mut s).await, ": heartbeat\n\n");
    }
}

mod client_address {
    use cercat_api::client_ip::ProxyTrust;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_a_proxy_the_header_is_never_read() {
        let trust = ProxyTrust::new(false, &["127.0.0.1/32".into()]);
        assert_eq!(trust.resolve(ip("127.0.0.1"), ["6.6.6.6"].into_iter()), ip("127.0.0.1"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trust = ProxyTrust::new(true, &["10.0.0.0/8".into(), "127.0.0.1".into()]);
        // The client forged a leftmost hop; nginx (127.0.0.1) appended the real peer.
        assert_eq!(trust.resolve(ip("127.0.0.1"), ["6.6.6.6, 203.0.113.7"].into_iter()), ip("203.0.113.7"));
        // Two proxies, over two header lines.
        assert_eq!(trust.resolve(ip("10.1.1.1"), ["1.1.1.1, 203.0.113.7", "10.2.2.2"].into_iter()), ip("203.0.113.7"));
        // Rotating the forged value changes nothing.
        for forged in ["1.2.3.4", "5.6.7.8, 9.9.9.9", "garbage"] {
            let line = format!("{forged}, 198.51.100.2");
            assert_eq!(trust.resolve(ip("127.0.0.1"), [line.as_str()].into_iter()), ip("198.51.100.2"));
        }
    }

    #[test]
    fn an_untrusted_peer_cannot_forward_and_odd_hops_fall_back() {
        let trust = ProxyTrust::new(true, &["127.0.0.1/32".into()]);
        assert_eq!(trust.resolve(ip("198.51.100.9"), ["1.2.3.4"].into_iter()), ip("198.51.100.9"));
        assert_eq!(trust.resolve(ip("127.0.0.1"), std::iter::empty()), ip("127.0.0.1"));
        assert_eq!(trust.resolve(ip("127.0.0.1"), ["not-an-ip"].into_iter()), ip("127.0.0.1"));
        assert_eq!(trust.resolve(ip("::ffff:127.0.0.1"), ["[2001:db8::1]:443"].into_iter()), ip("2001:db8::1"));
    }
}

mod error_responses {
    use cercat_api::openapi::{declared_document, document};
    use cercat_http::openapi::errors;
    use serde_json::Value;

    fn operation<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
        &doc["paths"][path][method]
    }

    #[test]
    fn every_code_a_route_lists_is_in_a_table() {
        assert_eq!(errors::unknown_error_codes(declared_document()), Vec::<(String, String)>::new());
    }

    #[test]
    fn listed_codes_become_one_response_per_status_with_the_tables_meanings() {
        let doc = serde_json::to_value(document()).unwrap();
        let signup = operation(&doc, "/api/v2/auth/signup", "post");
        assert!(signup.get("x-errors").is_none(), "the list is not published");
        let bad = &signup["responses"]["400"];
        assert_eq!(
            bad["description"],
            "- `USR_001`: A field is invalid (see `errors`)\n\
             - `USR_004`: The password is too weak (8–64 characters, not a common password)\n\
             - `USR_005`: The email code is wrong or expired\n\
             - `GLB_002`: The request body is not valid JSON of the expected shape",
            "the codes a JSON body implies follow the listed ones"
        );
        assert!(signup["responses"]["415"]["description"].as_str().unwrap().contains("`GLB_010`"));
        assert!(signup["responses"]["413"]["description"].as_str().unwrap().contains("`GLB_009`"));
        assert!(signup["responses"].get("401").is_none(), "signing up needs no token");
        let mine = operation(&doc, "/api/v2/recommendations/{kind}", "get");
        assert!(mine["responses"]["401"]["description"].as_str().unwrap().contains("`USR_007`"));
        assert!(mine["responses"]["400"]["description"].as_str().unwrap().contains("`GLB_004`"));
        assert!(mine["responses"]["400"]["description"].as_str().unwrap().contains("`GLB_003`"));
        assert_eq!(mine["security"], serde_json::json!([{ "access_token": [] }, { "bearer": [] }]));
        assert_eq!(bad["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
        assert!(
            signup["responses"]["409"]["description"].as_str().unwrap().contains("`USR_003`: The nickname is taken")
        );
        assert!(signup["responses"]["429"]["description"].as_str().unwrap().starts_with("- `USR_011`"));
        assert!(signup["responses"]["201"].is_object(), "success responses are kept as declared");
    }

    #[test]
    fn global_and_api_codes_take_their_own_status() {
        let doc = serde_json::to_value(document()).unwrap();
        for (path, method) in [("/api/v2/auth/email-codes", "post"), ("/api/v2/auth/login", "post")] {
            let responses = operation(&doc, path, method)["responses"].as_object().unwrap();
            for (status, response) in responses.iter().filter(|(s, _)| s.starts_with(['4', '5'])) {
                let text = response["description"].as_str().unwrap();
                for line in text.lines() {
                    let code = &line[3..10];
                    let (_, expected, _) = errors::all_codes().into_iter().find(|(c, ..)| *c == code).unwrap();
                    assert_eq!(status, &expected.to_string(), "{path} {method}: {line}");
                }
            }
        }
    }
}
