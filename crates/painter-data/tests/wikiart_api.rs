//! The scraper against odd but well-formed (and malformed) API answers: malformed JSON, missing
//! fields and nulls, huge ids, duplicates, hostile titles, foreign hosts, size fallback, the v2
//! API's pagination token and the rate limit.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use painter_data::wikiart::api::{ApiClient, V2Session};
use painter_data::wikiart::{
    run_scrape, HostAllowList, HttpClient, RateLimit, RateLimiter, Status,
};
use support::*;

#[tokio::test]
async fn malformed_json_fails_the_artist_but_not_the_run() {
    let s = TestServer::start().await;
    s.route(
        &listing_path("broken"),
        Reply::ok(
            "application/json",
            b"[{\"title\": \"Unclosed\", \"contentId\": 1".to_vec(),
        ),
    );
    s.route(
        &listing_path("html"),
        Reply::ok("text/html", b"<html>maintenance</html>".to_vec()),
    );
    s.listing(
        "fine",
        &serde_json::json!([painting(7, "Fine", &s.url("/i/fine.jpg!Large.jpg"))]),
    );
    s.route("/i/fine.jpg!Large.jpg", Reply::jpeg(jpeg_bytes(8, 8, 0)));
    let dir = tempfile::tempdir().unwrap();
    let sum = run_scrape(test_config(&s, &["broken", "html", "fine"], dir.path()))
        .await
        .unwrap();
    assert_eq!((sum.downloaded, sum.skipped, sum.failed), (1, 0, 2));
    let es = entries(dir.path());
    let broken = es.iter().find(|e| e.artist == "broken").unwrap();
    assert_eq!(broken.status, Some(Status::Failed));
    assert!(broken.reason.as_ref().unwrap().contains("malformed JSON"));
    assert_eq!(
        s.hits("/en/App/Painting/PaintingsByArtist"),
        3,
        "malformed JSON is not retried"
    );
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn missing_fields_nulls_and_huge_ids() {
    let s = TestServer::start().await;
    let big = i64::MAX - 1;
    s.listing(
        "a",
        &serde_json::json!([
            {"title": "No year", "contentId": big, "completitionYear": null, "yearAsString": null,
             "image": s.url("/i/big.jpg!Large.jpg")},
            {"title": "No image", "contentId": 2, "completitionYear": 1900},
            {"title": "Null image", "contentId": 3, "image": null},
            {"title": "No id", "image": s.url("/i/noid.jpg!Large.jpg")},
            {"title": null, "contentId": "4", "width": "wide", "height": null,
             "image": s.url("/i/four.jpg!Large.jpg")},
            17,
            {"contentId": 5, "title": {"nested": true}, "image": 12345}
        ]),
    );
    s.route("/i/big.jpg!Large.jpg", Reply::jpeg(jpeg_bytes(8, 8, 1)));
    s.route("/i/four.jpg!Large.jpg", Reply::jpeg(jpeg_bytes(8, 8, 2)));
    s.route("/i/noid.jpg!Large.jpg", Reply::jpeg(jpeg_bytes(8, 8, 3)));
    let dir = tempfile::tempdir().unwrap();
    let sum = scrape_a(&s, dir.path()).await;
    assert_eq!((sum.downloaded, sum.failed), (2, 5), "{sum}");
    let es = entries(dir.path());
    let e = es
        .iter()
        .find(|e| e.painting.content_id == Some(big))
        .unwrap();
    assert_eq!(e.status, Some(Status::Downloaded));
    assert_eq!(e.painting.completition_year, None);
    assert!(e
        .path
        .as_ref()
        .unwrap()
        .ends_with(&format!("no-year-{big}.jpg")));
    let raw = std::fs::read_to_string(dir.path().join("manifest.jsonl")).unwrap();
    assert!(raw.contains("9223372036854775806"), "id written exactly");
    let four = es
        .iter()
        .find(|e| e.painting.content_id == Some(4))
        .unwrap();
    assert_eq!(four.path.as_deref(), Some("a/untitled-4.jpg"));
    for id in [2, 3] {
        let e = es
            .iter()
            .find(|e| e.painting.content_id == Some(id))
            .unwrap();
        assert_eq!(e.status, Some(Status::Failed));
        assert_eq!(e.reason.as_deref(), Some("missing image URL"));
    }
    assert!(es
        .iter()
        .any(|e| e.reason.as_deref() == Some("missing contentId")));
    assert!(es.iter().any(|e| e
        .reason
        .as_deref()
        .is_some_and(|r| r.contains("not an object"))));
    assert_eq!(s.hits("/i/noid.jpg!Large.jpg"), 0);
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn duplicate_content_ids_are_downloaded_once() {
    let s = TestServer::start().await;
    let p = painting(42, "Twice", &s.url("/i/dup.jpg!Large.jpg"));
    s.listing(
        "a",
        &serde_json::json!([
            p.clone(),
            p.clone(),
            painting(43, "Other", &s.url("/i/o.jpg!Large.jpg"))
        ]),
    );
    s.listing("b", &serde_json::json!([p]));
    s.route("/i/dup.jpg!Large.jpg", Reply::jpeg(jpeg_bytes(8, 8, 1)));
    s.route("/i/o.jpg!Large.jpg", Reply::jpeg(jpeg_bytes(8, 8, 2)));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = test_config(&s, &["a", "b"], dir.path());
    cfg.concurrency = 8;
    let sum = run_scrape(cfg).await.unwrap();
    assert_eq!((sum.downloaded, sum.skipped, sum.failed), (2, 2, 0));
    assert_eq!(s.hits("/i/dup.jpg!Large.jpg"), 1);
    let n42 = entries(dir.path())
        .iter()
        .filter(|e| e.painting.content_id == Some(42))
        .count();
    assert_eq!(n42, 1);
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn hostile_titles_and_slugs_stay_inside_the_output_folder() {
    let s = TestServer::start().await;
    let titles = [
        "../../../../escape",
        "/etc/passwd",
        "..\\..\\windows\\system32",
        "nul\0byte",
        "CON",
        "com1",
        "..",
        &"very-long-".repeat(500),
        "C:\\evil",
    ];
    let list: Vec<serde_json::Value> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| painting(100 + i as i64, t, &s.url(&format!("/i/{i}.jpg!Large.jpg"))))
        .collect();
    for i in 0..titles.len() {
        s.route(
            &format!("/i/{i}.jpg!Large.jpg"),
            Reply::jpeg(jpeg_bytes(8, 8, i as u8)),
        );
    }
    // A hostile artist slug: the request carries it percent-encoded; the folder is sanitized.
    s.route(
        "/en/App/Painting/PaintingsByArtist?artistUrl=..%2F..%2Foutside&json=2",
        Reply::json(&serde_json::Value::Array(list.clone())),
    );
    s.listing(
        "aux",
        &serde_json::json!([painting(999, "../x", &s.url("/i/0.jpg!Large.jpg"))]),
    );
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let sum = run_scrape(test_config(&s, &["../../outside", "aux"], &out))
        .await
        .unwrap();
    assert_eq!((sum.downloaded, sum.failed), (titles.len() + 1, 0), "{sum}");
    // Nothing but the output folder was created next to it.
    let top: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(top, vec![std::ffi::OsString::from("out")]);
    for f in all_files(&out) {
        let canon = f.canonicalize().unwrap();
        assert!(
            canon.starts_with(out.canonicalize().unwrap()),
            "{f:?} escaped"
        );
        let name = f.file_name().unwrap().to_str().unwrap();
        assert!(name.len() <= 120, "{name}");
        // Every component is plain lowercase ASCII and no component (nor its part before the
        // first dot) is a Windows device name.
        for comp in f.strip_prefix(&out).unwrap().components() {
            let c = comp.as_os_str().to_str().unwrap();
            assert!(
                c.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b'.'),
                "{c:?}"
            );
            let base = c.split('.').next().unwrap();
            assert!(
                !["con", "nul", "com1", "aux", "prn"].contains(&base),
                "{c:?}"
            );
        }
    }
    let es = entries(&out);
    let dirs: std::collections::BTreeSet<String> = es
        .iter()
        .filter_map(|e| e.path.as_ref())
        .map(|p| p.split('/').next().unwrap().to_string())
        .collect();
    assert_eq!(
        dirs.into_iter().collect::<Vec<_>>(),
        vec!["aux-", "outside"]
    );
    let con = es
        .iter()
        .find(|e| e.painting.content_id == Some(104))
        .unwrap();
    assert_eq!(con.path.as_deref(), Some("outside/con--104.jpg"));
    assert_clean_output(&out);
}

#[tokio::test]
async fn hosts_off_the_allow_list_are_never_contacted() {
    let s = TestServer::start().await;
    // `localhost` resolves to the same server but is not the base URL's host (127.0.0.1).
    let foreign = s.base.replace("127.0.0.1", "localhost");
    s.listing(
        "a",
        &serde_json::json!([
            painting(1, "Foreign", &format!("{foreign}/i/f.jpg!Large.jpg")),
            painting(2, "Elsewhere", "https://evil.invalid/i/e.jpg!Large.jpg"),
            painting(3, "Scheme", "file:///etc/passwd"),
            painting(4, "Redirect", &s.url("/i/r.jpg!Large.jpg")),
        ]),
    );
    s.route("/i/f.jpg!Large.jpg", Reply::jpeg(jpeg_bytes(8, 8, 1)));
    s.route(
        "/i/r.jpg!Large.jpg",
        Reply::status_with(
            302,
            &[("location", &format!("{foreign}/i/f.jpg!Large.jpg"))],
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let sum = scrape_a(&s, dir.path()).await;
    assert_eq!((sum.downloaded, sum.failed), (0, 4));
    assert_eq!(s.hits("/i/f.jpg!Large.jpg"), 0, "foreign host contacted");
    assert_eq!(s.hits("/i/r.jpg!Large.jpg"), 1);
    for e in entries(dir.path()) {
        let r = e.reason.unwrap();
        assert!(r.contains("allow-list"), "{r}");
    }
    assert_clean_output(dir.path());
    // The default list is WikiArt's hosts plus what the config adds.
    let allow = HostAllowList::wikiart();
    assert!(allow
        .check_str("https://uploads2.wikiart.org/x.jpg")
        .is_ok());
    assert!(allow.check_str(&s.url("/x")).is_err());
}

#[tokio::test]
async fn image_sizes_fall_back_on_404() {
    let s = TestServer::start().await;
    s.listing(
        "a",
        &serde_json::json!([
            painting(1, "Has HD", &s.url("/i/hd.jpg!Large.jpg")),
            painting(2, "Original only", &s.url("/i/orig.jpg!Large.jpg")),
            painting(3, "Nothing", &s.url("/i/none.jpg!Large.jpg")),
            painting(4, "No suffix", &s.url("/i/plain.png")),
        ]),
    );
    s.route("/i/hd.jpg!HD.jpg", Reply::jpeg(jpeg_bytes(8, 8, 1)));
    s.route("/i/orig.jpg", Reply::jpeg(jpeg_bytes(8, 8, 2)));
    s.route(
        "/i/plain.png!Large.png",
        Reply::ok("image/png", png_bytes(8, 8, 3)),
    );
    let dir = tempfile::tempdir().unwrap();
    let sum = scrape_a(&s, dir.path()).await;
    assert_eq!((sum.downloaded, sum.failed), (3, 1));
    let es = entries(dir.path());
    let src = |id| {
        es.iter()
            .find(|e| e.painting.content_id == Some(id))
            .unwrap()
            .source_url
            .clone()
    };
    assert_eq!(src(1), Some(s.url("/i/hd.jpg!HD.jpg")));
    assert_eq!(src(2), Some(s.url("/i/orig.jpg")));
    assert_eq!(src(4), Some(s.url("/i/plain.png!Large.png")));
    // Large, then HalfHD, then HD: two 404s before the hit, one request each.
    assert_eq!(s.hits("/i/hd.jpg!Large.jpg"), 1);
    assert_eq!(s.hits("/i/hd.jpg!HalfHD.jpg"), 1);
    assert_eq!(s.hits("/i/hd.jpg!HD.jpg"), 1);
    assert_eq!(s.hits("/i/hd.jpg"), 0);
    let none = es
        .iter()
        .find(|e| e.painting.content_id == Some(3))
        .unwrap();
    assert!(none.reason.as_ref().unwrap().contains("404"));
    assert_eq!(s.hits("/i/none.jpg"), 1, "the original is tried last");
    assert_clean_output(dir.path());
}

fn api_for(s: &TestServer, rate: Option<RateLimit>) -> ApiClient {
    let mut allow = HostAllowList::wikiart();
    allow.allow("127.0.0.1");
    let cfg = test_config(s, &["x"], std::path::Path::new("unused"));
    let http = HttpClient::new(cfg.http, allow, Arc::new(RateLimiter::new(rate))).unwrap();
    ApiClient::new(http, &s.base).unwrap()
}

#[tokio::test]
async fn v2_pagination_token_is_sent_verbatim() {
    let s = TestServer::start().await;
    s.route(
        "/en/Api/2/login?accessCode=acc&secretCode=s%2Fx",
        Reply::json(&serde_json::json!({"SessionKey": "k123", "MaxRequestsPerHour": 400})),
    );
    let token = "AbC%2B%2Fd%3D%3D";
    s.route(
        "/en/api/2/PaintingsByArtist?id=57&authSessionKey=k123",
        Reply::json(&serde_json::json!({"data": [{"id": "a"}, {"id": "b"}], "paginationToken": token, "hasMore": true})),
    );
    s.route(
        &format!("/en/api/2/PaintingsByArtist?id=57&authSessionKey=k123&paginationToken={token}"),
        Reply::json(
            &serde_json::json!({"data": [{"id": "c"}], "paginationToken": null, "hasMore": false}),
        ),
    );
    let api = api_for(&s, None);
    let session: V2Session = api.v2_login("acc", "s/x").await.unwrap();
    assert_eq!(session.session_key, "k123");
    let items: Vec<serde_json::Value> = api
        .v2_all_pages("/en/api/2/PaintingsByArtist?id=57", &session, 10)
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    let reqs = s.requests();
    assert!(
        reqs.iter()
            .any(|r| r.ends_with("&paginationToken=AbC%2B%2Fd%3D%3D")),
        "{reqs:?}"
    );
    assert!(
        !reqs.iter().any(|r| r.contains("%25")),
        "double-encoded: {reqs:?}"
    );
}

#[tokio::test]
async fn artist_list_and_details_endpoints() {
    let s = TestServer::start().await;
    s.route(
        "/en/App/Artist/AlphabetJson?v=new&inPublicDomain=true",
        Reply::json(&serde_json::json!([
            {"contentId": 9223372036854775807i64, "artistName": "Vincent van Gogh", "url": "vincent-van-gogh"},
            {"artistName": null}
        ])),
    );
    s.route(
        "/en/App/Painting/ImageJson/9223372036854775000",
        Reply::json(&serde_json::json!({"title": "T", "contentId": 9223372036854775000i64, "style": "Post-Impressionism", "genre": "landscape", "url": "t"})),
    );
    let api = api_for(&s, None);
    let artists = api.artists().await.unwrap();
    assert_eq!(artists[0].content_id, Some(i64::MAX));
    assert_eq!(artists[1].url, None);
    let d = api
        .painting_details(9_223_372_036_854_775_000)
        .await
        .unwrap();
    assert_eq!(d.style.as_deref(), Some("Post-Impressionism"));
}

#[tokio::test]
async fn rate_limit_spaces_requests_per_host() {
    let s = TestServer::start().await;
    let list: Vec<_> = (0..5)
        .map(|i| painting(i, "p", &s.url(&format!("/i/{i}.jpg!Large.jpg"))))
        .collect();
    for i in 0..5 {
        s.route(
            &format!("/i/{i}.jpg!Large.jpg"),
            Reply::jpeg(jpeg_bytes(8, 8, i as u8)),
        );
    }
    s.listing("a", &serde_json::Value::Array(list));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = test_config(&s, &["a"], dir.path());
    cfg.rate_limit = Some("2/0.5".parse().unwrap());
    cfg.concurrency = 6;
    let t = Instant::now();
    let sum = run_scrape(cfg).await.unwrap();
    let el = t.elapsed();
    assert_eq!(sum.downloaded, 5);
    // 6 requests at 2 per 0.5 s: the last one cannot start before 1 s.
    assert!(el >= Duration::from_millis(950), "{el:?}");
    assert!(el < Duration::from_secs(4), "{el:?}");
}
