//! Streaming image downloads: byte limit enforced while streaming, `.part` file, verification
//! (content type, magic bytes, decoding, length), SHA-256, then an atomic rename.

use painter_io::FileError;
use std::io::Read;
use std::path::{Path, PathBuf};

use image::{ImageFormat, RgbImage};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use url::Url;

use super::client::{map_reqwest, AttemptError, HttpClient};
use super::error::ScrapeError;
use crate::decode::{decode_rgb, sniff_format, DecodeLimits};

/// A verified image on disk.
#[derive(Debug, Clone)]
pub struct Downloaded {
    /// The final file (`<stem>.<ext>`).
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Lowercase hex SHA-256 of its content.
    pub sha256: String,
    /// The format found from its magic bytes.
    pub format: ImageFormat,
    /// The decoded pixels, kept only when asked for (to standardize them).
    pub image: Option<RgbImage>,
}

/// The file extension written for a format.
pub fn extension_for(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "jpg",
        ImageFormat::Png => "png",
        ImageFormat::WebP => "webp",
        ImageFormat::Gif => "gif",
        ImageFormat::Bmp => "bmp",
        ImageFormat::Tiff => "tif",
        _ => "img",
    }
}

/// Whether a `Content-Type` may carry an image: `image/*`, or the generic binary types some
/// servers use. A missing header is accepted (the magic bytes decide).
pub fn acceptable_content_type(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let main = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    main.starts_with("image/")
        || main == "application/octet-stream"
        || main == "binary/octet-stream"
        || main.is_empty()
}

/// Lowercase hex of a digest.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file, streamed (lowercase hex).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or(&[]));
    }
    Ok(to_hex(&hasher.finalize()))
}

/// What to verify and keep while downloading.
#[derive(Debug, Clone, Copy)]
pub struct DownloadOptions {
    /// The largest accepted body in bytes; reading stops as soon as it is exceeded.
    pub max_bytes: u64,
    /// Limits for the verification decode.
    pub decode_limits: DecodeLimits,
    /// Keep the decoded pixels in [`Downloaded::image`].
    pub keep_image: bool,
}

/// The `.part` path used while `<stem>` is downloading.
pub fn part_path(stem: &Path) -> PathBuf {
    let mut s = stem.as_os_str().to_os_string();
    s.push(".part");
    PathBuf::from(s)
}

/// Downloads `url` to `<stem>.<ext>` (the extension follows the magic bytes), with the client's
/// retries. The body streams into `<stem>.part`; only a complete, verified file is renamed into
/// place, so the final path never holds a partial or unverified image. Any failure removes the
/// `.part` file.
pub async fn download_image(
    client: &HttpClient,
    url: &Url,
    stem: &Path,
    opts: &DownloadOptions,
) -> Result<Downloaded, ScrapeError> {
    let part = part_path(stem);
    let result = client
        .with_retries(|| attempt(client, url, &part, opts))
        .await;
    let result = match result {
        Ok((bytes, sha256)) => finish(url, stem, &part, bytes, sha256, opts).await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        let _ = tokio::fs::remove_file(&part).await;
    }
    result
}

/// One attempt: request, checks, stream into the `.part` file. Returns the byte count and hash.
async fn attempt(
    client: &HttpClient,
    url: &Url,
    part: &Path,
    opts: &DownloadOptions,
) -> Result<(u64, String), AttemptError> {
    let mut resp = client.get_once(url).await?;
    let u = || url.to_string();
    let ct = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("<non-ASCII>").to_string());
    if !acceptable_content_type(ct.as_deref()) {
        return Err(ScrapeError::NotAnImage {
            url: u(),
            message: format!("content type {:?}", ct.unwrap_or_default()),
        }
        .into());
    }
    let expected = resp.content_length();
    if expected.is_some_and(|n| n > opts.max_bytes) {
        return Err(ScrapeError::TooLarge {
            url: u(),
            limit: opts.max_bytes,
        }
        .into());
    }
    if let Some(parent) = part.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(FileError::at(parent))?;
    }
    let mut file = tokio::fs::File::create(part)
        .await
        .map_err(FileError::at(part))?;
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut head: Vec<u8> = Vec::with_capacity(32);
    let mut sniffed = false;
    let idle = client.config().read_idle_timeout;
    loop {
        let chunk = tokio::time::timeout(idle, resp.chunk())
            .await
            .map_err(|_| ScrapeError::Timeout {
                what: "read idle",
                url: u(),
            })?
            .map_err(|e| map_reqwest(url, &e))?;
        let Some(chunk) = chunk else { break };
        received += chunk.len() as u64;
        if received > opts.max_bytes {
            // Dropping the response closes the connection: nothing more is read.
            return Err(ScrapeError::TooLarge {
                url: u(),
                limit: opts.max_bytes,
            }
            .into());
        }
        if !sniffed {
            let want = 32usize.saturating_sub(head.len()).min(chunk.len());
            head.extend_from_slice(chunk.get(..want).unwrap_or(&[]));
            if head.len() >= 32 {
                check_magic(url, &head)?;
                sniffed = true;
            }
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(FileError::at(part))?;
    }
    if let Some(n) = expected {
        if received < n {
            return Err(ScrapeError::Truncated {
                url: u(),
                expected: n,
                received,
            }
            .into());
        }
    }
    if !sniffed {
        check_magic(url, &head)?;
    }
    file.flush().await.map_err(FileError::at(part))?;
    file.sync_all().await.map_err(FileError::at(part))?;
    Ok((received, to_hex(&hasher.finalize())))
}

fn check_magic(url: &Url, head: &[u8]) -> Result<ImageFormat, ScrapeError> {
    sniff_format(head).map_err(|e| {
        let preview: String = head
            .iter()
            .take(16)
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        ScrapeError::NotAnImage {
            url: url.to_string(),
            message: format!("{e}; starts with {preview:?}"),
        }
    })
}

/// Decodes the `.part` file (off the async threads), then renames it to its final name.
async fn finish(
    url: &Url,
    stem: &Path,
    part: &Path,
    bytes: u64,
    sha256: String,
    opts: &DownloadOptions,
) -> Result<Downloaded, ScrapeError> {
    let part_owned = part.to_path_buf();
    let limits = opts.decode_limits;
    let keep = opts.keep_image;
    let url_s = url.to_string();
    let verified = tokio::task::spawn_blocking(
        move || -> Result<(ImageFormat, Option<RgbImage>), ScrapeError> {
            let data = std::fs::read(&part_owned).map_err(FileError::at(&part_owned))?;
            let format = sniff_format(&data).map_err(|e| ScrapeError::NotAnImage {
                url: url_s.clone(),
                message: e.to_string(),
            })?;
            let img = decode_rgb(&data, &limits).map_err(|source| ScrapeError::Decode {
                url: url_s.clone(),
                source,
            })?;
            Ok((format, keep.then_some(img)))
        },
    )
    .await
    .map_err(|e| {
        FileError::new(
            part,
            std::io::Error::other(format!("verification task failed: {e}")),
        )
    })??;
    let (format, image) = verified;
    let mut name = stem.as_os_str().to_os_string();
    name.push(".");
    name.push(extension_for(format));
    let path = PathBuf::from(name);
    tokio::fs::rename(part, &path)
        .await
        .map_err(FileError::at(&path))?;
    Ok(Downloaded {
        path,
        bytes,
        sha256,
        format,
        image,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert!(acceptable_content_type(Some("image/jpeg")));
        assert!(acceptable_content_type(Some("Image/PNG; charset=binary")));
        assert!(acceptable_content_type(Some("application/octet-stream")));
        assert!(acceptable_content_type(None));
        assert!(!acceptable_content_type(Some("text/html; charset=utf-8")));
        assert!(!acceptable_content_type(Some("application/json")));
    }

    #[test]
    fn sha256_of_known_input() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
