//! The HTTP client: allow-list, rate limit, timeouts, and retries with exponential backoff, jitter
//! and `Retry-After`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;
use url::Url;

use super::allow::HostAllowList;
use super::error::ScrapeError;
use super::rate_limit::RateLimiter;

/// Timeouts, retries and size limits of the HTTP client.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole attempt (request and body).
    pub request_timeout: Duration,
    /// Longest silence allowed between two chunks of a body.
    pub read_idle_timeout: Duration,
    /// Retries after the first attempt (on timeouts, transport errors, 429 and 5xx).
    pub max_retries: u32,
    /// The first backoff delay; it doubles per retry.
    pub backoff_base: Duration,
    /// The largest backoff delay.
    pub backoff_max: Duration,
    /// The longest `Retry-After` honoured; longer requests are shortened to this.
    pub retry_after_cap: Duration,
    /// The largest JSON response accepted, in bytes.
    pub max_json_bytes: u64,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for HttpConfig {
    /// 10 s connect, 120 s per attempt, 30 s idle, 4 retries from 1 s up to 30 s, `Retry-After`
    /// honoured up to 120 s, JSON up to 64 MiB.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            read_idle_timeout: Duration::from_secs(30),
            max_retries: 4,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(120),
            max_json_bytes: 64 << 20,
            user_agent: concat!("deep-painter-scraper/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

impl HttpConfig {
    /// Checks that every timeout is non-zero, the backoff bounds are ordered and the retry count
    /// is at most 20.
    pub fn validate(&self) -> Result<(), ScrapeError> {
        let bad = |m: String| Err(ScrapeError::InvalidConfig(m));
        for (name, d) in [
            ("connect_timeout", self.connect_timeout),
            ("request_timeout", self.request_timeout),
            ("read_idle_timeout", self.read_idle_timeout),
        ] {
            if d.is_zero() {
                return bad(format!("{name} must be more than zero"));
            }
        }
        if self.backoff_base > self.backoff_max {
            return bad(format!(
                "backoff_base {:?} exceeds backoff_max {:?}",
                self.backoff_base, self.backoff_max
            ));
        }
        if self.max_retries > 20 {
            return bad(format!("max_retries {} is more than 20", self.max_retries));
        }
        if self.max_json_bytes == 0 {
            return bad("max_json_bytes must be more than zero".into());
        }
        Ok(())
    }

    /// The delay before retry number `retry` (0-based): `min(base * 2^retry, max)`, with "equal
    /// jitter" (a uniformly random value between half and all of it).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX));
        let d = exp.min(self.backoff_max);
        let half = d / 2;
        let jitter = rand::rng().random_range(0.0..=1.0f64);
        half + half.mul_f64(jitter)
    }
}

/// One failed attempt: the error and, for 429/503 answers, the server's `Retry-After`.
#[derive(Debug)]
pub struct AttemptError {
    /// What went wrong.
    pub error: ScrapeError,
    /// The parsed `Retry-After`, if any.
    pub retry_after: Option<Duration>,
}

impl From<ScrapeError> for AttemptError {
    fn from(error: ScrapeError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
}

impl From<painter_io::FileError> for AttemptError {
    fn from(error: painter_io::FileError) -> Self {
        ScrapeError::Io(error).into()
    }
}

/// Parses a `Retry-After` value: delay seconds (`"120"`) or an HTTP date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`), relative to `now`. A date in the past gives zero.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use painter_data::wikiart::client::parse_retry_after;
/// let now = UNIX_EPOCH + Duration::from_secs(1_445_412_470);
/// assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(10)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

fn retry_after_of(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()))
}

/// Maps a transport error of reqwest to a [`ScrapeError`].
pub(crate) fn map_reqwest(url: &Url, e: &reqwest::Error) -> ScrapeError {
    if e.is_timeout() {
        ScrapeError::Timeout {
            what: "request",
            url: url.to_string(),
        }
    } else {
        // Include the source chain: reqwest's own message is often just "error sending request".
        let mut message = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            let part = s.to_string();
            if !message.contains(&part) {
                message.push_str(": ");
                message.push_str(&part);
            }
            src = s.source();
        }
        ScrapeError::Network {
            url: url.to_string(),
            message,
        }
    }
}

/// An HTTP client that only talks to allowed hosts, at a polite rate, with timeouts and retries.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    config: HttpConfig,
    allow: Arc<HostAllowList>,
    limiter: Arc<RateLimiter>,
}

impl HttpClient {
    /// Builds a client. Redirects are followed (at most 5) only to allowed hosts.
    pub fn new(
        config: HttpConfig,
        allow: HostAllowList,
        limiter: Arc<RateLimiter>,
    ) -> Result<Self, ScrapeError> {
        config.validate()?;
        let allow = Arc::new(allow);
        let redirect_allow = Arc::clone(&allow);
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 || redirect_allow.check(attempt.url()).is_err() {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        // reqwest is built without a bundled TLS crypto provider; use rustls' `ring` provider unless
        // the application installed another one first (then `install_default` leaves it in place).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .read_timeout(config.read_idle_timeout)
            .redirect(policy)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| ScrapeError::InvalidConfig(format!("HTTP client: {e}")))?;
        Ok(Self {
            inner,
            config,
            allow,
            limiter,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// The host allow-list.
    pub fn allow_list(&self) -> &HostAllowList {
        &self.allow
    }

    /// One GET attempt: allow-list check, rate limit, request. A non-success status becomes an
    /// error carrying the server's `Retry-After`; a redirect left unfollowed because its target is
    /// not allowed becomes [`ScrapeError::HostNotAllowed`].
    pub async fn get_once(&self, url: &Url) -> Result<reqwest::Response, AttemptError> {
        self.allow.check(url)?;
        self.limiter.acquire(url.host_str().unwrap_or("")).await;
        let resp = self
            .inner
            .get(url.clone())
            .send()
            .await
            .map_err(|e| map_reqwest(url, &e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        if status.is_redirection() {
            if let Some(loc) = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| resp.url().join(l).ok())
            {
                if let Err(e) = self.allow.check(&loc) {
                    return Err(e.into());
                }
            }
        }
        Err(AttemptError {
            retry_after: retry_after_of(resp.headers()),
            error: ScrapeError::Status {
                status: status.as_u16(),
                url: url.to_string(),
            },
        })
    }

    /// Runs `attempt` until it succeeds, fails with a non-retryable error, or the retries are
    /// spent. Between attempts it sleeps the jittered exponential backoff, or the server's
    /// `Retry-After` (capped at [`HttpConfig::retry_after_cap`]) when one was sent.
    pub async fn with_retries<T, F, Fut>(&self, mut attempt: F) -> Result<T, ScrapeError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        let mut retry = 0u32;
        loop {
            match attempt().await {
                Ok(v) => return Ok(v),
                Err(AttemptError { error, retry_after }) => {
                    if !error.is_retryable() || retry >= self.config.max_retries {
                        return Err(error);
                    }
                    let delay = match retry_after {
                        Some(ra) => ra.min(self.config.retry_after_cap),
                        None => self.config.backoff(retry),
                    };
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
            }
        }
    }

    /// Reads a whole body into memory, refusing more than `limit` bytes (checked while streaming)
    /// and enforcing the idle timeout between chunks.
    pub async fn read_body_limited(
        &self,
        url: &Url,
        mut resp: reqwest::Response,
        limit: u64,
    ) -> Result<Vec<u8>, AttemptError> {
        let too_large = || ScrapeError::TooLarge {
            url: url.to_string(),
            limit,
        };
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large().into());
        }
        let mut out = Vec::new();
        loop {
            let chunk = tokio::time::timeout(self.config.read_idle_timeout, resp.chunk())
                .await
                .map_err(|_| ScrapeError::Timeout {
                    what: "read idle",
                    url: url.to_string(),
                })?
                .map_err(|e| map_reqwest(url, &e))?;
            let Some(chunk) = chunk else { break };
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large().into());
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// GETs `url` and returns the body (at most [`HttpConfig::max_json_bytes`]), with retries.
    pub async fn get_bytes(&self, url: &Url) -> Result<Vec<u8>, ScrapeError> {
        self.with_retries(|| async {
            let resp = self.get_once(url).await?;
            self.read_body_limited(url, resp, self.config.max_json_bytes)
                .await
        })
        .await
    }

    /// GETs `url` and parses the body as JSON into `T`, with retries. Malformed JSON is not
    /// retried.
    pub async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, ScrapeError> {
        let body = self.get_bytes(url).await?;
        serde_json::from_slice(&body).map_err(|e| ScrapeError::Json {
            url: url.to_string(),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_cap() {
        let c = HttpConfig {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..HttpConfig::default()
        };
        for retry in 0..40 {
            let full = Duration::from_millis(100)
                .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
                .min(Duration::from_millis(1000));
            let d = c.backoff(retry);
            assert!(
                d >= full / 2 && d <= full,
                "retry {retry}: {d:?} vs {full:?}"
            );
        }
    }

    #[test]
    fn invalid_configs_are_refused() {
        let mut c = HttpConfig::default();
        assert!(c.validate().is_ok());
        c.read_idle_timeout = Duration::ZERO;
        assert!(c.validate().is_err());
        let c = HttpConfig {
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(1),
            ..HttpConfig::default()
        };
        assert!(c.validate().is_err());
    }

    #[test]
    fn retry_after_date_in_the_past_is_zero() {
        let now = SystemTime::now();
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
    }
}
