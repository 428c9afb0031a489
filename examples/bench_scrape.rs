//! Benchmark of the WikiArt scraper against an in-process local server: throughput (images/s) of
//! N small images with the rate limit off, and peak memory (`VmHWM`).
//!
//! ```text
//! cargo run --release --example bench_scrape -- --images 1000 --concurrency 8
//! ```
//!
//! The peer, measured in the same run against the same server, is a bare fetch of the same images
//! into memory through the scraper's own HTTP client (same connection pool and concurrency, no
//! `.part` file, magic-byte check, decode, SHA-256, rename or manifest line). The difference is
//! the price of the verification and the crash safety.
//!
//! The serving code is a minimal axum app duplicated here on purpose (the test suite has a fuller,
//! misbehaving one); the library does not ship a fake WikiArt server.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::extract::{Path as AxPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use clap::Parser;
use deep_painter::data::wikiart::{
    run_scrape, HostAllowList, HttpClient, HttpConfig, RateLimiter, ScrapeConfig, Url,
};

#[derive(Parser, Debug)]
#[command(about = "Times the WikiArt scraper against a local server")]
struct Args {
    /// Number of images to scrape.
    #[arg(long, default_value_t = 1000)]
    images: usize,
    /// Images per artist (the images are spread over ceil(images / per_artist) artists).
    #[arg(long, default_value_t = 100)]
    per_artist: usize,
    /// Downloads in flight.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Width of the generated JPEGs (height is 3/4 of it).
    #[arg(long, default_value_t = 96)]
    width: u32,
}

struct Fixtures {
    listings: HashMap<String, String>,
    images: HashMap<String, Vec<u8>>,
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn jpeg(w: u32, h: u32, seed: u32) -> Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            ((x * 7 + seed) % 256) as u8,
            ((y * 5 + seed * 3) % 256) as u8,
            ((x ^ y ^ seed) % 256) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}

async fn listing(
    State(f): State<Arc<Fixtures>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match q.get("artistUrl").and_then(|a| f.listings.get(a)) {
        Some(body) => ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn image_route(
    State(f): State<Arc<Fixtures>>,
    AxPath((artist, file)): AxPath<(String, String)>,
) -> Response {
    match f.images.get(&format!("{artist}/{file}")) {
        Some(b) => ([(header::CONTENT_TYPE, "image/jpeg")], b.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);

    // Fixtures: artists a000, a001, ... with `per_artist` paintings each.
    let per = args.per_artist.max(1);
    let n_artists = args.images.div_ceil(per);
    let mut listings = HashMap::new();
    let mut images = HashMap::new();
    let mut urls = Vec::new();
    let mut total_bytes = 0usize;
    let h = (args.width * 3 / 4).max(1);
    for a in 0..n_artists {
        let artist = format!("a{a:03}");
        let mut list = Vec::new();
        for i in 0..per.min(args.images - a * per) {
            let id = 9_000_000_000_000_000_000i64 + (a * per + i) as i64;
            let file = format!("{i}.jpg!Large.jpg");
            let bytes = jpeg(args.width, h, (a * per + i) as u32)?;
            total_bytes += bytes.len();
            images.insert(format!("{artist}/{file}"), bytes);
            let url = format!("{base}/images/{artist}/{file}");
            urls.push(url.clone());
            list.push(serde_json::json!({
                "title": format!("Painting {i}"), "contentId": id, "artistName": artist,
                "completitionYear": 1900, "width": args.width, "height": h, "image": url,
            }));
        }
        listings.insert(artist, serde_json::Value::Array(list).to_string());
    }
    let artists: Vec<String> = listings.keys().cloned().collect();
    let fixtures = Arc::new(Fixtures { listings, images });
    let app = axum::Router::new()
        .route("/en/App/Painting/PaintingsByArtist", get(listing))
        .route("/images/{artist}/{file}", get(image_route))
        .with_state(fixtures);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let rss_before = peak_rss_kib().unwrap_or(0);

    // Peer: bare fetches through the same HTTP client, same concurrency.
    let mut allow = HostAllowList::wikiart();
    allow.allow("127.0.0.1");
    let http = HttpClient::new(
        HttpConfig::default(),
        allow,
        Arc::new(RateLimiter::new(None)),
    )?;
    let sem = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for u in &urls {
        let http = http.clone();
        let url = Url::parse(u)?;
        let permit = Arc::clone(&sem).acquire_owned().await?;
        set.spawn(async move {
            let r = http.get_bytes(&url).await.map(|b| b.len());
            drop(permit);
            r
        });
    }
    let mut fetched = 0usize;
    while let Some(r) = set.join_next().await {
        fetched += r??;
    }
    let peer_s = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        fetched == total_bytes,
        "peer fetched {fetched} of {total_bytes} bytes"
    );

    // The scraper: listings, downloads to .part, verification, SHA-256, rename, manifest.
    let out = tempfile::tempdir().context("temporary output folder")?;
    let mut cfg = ScrapeConfig::new(artists, out.path());
    cfg.base_url = base.clone();
    cfg.rate_limit = None;
    cfg.concurrency = args.concurrency;
    cfg.progress = false;
    cfg.http.connect_timeout = Duration::from_secs(5);
    let t = Instant::now();
    let summary = run_scrape(cfg.clone()).await?;
    let scrape_s = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        summary.downloaded == args.images && summary.failed == 0,
        "unexpected {summary}"
    );
    // Resume: everything verified from disk and skipped.
    let t = Instant::now();
    let again = run_scrape(cfg).await?;
    let resume_s = t.elapsed().as_secs_f64();
    anyhow::ensure!(again.skipped == args.images, "unexpected resume {again}");
    let rss_after = peak_rss_kib().unwrap_or(0);

    let n = args.images as f64;
    println!(
        "bench_scrape: images={} mean_bytes={} concurrency={} artists={}",
        args.images,
        total_bytes / args.images.max(1),
        args.concurrency,
        n_artists
    );
    println!(
        "bench_scrape: scrape_s={scrape_s:.3} img_per_s={:.1} | peer bare_fetch_s={peer_s:.3} img_per_s={:.1} | resume_verify_s={resume_s:.3} img_per_s={:.1}",
        n / scrape_s,
        n / peer_s,
        n / resume_s
    );
    println!(
        "bench_scrape: peak_rss_mib={:.1} (VmHWM; {:.1} MiB before the runs, fixtures {:.1} MiB in-process)",
        rss_after as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        total_bytes as f64 / (1 << 20) as f64
    );
    println!("{summary}");
    Ok(())
}
