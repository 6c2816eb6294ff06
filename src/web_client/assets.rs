//! [`WebClient`]: the app's files, read into memory at start-up under a version that is a hash of
//! all of them, each compressed on first demand.

use super::encoding::Encoding;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The top-level entries of the web directory that are served; tooling beside them
/// (`package.json`, `node_modules/`, the browser tests, screenshots) never is.
const SERVED_DIRS: [&str; 4] = ["css", "js", "images", "vendor"];
/// What the page's references to its files say in place of the version.
const VERSION_PLACEHOLDER: &str = "{{version}}";
/// Versioned files never change under their URL.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The page, and files asked for under an old version, are checked on every use.
const REVALIDATE: &str = "no-cache";

/// One file, with its compressed forms once made.
struct Asset {
    content_type: &'static str,
    body: Bytes,
    /// A hash of the body: the entity tag of each of its forms.
    digest: String,
    compressible: bool,
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
}

impl Asset {
    fn new(content_type: &'static str, body: Vec<u8>) -> Self {
        let digest = hex::encode(&Sha256::digest(&body)[..12]);
        Self {
            content_type,
            compressible: content_type.starts_with("text/")
                || content_type.starts_with("image/svg"),
            digest,
            body: Bytes::from(body),
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// The body in `encoding`, or `None` when compressing does not make it smaller.
    fn encoded(&self, encoding: Encoding) -> Option<Bytes> {
        let compress = |cell: &OnceLock<Option<Bytes>>, compress: fn(&[u8]) -> Vec<u8>| {
            cell.get_or_init(|| {
                let compressed = compress(&self.body);
                (compressed.len() < self.body.len()).then(|| Bytes::from(compressed))
            })
            .clone()
        };
        match encoding {
            _ if !self.compressible => None,
            Encoding::Brotli => compress(&self.brotli, brotli_compress),
            Encoding::Gzip => compress(&self.gzip, gzip_compress),
            Encoding::Identity => None,
        }
    }

    /// The answer to `req`: 304 when the browser holds this very form of the file, else the
    /// file in the best encoding the browser accepts (each encoding its own entity tag).
    fn respond(&self, req: &HttpRequest, cache_control: &'static str) -> HttpResponse {
        let preferred = Encoding::preferred(req);
        let (encoding, body) = match self.encoded(preferred) {
            Some(body) => (preferred, body),
            None => (Encoding::Identity, self.body.clone()),
        };
        let etag = format!("\"{}{}\"", self.digest, encoding.etag_suffix());
        let held = held(req, &etag);
        let mut response = if held {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        response
            .insert_header((header::CACHE_CONTROL, cache_control))
            .insert_header((header::ETAG, etag))
            .insert_header((header::VARY, "Accept-Encoding"));
        if held {
            return response.finish();
        }
        if let Some(name) = encoding.header_value() {
            response.insert_header((header::CONTENT_ENCODING, name));
        }
        response.content_type(self.content_type).body(body)
    }
}

/// Whether `req`'s `If-None-Match` names `etag` (compared weakly, as a GET is) or is `*`.
fn held(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|tags| tags.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

fn gzip_compress(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    encoder.write_all(body).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

fn brotli_compress(body: &[u8]) -> Vec<u8> {
    let mut compressed = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &body[..], &mut compressed, &params).expect("brotli into memory");
    compressed
}

/// The served files of the web directory, read once.
pub(crate) struct WebClient {
    version: String,
    /// The page every app path answers; `None` when the directory holds no client.
    index: Option<Asset>,
    files: HashMap<String, Arc<Asset>>,
}

impl WebClient {
    /// Reads `dir`. A directory without `index.html` gives a server without a web client (and
    /// a warning), so the API can be served from anywhere.
    pub(crate) fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut paths = Vec::new();
        for top in SERVED_DIRS {
            collect(&dir.join(top), top, &mut paths)?;
        }
        paths.sort();
        let mut hasher = Sha256::new();
        let mut files = HashMap::new();
        for (relative, full) in paths {
            let Some(content_type) = content_type(&relative) else {
                continue;
            };
            let body = std::fs::read(&full)
                .map_err(|error| anyhow::anyhow!("BAZAAR_WEB_DIR: {}: {error}", full.display()))?;
            hasher.update(relative.as_bytes());
            hasher.update(&body);
            files.insert(relative, Arc::new(Asset::new(content_type, body)));
        }
        let index_path = dir.join("index.html");
        let index_html = match std::fs::read_to_string(&index_path) {
            Ok(html) => Some(html),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(dir = %dir.display(), "no index.html in BAZAAR_WEB_DIR: serving the API without the web client");
                None
            }
            Err(error) => anyhow::bail!("BAZAAR_WEB_DIR: {}: {error}", index_path.display()),
        };
        if let Some(html) = &index_html {
            hasher.update(html.as_bytes());
        }
        let version = hex::encode(&hasher.finalize()[..8]);
        let index = index_html.map(|html| {
            Asset::new(
                "text/html; charset=utf-8",
                html.replace(VERSION_PLACEHOLDER, &version).into_bytes(),
            )
        });
        Ok(Self {
            version,
            index,
            files,
        })
    }

    /// The app's page, unless there is no web client.
    pub(super) fn index(&self, req: &HttpRequest) -> Option<HttpResponse> {
        self.index
            .as_ref()
            .map(|page| page.respond(req, REVALIDATE))
    }
}

/// Adds every file under `dir` (named `relative` from the web directory) to `paths`; a missing
/// directory adds nothing.
fn collect(
    dir: &Path,
    relative: &str,
    paths: &mut Vec<(String, std::path::PathBuf)>,
) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => anyhow::bail!("BAZAAR_WEB_DIR: {}: {error}", dir.display()),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let child = format!("{relative}/{name}");
        if entry.file_type()?.is_dir() {
            collect(&path, &child, paths)?;
        } else {
            paths.push((child, path));
        }
    }
    Ok(())
}

/// The content type of a served file, by its extension; `None` for files that are not served.
pub(super) fn content_type(path: &str) -> Option<&'static str> {
    let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => return None,
    })
}

/// `GET /assets/{version}/{path}`: a file of the app. Under the current version it may be kept
/// for a year; under an older one (a page loaded before a deploy) it is still served, but must
/// be checked again.
pub(super) async fn serve(
    req: HttpRequest,
    client: web::Data<WebClient>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (version, file) = path.into_inner();
    let Some(asset) = client.files.get(&file).cloned() else {
        return HttpResponse::NotFound().finish();
    };
    let cache_control = if version == client.version {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    // Compressing a file the first time takes milliseconds: off the event loop, once.
    let encoding = Encoding::preferred(&req);
    let compressing = Arc::clone(&asset);
    if web::block(move || compressing.encoded(encoding))
        .await
        .is_err()
    {
        return HttpResponse::ServiceUnavailable().finish();
    }
    asset.respond(&req, cache_control)
}
