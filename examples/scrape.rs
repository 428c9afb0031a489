//! Scrapes paintings from WikiArt (or any server speaking its JSON API) into
//! `OUT/<artist-slug>/<painting>.<ext>` plus `OUT/manifest.jsonl`; resumable, polite, verified.
//!
//! ```text
//! cargo run --release --example scrape -- --artist vincent-van-gogh --artist rembrandt --out DIR \
//!     [--base-url URL] [--max-per-artist N] [--size Large] [--concurrency N] [--rate N/SECONDS|off] \
//!     [--max-bytes BYTES] [--standardize SIZE [--standardize-method pad] [--standardize-out DIR]]
//! ```
//!
//! The last line reads `scrape: downloaded=A skipped=B failed=C`. The exit status is 0 when every
//! painting ended downloaded, skipped (already complete) or recorded as failed in the manifest; it
//! is non-zero only on a fatal error (bad arguments, output folder not writable), with a message.
//! Run the same command again to resume: finished paintings are verified and skipped, failed ones
//! are retried. Ctrl-C keeps everything already finished.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use deep_painter::data::wikiart::{
    run_scrape, ImageSize, RateLimit, ScrapeConfig, StandardizeOnDownload,
};
use deep_painter::data::StandardizeMethod;

#[derive(Parser, Debug)]
#[command(about = "Scrapes paintings from WikiArt politely and resumably")]
struct Args {
    /// Artist slug as in WikiArt's URLs (repeat for several artists).
    #[arg(long = "artist", required = true)]
    artists: Vec<String>,
    /// Output folder (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// API base URL.
    #[arg(long, default_value = "https://www.wikiart.org")]
    base_url: String,
    /// At most this many paintings per artist.
    #[arg(long)]
    max_per_artist: Option<usize>,
    /// Preferred image size: Original, HD, HalfHD, Large, PinterestLarge, Blog, PinterestSmall,
    /// PortraitSmall (others are tried on 404).
    #[arg(long, default_value = "Large")]
    size: String,
    /// Downloads in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Requests per host and window, as N/SECONDS, or `off`.
    #[arg(long, default_value = "10/5")]
    rate: String,
    /// Largest accepted image in bytes.
    #[arg(long, default_value_t = 32 << 20)]
    max_bytes: u64,
    /// Also write SIZE x SIZE PNGs into an image-folder dataset.
    #[arg(long)]
    standardize: Option<u32>,
    /// pad, center-crop or stretch.
    #[arg(long, default_value = "pad")]
    standardize_method: String,
    /// Dataset folder for --standardize (default OUT/standardized).
    #[arg(long)]
    standardize_out: Option<PathBuf>,
    /// Fetch each painting's details (style, genre): one more request per painting.
    #[arg(long)]
    details: bool,
    /// Extra host allowed for image URLs (repeatable).
    #[arg(long = "allow-host")]
    allow_hosts: Vec<String>,
    /// Hide the progress bar.
    #[arg(long)]
    no_progress: bool,
}

fn config_from(args: Args) -> Result<ScrapeConfig, String> {
    let mut c = ScrapeConfig::new(args.artists, args.out.clone());
    c.base_url = args.base_url;
    c.max_per_artist = args.max_per_artist;
    c.size = args.size.parse::<ImageSize>().map_err(|e| e.to_string())?;
    c.concurrency = args.concurrency;
    c.rate_limit = if args.rate.eq_ignore_ascii_case("off") {
        None
    } else {
        Some(args.rate.parse::<RateLimit>().map_err(|e| e.to_string())?)
    };
    c.max_image_bytes = args.max_bytes;
    if let Some(size) = args.standardize {
        let method = args
            .standardize_method
            .parse::<StandardizeMethod>()
            .map_err(|e| format!("--standardize-method: {e}"))?;
        c.standardize = Some(StandardizeOnDownload {
            out_dir: args
                .standardize_out
                .unwrap_or_else(|| args.out.join("standardized")),
            size,
            method,
        });
    }
    c.fetch_details = args.details;
    c.extra_allowed_hosts = args.allow_hosts;
    c.progress = !args.no_progress;
    Ok(c)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = match config_from(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("scrape: fatal: {e}");
            return ExitCode::from(2);
        }
    };
    tokio::select! {
        result = run_scrape(config) => match result {
            Ok(summary) => {
                println!("{summary}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("scrape: fatal: {e}");
                ExitCode::from(1)
            }
        },
        _ = tokio::signal::ctrl_c() => {
            eprintln!("scrape: interrupted; finished paintings are in the manifest, run again to resume");
            ExitCode::from(130)
        }
    }
}
