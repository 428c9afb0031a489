//! A per-host sliding-window rate limit: at most `requests` requests in any window of `per`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::error::ScrapeError;

/// A rate: at most `requests` requests per `per` (WikiArt's polite default is 10 per 5 seconds).
///
/// ```
/// use std::time::Duration;
/// use painter_data::wikiart::RateLimit;
/// let r: RateLimit = "10/5".parse().unwrap();
/// assert_eq!(r, RateLimit { requests: 10, per: Duration::from_secs(5) });
/// assert_eq!("3/0.5".parse::<RateLimit>().unwrap().per, Duration::from_millis(500));
/// assert!("0/5".parse::<RateLimit>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window (at least 1).
    pub requests: u32,
    /// The window length (more than zero).
    pub per: Duration,
}

impl Default for RateLimit {
    /// 10 requests per 5 seconds.
    fn default() -> Self {
        Self {
            requests: 10,
            per: Duration::from_secs(5),
        }
    }
}

impl RateLimit {
    /// Checks `requests >= 1` and a window between 1 ms and one day.
    pub fn validate(&self) -> Result<(), ScrapeError> {
        if self.requests == 0 {
            return Err(ScrapeError::InvalidConfig(
                "rate limit: requests must be at least 1".into(),
            ));
        }
        if self.per < Duration::from_millis(1) || self.per > Duration::from_secs(86_400) {
            return Err(ScrapeError::InvalidConfig(format!(
                "rate limit: window {:?} must be between 1 ms and 1 day",
                self.per
            )));
        }
        Ok(())
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.requests, self.per.as_secs_f64())
    }
}

impl FromStr for RateLimit {
    type Err = ScrapeError;

    /// Parses `N/SECONDS` (seconds may be fractional).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad =
            || ScrapeError::InvalidConfig(format!("rate {s:?}: expected N/SECONDS, e.g. 10/5"));
        let (n, secs) = s.trim().split_once('/').ok_or_else(bad)?;
        let requests: u32 = n.trim().parse().map_err(|_| bad())?;
        let secs: f64 = secs.trim().parse().map_err(|_| bad())?;
        if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
            return Err(bad());
        }
        let r = RateLimit {
            requests,
            per: Duration::from_secs_f64(secs),
        };
        r.validate()?;
        Ok(r)
    }
}

/// Enforces a [`RateLimit`] separately for each host; shared by all concurrent requests.
#[derive(Debug)]
pub struct RateLimiter {
    limit: Option<RateLimit>,
    sent: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// A limiter; `None` means unlimited.
    pub fn new(limit: Option<RateLimit>) -> Self {
        Self {
            limit,
            sent: Mutex::new(HashMap::new()),
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> Option<RateLimit> {
        self.limit
    }

    /// Waits until a request to `host` fits in the window, then books it.
    pub async fn acquire(&self, host: &str) {
        let Some(limit) = self.limit else { return };
        loop {
            let wait_until = {
                let mut map = match self.sent.lock() {
                    Ok(m) => m,
                    Err(poisoned) => poisoned.into_inner(),
                };
                let q = map.entry(host.to_string()).or_default();
                let now = Instant::now();
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= limit.per)
                {
                    q.pop_front();
                }
                if q.len() < limit.requests as usize {
                    q.push_back(now);
                    return;
                }
                match q.front() {
                    Some(first) => *first + limit.per,
                    None => now,
                }
            };
            tokio::time::sleep_until(wait_until).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn at_most_n_per_window() {
        let rl = RateLimiter::new(Some(RateLimit {
            requests: 3,
            per: Duration::from_secs(5),
        }));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..7 {
            rl.acquire("h").await;
            times.push(start.elapsed());
        }
        // Another host is not delayed by the first.
        let t = Instant::now();
        rl.acquire("other").await;
        assert_eq!(t.elapsed(), Duration::ZERO);
        for w in times.windows(4) {
            assert!(w[3] - w[0] >= Duration::from_secs(5), "{times:?}");
        }
        assert_eq!(times[2], Duration::ZERO);
        assert_eq!(times[3], Duration::from_secs(5));
        assert_eq!(times[6], Duration::from_secs(10));
    }
}
