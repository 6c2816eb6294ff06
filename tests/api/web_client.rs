//! The web client as a browser fetches it: the page at every app path, its files versioned,
//! compressed and cached, media files served as images only, and the security headers on all.

use crate::helpers::spawn_app;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH, VARY,
};
use std::io::Read;

/// The version in the page's script URL: `/assets/<version>/js/main.js`.
fn asset_version(page: &str) -> String {
    let start = page.find("/assets/").expect("the page links its assets") + "/assets/".len();
    page[start..].split('/').next().unwrap().to_owned()
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .map(|value| value.to_str().unwrap())
        .unwrap_or_default()
}

#[actix_web::test]
async fn every_app_path_answers_the_page_and_api_paths_stay_problems() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/products/0190c0de-1111-7000-8000-000000000000",
        "/seller/orders",
        "/search?q=lamp",
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(&response, CONTENT_TYPE),
            "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(header(&response, CACHE_CONTROL), "no-cache", "{path}");
        assert!(header(&response, CONTENT_SECURITY_POLICY).contains("default-src 'self'"));
        let page = response.text().await.unwrap();
        assert!(
            page.contains(r#"<script type="module" src="/assets/"#),
            "{path}"
        );
        assert!(!page.contains("{{version}}"), "the version is filled in");
    }
    for path in [
        "/api",
        "/api/v1/nothing-here",
        "/favicon.ico",
        "/assets/nope/js/missing.js",
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            header(&response, CONTENT_TYPE),
            "application/problem+json",
            "{path}"
        );
    }
    let response = app
        .request(reqwest::Method::POST, "/seller/orders", None, None)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "a page is only read"
    );
}

#[actix_web::test]
async fn assets_are_versioned_compressed_and_kept_for_a_year() {
    let app = spawn_app().await;
    let page = app.get("/", None).await.text().await.unwrap();
    let version = asset_version(&page);
    let url = app.url(&format!("/assets/{version}/js/main.js"));
    let get = |encoding: &'static str| {
        app.client
            .get(&url)
            .header(ACCEPT_ENCODING, encoding)
            .send()
    };

    let plain = get("identity").await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(
        header(&plain, CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header(&plain, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&plain, CONTENT_ENCODING), "");
    let etag = header(&plain, ETAG).to_owned();
    let source = plain.bytes().await.unwrap();
    assert!(std::str::from_utf8(&source).unwrap().contains("import"));

    let brotli = get("gzip, deflate, br").await.unwrap();
    assert_eq!(header(&brotli, CONTENT_ENCODING), "br");
    let mut unpacked = Vec::new();
    brotli::Decompressor::new(&brotli.bytes().await.unwrap()[..], 4096)
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, source);

    let gzip = get("gzip").await.unwrap();
    assert_eq!(header(&gzip, CONTENT_ENCODING), "gzip");
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&gzip.bytes().await.unwrap()[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, source);

    let again = app
        .client
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, VARY), "Accept-Encoding");
    let weakly = app
        .client
        .get(&url)
        .header(IF_NONE_MATCH, format!("W/{etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        weakly.status(),
        StatusCode::NOT_MODIFIED,
        "a proxy may weaken the tag"
    );
    let other_form = app
        .client
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(
        other_form.status(),
        StatusCode::OK,
        "the brotli form is another entity than the plain one"
    );

    let styles = app
        .get(&format!("/assets/{version}/css/app.css"), None)
        .await;
    assert_eq!(header(&styles, CONTENT_TYPE), "text/css; charset=utf-8");
    let stale = app.get("/assets/0000000000000000/js/main.js", None).await;
    assert_eq!(
        stale.status(),
        StatusCode::OK,
        "a page from before a deploy still loads"
    );
    assert_eq!(header(&stale, CACHE_CONTROL), "no-cache");
    for tooling in [
        "package.json",
        "tests/harness.js",
        "tsconfig.json",
        "node_modules/axe-core/axe.min.js",
    ] {
        let response = app.get(&format!("/assets/{version}/{tooling}"), None).await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{tooling} is not served"
        );
    }
}

#[actix_web::test]
async fn media_files_are_images_from_the_media_directory_only() {
    let app = spawn_app().await;
    let dir = &app.settings.media_dir;
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("lamp.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#,
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "private").unwrap();

    let image = app.get("/media/lamp.svg", None).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(header(&image, CONTENT_TYPE), "image/svg+xml");
    assert!(
        header(&image, CONTENT_SECURITY_POLICY).contains("sandbox"),
        "an SVG opened on its own runs nothing"
    );
    for path in [
        "/media/notes.txt",
        "/media/missing.svg",
        "/media/..%2Flamp.svg",
        "/media/.lamp.svg",
    ] {
        assert_eq!(
            app.get(path, None).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}
