//! Orchestration: list each artist's paintings, then download them with bounded concurrency,
//! recording every painting in the manifest, with progress and a summary.

use painter_io::FileError;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures_util::stream::{self, StreamExt};

use super::allow::HostAllowList;
use super::api::{
    image_url_variants, parse_base_url, ApiClient, ImageSize, Painting, DEFAULT_BASE_URL,
};
use super::client::{HttpClient, HttpConfig};
use super::download::{download_image, sha256_file, DownloadOptions, Downloaded};
use super::error::ScrapeError;
use super::manifest::{Manifest, ManifestEntry, Status, MANIFEST_FILE};
use super::rate_limit::{RateLimit, RateLimiter};
use super::sanitize::{contained_path, painting_stem, slugify};
use crate::decode::{load_rgb, DecodeLimits};
use crate::standardize::{standardize, StandardizeMethod};

/// Standardize each downloaded painting into an image-folder dataset
/// (`<out_dir>/<artist-slug>/<painting>.png`), ready for training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardizeOnDownload {
    /// The dataset root (may be inside or outside the scrape folder).
    pub out_dir: PathBuf,
    /// The side of the square images.
    pub size: u32,
    /// How non-square paintings become squares.
    pub method: StandardizeMethod,
}

/// Everything a scrape needs. Build it with [`ScrapeConfig::new`] and adjust the fields.
#[derive(Debug, Clone)]
pub struct ScrapeConfig {
    /// The API base URL (default [`DEFAULT_BASE_URL`]). Its host joins the allow-list.
    pub base_url: String,
    /// Artist slugs as WikiArt spells them (`vincent-van-gogh`).
    pub artists: Vec<String>,
    /// The output folder: `<out_dir>/<artist-slug>/<painting>.<ext>` and the manifest.
    pub out_dir: PathBuf,
    /// At most this many paintings per artist (first ones of the list).
    pub max_per_artist: Option<usize>,
    /// The preferred image size; other sizes and the original are tried on 404.
    pub size: ImageSize,
    /// Downloads in flight at once (1..=64).
    pub concurrency: usize,
    /// Requests per host and window; `None` disables the limit (benchmarks, local servers).
    pub rate_limit: Option<RateLimit>,
    /// Timeouts and retries.
    pub http: HttpConfig,
    /// The largest image accepted, in bytes (enforced while streaming).
    pub max_image_bytes: u64,
    /// Limits for decoding each image while verifying it.
    pub decode_limits: DecodeLimits,
    /// Hosts allowed besides WikiArt's and the base URL's.
    pub extra_allowed_hosts: Vec<String>,
    /// Fetch each painting's details (style, genre) too: one more request per painting.
    pub fetch_details: bool,
    /// Optionally standardize each image into a training-ready image folder.
    pub standardize: Option<StandardizeOnDownload>,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

impl ScrapeConfig {
    /// The defaults for `artists` into `out_dir`: WikiArt, size Large, 4 downloads at once, 10
    /// requests per 5 s per host, images up to 32 MiB, progress shown.
    pub fn new(artists: Vec<String>, out_dir: impl Into<PathBuf>) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            artists,
            out_dir: out_dir.into(),
            max_per_artist: None,
            size: ImageSize::Large,
            concurrency: 4,
            rate_limit: Some(RateLimit::default()),
            http: HttpConfig::default(),
            max_image_bytes: 32 << 20,
            decode_limits: DecodeLimits::default(),
            extra_allowed_hosts: Vec::new(),
            fetch_details: false,
            standardize: None,
            progress: true,
        }
    }

    /// Checks every value: at least one non-empty artist, a valid base URL, concurrency in
    /// `1..=64`, a non-zero byte limit, a valid rate, valid HTTP settings and standardize size.
    pub fn validate(&self) -> Result<(), ScrapeError> {
        let bad = |m: String| Err(ScrapeError::InvalidConfig(m));
        if self.artists.is_empty() {
            return bad("no artist given".into());
        }
        if let Some(a) = self.artists.iter().find(|a| a.trim().is_empty()) {
            return bad(format!("empty artist slug {a:?}"));
        }
        parse_base_url(&self.base_url)?;
        if !(1..=64).contains(&self.concurrency) {
            return bad(format!(
                "concurrency {} must be in 1..=64",
                self.concurrency
            ));
        }
        if self.max_image_bytes == 0 {
            return bad("max_image_bytes must be more than zero".into());
        }
        if self.max_per_artist == Some(0) {
            return bad("max_per_artist must be at least 1 when given".into());
        }
        if let Some(r) = &self.rate_limit {
            r.validate()?;
        }
        if let Some(s) = &self.standardize {
            if s.size == 0 || s.size > 8192 {
                return bad(format!("standardize size {} must be in 1..=8192", s.size));
            }
        }
        self.http.validate()
    }

    /// The allow-list: WikiArt's hosts, the base URL's host and the extra hosts.
    pub fn allow_list(&self) -> Result<HostAllowList, ScrapeError> {
        let mut allow = HostAllowList::wikiart();
        let base = parse_base_url(&self.base_url)?;
        if let Some(h) = base.host_str() {
            allow.allow(h);
        }
        for h in &self.extra_allowed_hosts {
            allow.allow(h);
        }
        Ok(allow)
    }
}

/// The counts of a finished run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScrapeSummary {
    /// Paintings downloaded and verified in this run.
    pub downloaded: usize,
    /// Paintings already complete and verified from an earlier run, and duplicates.
    pub skipped: usize,
    /// Paintings (or artist listings) that failed, recorded in the manifest.
    pub failed: usize,
}

impl fmt::Display for ScrapeSummary {
    /// `scrape: downloaded=A skipped=B failed=C`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scrape: downloaded={} skipped={} failed={}",
            self.downloaded, self.skipped, self.failed
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Downloaded,
    Skipped,
    Failed,
}

struct Job {
    artist: String,
    painting: Painting,
}

/// A configured scraper. [`Scraper::run`] may be called again to resume.
#[derive(Debug)]
pub struct Scraper {
    config: ScrapeConfig,
    api: ApiClient,
}

impl Scraper {
    /// Validates `config` and builds the HTTP client.
    pub fn new(config: ScrapeConfig) -> Result<Self, ScrapeError> {
        config.validate()?;
        let limiter = Arc::new(RateLimiter::new(config.rate_limit));
        let http = HttpClient::new(config.http.clone(), config.allow_list()?, limiter)?;
        let api = ApiClient::new(http, &config.base_url)?;
        Ok(Self { config, api })
    }

    /// The configuration.
    pub fn config(&self) -> &ScrapeConfig {
        &self.config
    }

    /// The API client (for the artist list, details or the v2 API).
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// Runs (or resumes) the scrape. Every painting ends downloaded, skipped or failed in the
    /// manifest; an `Err` means a fatal problem (the output folder or the manifest cannot be
    /// written), and everything finished before it is kept.
    pub async fn run(&self) -> Result<ScrapeSummary, ScrapeError> {
        let cfg = &self.config;
        std::fs::create_dir_all(&cfg.out_dir).map_err(FileError::at(&cfg.out_dir))?;
        let manifest = Manifest::open(&cfg.out_dir.join(MANIFEST_FILE))?;
        if manifest.ignored_lines() > 0 {
            eprintln!(
                "scrape: ignored {} unreadable manifest line(s) (a run killed mid-write)",
                manifest.ignored_lines()
            );
        }
        let manifest = Mutex::new(manifest);
        let mut summary = ScrapeSummary::default();

        let bar = crate::progress_bar(
            0,
            cfg.progress,
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
        );

        // 1. Listings (sequential; they are few and rate limited anyway).
        let mut jobs: Vec<Job> = Vec::new();
        let mut seen: HashSet<i64> = HashSet::new();
        for artist_arg in &cfg.artists {
            let artist = slugify(artist_arg, "artist");
            bar.set_message(format!("listing {artist}"));
            let list = match self.api.paintings_by_artist(artist_arg.trim()).await {
                Ok(l) => l,
                Err(e) => {
                    let reason = format!("artist listing failed: {e}");
                    append(&manifest, ManifestEntry::failed(&artist, reason))?;
                    summary.failed += 1;
                    continue;
                }
            };
            let limit = cfg.max_per_artist.unwrap_or(usize::MAX);
            for item in list.into_iter().take(limit) {
                match item {
                    Ok(p) => {
                        if let Some(id) = p.content_id {
                            if !seen.insert(id) {
                                summary.skipped += 1; // duplicate contentId: downloaded once
                                continue;
                            }
                        }
                        jobs.push(Job {
                            artist: artist.clone(),
                            painting: p,
                        });
                    }
                    Err(reason) => {
                        let reason = format!("unreadable list entry: {reason}");
                        append(&manifest, ManifestEntry::failed(&artist, reason))?;
                        summary.failed += 1;
                    }
                }
            }
        }

        // 2. Downloads with bounded concurrency.
        bar.set_length(jobs.len() as u64);
        let show = |s: &ScrapeSummary| {
            format!(
                "done {} skipped {} failed {}",
                s.downloaded, s.skipped, s.failed
            )
        };
        bar.set_message(show(&summary));
        let mut results = stream::iter(jobs)
            .map(|job| self.process(job, &manifest))
            .buffer_unordered(cfg.concurrency);
        while let Some(r) = results.next().await {
            match r? {
                Outcome::Downloaded => summary.downloaded += 1,
                Outcome::Skipped => summary.skipped += 1,
                Outcome::Failed => summary.failed += 1,
            }
            bar.inc(1);
            bar.set_message(show(&summary));
        }
        bar.finish_with_message(show(&summary));
        Ok(summary)
    }

    /// One painting, start to end. `Err` only for fatal (manifest) errors.
    async fn process(&self, job: Job, manifest: &Mutex<Manifest>) -> Result<Outcome, ScrapeError> {
        let cfg = &self.config;
        let Job {
            artist,
            mut painting,
        } = job;
        let fail = |painting: Painting, reason: String| ManifestEntry {
            painting,
            ..ManifestEntry::failed(&artist, reason)
        };
        let Some(id) = painting.content_id else {
            append(manifest, fail(painting, "missing contentId".into()))?;
            return Ok(Outcome::Failed);
        };

        // Resume: skip what an earlier run finished, if the file is still there and intact.
        let previous = lock(manifest).get(&format!("id:{id}")).cloned();
        if let Some(prev) = previous.filter(|p| p.status == Some(Status::Downloaded)) {
            if let Some(outcome) = self.check_previous(&prev, manifest).await? {
                return Ok(outcome);
            }
        }

        let Some(image_url) = painting.image.clone() else {
            append(manifest, fail(painting, "missing image URL".into()))?;
            return Ok(Outcome::Failed);
        };
        if cfg.fetch_details {
            if let Ok(details) = self.api.painting_details(id).await {
                painting.style = details.style.or(painting.style);
                painting.genre = details.genre.or(painting.genre);
                painting.url = details.url.or(painting.url);
            }
        }

        let rel = format!("{artist}/{}", painting_stem(painting.title.as_deref(), id));
        let Some(stem) = contained_path(&cfg.out_dir, Path::new(&rel)) else {
            append(
                manifest,
                fail(painting, format!("unsafe file name {rel:?}")),
            )?;
            return Ok(Outcome::Failed);
        };
        let opts = DownloadOptions {
            max_bytes: cfg.max_image_bytes,
            decode_limits: cfg.decode_limits,
            keep_image: cfg.standardize.is_some(),
        };
        let mut last_err: Option<ScrapeError> = None;
        let mut got: Option<(String, Downloaded)> = None;
        for (_size, variant) in image_url_variants(&image_url, cfg.size) {
            let url = match self.api.http().allow_list().check_str(&variant) {
                Ok(u) => u,
                Err(e) => {
                    last_err = Some(e);
                    break; // every variant shares the host (or the URL is unusable)
                }
            };
            match download_image(self.api.http(), &url, &stem, &opts).await {
                Ok(d) => {
                    got = Some((variant, d));
                    break;
                }
                Err(e) if e.is_not_found() => last_err = Some(e),
                Err(e) => {
                    last_err = Some(e);
                    break;
                }
            }
        }
        let Some((source_url, d)) = got else {
            let reason = match last_err {
                Some(e) if e.is_not_found() => format!("no image size found (all 404): {e}"),
                Some(e) => e.to_string(),
                None => "no image URL variant".into(),
            };
            append(manifest, fail(painting, reason))?;
            return Ok(Outcome::Failed);
        };

        let mut entry = ManifestEntry {
            artist: artist.clone(),
            painting,
            source_url: Some(source_url),
            path: relative(&cfg.out_dir, &d.path),
            bytes: Some(d.bytes),
            sha256: Some(d.sha256.clone()),
            status: Some(Status::Downloaded),
            ..ManifestEntry::default()
        };
        if let (Some(std_cfg), Some(img)) = (&cfg.standardize, d.image) {
            match standardize_to(std_cfg, &artist, &stem, img).await {
                Ok(rel) => entry.standardized = Some(rel),
                Err(e) => entry.reason = Some(format!("downloaded, but {e}")),
            }
        }
        append(manifest, entry)?;
        Ok(Outcome::Downloaded)
    }

    /// `Some(Skipped)` if `prev`'s file exists and matches its SHA-256 (standardizing it first if
    /// the standardized copy is missing); `None` if it must be downloaded again.
    async fn check_previous(
        &self,
        prev: &ManifestEntry,
        manifest: &Mutex<Manifest>,
    ) -> Result<Option<Outcome>, ScrapeError> {
        let cfg = &self.config;
        let (Some(rel), Some(sha)) = (&prev.path, &prev.sha256) else {
            return Ok(None);
        };
        let Some(path) = contained_path(&cfg.out_dir, Path::new(rel)) else {
            return Ok(None);
        };
        let p = path.clone();
        let actual = tokio::task::spawn_blocking(move || sha256_file(&p).ok())
            .await
            .ok()
            .flatten();
        if actual.as_deref() != Some(sha.as_str()) {
            return Ok(None);
        }
        if let Some(std_cfg) = &cfg.standardize {
            let have = prev
                .standardized
                .as_ref()
                .and_then(|s| contained_path(&std_cfg.out_dir, Path::new(s)))
                .is_some_and(|p| p.is_file());
            if !have {
                let limits = cfg.decode_limits;
                let p = path.clone();
                let img = tokio::task::spawn_blocking(move || load_rgb(&p, &limits)).await;
                let mut entry = prev.clone();
                let stem = path.with_extension("");
                match img {
                    Ok(Ok(img)) => match standardize_to(std_cfg, &prev.artist, &stem, img).await {
                        Ok(rel) => {
                            entry.standardized = Some(rel);
                            entry.reason = None;
                        }
                        Err(e) => entry.reason = Some(format!("downloaded, but {e}")),
                    },
                    Ok(Err(e)) => entry.reason = Some(format!("downloaded, but {e}")),
                    Err(e) => entry.reason = Some(format!("downloaded, but {e}")),
                }
                append(manifest, entry)?;
            }
        }
        Ok(Some(Outcome::Skipped))
    }
}

/// Runs a whole scrape with `config` (the entry point of the `scrape` example).
pub async fn run_scrape(config: ScrapeConfig) -> Result<ScrapeSummary, ScrapeError> {
    Scraper::new(config)?.run().await
}

fn lock(m: &Mutex<Manifest>) -> std::sync::MutexGuard<'_, Manifest> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn append(m: &Mutex<Manifest>, entry: ManifestEntry) -> Result<(), ScrapeError> {
    lock(m).append(entry)
}

fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Standardizes `img` and writes it as PNG to `<out_dir>/<artist>/<stem name>.png` atomically;
/// returns the path relative to `out_dir`.
async fn standardize_to(
    cfg: &StandardizeOnDownload,
    artist: &str,
    stem: &Path,
    img: image::RgbImage,
) -> Result<String, ScrapeError> {
    let name = stem
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "untitled".into());
    let rel = format!("{artist}/{name}.png");
    let target =
        contained_path(&cfg.out_dir, Path::new(&rel)).ok_or_else(|| ScrapeError::Standardize {
            url: rel.clone(),
            message: "unsafe file name".into(),
        })?;
    let (size, method) = (cfg.size, cfg.method);
    let rel_for_err = rel.clone();
    tokio::task::spawn_blocking(move || -> Result<(), ScrapeError> {
        let out = standardize(&img, size, method).map_err(|e| ScrapeError::Standardize {
            url: rel_for_err.clone(),
            message: e.to_string(),
        })?;
        painter_io::write_atomic_with(&target, |w| {
            out.write_to(w, image::ImageFormat::Png)
                .map_err(std::io::Error::other)
        })
        .map_err(ScrapeError::from)
    })
    .await
    .map_err(|e| ScrapeError::Standardize {
        url: rel.clone(),
        message: format!("task failed: {e}"),
    })??;
    Ok(rel)
}
