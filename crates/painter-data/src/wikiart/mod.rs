//! A polite, resumable WikiArt scraper that stays safe against a hostile server.
//!
//! - [`api`]: WikiArt's JSON endpoints and lenient response types (64-bit ids parsed exactly);
//! - [`client`]: HTTP with connect/total/idle timeouts, retries with exponential backoff, jitter
//!   and `Retry-After`;
//! - [`rate_limit`]: at most N requests per window per host (default 10 per 5 s);
//! - [`allow`]: only WikiArt's hosts and the configured base URL's host are contacted;
//! - [`download`]: streamed downloads with a byte limit, `.part` files, content-type, magic-byte
//!   and decode checks, SHA-256, atomic rename;
//! - [`manifest`]: a JSON Lines record of every painting, appended and synced per painting;
//! - [`sanitize`]: untrusted titles and slugs become safe file names;
//! - [`scraper`]: the orchestration, with bounded concurrency, resume, progress and a summary.
//!
//! ```no_run
//! use painter_data::wikiart::{run_scrape, ScrapeConfig};
//! # async fn demo() -> Result<(), painter_data::wikiart::ScrapeError> {
//! let mut config = ScrapeConfig::new(vec!["vincent-van-gogh".into()], "wikiart-out");
//! config.max_per_artist = Some(20);
//! let summary = run_scrape(config).await?;
//! println!("{summary}"); // scrape: downloaded=20 skipped=0 failed=0
//! # Ok(()) }
//! ```

pub mod allow;
pub mod api;
pub mod client;
pub mod download;
pub mod error;
pub mod manifest;
pub mod rate_limit;
pub mod sanitize;
pub mod scraper;

pub use allow::HostAllowList;
pub use api::{ApiClient, ImageSize, Painting};
pub use client::{HttpClient, HttpConfig};
pub use error::ScrapeError;
pub use manifest::{Manifest, ManifestEntry, Status, MANIFEST_FILE};
pub use rate_limit::{RateLimit, RateLimiter};
pub use scraper::{run_scrape, ScrapeConfig, ScrapeSummary, Scraper, StandardizeOnDownload};
/// The URL type of the client's API (re-exported so callers need no direct `url` dependency).
pub use url::Url;
