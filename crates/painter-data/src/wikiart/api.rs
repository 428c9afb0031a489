//! WikiArt's JSON API: endpoints, response types and image-size URL variants.
//!
//! Responses from a hostile or broken server are parsed leniently field by field: a missing,
//! `null` or wrongly typed optional field becomes `None` instead of failing the whole list, and
//! integers (notably `contentId`, which can be close to `i64::MAX`) are read as integers, never
//! through `f64`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use url::Url;

use super::client::HttpClient;
use super::error::ScrapeError;

/// WikiArt's public site, the default base URL.
pub const DEFAULT_BASE_URL: &str = "https://www.wikiart.org";

/// Path and query of the "paintings by artist" list for `artist_slug` (the slug is percent-encoded).
///
/// ```
/// use painter_data::wikiart::api::paintings_by_artist_path;
/// assert_eq!(
///     paintings_by_artist_path("vincent-van-gogh"),
///     "/en/App/Painting/PaintingsByArtist?artistUrl=vincent-van-gogh&json=2"
/// );
/// ```
pub fn paintings_by_artist_path(artist_slug: &str) -> String {
    format!(
        "/en/App/Painting/PaintingsByArtist?artistUrl={}&json=2",
        encode_component(artist_slug)
    )
}

/// Path of one painting's details.
pub fn painting_details_path(content_id: i64) -> String {
    format!("/en/App/Painting/ImageJson/{content_id}")
}

/// Path and query of the list of public-domain artists.
pub const ARTIST_LIST_PATH: &str = "/en/App/Artist/AlphabetJson?v=new&inPublicDomain=true";

/// Path and query of the v2 API login (the codes are percent-encoded).
pub fn v2_login_path(access_code: &str, secret_code: &str) -> String {
    format!(
        "/en/Api/2/login?accessCode={}&secretCode={}",
        encode_component(access_code),
        encode_component(secret_code)
    )
}

/// Appends `&paginationToken=<token>` to a v2 path. The token arrives already percent-encoded from
/// the server, so it is inserted verbatim; only characters that could break the query apart
/// (space, `&`, `#`, control characters, non-ASCII) are escaped. A `%` is never re-encoded.
///
/// ```
/// use painter_data::wikiart::api::with_pagination_token;
/// assert_eq!(
///     with_pagination_token("/en/api/2/PaintingsByArtist?id=1", "ab%2Bc%3D%3D"),
///     "/en/api/2/PaintingsByArtist?id=1&paginationToken=ab%2Bc%3D%3D"
/// );
/// ```
pub fn with_pagination_token(path_and_query: &str, token: &str) -> String {
    const UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'&')
        .add(b'#')
        .add(b'"')
        .add(b'<')
        .add(b'>');
    let sep = if path_and_query.contains('?') {
        '&'
    } else {
        '?'
    };
    format!(
        "{path_and_query}{sep}paginationToken={}",
        percent_encoding::utf8_percent_encode(token, UNSAFE)
    )
}

fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
        .replace("%5F", "_")
        .replace("%2E", ".")
}

/// One painting as listed by `PaintingsByArtist` (and, with more fields, by `ImageJson`).
///
/// Every field is optional: WikiArt omits or nulls fields (no year, no image), and a hostile server
/// may send anything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Painting {
    /// The title.
    #[serde(default, deserialize_with = "lenient_string")]
    pub title: Option<String>,
    /// WikiArt's id of the painting (a 64-bit integer, often close to `i64::MAX`).
    #[serde(default, deserialize_with = "lenient_id")]
    pub content_id: Option<i64>,
    /// WikiArt's id of the artist.
    #[serde(default, deserialize_with = "lenient_id")]
    pub artist_content_id: Option<i64>,
    /// The artist's display name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub artist_name: Option<String>,
    /// The year the painting was completed (WikiArt spells it `completitionYear`).
    #[serde(default, deserialize_with = "lenient_i32")]
    pub completition_year: Option<i32>,
    /// The year as free text (`"c.1889"`).
    #[serde(default, deserialize_with = "lenient_string")]
    pub year_as_string: Option<String>,
    /// Width in pixels of the original image.
    #[serde(default, deserialize_with = "lenient_u32")]
    pub width: Option<u32>,
    /// Height in pixels of the original image.
    #[serde(default, deserialize_with = "lenient_u32")]
    pub height: Option<u32>,
    /// The image URL (usually with a size suffix such as `!Large.jpg`).
    #[serde(default, deserialize_with = "lenient_string")]
    pub image: Option<String>,
    /// The painting's slug on WikiArt (details only).
    #[serde(default, deserialize_with = "lenient_string")]
    pub url: Option<String>,
    /// The style (details only).
    #[serde(default, deserialize_with = "lenient_string")]
    pub style: Option<String>,
    /// The genre (details only).
    #[serde(default, deserialize_with = "lenient_string")]
    pub genre: Option<String>,
}

/// One artist of the `AlphabetJson` list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtistSummary {
    /// WikiArt's id of the artist.
    #[serde(default, deserialize_with = "lenient_id")]
    pub content_id: Option<i64>,
    /// The display name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub artist_name: Option<String>,
    /// The artist's slug (`vincent-van-gogh`), used by `PaintingsByArtist`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub url: Option<String>,
}

/// The v2 API login answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V2Session {
    /// The session key to pass as `authSessionKey`.
    #[serde(rename = "SessionKey")]
    pub session_key: String,
}

/// One page of a paginated v2 answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct V2Page<T> {
    /// The items of this page.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// The token of the next page, already percent-encoded by the server.
    #[serde(default)]
    pub pagination_token: Option<String>,
    /// Whether another page follows.
    #[serde(default)]
    pub has_more: bool,
}

/// Parses a JSON array of paintings leniently: the array itself must parse, but each element is
/// converted on its own, so one broken element (say, an object with a string where the id should
/// be a number) yields an `Err` entry instead of losing the whole list.
pub fn parse_painting_list(
    url: &str,
    body: &[u8],
) -> Result<Vec<Result<Painting, String>>, ScrapeError> {
    let values: Vec<Value> = serde_json::from_slice(body).map_err(|e| ScrapeError::Json {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    Ok(values
        .into_iter()
        .map(|v| {
            if v.is_object() {
                serde_json::from_value::<Painting>(v).map_err(|e| e.to_string())
            } else {
                Err(format!("list element is not an object: {}", short(&v)))
            }
        })
        .collect())
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        let mut end = 60;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.trim().is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Integers from JSON numbers (exactly, never through `f64`) or decimal strings. Floats, booleans,
/// out-of-range numbers and anything else are treated as absent.
fn value_to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(value_to_i64(&Value::deserialize(d)?))
}

fn lenient_i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    Ok(value_to_i64(&Value::deserialize(d)?).and_then(|v| i32::try_from(v).ok()))
}

fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let v = Value::deserialize(d)?;
    let n = match &v {
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
            .map(|f| f as i64),
        _ => value_to_i64(&v),
    };
    Ok(n.and_then(|v| u32::try_from(v).ok()))
}

/// The image sizes WikiArt serves, selected by a suffix on the image URL (`...jpg!Large.jpg`).
///
/// Named as the variants (`Original`, `HalfHD`, ...); parsed from those names in any case.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[strum(ascii_case_insensitive)]
#[strum(parse_err_ty = ScrapeError, parse_err_fn = unknown_size)]
pub enum ImageSize {
    /// The original file (no suffix).
    Original,
    /// `!HD` (about 1920 px).
    HD,
    /// `!HalfHD` (about 960 px).
    HalfHD,
    /// `!Large` (about 750 px), the default.
    #[default]
    Large,
    /// `!PinterestLarge`.
    PinterestLarge,
    /// `!Blog` (about 500 px).
    Blog,
    /// `!PinterestSmall` (about 240 px).
    PinterestSmall,
    /// `!PortraitSmall` (small thumbnail).
    PortraitSmall,
}

impl ImageSize {
    /// All sizes, in the order they are tried after the chosen one (closest to "large" first);
    /// [`ImageSize::Original`] is tried last.
    pub const FALLBACK_ORDER: [ImageSize; 8] = [
        ImageSize::Large,
        ImageSize::HalfHD,
        ImageSize::HD,
        ImageSize::PinterestLarge,
        ImageSize::Blog,
        ImageSize::PinterestSmall,
        ImageSize::PortraitSmall,
        ImageSize::Original,
    ];

    /// The suffix name (`Large`), or `None` for the original.
    pub fn suffix(&self) -> Option<&'static str> {
        match self {
            ImageSize::Original => None,
            size => Some(size.into()),
        }
    }
}

fn unknown_size(name: &str) -> ScrapeError {
    ScrapeError::InvalidConfig(format!(
        "unknown image size {name:?} (expected one of Original, HD, HalfHD, Large, PinterestLarge, Blog, PinterestSmall, PortraitSmall)"
    ))
}

/// The URLs to try for an image, best first: the `preferred` size, then the other sizes in
/// [`ImageSize::FALLBACK_ORDER`], the original last. Each entry is `(size, url)`.
///
/// The size suffix is whatever follows the last `!` of the URL's last path segment; an URL
/// without a suffix is treated as the original.
///
/// ```
/// use painter_data::wikiart::api::{image_url_variants, ImageSize};
/// let v = image_url_variants("https://uploads1.wikiart.org/images/a/b.jpg!Large.jpg", ImageSize::HD);
/// assert_eq!(v[0].1, "https://uploads1.wikiart.org/images/a/b.jpg!HD.jpg");
/// assert_eq!(v[1].1, "https://uploads1.wikiart.org/images/a/b.jpg!Large.jpg");
/// assert_eq!(v.last().unwrap().1, "https://uploads1.wikiart.org/images/a/b.jpg");
/// ```
pub fn image_url_variants(image_url: &str, preferred: ImageSize) -> Vec<(ImageSize, String)> {
    // Split off a query or fragment; WikiArt's URLs have none, but keep them if present.
    let (main, rest) = match image_url.find(['?', '#']) {
        Some(i) => image_url.split_at(i),
        None => (image_url, ""),
    };
    let seg_start = main.rfind('/').map(|i| i + 1).unwrap_or(0);
    let original = match main[seg_start..].find('!') {
        Some(bang) => &main[..seg_start + bang],
        None => main,
    };
    let ext = original
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, e)| e)
        .filter(|e| !e.is_empty() && e.len() <= 5 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or("jpg");
    let build = |size: ImageSize| match size.suffix() {
        Some(sfx) => format!("{original}!{sfx}.{ext}{rest}"),
        None => format!("{original}{rest}"),
    };
    let mut out = vec![(preferred, build(preferred))];
    for size in ImageSize::FALLBACK_ORDER {
        if size != preferred {
            out.push((size, build(size)));
        }
    }
    out
}

/// WikiArt's endpoints on top of an [`HttpClient`] and a base URL.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: HttpClient,
    base: Url,
}

impl ApiClient {
    /// A client for the API at `base` (e.g. [`DEFAULT_BASE_URL`]).
    pub fn new(http: HttpClient, base: &str) -> Result<Self, ScrapeError> {
        let base = parse_base_url(base)?;
        Ok(Self { http, base })
    }

    /// The underlying HTTP client.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Resolves a path-and-query (starting with `/`) against the base URL, keeping the query
    /// exactly as written.
    pub fn url_for(&self, path_and_query: &str) -> Result<Url, ScrapeError> {
        self.base
            .join(path_and_query)
            .map_err(|e| ScrapeError::InvalidUrl {
                url: path_and_query.to_string(),
                message: e.to_string(),
            })
    }

    /// The paintings of one artist. The outer list must be valid JSON; each element is parsed on
    /// its own (see [`parse_painting_list`]).
    pub async fn paintings_by_artist(
        &self,
        artist_slug: &str,
    ) -> Result<Vec<Result<Painting, String>>, ScrapeError> {
        let url = self.url_for(&paintings_by_artist_path(artist_slug))?;
        let body = self.http.get_bytes(&url).await?;
        parse_painting_list(url.as_str(), &body)
    }

    /// One painting's details (adds `style`, `genre`, `url`, ...).
    pub async fn painting_details(&self, content_id: i64) -> Result<Painting, ScrapeError> {
        let url = self.url_for(&painting_details_path(content_id))?;
        self.http.get_json(&url).await
    }

    /// The public-domain artists.
    pub async fn artists(&self) -> Result<Vec<ArtistSummary>, ScrapeError> {
        let url = self.url_for(ARTIST_LIST_PATH)?;
        self.http.get_json(&url).await
    }

    /// Logs in to the v2 API and returns the session.
    pub async fn v2_login(
        &self,
        access_code: &str,
        secret_code: &str,
    ) -> Result<V2Session, ScrapeError> {
        let url = self.url_for(&v2_login_path(access_code, secret_code))?;
        self.http.get_json(&url).await
    }

    /// Fetches every page of a paginated v2 endpoint (`path_and_query`, e.g.
    /// `/en/api/2/PaintingsByArtist?id=...`), passing `authSessionKey` and, from the second page
    /// on, the server's `paginationToken` verbatim. Stops after `max_pages` pages, or when a page
    /// says `hasMore: false` or carries no token.
    pub async fn v2_all_pages<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
        session: &V2Session,
        max_pages: usize,
    ) -> Result<Vec<T>, ScrapeError> {
        let sep = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let first = format!(
            "{path_and_query}{sep}authSessionKey={}",
            encode_component(&session.session_key)
        );
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..max_pages {
            let pq = match &token {
                Some(t) => with_pagination_token(&first, t),
                None => first.clone(),
            };
            let url = self.url_for(&pq)?;
            let page: V2Page<T> = self.http.get_json(&url).await?;
            out.extend(page.data);
            match page.pagination_token {
                Some(t) if page.has_more && !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        Ok(out)
    }
}

/// Parses and checks a base URL (`http` or `https`, with a host).
pub fn parse_base_url(base: &str) -> Result<Url, ScrapeError> {
    let url = Url::parse(base).map_err(|e| ScrapeError::InvalidUrl {
        url: base.to_string(),
        message: e.to_string(),
    })?;
    if (url.scheme() != "http" && url.scheme() != "https") || url.host_str().is_none() {
        return Err(ScrapeError::InvalidUrl {
            url: base.to_string(),
            message: "expected an http(s) URL with a host".into(),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_id_near_i64_max_is_exact() {
        let body = br#"[{"title":"A","contentId":9223372036854775806,"completitionYear":null},
                       {"title":"B","contentId":"9223372036854775807"},
                       {"title":"C","contentId":1.5e18},
                       {"contentId":18446744073709551615},
                       "not an object"]"#;
        let list = parse_painting_list("u", body).unwrap();
        assert_eq!(list.len(), 5);
        let a = list[0].as_ref().unwrap();
        assert_eq!(a.content_id, Some(9_223_372_036_854_775_806));
        assert_eq!(a.completition_year, None);
        assert_eq!(list[1].as_ref().unwrap().content_id, Some(i64::MAX));
        assert_eq!(
            list[2].as_ref().unwrap().content_id,
            None,
            "floats are not ids"
        );
        assert_eq!(
            list[3].as_ref().unwrap().content_id,
            None,
            "out of i64 range"
        );
        assert!(list[4].is_err());
    }

    #[test]
    fn malformed_json_is_an_error() {
        assert!(matches!(
            parse_painting_list("u", b"[{\"title\": "),
            Err(ScrapeError::Json { .. })
        ));
        assert!(parse_painting_list("u", b"{\"a\":1}").is_err());
    }

    #[test]
    fn variants_without_suffix() {
        let v = image_url_variants("http://h/images/x/y.png", ImageSize::Large);
        assert_eq!(v[0].1, "http://h/images/x/y.png!Large.png");
        assert_eq!(
            v.last().unwrap(),
            &(ImageSize::Original, "http://h/images/x/y.png".to_string())
        );
        assert_eq!(v.len(), 8);
        assert_eq!("halfhd".parse::<ImageSize>().unwrap(), ImageSize::HalfHD);
        for size in ImageSize::FALLBACK_ORDER {
            assert_eq!(size.to_string().parse::<ImageSize>().unwrap(), size);
            assert_eq!(
                size.suffix(),
                (size != ImageSize::Original)
                    .then(|| size.to_string())
                    .as_deref()
            );
        }
        assert_eq!(ImageSize::PinterestLarge.suffix(), Some("PinterestLarge"));
        let err = "huge".parse::<ImageSize>().unwrap_err().to_string();
        assert!(
            err.contains("unknown image size \"huge\" (expected one of Original"),
            "{err}"
        );
    }
}
