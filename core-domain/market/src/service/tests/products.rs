//! Products: listing with images checked by content, the seller's edits and deletes while on
//! sale, hiding (admins), likes, and lists a keyset page at a time.

use super::*;
use crate::{
    PRODUCTS_LIST, ProductPatch, ProductStatus, Seller,
    model::{MAX_DESCRIPTION, MAX_IMAGE_BYTES, MAX_IMAGES, MAX_PRICE, WITHDRAWN_NICKNAME},
};
use chrono::Duration;

#[tokio::test]
async fn a_listed_product_is_on_sale_trimmed_with_its_images_stored_and_served() {
    let f = fixture();
    let mut d = draft(PRICE);
    d.title = "  정보처리기사 필기 기본서 ".into();
    let p = f.service.create_product(SELLER, d, vec![png(), jpeg()]).await.unwrap();
    assert_eq!(
        (p.status, p.hidden, p.draft.title.as_str()),
        (ProductStatus::OnSale, false, "정보처리기사 필기 기본서")
    );
    assert_eq!(p.seller, Seller { user_id: SELLER, nickname: "회원2".into() });
    let keys: Vec<String> = p.images.iter().map(|i| i.key.clone()).collect();
    assert!(keys[0].starts_with("products/2/") && keys[0].ends_with(".png") && keys[1].ends_with(".jpg"), "{keys:?}");
    assert_eq!(f.storage.keys(), keys, "both images are stored");
    assert_eq!(p.images[0].url, format!("memory://{}", keys[0]), "clients load them from storage");
    assert!(f.products.tokens(p.id).contains(&"기본".to_owned()), "indexed for keyword search");
}

#[tokio::test]
async fn each_bad_field_is_refused_by_name_and_nothing_is_stored() {
    let f = fixture();
    type Spoil = fn(&mut ProductDraft);
    let cases: [(&str, Spoil); 6] = [
        ("certificateId", |d| d.certificate_id = 0),
        ("title", |d| d.title = "   ".into()),
        ("description", |d| d.description = "가".repeat(MAX_DESCRIPTION + 1)),
        ("location", |d| d.location = String::new()),
        ("price", |d| d.price = 0),
        ("price", |d| d.price = MAX_PRICE + 1),
    ];
    for (field, spoil) in cases {
        let mut d = draft(PRICE);
        spoil(&mut d);
        let err = f.service.create_product(SELLER, d, vec![png()]).await.unwrap_err();
        assert!(matches!(err, MarketError::Invalid { field: got, .. } if got == field), "{field}: {err:?}");
        assert_eq!(wire(&err), ("MKT_002", Some(field)));
    }
    assert!(f.storage.keys().is_empty(), "images of a refused product are never stored");
    assert!(
        f.service.products(ProductQuery::default(), first(PRODUCTS_LIST, 10), BUYER).await.unwrap().content.is_empty()
    );
}

#[tokio::test]
async fn a_product_for_an_unknown_certificate_is_refused_and_its_images_deleted_again() {
    let f = fixture();
    f.products.only_certificates(&[1]);
    let mut d = draft(PRICE);
    d.certificate_id = 2;
    let err = f.service.create_product(SELLER, d, vec![png()]).await.unwrap_err();
    assert!(matches!(err, MarketError::NoCertificate(2)), "{err:?}");
    assert_eq!(wire(&err), ("CRT_001", Some("certificateId")));
    assert!(f.storage.keys().is_empty(), "the image stored before the insert failed is deleted");
}

#[tokio::test]
async fn images_that_are_not_images_too_many_or_too_large_are_refused_before_any_is_stored() {
    let f = fixture();
    let mut huge = png();
    huge.resize(MAX_IMAGE_BYTES + 1, 0);
    let cases = [vec![b"GIF8 is not a GIF".to_vec()], vec![png(); MAX_IMAGES + 1], vec![png(), huge]];
    for images in cases {
        let err = f.service.create_product(SELLER, draft(PRICE), images).await.unwrap_err();
        assert!(matches!(err, MarketError::InvalidImage(_)), "{err:?}");
        assert_eq!(wire(&err), ("MKT_013", Some("files")));
    }
    assert!(f.storage.keys().is_empty());

    let mut largest = png();
    largest.resize(MAX_IMAGE_BYTES, 0);
    let mut most = vec![png(); MAX_IMAGES - 1];
    most.push(largest);
    let p = f.service.create_product(SELLER, draft(PRICE), most).await.unwrap();
    assert_eq!(p.images.len(), MAX_IMAGES, "five images of up to 5 MiB are allowed");
}

#[tokio::test]
async fn an_edit_changes_the_fields_given_drops_removed_images_and_appends_new_ones() {
    let f = fixture();
    let p = f.service.create_product(SELLER, draft(PRICE), vec![png(), jpeg()]).await.unwrap();
    let patch = ProductPatch { price: Some(25_000), title: Some(" 공학용 계산기 ".into()), ..Default::default() };
    let removed = [p.images[0].id, 999_999];
    let edited = f.service.update_product(user(SELLER), p.id, patch, &removed, vec![png()]).await.unwrap();
    assert_eq!((edited.draft.price, edited.draft.title.as_str()), (25_000, "공학용 계산기"));
    assert_eq!(edited.draft.location, draft(PRICE).location, "fields not given stay");
    assert_eq!(edited.images.len(), 2);
    assert_eq!(edited.images[0], p.images[1], "kept images stay first, in upload order");
    let mut left = vec![p.images[1].key.clone(), edited.images[1].key.clone()];
    left.sort();
    assert_eq!(f.storage.keys(), left, "the removed image is deleted from storage");
    assert!(f.products.tokens(p.id).contains(&"계산".to_owned()), "re-indexed with the new title");
}

#[tokio::test]
async fn an_edit_counts_the_images_it_keeps_toward_the_five() {
    let f = fixture();
    let p = f.service.create_product(SELLER, draft(PRICE), vec![png(); 4]).await.unwrap();
    let err = f.service.update_product(user(SELLER), p.id, ProductPatch::default(), &[], vec![png(); 2]).await;
    assert!(matches!(err, Err(MarketError::InvalidImage(_))), "{err:?}");
    assert_eq!(f.storage.keys().len(), 4);
    let edited = f
        .service
        .update_product(user(SELLER), p.id, ProductPatch::default(), &[p.images[0].id], vec![png(); 2])
        .await
        .unwrap();
    assert_eq!(edited.images.len(), MAX_IMAGES);
}

#[tokio::test]
async fn an_edit_to_a_bad_field_is_refused_by_name_and_changes_nothing() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    let patch = ProductPatch { location: Some(" ".into()), ..Default::default() };
    let err = f.service.update_product(user(SELLER), id, patch, &[], vec![png()]).await.unwrap_err();
    assert_eq!(wire(&err), ("MKT_002", Some("location")));
    assert!(f.storage.keys().is_empty());
    assert_eq!(f.service.product(id, user(SELLER)).await.unwrap().draft, draft(PRICE));
}

#[tokio::test]
async fn only_the_seller_or_an_admin_may_edit_or_delete() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    let patch = || ProductPatch { price: Some(1), ..Default::default() };
    let err = f.service.update_product(user(OTHER), id, patch(), &[], Vec::new()).await.unwrap_err();
    assert!(matches!(err, MarketError::NotSeller(got) if got == id), "{err:?}");
    assert_eq!(wire(&err), ("MKT_003", None));
    assert!(matches!(f.service.delete_product(user(OTHER), id).await, Err(MarketError::NotSeller(_))));
    assert_eq!(f.service.product(id, user(OTHER)).await.unwrap().draft.price, PRICE, "unchanged");

    assert_eq!(f.service.update_product(ADMIN, id, patch(), &[], Vec::new()).await.unwrap().draft.price, 1);
    f.service.delete_product(ADMIN, id).await.unwrap();
    assert!(f.products.deleted(id));
}

#[tokio::test]
async fn a_deleted_product_is_gone_for_everyone_and_its_images_deleted() {
    let f = fixture();
    let p = f.service.create_product(SELLER, draft(PRICE), vec![png()]).await.unwrap();
    f.service.delete_product(user(SELLER), p.id).await.unwrap();
    assert!(f.storage.keys().is_empty());
    for viewer in [user(BUYER), user(SELLER), ADMIN] {
        assert!(matches!(f.service.product(p.id, viewer).await, Err(MarketError::ProductNotFound(_))));
    }
    assert!(
        f.service.products(ProductQuery::default(), first(PRODUCTS_LIST, 10), SELLER).await.unwrap().content.is_empty()
    );
    assert!(f.products.deleted(p.id), "soft-deleted: it stays for its orders' history");
    let again = f.service.delete_product(user(SELLER), p.id).await.unwrap_err();
    assert_eq!(wire(&again), ("MKT_001", None));
}

#[tokio::test]
async fn a_reserved_or_sold_product_is_locked_against_edits_and_deletes() {
    let f = fixture();
    let order = ordered(&f, &[]).await;
    let id = order.product_id;
    for actor in [user(SELLER), ADMIN] {
        let err = f.service.update_product(actor, id, ProductPatch::default(), &[], vec![png()]).await.unwrap_err();
        assert!(matches!(err, MarketError::Locked { status: "RESERVED", .. }), "{err:?}");
        assert_eq!(wire(&err), ("MKT_004", None));
        let err = f.service.delete_product(actor, id).await.unwrap_err();
        assert!(matches!(err, MarketError::Locked { status: "RESERVED", .. }), "{err:?}");
    }
    assert!(f.storage.keys().is_empty(), "a refused edit stores no image");

    f.service.pay(BUYER, order.id, "pk-1").await.unwrap();
    let err = f.service.update_product(user(SELLER), id, ProductPatch::default(), &[], Vec::new()).await;
    assert!(matches!(err, Err(MarketError::Locked { status: "SOLD", .. })), "{err:?}");
    assert!(matches!(f.service.delete_product(user(SELLER), id).await, Err(MarketError::Locked { .. })));
    assert!(!f.products.deleted(id));
}

#[tokio::test]
async fn a_hidden_product_is_not_found_by_others_but_shown_to_its_seller_and_admins() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    assert!(f.service.set_hidden(id, true).await.unwrap().hidden);
    let err = f.service.product(id, user(BUYER)).await.unwrap_err();
    assert!(matches!(err, MarketError::ProductNotFound(got) if got == id), "{err:?}");
    assert_eq!(wire(&err), ("MKT_001", None));
    assert!(matches!(f.service.like(BUYER, id).await, Err(MarketError::ProductNotFound(_))));
    assert!(f.service.product(id, user(SELLER)).await.unwrap().hidden, "its seller sees it, marked hidden");
    assert!(f.service.product(id, ADMIN).await.unwrap().hidden);
    let mine = ProductQuery { seller_id: Some(SELLER), ..Default::default() };
    assert!(
        f.service.products(mine, first(PRODUCTS_LIST, 10), SELLER).await.unwrap().content.is_empty(),
        "never listed"
    );

    assert!(!f.service.set_hidden(id, false).await.unwrap().hidden);
    assert_eq!(f.service.product(id, user(BUYER)).await.unwrap().id, id, "shown again");
    assert!(matches!(f.service.set_hidden(404, true).await, Err(MarketError::ProductNotFound(404))));
}

#[tokio::test]
async fn a_like_counts_once_per_user_and_taking_it_back_counts_down_once() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    let liked = f.service.like(BUYER, id).await.unwrap();
    assert_eq!((liked.like_count, liked.liked), (1, true));
    assert_eq!(f.service.like(BUYER, id).await.unwrap().like_count, 1, "liking again changes nothing");
    assert_eq!(f.service.like(OTHER, id).await.unwrap().like_count, 2);
    let seen = f.service.product(id, user(SELLER)).await.unwrap();
    assert_eq!((seen.like_count, seen.liked), (2, false), "liked is the viewer's own");

    let unliked = f.service.unlike(BUYER, id).await.unwrap();
    assert_eq!((unliked.like_count, unliked.liked), (1, false));
    assert_eq!(f.service.unlike(BUYER, id).await.unwrap().like_count, 1, "taking back twice counts once");
}

#[tokio::test]
async fn likes_of_a_missing_product_are_not_found() {
    let f = fixture();
    assert!(matches!(f.service.like(BUYER, 42).await, Err(MarketError::ProductNotFound(42))));
    assert!(matches!(f.service.unlike(BUYER, 42).await, Err(MarketError::ProductNotFound(42))));
}

#[tokio::test]
async fn taking_back_a_like_of_a_hidden_product_is_not_found_and_keeps_the_like() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    f.service.like(BUYER, id).await.unwrap();
    f.service.set_hidden(id, true).await.unwrap();
    assert!(matches!(f.service.unlike(BUYER, id).await, Err(MarketError::ProductNotFound(_))));
    assert_eq!(f.service.product(id, ADMIN).await.unwrap().like_count, 1, "a refusal changes nothing");
}

#[tokio::test]
async fn products_are_listed_newest_first_a_cursor_page_at_a_time_without_gaps_or_duplicates() {
    let f = fixture();
    // Listed at +10 s, +5 s, +5 s, +20 s, +1 s: newest first by time, ties by id.
    let mut ids = Vec::new();
    for secs in [10, 5, 5, 20, 1] {
        f.clock.set(t0() + Duration::seconds(secs));
        ids.push(listed(&f, PRICE).await);
    }
    let newest_first = vec![ids[3], ids[0], ids[2], ids[1], ids[4]];
    let mut seen = Vec::new();
    let mut page = f.service.products(ProductQuery::default(), first(PRODUCTS_LIST, 2), BUYER).await.unwrap();
    seen.extend(page.content.iter().map(|p| p.id));
    // A product listed while paging is newer than every cursor: it never shifts a later page.
    f.clock.set(t0() + Duration::seconds(30));
    listed(&f, PRICE).await;
    while let Some(cursor) = page.next_cursor.clone() {
        page = f.service.products(ProductQuery::default(), after(PRODUCTS_LIST, &cursor, 2), BUYER).await.unwrap();
        seen.extend(page.content.iter().map(|p| p.id));
    }
    assert_eq!(seen, newest_first);
    assert!(!page.has_next);
}

#[tokio::test]
async fn lists_filter_by_board_category_status_seller_and_keyword() {
    let f = fixture();
    let book = listed(&f, PRICE).await;
    let mut d = draft(PRICE);
    (d.certificate_id, d.category, d.title, d.description) =
        (2, Category::Device, "공학용 계산기".into(), "SQLD 시험장 허용 모델".into());
    let device = f.service.create_product(SELLER, d, Vec::new()).await.unwrap().id;
    let mut d = draft(PRICE);
    (d.category, d.title) = (Category::Note, "필기공부법정리 노트".into());
    let note = f.service.create_product(5, d, Vec::new()).await.unwrap().id;
    f.service.place_order(BUYER, book, &[]).await.unwrap();

    let ids = |query: ProductQuery| {
        let service = Arc::clone(&f.service);
        async move {
            let page = service.products(query, first(PRODUCTS_LIST, 10), BUYER).await.unwrap();
            page.content.into_iter().map(|p| p.id).collect::<Vec<_>>()
        }
    };
    let keyword = |k: &str| ProductQuery { keyword: Some(k.into()), ..Default::default() };
    assert_eq!(ids(ProductQuery { certificate_id: Some(1), ..Default::default() }).await, [note, book]);
    assert_eq!(ids(ProductQuery { category: Some(Category::Device), ..Default::default() }).await, [device]);
    assert_eq!(ids(ProductQuery { status: Some(ProductStatus::OnSale), ..Default::default() }).await, [note, device]);
    assert_eq!(ids(ProductQuery { seller_id: Some(5), ..Default::default() }).await, [note]);
    assert_eq!(ids(keyword("공부법")).await, [note], "Korean words are found inside longer words");
    assert_eq!(ids(keyword(" sqld ")).await, [device], "in the description, any case");
    assert_eq!(ids(keyword("  ")).await, [note, device, book], "a blank keyword filters nothing");
}

#[tokio::test]
async fn a_one_character_keyword_is_refused_by_name() {
    let f = fixture();
    let query = ProductQuery { keyword: Some("책".into()), ..Default::default() };
    let err = f.service.products(query, first(PRODUCTS_LIST, 10), BUYER).await.unwrap_err();
    assert_eq!(wire(&err), ("MKT_002", Some("keyword")));
}

#[tokio::test]
async fn a_withdrawn_seller_is_shown_as_withdrawn() {
    let f = fixture();
    let id = listed(&f, PRICE).await;
    f.products.name(SELLER, "책방");
    assert_eq!(f.service.product(id, user(BUYER)).await.unwrap().seller.nickname, "책방");
    f.products.withdraw(SELLER);
    assert_eq!(f.service.product(id, user(BUYER)).await.unwrap().seller.nickname, WITHDRAWN_NICKNAME);
}
