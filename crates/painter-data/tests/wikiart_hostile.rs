//! The scraper against a misbehaving server: throttling, errors, broken bodies, non-images,
//! oversized and endless bodies. Each case must end without a panic, with the painting recorded as
//! downloaded or failed, and with nothing partial or unverified left on disk.

mod support;

use std::time::{Duration, Instant};

use painter_data::wikiart::{run_scrape, Status};
use support::*;

#[tokio::test]
async fn status_429_without_retry_after_is_retried_with_backoff() {
    let s = TestServer::start().await;
    s.list_images(&[(1, "One", "one")]);
    s.route(
        &img_path("one"),
        Reply::Seq(vec![
            Reply::status(429),
            Reply::status(429),
            Reply::jpeg(jpeg_bytes(16, 12, 1)),
        ]),
    );
    let dir = tempfile::tempdir().unwrap();
    let sum = scrape_a(&s, dir.path()).await;
    assert_eq!((sum.downloaded, sum.skipped, sum.failed), (1, 0, 0));
    assert_eq!(s.hits(&img_path("one")), 3);
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn status_429_retry_after_seconds_is_honoured() {
    let s = TestServer::start().await;
    s.list_images(&[(1, "One", "one")]);
    s.route(
        &img_path("one"),
        Reply::Seq(vec![
            Reply::status_with(429, &[("retry-after", "1")]),
            Reply::jpeg(jpeg_bytes(16, 12, 1)),
        ]),
    );
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let sum = scrape_a(&s, dir.path()).await;
    let el = t.elapsed();
    assert_eq!(sum.downloaded, 1);
    assert!(el >= Duration::from_millis(950), "waited only {el:?}");
    assert!(el < Duration::from_secs(3), "waited {el:?}");
    assert_eq!(s.hits(&img_path("one")), 2);
}

#[tokio::test]
async fn status_503_retry_after_http_date_is_honoured_and_long_waits_are_capped() {
    let s = TestServer::start().await;
    let when = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    s.list_images(&[(1, "Dated", "dated"), (2, "Capped", "capped")]);
    s.route(
        &img_path("dated"),
        Reply::Seq(vec![
            Reply::status_with(503, &[("retry-after", &when)]),
            Reply::jpeg(jpeg_bytes(16, 12, 1)),
        ]),
    );
    // An hour's Retry-After is cut to the configured cap.
    s.route(
        &img_path("capped"),
        Reply::Seq(vec![
            Reply::status_with(429, &[("retry-after", "3600")]),
            Reply::jpeg(jpeg_bytes(16, 12, 2)),
        ]),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = test_config(&s, &["a"], dir.path());
    cfg.http.retry_after_cap = Duration::from_millis(1500);
    let t = Instant::now();
    let sum = run_scrape(cfg).await.unwrap();
    let el = t.elapsed();
    assert_eq!(sum.downloaded, 2);
    assert!(
        el >= Duration::from_millis(950),
        "HTTP date ignored: {el:?}"
    );
    assert!(el < Duration::from_secs(4), "cap ignored: {el:?}");
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn bursts_of_500_and_503_then_success() {
    let s = TestServer::start().await;
    // The listing itself fails twice first.
    s.route(
        &listing_path("a"),
        Reply::Seq(vec![
            Reply::status(503),
            Reply::status(500),
            Reply::json(&serde_json::json!([
                painting(1, "Burst", &img_url(&s.base, "burst")),
                painting(2, "Down", &img_url(&s.base, "down")),
            ])),
        ]),
    );
    s.route(
        &img_path("burst"),
        Reply::Seq(vec![
            Reply::status(500),
            Reply::status(503),
            Reply::status(502),
            Reply::jpeg(jpeg_bytes(16, 12, 1)),
        ]),
    );
    s.route(&img_path("down"), Reply::status(500));
    let dir = tempfile::tempdir().unwrap();
    let sum = scrape_a(&s, dir.path()).await;
    assert_eq!((sum.downloaded, sum.failed), (1, 1));
    assert_eq!(s.hits("/en/App/Painting/PaintingsByArtist"), 3);
    assert_eq!(s.hits(&img_path("burst")), 4);
    assert_eq!(s.hits(&img_path("down")), 4, "1 try + 3 retries");
    let e = entry_for(dir.path(), 2);
    assert_eq!(e.status, Some(Status::Failed));
    assert!(e.reason.unwrap().contains("HTTP 500"));
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn connection_reset_mid_body_is_retried_and_never_kept() {
    let s = TestServer::start().await;
    let good = jpeg_bytes(40, 30, 3);
    let half = good[..good.len() / 2].to_vec();
    s.listing(
        "a",
        &serde_json::json!([
            painting(1, "Always reset", &img_url(&s.raw_base, "reset")),
            painting(2, "Reset once", &img_url(&s.raw_base, "once")),
        ]),
    );
    s.raw_route(
        &img_path("reset"),
        RawReply::Reset {
            announced: good.len(),
            body: half.clone(),
        },
    );
    s.raw_route(
        &img_path("once"),
        RawReply::Seq(vec![
            RawReply::Reset {
                announced: good.len(),
                body: half,
            },
            RawReply::Full { body: good.clone() },
        ]),
    );
    let dir = tempfile::tempdir().unwrap();
    let sum = scrape_a(&s, dir.path()).await;
    assert_eq!((sum.downloaded, sum.failed), (1, 1));
    assert_eq!(s.hits(&img_path("reset")), 4);
    assert_eq!(s.hits(&img_path("once")), 2);
    let ok = entry_for(dir.path(), 2);
    assert_eq!(ok.bytes, Some(good.len() as u64));
    let bad = entry_for(dir.path(), 1);
    assert_eq!(bad.status, Some(Status::Failed));
    assert!(bad.path.is_none());
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn body_shorter_than_content_length_is_refused() {
    let s = TestServer::start().await;
    let good = jpeg_bytes(40, 30, 3);
    s.listing(
        "a",
        &serde_json::json!([painting(1, "Short", &img_url(&s.raw_base, "short"))]),
    );
    s.raw_route(
        &img_path("short"),
        RawReply::Short {
            announced: good.len() + 500,
            body: good,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let sum = scrape_a(&s, dir.path()).await;
    assert_eq!((sum.downloaded, sum.failed), (0, 1));
    let e = entry_for(dir.path(), 1);
    eprintln!("short body reason: {:?}", e.reason);
    assert_eq!(e.status, Some(Status::Failed));
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn html_json_and_undecodable_jpeg_are_refused_without_retry() {
    let s = TestServer::start().await;
    s.list_images(&[
        (1, "Html", "html"),
        (2, "Json", "json"),
        (3, "Html disguised", "disguised"),
        (4, "Broken jpeg", "broken"),
        (5, "Fine", "fine"),
    ]);
    s.route(
        &img_path("html"),
        Reply::ok(
            "text/html; charset=utf-8",
            b"<html><body>Not found</body></html>".to_vec(),
        ),
    );
    s.route(
        &img_path("json"),
        Reply::json(&serde_json::json!({"error": "nope"})),
    );
    s.route(
        &img_path("disguised"),
        Reply::ok(
            "image/jpeg",
            b"<!DOCTYPE html><html><body>cloudflare</body></html>".to_vec(),
        ),
    );
    let mut broken = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    broken.extend(std::iter::repeat_n(0xA5u8, 4000));
    s.route(&img_path("broken"), Reply::jpeg(broken));
    s.route(
        &img_path("fine"),
        Reply::ok("image/png", png_bytes(20, 10, 9)),
    );
    let dir = tempfile::tempdir().unwrap();
    let sum = scrape_a(&s, dir.path()).await;
    assert_eq!((sum.downloaded, sum.failed), (1, 4));
    for (id, name, want) in [
        (1, "html", "not an image"),
        (2, "json", "not an image"),
        (3, "disguised", "not an image"),
        (4, "broken", "does not decode"),
    ] {
        let e = entry_for(dir.path(), id);
        let reason = e.reason.unwrap_or_default();
        assert!(reason.contains(want), "{name}: {reason}");
        assert_eq!(s.hits(&img_path(name)), 1, "{name} must not be retried");
    }
    // The PNG served under a .jpg URL keeps its real extension.
    assert!(entry_for(dir.path(), 5)
        .path
        .unwrap()
        .ends_with("fine-5.png"));
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn oversized_image_stops_at_the_byte_limit() {
    let s = TestServer::start().await;
    s.list_images(&[
        (1, "Huge stream", "huge"),
        (2, "Huge announced", "announced"),
    ]);
    s.route(
        &img_path("huge"),
        Reply::Huge {
            total: 1 << 30,
            announce: false,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = test_config(&s, &["a"], dir.path());
    cfg.max_image_bytes = 256 * 1024;
    let t = Instant::now();
    // First the streamed one alone, to measure what the server managed to send.
    cfg.max_per_artist = Some(1);
    let sum = run_scrape(cfg.clone()).await.unwrap();
    assert_eq!((sum.downloaded, sum.failed), (0, 1));
    let sent = s.streamed_bytes().await;
    eprintln!("server handed {sent} bytes to the socket for a 1 GiB body, limit 256 KiB");
    assert!(sent < 48 << 20, "client kept reading: {sent} bytes");
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_failed_because(dir.path(), 1, "byte limit");
    assert_eq!(s.hits(&img_path("huge")), 1);

    // An announced Content-Length over the limit is refused before the body is read.
    s.route(
        &img_path("announced"),
        Reply::Huge {
            total: 1 << 30,
            announce: true,
        },
    );
    cfg.max_per_artist = None;
    let before = s.streamed_bytes().await;
    let sum = run_scrape(cfg).await.unwrap();
    assert_eq!(sum.failed, 2);
    let after = s.streamed_bytes().await;
    assert!(after - before < 96 << 20, "read {} bytes", after - before);
    assert_failed_because(dir.path(), 2, "byte limit");
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn endless_slow_and_stalled_bodies_time_out() {
    let s = TestServer::start().await;
    s.list_images(&[(1, "Slow", "slow"), (2, "Stalled", "stalled")]);
    // A byte every 50 ms never trips the idle timeout; the total timeout ends it.
    s.route(
        &img_path("slow"),
        Reply::Slow {
            every: Duration::from_millis(50),
        },
    );
    // One byte, then silence: the idle timeout ends it.
    s.route(
        &img_path("stalled"),
        Reply::Slow {
            every: Duration::from_secs(600),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = test_config(&s, &["a"], dir.path());
    cfg.http.request_timeout = Duration::from_millis(1200);
    cfg.http.read_idle_timeout = Duration::from_millis(400);
    cfg.http.max_retries = 0;
    let t = Instant::now();
    let sum = run_scrape(cfg).await.unwrap();
    let el = t.elapsed();
    assert_eq!((sum.downloaded, sum.failed), (0, 2));
    assert!(el < Duration::from_secs(4), "took {el:?}");
    for id in [1, 2] {
        assert_failed_because(dir.path(), id, "timeout");
    }
    assert_clean_output(dir.path());
}
