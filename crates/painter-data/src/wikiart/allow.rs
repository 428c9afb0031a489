//! The host allow-list: the scraper only ever contacts WikiArt's hosts and the configured base URL.

use url::Url;

use super::error::ScrapeError;

/// Hosts the scraper may contact.
///
/// By default: `www.wikiart.org`, `wikiart.org`, and WikiArt's image hosts `uploads.wikiart.org`,
/// `uploads0.wikiart.org`, `uploads1.wikiart.org`, ... (`uploads` followed by digits). The scraper
/// adds the host of its base URL and any extra hosts the user configured. Hosts are compared
/// case-insensitively and without the port; only `http` and `https` URLs are accepted.
///
/// ```
/// use painter_data::wikiart::HostAllowList;
/// let allow = HostAllowList::wikiart();
/// assert!(allow.check_str("https://uploads7.wikiart.org/images/a.jpg!Large.jpg").is_ok());
/// assert!(allow.check_str("https://evil.example/a.jpg").is_err());
/// assert!(allow.check_str("https://uploads7.wikiart.org.evil.example/a.jpg").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAllowList {
    hosts: Vec<String>,
    wikiart_uploads: bool,
}

impl HostAllowList {
    /// WikiArt's own hosts only.
    pub fn wikiart() -> Self {
        Self {
            hosts: vec!["www.wikiart.org".to_string(), "wikiart.org".to_string()],
            wikiart_uploads: true,
        }
    }

    /// An empty list (nothing allowed) to which hosts can be added.
    pub fn empty() -> Self {
        Self {
            hosts: Vec::new(),
            wikiart_uploads: false,
        }
    }

    /// Adds one host (a bare name such as `127.0.0.1` or `example.org`, no scheme or port).
    pub fn allow(&mut self, host: &str) {
        let h = normalize(host);
        if !h.is_empty() && !self.hosts.contains(&h) {
            self.hosts.push(h);
        }
    }

    /// Whether `host` (no port) is allowed.
    pub fn is_allowed_host(&self, host: &str) -> bool {
        let h = normalize(host);
        if self.hosts.contains(&h) {
            return true;
        }
        if self.wikiart_uploads {
            if let Some(prefix) = h.strip_suffix(".wikiart.org") {
                if let Some(digits) = prefix.strip_prefix("uploads") {
                    return digits.bytes().all(|b| b.is_ascii_digit());
                }
            }
        }
        false
    }

    /// Checks a parsed URL: `http`/`https` scheme and an allowed host.
    pub fn check(&self, url: &Url) -> Result<(), ScrapeError> {
        let refuse = |host: &str| ScrapeError::HostNotAllowed {
            host: host.to_string(),
            url: url.to_string(),
        };
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(refuse(url.host_str().unwrap_or("")));
        }
        match url.host_str() {
            Some(h) if self.is_allowed_host(h) => Ok(()),
            Some(h) => Err(refuse(h)),
            None => Err(refuse("")),
        }
    }

    /// Parses `url` and [`check`](Self::check)s it.
    pub fn check_str(&self, url: &str) -> Result<Url, ScrapeError> {
        let parsed = Url::parse(url).map_err(|e| ScrapeError::InvalidUrl {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        self.check(&parsed)?;
        Ok(parsed)
    }
}

fn normalize(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_hosts_and_lookalikes() {
        let a = HostAllowList::wikiart();
        assert!(a.is_allowed_host("WWW.WikiArt.org"));
        assert!(a.is_allowed_host("uploads.wikiart.org"));
        assert!(a.is_allowed_host("uploads8.wikiart.org"));
        assert!(!a.is_allowed_host("uploadsx.wikiart.org"));
        assert!(!a.is_allowed_host("evilwikiart.org"));
        assert!(!a.is_allowed_host("127.0.0.1"));
        assert!(a.check_str("ftp://www.wikiart.org/x").is_err());
        assert!(a.check_str("file:///etc/passwd").is_err());
        let mut b = a.clone();
        b.allow("127.0.0.1");
        assert!(b.check_str("http://127.0.0.1:9999/x.jpg").is_ok());
        assert!(b.check_str("http://localhost:9999/x.jpg").is_err());
    }
}
