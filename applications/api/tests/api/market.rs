//! The market as a buyer and a seller meet it over HTTP, in both modes: products listed with
//! images and paged by cursor while others post, Korean keyword search, edits only by the
//! seller and only on sale, exact likes and daily views, one winner among concurrent buyers,
//! orders priced with coupons, paid, cancelled with a refund, expired by the sweep — and every
//! bad input a 4xx naming its field.

use crate::helpers::{courses::*, *};
use cercat_coupon::{
    CouponScope,
    service::{CouponDraft, DraftKind},
};
use chrono::{Duration, Utc};
use reqwest::{Method, multipart};
use serde_json::{Value, json};

in_both_modes!(
    products_are_listed_with_images_and_paged_by_cursor_without_gaps,
    keyword_search_finds_korean_words_inside_longer_words,
    bad_product_input_is_a_4xx_naming_the_field,
    only_the_seller_edits_or_deletes_and_only_while_on_sale,
    likes_are_exact_and_views_count_once_per_viewer_per_day,
    exactly_one_of_many_concurrent_buyers_wins_the_product,
    an_order_priced_with_coupons_is_paid_then_refunded_and_the_coupons_come_back,
    bad_order_input_is_a_4xx_naming_the_field,
    a_payment_done_at_the_gateway_reaches_its_order_by_webhook,
);

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

fn product(title: &str, price: i64) -> Value {
    json!({
        "certificateId": 1, "title": title, "description": "상태 좋아요. 밑줄 약간.", "price": price,
        "condition": "GOOD", "category": "BOOK", "location": "서울대입구역"
    })
}

/// Sends the product form (`request` + `files` images) with `method` to `path`.
async fn form(
    app: &TestApp,
    method: Method,
    path: &str,
    who: &Caller,
    request: &Value,
    files: &[&[u8]],
) -> (u16, Value) {
    let mut form = multipart::Form::new().part(
        "request",
        multipart::Part::bytes(serde_json::to_vec(request).unwrap()).mime_str("application/json").unwrap(),
    );
    for (i, bytes) in files.iter().enumerate() {
        form = form.part("files", multipart::Part::bytes(bytes.to_vec()).file_name(format!("{i}.png")));
    }
    let res = app.req(method, path).header("Access-Token", &who.token).multipart(form).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn sell(app: &TestApp, who: &Caller, request: Value) -> i64 {
    let (status, body) = form(app, Method::POST, "/api/v2/products", who, &request, &[PNG]).await;
    assert_eq!(status, 201, "{body}");
    body["result"]["productId"].as_i64().unwrap()
}

async fn get(app: &TestApp, who: &Caller, path: &str) -> (u16, Value) {
    let (status, body, _, _) = send(app, Method::GET, path, Some(who), None, &[]).await;
    (status, body)
}

async fn product_of(app: &TestApp, who: &Caller, id: i64) -> Value {
    let (status, body) = get(app, who, &format!("/api/v2/products/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body["result"].clone()
}

async fn order(app: &TestApp, who: &Caller, id: i64, body: Option<Value>) -> (u16, Value) {
    let (status, body, _, _) =
        send(app, Method::POST, &format!("/api/v2/products/{id}/orders"), Some(who), body, &[]).await;
    (status, body)
}

fn product_ids(page: &Value) -> Vec<i64> {
    page["result"]["content"].as_array().unwrap().iter().map(|p| p["productId"].as_i64().unwrap()).collect()
}

async fn products_are_listed_with_images_and_paged_by_cursor_without_gaps(app: &TestApp) {
    let people = students(app, 2).await;
    let (seller, other) = (&people[0], &people[1]);
    let mut listed = Vec::new();
    for i in 0..5 {
        listed.push(sell(app, seller, product(&format!("커서 페이징 교재 {i}"), 1_000 + i)).await);
    }
    let detail = product_of(app, other, listed[0]).await;
    assert_eq!((detail["status"].as_str(), detail["price"].as_i64()), (Some("ON_SALE"), Some(1_000)));
    assert_eq!(detail["seller"]["userId"].as_i64(), Some(seller.id));
    assert_eq!(detail["images"].as_array().unwrap().len(), 1);
    assert!(detail["images"][0]["url"].as_str().unwrap().contains("products/"), "{detail}");
    assert_eq!((detail["liked"].as_bool(), detail["likeCount"].as_i64()), (Some(false), Some(0)));

    // Page by two while the seller lists more between pages: every product once, newest first.
    let path = format!("/api/v2/products?sellerId={}&size=2", seller.id);
    let (_, first) = get(app, other, &path).await;
    assert_eq!(product_ids(&first), vec![listed[4], listed[3]], "{first}");
    let late = sell(app, seller, product("나중에 올린 책", 900)).await;
    let mut seen = product_ids(&first);
    let mut cursor = first["result"]["nextCursor"].as_str().unwrap().to_owned();
    loop {
        let (status, page) = get(app, other, &format!("{path}&cursor={cursor}")).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(product_ids(&page));
        match page["result"]["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => {
                assert_eq!(page["result"]["hasNext"], false);
                break;
            }
        }
    }
    let mut expected = listed.clone();
    expected.reverse();
    assert_eq!(seen, expected, "no duplicates, no gaps; the late product is on a new first page");
    let (_, fresh) = get(app, other, &path).await;
    assert_eq!(product_ids(&fresh)[0], late);
    // Filters.
    let (_, devices) = get(app, other, &format!("/api/v2/products?sellerId={}&category=DEVICE", seller.id)).await;
    assert!(product_ids(&devices).is_empty());
    let (_, on_sale) =
        get(app, other, &format!("/api/v2/products?sellerId={}&status=ON_SALE&size=100", seller.id)).await;
    assert_eq!(product_ids(&on_sale).len(), 6);
}

async fn keyword_search_finds_korean_words_inside_longer_words(app: &TestApp) {
    let people = students(app, 1).await;
    let seller = &people[0];
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let hit = sell(app, seller, product(&format!("필기공부법정리 노트 {tag}"), 3_000)).await;
    sell(app, seller, product(&format!("실기 문제집 {tag}"), 3_000)).await;
    let (status, page) = get(app, seller, &format!("/api/v2/products?keyword=공부법&sellerId={}", seller.id)).await;
    assert_eq!((status, product_ids(&page)), (200, vec![hit]), "{page}");
    let (_, none) = get(app, seller, &format!("/api/v2/products?keyword=공부방&sellerId={}", seller.id)).await;
    assert!(product_ids(&none).is_empty());
}

async fn bad_product_input_is_a_4xx_naming_the_field(app: &TestApp) {
    let people = students(app, 1).await;
    let seller = &people[0];
    let field = |body: &Value| {
        (
            body["responseCode"].as_str().unwrap_or_default().to_owned(),
            body["errors"][0]["field"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let cases = [
        (json!({"price": 0}), "MKT_002", "price"),
        (json!({"price": 10_000_001}), "MKT_002", "price"),
        (json!({"title": "  "}), "MKT_002", "title"),
        (json!({"location": ""}), "MKT_002", "location"),
        (json!({"condition": "BROKEN"}), "MKT_002", "condition"),
        (json!({"category": "FOOD"}), "MKT_002", "category"),
        (json!({"certificateId": 999_999}), "CRT_001", "certificateId"),
    ];
    for (change, code, name) in cases {
        let mut request = product("잘못된 입력", 1_000);
        for (k, v) in change.as_object().unwrap() {
            request[k] = v.clone();
        }
        let (status, body) = form(app, Method::POST, "/api/v2/products", seller, &request, &[]).await;
        assert!(status == 400 || status == 404, "{change}: {status} {body}");
        assert_eq!(field(&body), (code.to_owned(), name.to_owned()), "{change}: {body}");
    }
    let mut unknown = product("모르는 칸", 1_000);
    unknown["colour"] = json!("red");
    let (status, body) = form(app, Method::POST, "/api/v2/products", seller, &unknown, &[]).await;
    assert_eq!((status, body["responseCode"].as_str()), (400, Some("GLB_014")), "an unknown field is refused: {body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("colour"), "it is named: {body}");
    let (status, body) =
        form(app, Method::POST, "/api/v2/products", seller, &product("글", 1_000), &[b"not an image"]).await;
    assert_eq!((status, field(&body)), (400, ("MKT_013".into(), "files".into())), "{body}");
    let six: Vec<&[u8]> = vec![PNG; 6];
    let (status, body) = form(app, Method::POST, "/api/v2/products", seller, &product("글", 1_000), &six).await;
    assert_eq!((status, body["responseCode"].as_str()), (400, Some("MKT_013")), "{body}");
    for (query, name) in [
        ("cursor=garbage", "cursor"),
        ("size=101", "size"),
        ("status=GONE", "status"),
        ("category=x", "category"),
        ("certificateId=-1", "certificateId"),
        ("keyword=가", "keyword"),
    ] {
        let (status, body) = get(app, seller, &format!("/api/v2/products?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["errors"][0]["field"].as_str(), Some(name), "{query}: {body}");
    }
    let (status, body) = get(app, seller, "/api/v2/products/0").await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (400, Some("productId")), "{body}");
    let (status, body) = get(app, seller, "/api/v2/products/987654321").await;
    assert_eq!((status, body["responseCode"].as_str()), (404, Some("MKT_001")), "{body}");
}

async fn only_the_seller_edits_or_deletes_and_only_while_on_sale(app: &TestApp) {
    let people = students(app, 3).await;
    let (seller, other, buyer) = (&people[0], &people[1], &people[2]);
    let id = sell(app, seller, product("수정할 책", 5_000)).await;
    let path = format!("/api/v2/products/{id}");
    let (status, body) = form(app, Method::PATCH, &path, other, &json!({"price": 1}), &[]).await;
    assert_eq!((status, body["responseCode"].as_str()), (403, Some("MKT_003")), "{body}");
    let image = product_of(app, seller, id).await["images"][0]["imageId"].as_i64().unwrap();
    let patch = json!({"price": 4_000, "title": "수정한 책", "removeImageIds": [image]});
    let (status, body) = form(app, Method::PATCH, &path, seller, &patch, &[PNG, PNG]).await;
    assert_eq!(status, 200, "{body}");
    let edited = &body["result"];
    assert_eq!((edited["price"].as_i64(), edited["title"].as_str()), (Some(4_000), Some("수정한 책")));
    assert_eq!(edited["images"].as_array().unwrap().len(), 2, "one removed, two added");
    assert_ne!(edited["images"][0]["imageId"].as_i64(), Some(image));
    let (status, placed) = order(app, buyer, id, None).await;
    assert_eq!(status, 201, "{placed}");
    assert_eq!(product_of(app, other, id).await["status"], "RESERVED");
    let (status, body) = form(app, Method::PATCH, &path, seller, &json!({"price": 1}), &[]).await;
    assert_eq!((status, body["responseCode"].as_str()), (409, Some("MKT_004")), "{body}");
    let (status, body, _, _) = send(app, Method::DELETE, &path, Some(seller), None, &[]).await;
    assert_eq!((status, body["responseCode"].as_str()), (409, Some("MKT_004")), "{body}");
    // Cancelled, it is on sale again and may go.
    let order_id = placed["result"]["orderId"].as_i64().unwrap();
    let (status, body, _, _) =
        send(app, Method::POST, &format!("/api/v2/orders/{order_id}/cancel"), Some(buyer), None, &[]).await;
    assert_eq!((status, body["result"]["status"].as_str()), (200, Some("CANCELLED")), "{body}");
    let (status, body, _, _) = send(app, Method::DELETE, &path, Some(other), None, &[]).await;
    assert_eq!((status, body["responseCode"].as_str()), (403, Some("MKT_003")), "{body}");
    let (status, _, _, _) = send(app, Method::DELETE, &path, Some(seller), None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(get(app, other, &path).await.0, 404);
    let (_, list) = get(app, other, &format!("/api/v2/products?sellerId={}", seller.id)).await;
    assert!(product_ids(&list).is_empty(), "a deleted product is not listed");
    // The buyer's history keeps the order of the deleted product.
    let (_, history) = get(app, buyer, &format!("/api/v2/orders/{order_id}")).await;
    let states: Vec<&str> =
        history["result"]["history"].as_array().unwrap().iter().map(|r| r["to"].as_str().unwrap()).collect();
    assert_eq!(states, ["PENDING_PAYMENT", "CANCELLED"], "{history}");
}

async fn likes_are_exact_and_views_count_once_per_viewer_per_day(app: &TestApp) {
    let people = students(app, 11).await;
    let (seller, fans) = (&people[0], &people[1..]);
    let id = sell(app, seller, product("인기 많은 책", 7_000)).await;
    let likes = fans.iter().flat_map(|fan| [fan.clone(), fan.clone()]).map(|fan| async move {
        send(app, Method::POST, &format!("/api/v2/products/{id}/likes"), Some(&fan), None, &[]).await.0
    });
    let statuses = futures::future::join_all(likes).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(product_of(app, seller, id).await["likeCount"], 10, "twenty likes by ten users count ten");
    let (status, body, _, _) =
        send(app, Method::DELETE, &format!("/api/v2/products/{id}/likes"), Some(&fans[0]), None, &[]).await;
    assert_eq!(
        (status, body["result"]["likeCount"].as_i64(), body["result"]["liked"].as_bool()),
        (200, Some(9), Some(false))
    );
    let again = send(app, Method::DELETE, &format!("/api/v2/products/{id}/likes"), Some(&fans[0]), None, &[]).await;
    assert_eq!(again.1["result"]["likeCount"], 9, "unliking twice changes nothing");

    for viewer in fans.iter().take(3).chain(std::iter::repeat_n(&fans[0], 3)).chain([seller, seller]) {
        product_of(app, viewer, id).await;
    }
    app.state.market.flush_views().await.unwrap();
    assert_eq!(product_of(app, seller, id).await["viewCount"], 3, "three viewers, the seller not counted");
    app.state.market.flush_views().await.unwrap();
    assert_eq!(product_of(app, seller, id).await["viewCount"], 3, "a flush with nothing new adds nothing");
    assert_eq!(send(app, Method::POST, "/api/v2/products/987654321/likes", Some(seller), None, &[]).await.0, 404);
}

async fn exactly_one_of_many_concurrent_buyers_wins_the_product(app: &TestApp) {
    let people = students(app, 31).await;
    let (seller, buyers) = (&people[0], &people[1..]);
    let id = sell(app, seller, product("하나뿐인 계산기", 12_000)).await;
    let (status, body) = order(app, seller, id, None).await;
    assert_eq!((status, body["responseCode"].as_str()), (403, Some("MKT_006")), "{body}");
    let attempts = buyers.iter().map(|b| order(app, b, id, None));
    let answers = futures::future::join_all(attempts).await;
    let won: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 201).map(|(_, b)| b).collect();
    assert_eq!(won.len(), 1, "{:?}", answers.iter().map(|(s, _)| s).collect::<Vec<_>>());
    for (status, body) in answers.iter().filter(|(s, _)| *s != 201) {
        assert_eq!((*status, body["responseCode"].as_str()), (409, Some("MKT_005")), "{body}");
    }
    assert_eq!(won[0]["result"]["amount"], 12_000);
    assert_eq!(product_of(app, seller, id).await["status"], "RESERVED");
    // The seller hears of the order.
    let (_, mine) = get(app, seller, "/api/v2/orders/me?role=SELLER").await;
    assert_eq!(mine["result"]["content"][0]["orderId"], won[0]["result"]["orderId"], "{mine}");
}

fn market_coupon(amount: i64) -> CouponDraft {
    CouponDraft {
        name: format!("장터 {amount}원 할인"),
        kind: DraftKind::Fixed,
        amount: Some(amount),
        percent: None,
        max_discount: None,
        exclusive: false,
        min_order_amount: 0,
        valid_from: Utc::now() - Duration::days(1),
        valid_until: Utc::now() + Duration::days(30),
        scope: CouponScope::Market,
    }
}

async fn coupon_state(app: &TestApp, who: &Caller, user_coupon: i64) -> String {
    let (_, mine) = get(app, who, "/api/v2/coupons/me").await;
    let held = mine["result"].as_array().unwrap().iter().find(|c| c["userCouponId"].as_i64() == Some(user_coupon));
    held.map(|c| c["state"].as_str().unwrap().to_owned()).unwrap_or_default()
}

async fn an_order_priced_with_coupons_is_paid_then_refunded_and_the_coupons_come_back(app: &TestApp) {
    let people = students(app, 2).await;
    let (seller, buyer) = (&people[0], &people[1]);
    let id = sell(app, seller, product("쿠폰으로 사는 책", 10_000)).await;
    let coupon = app.state.services.coupons.define(market_coupon(3_000)).await.unwrap().id;
    app.state.services.coupons.grant(coupon, &[buyer.id]).await.unwrap();
    let (_, mine) = get(app, buyer, "/api/v2/coupons/me").await;
    let user_coupon = mine["result"][0]["userCouponId"].as_i64().unwrap();
    let (status, preview, _, _) = send(
        app,
        Method::POST,
        "/api/v2/price-preview",
        Some(buyer),
        Some(json!({"type": "PRODUCT", "id": id, "couponIds": [user_coupon]})),
        &[],
    )
    .await;
    assert_eq!((status, preview["result"]["amount"].as_i64()), (200, Some(7_000)), "{preview}");

    let key = format!("order-{}", uuid::Uuid::new_v4());
    let headers = [("Idempotency-Key", key.as_str())];
    let body = json!({"couponIds": [user_coupon]});
    let path = format!("/api/v2/products/{id}/orders");
    let (status, placed, _, _) = send(app, Method::POST, &path, Some(buyer), Some(body.clone()), &headers).await;
    assert_eq!(status, 201, "{placed}");
    let o = &placed["result"];
    assert_eq!(
        (o["price"].as_i64(), o["discount"].as_i64(), o["amount"].as_i64()),
        (Some(10_000), Some(3_000), Some(7_000))
    );
    assert!(o["payBy"].as_str().is_some());
    let order_id = o["orderId"].as_i64().unwrap();
    let (status, replay, _, replayed) = send(app, Method::POST, &path, Some(buyer), Some(body), &headers).await;
    assert_eq!((status, replay["result"]["orderId"].as_i64(), replayed), (201, Some(order_id), true));
    assert_eq!(coupon_state(app, buyer, user_coupon).await, "USED", "locked with the order");

    let pay_path = format!("/api/v2/orders/{order_id}/payments");
    let payment_key = format!("pk-{}", uuid::Uuid::new_v4().simple());
    let (status, paid, _, _) =
        send(app, Method::POST, &pay_path, Some(buyer), Some(json!({"paymentKey": payment_key})), &[]).await;
    assert_eq!((status, paid["result"]["status"].as_str()), (200, Some("PAID")), "{paid}");
    assert_eq!(product_of(app, seller, id).await["status"], "SOLD");
    let (status, again, _, _) =
        send(app, Method::POST, &pay_path, Some(buyer), Some(json!({"paymentKey": payment_key})), &[]).await;
    assert_eq!((status, again["result"]["status"].as_str()), (200, Some("PAID")), "the same key again: {again}");
    let (_, bought) = get(app, buyer, "/api/v2/orders/me?role=BUYER").await;
    assert_eq!(bought["result"]["content"][0]["orderId"].as_i64(), Some(order_id));
    let (status, hidden) = get(app, &people[0], &format!("/api/v2/orders/{order_id}")).await;
    assert_eq!(status, 200, "the seller sees the order: {hidden}");

    let (status, refunded, _, _) =
        send(app, Method::POST, &format!("/api/v2/orders/{order_id}/cancel"), Some(buyer), None, &[]).await;
    assert_eq!((status, refunded["result"]["status"].as_str()), (200, Some("REFUNDED")), "{refunded}");
    assert_eq!(product_of(app, seller, id).await["status"], "ON_SALE");
    assert_eq!(coupon_state(app, buyer, user_coupon).await, "USABLE", "the coupon is back");
    let (_, detail) = get(app, buyer, &format!("/api/v2/orders/{order_id}")).await;
    let states: Vec<&str> =
        detail["result"]["history"].as_array().unwrap().iter().map(|r| r["to"].as_str().unwrap()).collect();
    assert_eq!(states, ["PENDING_PAYMENT", "PAID", "REFUNDED"], "{detail}");
    let (status, twice, _, _) =
        send(app, Method::POST, &format!("/api/v2/orders/{order_id}/cancel"), Some(buyer), None, &[]).await;
    assert_eq!((status, twice["responseCode"].as_str()), (409, Some("MKT_012")), "{twice}");
    // The buyer and seller were told.
    wait_for(20, "the seller's alarm of the payment", || async {
        let (_, alarms) = get(app, seller, "/alarm-api/v2/alarms").await;
        alarms.to_string().contains("MARKET_ORDER_PAID").then_some(())
    })
    .await;
    wait_for(20, "the buyer's alarm of the refund", || async {
        let (_, alarms) = get(app, buyer, "/alarm-api/v2/alarms").await;
        alarms.to_string().contains("MARKET_ORDER_REFUNDED").then_some(())
    })
    .await;
}

async fn bad_order_input_is_a_4xx_naming_the_field(app: &TestApp) {
    let people = students(app, 3).await;
    let (seller, buyer, other) = (&people[0], &people[1], &people[2]);
    let id = sell(app, seller, product("잘못된 주문", 10_000)).await;
    let (status, body) = order(app, buyer, id, Some(json!({"couponIds": [0]}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body, _, _) = send(
        app,
        Method::POST,
        &format!("/api/v2/products/{id}/orders"),
        Some(buyer),
        Some(json!({"coupons": []})),
        &[],
    )
    .await;
    assert_eq!((status, body["responseCode"].as_str()), (400, Some("GLB_002")), "unknown fields are refused: {body}");
    let (status, body) = order(app, buyer, id, Some(json!({"couponIds": [987654]}))).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (404, Some("couponIds")), "{body}");
    let (status, placed) = order(app, buyer, id, None).await;
    assert_eq!(status, 201, "{placed}");
    let order_id = placed["result"]["orderId"].as_i64().unwrap();
    let pay_path = format!("/api/v2/orders/{order_id}/payments");
    let (status, body, _, _) =
        send(app, Method::POST, &pay_path, Some(buyer), Some(json!({"paymentKey": ""})), &[]).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (400, Some("paymentKey")), "{body}");
    let (status, body, _, _) =
        send(app, Method::POST, &pay_path, Some(other), Some(json!({"paymentKey": "pk-x"})), &[]).await;
    assert_eq!((status, body["responseCode"].as_str()), (404, Some("MKT_007")), "another's order: {body}");
    assert_eq!(get(app, other, &format!("/api/v2/orders/{order_id}")).await.0, 404);
    let (status, body) = get(app, buyer, "/api/v2/orders/me?role=OWNER").await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (400, Some("role")), "{body}");
    let (status, body) = get(app, buyer, "/api/v2/orders/me?cursor=1.x").await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (400, Some("cursor")), "{body}");
}

/// An unpaid order is released by the sweep once its deadline passes: the product is on sale
/// again and the coupon usable, exactly once even with two sweeps at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_order_expires_and_the_product_and_coupon_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(cercat_config::Profile::Embedded, &dir);
    s.market.pay_within_seconds = 1;
    let app = spawn(s, dir, Vec::new()).await;
    let people = students(&app, 2).await;
    let (seller, buyer) = (&people[0], &people[1]);
    let id = sell(&app, seller, product("기한 지난 주문", 9_000)).await;
    let coupon = app.state.services.coupons.define(market_coupon(1_000)).await.unwrap().id;
    app.state.services.coupons.grant(coupon, &[buyer.id]).await.unwrap();
    let (_, mine) = get(&app, buyer, "/api/v2/coupons/me").await;
    let user_coupon = mine["result"][0]["userCouponId"].as_i64().unwrap();
    let (status, placed) = order(&app, buyer, id, Some(json!({"couponIds": [user_coupon]}))).await;
    assert_eq!(status, 201, "{placed}");
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let (a, b) = tokio::join!(app.state.market.sweep(), app.state.market.sweep());
    assert_eq!(a.unwrap().expired + b.unwrap().expired, 1, "released once");
    assert_eq!(product_of(&app, seller, id).await["status"], "ON_SALE");
    assert_eq!(coupon_state(&app, buyer, user_coupon).await, "USABLE");
    let order_id = placed["result"]["orderId"].as_i64().unwrap();
    let (status, late, _, _) = send(
        &app,
        Method::POST,
        &format!("/api/v2/orders/{order_id}/payments"),
        Some(buyer),
        Some(json!({"paymentKey": "pk-late"})),
        &[],
    )
    .await;
    assert_eq!((status, late["responseCode"].as_str()), (409, Some("MKT_009")), "{late}");
}

/// The gateway's signed webhook reaches market orders too: a payment done at the gateway pays
/// the order (the product is sold), and that payment cancelled at the gateway refunds it.
async fn a_payment_done_at_the_gateway_reaches_its_order_by_webhook(app: &TestApp) {
    let people = students(app, 2).await;
    let (seller, buyer) = (&people[0], &people[1]);
    let id = sell(app, seller, product("웹훅으로 결제", 6_000)).await;
    let (status, placed) = order(app, buyer, id, None).await;
    assert_eq!(status, 201, "{placed}");
    let (order_id, gateway_order) = (
        placed["result"]["orderId"].as_i64().unwrap(),
        placed["result"]["paymentOrderId"].as_str().unwrap().to_owned(),
    );
    let secret = webhook_secret(app);
    let key = format!("pk-hook-{}", uuid::Uuid::new_v4().simple());
    assert_eq!(webhook(app, &secret, &key, &gateway_order, "DONE").await, 200);
    let (_, paid) = get(app, buyer, &format!("/api/v2/orders/{order_id}")).await;
    assert_eq!(paid["result"]["status"], "PAID", "{paid}");
    assert_eq!(product_of(app, seller, id).await["status"], "SOLD");
    assert_eq!(webhook(app, &secret, &key, &gateway_order, "CANCELED").await, 200);
    let (_, refunded) = get(app, buyer, &format!("/api/v2/orders/{order_id}")).await;
    assert_eq!(refunded["result"]["status"], "REFUNDED", "{refunded}");
    assert_eq!(product_of(app, seller, id).await["status"], "ON_SALE");
    assert_eq!(webhook(app, "wrong-secret", &key, &gateway_order, "DONE").await, 401, "a forged webhook is refused");
}
