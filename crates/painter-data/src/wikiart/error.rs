//! Typed errors of the WikiArt scraper.

use std::path::PathBuf;

/// Everything that can go wrong while talking to WikiArt (or a server pretending to be it).
///
/// Most variants describe one request or one painting; the scraper records them in the manifest and
/// carries on. Only [`ScrapeError::InvalidConfig`], [`ScrapeError::Io`] on the output folder and
/// [`ScrapeError::Manifest`] stop a whole run.
#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    /// A configuration value is out of range (checked before anything runs).
    #[error("invalid scraper configuration: {0}")]
    InvalidConfig(String),
    /// A URL could not be parsed or built.
    #[error("invalid URL {url:?}: {message}")]
    InvalidUrl {
        /// The offending URL text.
        url: String,
        /// Why it is invalid.
        message: String,
    },
    /// The URL's host is not on the allow-list (no request was sent).
    #[error("host {host:?} is not on the allow-list (URL {url})")]
    HostNotAllowed {
        /// The refused host.
        host: String,
        /// The refused URL.
        url: String,
    },
    /// The server answered with a non-success status (after retries, where retryable).
    #[error("HTTP {status} for {url}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The requested URL.
        url: String,
    },
    /// A connect, read-idle or total timeout expired (after retries).
    #[error("timeout ({what}) for {url}")]
    Timeout {
        /// Which timeout expired.
        what: &'static str,
        /// The requested URL.
        url: String,
    },
    /// A transport error: connection refused or reset, truncated body, protocol error.
    #[error("network error for {url}: {message}")]
    Network {
        /// The requested URL.
        url: String,
        /// The transport's message.
        message: String,
    },
    /// The body is larger than the configured byte limit; reading stopped at the limit.
    #[error("body of {url} exceeds the byte limit of {limit} bytes")]
    TooLarge {
        /// The requested URL.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The body ended before the length announced by `Content-Length`.
    #[error("body of {url} is truncated: {received} of {expected} bytes")]
    Truncated {
        /// The requested URL.
        url: String,
        /// The announced length.
        expected: u64,
        /// The bytes actually received.
        received: u64,
    },
    /// The response is not an image (content type or magic bytes).
    #[error("not an image ({url}): {message}")]
    NotAnImage {
        /// The requested URL.
        url: String,
        /// What was found instead.
        message: String,
    },
    /// The image's bytes look right but it does not decode within the decode limits.
    #[error("image does not decode ({url}): {source}")]
    Decode {
        /// The requested URL.
        url: String,
        /// The decoder's error.
        source: crate::decode::DecodeError,
    },
    /// Standardizing a downloaded image failed.
    #[error("standardize failed for {url}: {message}")]
    Standardize {
        /// The requested URL.
        url: String,
        /// The standardizer's error.
        message: String,
    },
    /// A JSON response could not be parsed into the expected shape.
    #[error("malformed JSON from {url}: {message}")]
    Json {
        /// The requested URL.
        url: String,
        /// The parser's message.
        message: String,
    },
    /// A file-system operation failed.
    #[error(transparent)]
    Io(#[from] painter_io::FileError),
    /// The manifest could not be read or written.
    #[error("manifest {path}: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl ScrapeError {
    /// Whether retrying the same request may succeed (timeouts, transport errors, truncated bodies,
    /// 429 and 5xx statuses).
    pub fn is_retryable(&self) -> bool {
        match self {
            ScrapeError::Timeout { .. }
            | ScrapeError::Network { .. }
            | ScrapeError::Truncated { .. } => true,
            ScrapeError::Status { status, .. } => *status == 429 || (500..600).contains(status),
            _ => false,
        }
    }

    /// Whether this is a "not found" answer (404 or 410), which makes the scraper try the next
    /// image size.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ScrapeError::Status { status, .. } if *status == 404 || *status == 410)
    }
}
