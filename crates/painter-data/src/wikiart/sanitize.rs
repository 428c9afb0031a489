//! Turning untrusted titles and slugs into safe file and folder names.
//!
//! Everything a server sends (titles, artist slugs) is reduced to lowercase ASCII letters, digits
//! and single hyphens, so no name can contain a path separator, `..`, a NUL byte or a drive
//! letter; Windows device names (`CON`, `NUL`, `COM1`, ...) get a suffix, and names are capped in
//! length. [`contained_path`] double-checks the result stays inside the output folder.

use std::path::{Component, Path, PathBuf};

/// The longest slug produced, in bytes (file names stay far below the usual 255-byte limit).
pub const MAX_SLUG_LEN: usize = 80;

const WINDOWS_RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Reduces `text` to a slug of `[a-z0-9-]`, at most [`MAX_SLUG_LEN`] bytes, never empty
/// (`fallback` is used when nothing is left) and never a Windows device name.
///
/// Common Latin accents are folded (`é` becomes `e`); any other character becomes a hyphen.
///
/// ```
/// use painter_data::wikiart::sanitize::slugify;
/// assert_eq!(slugify("The Starry Night", "untitled"), "the-starry-night");
/// assert_eq!(slugify("../../etc/passwd", "untitled"), "etc-passwd");
/// assert_eq!(slugify("CON", "untitled"), "con-");
/// assert_eq!(slugify("\0/..", "untitled"), "untitled");
/// ```
pub fn slugify(text: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_SLUG_LEN));
    let mut pending_dash = false;
    for c in text.chars() {
        let mapped = fold(c);
        match mapped {
            Some(m) => {
                if pending_dash && !out.is_empty() {
                    out.push('-');
                }
                pending_dash = false;
                out.push(m);
            }
            None => pending_dash = true,
        }
        if out.len() >= MAX_SLUG_LEN {
            break;
        }
    }
    out.truncate(MAX_SLUG_LEN);
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        // The fallback is trusted text, but run it through the same filter anyway.
        if fallback.is_empty() || fallback == text {
            return "untitled".to_string();
        }
        return slugify(fallback, "untitled");
    }
    if WINDOWS_RESERVED.contains(&out.as_str()) {
        out.push('-');
    }
    out
}

fn fold(c: char) -> Option<char> {
    let c = c.to_lowercase().next().unwrap_or(c);
    if c.is_ascii_lowercase() || c.is_ascii_digit() {
        return Some(c);
    }
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' | 'ß' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        'đ' | 'ď' => 'd',
        'ř' => 'r',
        'ť' => 't',
        _ => return None,
    };
    Some(folded)
}

/// The file name of a painting: `<title-slug>-<contentId>.<ext>` (the id keeps two paintings with
/// the same title apart). `ext` must be one of the extensions the scraper produces.
///
/// ```
/// use painter_data::wikiart::sanitize::painting_file_name;
/// assert_eq!(painting_file_name(Some("Sunflowers"), 42, "jpg"), "sunflowers-42.jpg");
/// assert_eq!(painting_file_name(None, 7, "png"), "untitled-7.png");
/// ```
pub fn painting_file_name(title: Option<&str>, content_id: i64, ext: &str) -> String {
    let ext = slugify(ext, "bin");
    format!("{}.{ext}", painting_stem(title, content_id))
}

/// The file name of a painting without its extension: `<title-slug>-<contentId>`.
pub fn painting_stem(title: Option<&str>, content_id: i64) -> String {
    format!("{}-{content_id}", slugify(title.unwrap_or(""), "untitled"))
}

/// Joins `relative` onto `root` only if every component of `relative` is a plain name, so the
/// result can never leave `root` (no `..`, no root or drive prefix, no empty path).
///
/// ```
/// use std::path::Path;
/// use painter_data::wikiart::sanitize::contained_path;
/// assert!(contained_path(Path::new("out"), Path::new("a/b.jpg")).is_some());
/// assert!(contained_path(Path::new("out"), Path::new("../b.jpg")).is_none());
/// assert!(contained_path(Path::new("out"), Path::new("/etc/passwd")).is_none());
/// ```
pub fn contained_path(root: &Path, relative: &Path) -> Option<PathBuf> {
    let mut n = 0;
    for c in relative.components() {
        match c {
            Component::Normal(part) => {
                let s = part.to_str()?;
                if s.contains('\0') || s.contains('\\') || s.contains(':') {
                    return None;
                }
                n += 1;
            }
            _ => return None,
        }
    }
    if n == 0 {
        return None;
    }
    Some(root.join(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_plain_slugs() {
        for (input, want) in [
            ("../../../etc/passwd", "etc-passwd"),
            ("a/b\\c", "a-b-c"),
            ("nul\0byte", "nul-byte"),
            ("NUL", "nul-"),
            ("com1", "com1-"),
            ("Lpt9", "lpt9-"),
            ("Café au lait", "cafe-au-lait"),
            ("...", "untitled"),
            ("", "untitled"),
            ("Портрет", "untitled"),
        ] {
            assert_eq!(slugify(input, "untitled"), want, "input {input:?}");
        }
        let long = "x".repeat(10_000);
        assert_eq!(slugify(&long, "untitled").len(), MAX_SLUG_LEN);
        let long_dashes = "a-".repeat(1_000);
        let s = slugify(&long_dashes, "untitled");
        assert!(s.len() <= MAX_SLUG_LEN && !s.ends_with('-'));
    }

    #[test]
    fn slugs_only_hold_safe_characters() {
        let nasty = "\u{202e}C:\\Windows\\..//\t\n<>|?*\"' ~`!@#$%^&()=+[]{};,.";
        let s = slugify(nasty, "untitled");
        assert!(s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    }
}
