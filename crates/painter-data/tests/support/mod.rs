//! A real local test server for the WikiArt scraper tests: an axum server on 127.0.0.1 (random
//! port) that serves fixture JSON and generated images, plus a raw TCP server for misbehaviour
//! that HTTP libraries refuse to produce (a reset mid-body, a body shorter than its
//! Content-Length). Every request is counted per path so tests can assert what was fetched.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::Response;
use futures_util::stream;
use painter_data::wikiart::{HttpConfig, ScrapeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the axum server answers on a path.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete answer.
    Full {
        status: u16,
        content_type: String,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
    },
    /// A streamed body of `total` bytes (a JPEG header, then filler) in 64 KiB chunks, without
    /// Content-Length unless `announce` is set. Bytes handed to the server are counted.
    Huge { total: u64, announce: bool },
    /// A JPEG header, then one byte every `every`, forever.
    Slow { every: Duration },
    /// The n-th hit gets the n-th reply; the last one repeats.
    Seq(Vec<Reply>),
}

impl Reply {
    pub fn ok(content_type: &str, body: Vec<u8>) -> Self {
        Reply::Full {
            status: 200,
            content_type: content_type.to_string(),
            body,
            headers: Vec::new(),
        }
    }
    pub fn jpeg(body: Vec<u8>) -> Self {
        Self::ok("image/jpeg", body)
    }
    pub fn json(v: &serde_json::Value) -> Self {
        Self::ok("application/json", v.to_string().into_bytes())
    }
    pub fn status(status: u16) -> Self {
        Reply::Full {
            status,
            content_type: "text/plain".into(),
            body: format!("status {status}").into_bytes(),
            headers: Vec::new(),
        }
    }
    pub fn status_with(status: u16, headers: &[(&str, &str)]) -> Self {
        Reply::Full {
            status,
            content_type: "text/plain".into(),
            body: Vec::new(),
            headers: headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }
}

/// What the raw TCP server answers on a path.
#[derive(Clone, Debug)]
pub enum RawReply {
    /// Announce `announced` bytes, send `body`, then reset the connection (RST).
    Reset { announced: usize, body: Vec<u8> },
    /// Announce `announced` bytes, send the shorter `body`, then close cleanly.
    Short { announced: usize, body: Vec<u8> },
    /// A correct answer.
    Full { body: Vec<u8> },
    /// The n-th hit gets the n-th reply; the last one repeats.
    Seq(Vec<RawReply>),
}

#[derive(Default)]
pub struct State {
    routes: Mutex<HashMap<String, Reply>>,
    raw_routes: Mutex<HashMap<String, RawReply>>,
    hits: Mutex<HashMap<String, usize>>,
    requests: Mutex<Vec<String>>,
    pub streamed_bytes: AtomicU64,
}

pub struct TestServer {
    pub base: String,
    pub raw_base: String,
    pub state: Arc<State>,
}

impl TestServer {
    pub async fn start() -> Self {
        let state = Arc::new(State::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let st = Arc::clone(&state);
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let st = Arc::clone(&st);
            async move { handle(st, uri).await }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let raw = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let raw_addr = raw.local_addr().unwrap();
        let st = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = raw.accept().await else {
                    break;
                };
                let st = Arc::clone(&st);
                tokio::spawn(async move { handle_raw(st, sock).await });
            }
        });
        TestServer {
            base: format!("http://{addr}"),
            raw_base: format!("http://{raw_addr}"),
            state,
        }
    }

    /// Serves `reply` on `path_and_query` (matched exactly, or by path when no query matches).
    pub fn route(&self, path_and_query: &str, reply: Reply) {
        self.state
            .routes
            .lock()
            .unwrap()
            .insert(path_and_query.to_string(), reply);
    }

    pub fn raw_route(&self, path: &str, reply: RawReply) {
        self.state
            .raw_routes
            .lock()
            .unwrap()
            .insert(path.to_string(), reply);
    }

    /// Serves a painting list for `artist`.
    pub fn listing(&self, artist: &str, paintings: &serde_json::Value) {
        self.route(&listing_path(artist), Reply::json(paintings));
    }

    /// Requests received for `path` (path only, any query).
    pub fn hits(&self, path: &str) -> usize {
        self.state
            .hits
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub fn total_hits(&self) -> usize {
        self.state.hits.lock().unwrap().values().sum()
    }

    /// Every request's path and query exactly as received, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl TestServer {
    /// Lists artist `a`'s paintings `(id, title, image name)`, each image served (if routed) at
    /// [`img_path`] of its name.
    pub fn list_images(&self, paintings: &[(i64, &str, &str)]) {
        let paintings: Vec<serde_json::Value> = paintings
            .iter()
            .map(|&(id, title, name)| painting(id, title, &img_url(&self.base, name)))
            .collect();
        self.listing("a", &serde_json::Value::Array(paintings));
    }

    /// Body bytes the server has handed to its sockets so far, after a pause that lets the last
    /// writes land.
    pub async fn streamed_bytes(&self) -> u64 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        self.state.streamed_bytes.load(Ordering::SeqCst)
    }
}

/// Scrapes artist `a` from `server` into `out` with [`test_config`].
pub async fn scrape_a(server: &TestServer, out: &Path) -> painter_data::wikiart::ScrapeSummary {
    painter_data::wikiart::run_scrape(test_config(server, &["a"], out))
        .await
        .unwrap()
}

/// Where the test server serves the large version of image `name`.
pub fn img_path(name: &str) -> String {
    format!("/images/{name}.jpg!Large.jpg")
}

/// The URL of image `name` on a server at `base`.
pub fn img_url(base: &str, name: &str) -> String {
    format!("{base}{}", img_path(name))
}

/// Every entry of the manifest in `out`, in order.
pub fn entries(out: &Path) -> Vec<painter_data::wikiart::ManifestEntry> {
    painter_data::wikiart::manifest::read_entries(&out.join("manifest.jsonl")).unwrap()
}

/// The last manifest entry in `out` of painting `id`.
pub fn entry_for(out: &Path, id: i64) -> painter_data::wikiart::ManifestEntry {
    entries(out)
        .into_iter()
        .rev()
        .find(|e| e.painting.content_id == Some(id))
        .unwrap_or_else(|| panic!("no manifest entry for {id}"))
}

/// Asserts that painting `id`'s latest manifest entry is a failure whose reason names `cause`.
pub fn assert_failed_because(out: &Path, id: i64, cause: &str) {
    let e = entry_for(out, id);
    let reason = e.reason.unwrap_or_default();
    assert_eq!(
        e.status,
        Some(painter_data::wikiart::Status::Failed),
        "{id}: {reason}"
    );
    assert!(reason.contains(cause), "{id}: {reason}");
}

pub fn listing_path(artist: &str) -> String {
    format!("/en/App/Painting/PaintingsByArtist?artistUrl={artist}&json=2")
}

fn next_of<T: Clone>(seq: &[T], n: usize) -> Option<T> {
    seq.get(n).or_else(|| seq.last()).cloned()
}

async fn handle(st: Arc<State>, uri: Uri) -> Response {
    let path = uri.path().to_string();
    let full = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    st.requests.lock().unwrap().push(full.clone());
    let n = {
        let mut hits = st.hits.lock().unwrap();
        let c = hits.entry(path.clone()).or_insert(0);
        *c += 1;
        *c - 1
    };
    let reply = {
        let routes = st.routes.lock().unwrap();
        routes.get(&full).or_else(|| routes.get(&path)).cloned()
    };
    let Some(mut reply) = reply else {
        return respond(404, "text/plain", Body::from("not found"), &[]);
    };
    if let Reply::Seq(seq) = &reply {
        match next_of(seq, n) {
            Some(r) => reply = r,
            None => return respond(404, "text/plain", Body::from("empty seq"), &[]),
        }
    }
    match reply {
        Reply::Full {
            status,
            content_type,
            body,
            headers,
        } => respond(status, &content_type, Body::from(body), &headers),
        Reply::Huge { total, announce } => {
            let st2 = Arc::clone(&st);
            let s = stream::unfold(0u64, move |sent| {
                let st = Arc::clone(&st2);
                async move {
                    if sent >= total {
                        return None;
                    }
                    let n = (total - sent).min(64 * 1024) as usize;
                    let mut chunk = vec![0x55u8; n];
                    if sent == 0 {
                        chunk[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
                    }
                    st.streamed_bytes.fetch_add(n as u64, Ordering::SeqCst);
                    Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), sent + n as u64))
                }
            });
            let headers = if announce {
                vec![("content-length".to_string(), total.to_string())]
            } else {
                Vec::new()
            };
            respond(200, "image/jpeg", Body::from_stream(s), &headers)
        }
        Reply::Slow { every } => {
            let s = stream::unfold(0u64, move |i| async move {
                if i > 0 {
                    tokio::time::sleep(every).await;
                }
                let chunk = if i == 0 {
                    vec![0xFF, 0xD8, 0xFF, 0xE0]
                } else {
                    vec![0x00]
                };
                Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), i + 1))
            });
            respond(200, "image/jpeg", Body::from_stream(s), &[])
        }
        Reply::Seq(_) => respond(500, "text/plain", Body::from("nested seq"), &[]),
    }
}

fn respond(status: u16, ct: &str, body: Body, headers: &[(String, String)]) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_str(ct).unwrap());
    for (k, v) in headers {
        r.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    r
}

async fn handle_raw(st: Arc<State>, mut sock: tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut tmp).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
        if buf.len() > 64 * 1024 {
            return;
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let path = text
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_string();
    st.requests.lock().unwrap().push(path.clone());
    let n = {
        let mut hits = st.hits.lock().unwrap();
        let c = hits.entry(path.clone()).or_insert(0);
        *c += 1;
        *c - 1
    };
    let reply = st.raw_routes.lock().unwrap().get(&path).cloned();
    let reply = match reply {
        Some(RawReply::Seq(seq)) => next_of(&seq, n),
        other => other,
    };
    let head = |len: usize| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
        )
    };
    match reply {
        None | Some(RawReply::Seq(_)) => {
            let _ = sock
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
        }
        Some(RawReply::Full { body }) => {
            let _ = sock.write_all(head(body.len()).as_bytes()).await;
            let _ = sock.write_all(&body).await;
            let _ = sock.shutdown().await;
        }
        Some(RawReply::Short { announced, body }) => {
            let _ = sock.write_all(head(announced).as_bytes()).await;
            let _ = sock.write_all(&body).await;
            let _ = sock.flush().await;
            let _ = sock.shutdown().await;
        }
        Some(RawReply::Reset { announced, body }) => {
            let _ = sock.write_all(head(announced).as_bytes()).await;
            let _ = sock.write_all(&body).await;
            let _ = sock.flush().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            // SO_LINGER 0: closing sends RST instead of FIN.
            #[allow(deprecated)]
            let _ = sock.set_linger(Some(Duration::ZERO));
            drop(sock);
        }
    }
}

/// A small RGB test image (a gradient) encoded as JPEG.
pub fn jpeg_bytes(w: u32, h: u32, seed: u8) -> Vec<u8> {
    encode(w, h, seed, image::ImageFormat::Jpeg)
}

/// A small RGB test image encoded as PNG.
pub fn png_bytes(w: u32, h: u32, seed: u8) -> Vec<u8> {
    encode(w, h, seed, image::ImageFormat::Png)
}

fn encode(w: u32, h: u32, seed: u8, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A painting object as WikiArt's list sends it.
pub fn painting(id: i64, title: &str, image: &str) -> serde_json::Value {
    serde_json::json!({
        "title": title,
        "contentId": id,
        "artistContentId": 1234,
        "artistName": "Test Artist",
        "completitionYear": 1889,
        "yearAsString": "1889",
        "width": 32,
        "height": 24,
        "image": image,
    })
}

/// A scrape configuration for tests: no rate limit, short timeouts and backoffs, no progress bar.
pub fn test_config(server: &TestServer, artists: &[&str], out: &Path) -> ScrapeConfig {
    let mut c = ScrapeConfig::new(artists.iter().map(|s| s.to_string()).collect(), out);
    c.base_url = server.base.clone();
    c.rate_limit = None;
    c.progress = false;
    c.concurrency = 4;
    c.max_image_bytes = 1 << 20;
    c.http = HttpConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        read_idle_timeout: Duration::from_millis(500),
        max_retries: 3,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
        retry_after_cap: Duration::from_secs(3),
        max_json_bytes: 1 << 20,
        user_agent: "painter-data-tests".into(),
    };
    c
}

/// Every regular file under `root`, recursively.
pub fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

/// Asserts the output folder holds only the manifest and complete, decodable images whose SHA-256
/// matches the manifest; no `.part` or temporary file is left behind.
pub fn assert_clean_output(out: &Path) {
    use painter_data::wikiart::manifest::read_entries;
    use painter_data::wikiart::Status;
    let entries = read_entries(&out.join("manifest.jsonl")).unwrap();
    for f in all_files(out) {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            !name.ends_with(".part") && !name.ends_with(".tmp"),
            "left-over file {f:?}"
        );
        if name == "manifest.jsonl" {
            continue;
        }
        let rel = f
            .strip_prefix(out)
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy().to_string())
            .collect::<Vec<_>>()
            .join("/");
        let e = entries
            .iter()
            .rev()
            .find(|e| e.path.as_deref() == Some(rel.as_str()))
            .unwrap_or_else(|| panic!("file {rel} is not in the manifest"));
        assert_eq!(e.status, Some(Status::Downloaded));
        let data = std::fs::read(&f).unwrap();
        assert_eq!(e.bytes, Some(data.len() as u64));
        assert_eq!(
            e.sha256.as_deref(),
            Some(
                painter_data::wikiart::download::sha256_file(&f)
                    .unwrap()
                    .as_str()
            )
        );
        painter_data::decode_rgb(&data, &painter_data::DecodeLimits::default())
            .expect("every kept file decodes");
    }
}
