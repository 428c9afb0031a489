//! End to end through the library entry the `scrape` example uses: two artists, standardize on
//! download, the summary line, and the fatal errors that make the example exit non-zero.

mod support;

use painter_data::wikiart::manifest::read_entries;
use painter_data::wikiart::{run_scrape, ScrapeError, StandardizeOnDownload, Status};
use painter_data::StandardizeMethod;
use support::*;

#[tokio::test]
async fn end_to_end_two_artists_with_standardize() {
    let s = TestServer::start().await;
    for (artist, n, seed) in [("vincent-van-gogh", 5, 10u8), ("rembrandt", 4, 50u8)] {
        let list: Vec<_> = (0..n)
            .map(|i| {
                painting(
                    i64::from(seed) * 1000 + i,
                    &format!("{artist} work {i}"),
                    &s.url(&format!("/images/{artist}/{i}.jpg!Large.jpg")),
                )
            })
            .collect();
        s.listing(artist, &serde_json::Value::Array(list));
        for i in 0..n {
            let w = 20 + 3 * i as u32;
            s.route(
                &format!("/images/{artist}/{i}.jpg!Large.jpg"),
                Reply::jpeg(jpeg_bytes(w, 16, seed + i as u8)),
            );
        }
    }
    // One painting per artist is broken on the server: recorded as failed, the run still ends well.
    s.route(
        "/images/rembrandt/3.jpg!Large.jpg",
        Reply::ok("text/html", b"<html/>".to_vec()),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("raw");
    let std_dir = dir.path().join("dataset");
    let mut cfg = test_config(&s, &["vincent-van-gogh", "rembrandt"], &out);
    cfg.max_per_artist = Some(4);
    cfg.standardize = Some(StandardizeOnDownload {
        out_dir: std_dir.clone(),
        size: 24,
        method: StandardizeMethod::Pad,
    });
    let sum = run_scrape(cfg.clone()).await.unwrap();
    assert_eq!(sum.to_string(), "scrape: downloaded=7 skipped=0 failed=1");
    let es = read_entries(&out.join("manifest.jsonl")).unwrap();
    assert_eq!(es.len(), 8);
    for e in es.iter().filter(|e| e.status == Some(Status::Downloaded)) {
        let rel = e.standardized.as_ref().expect("standardized path recorded");
        let img = image::open(std_dir.join(rel)).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (24, 24));
        assert!(rel.ends_with(".png"));
    }
    assert_eq!(all_files(&std_dir.join("vincent-van-gogh")).len(), 4);
    assert_eq!(all_files(&std_dir.join("rembrandt")).len(), 3);
    assert_eq!(
        s.hits("/images/vincent-van-gogh/4.jpg!Large.jpg"),
        0,
        "max per artist"
    );
    assert_clean_output(&out);

    // Resume with a deleted standardized copy: it is rebuilt from the download, nothing fetched.
    let victim = std_dir.join(es[0].standardized.as_ref().unwrap());
    std::fs::remove_file(&victim).unwrap();
    let hits = s.total_hits();
    let sum = run_scrape(cfg).await.unwrap();
    assert_eq!(sum.to_string(), "scrape: downloaded=0 skipped=7 failed=1");
    assert!(victim.is_file());
    assert_eq!(
        s.total_hits() - hits,
        2 + 1,
        "two listings and the failed painting only"
    );
}

#[tokio::test]
async fn fatal_errors_are_reported() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // The output "folder" is a file: nothing can be written.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, b"x").unwrap();
    let err = run_scrape(test_config(&s, &["a"], &blocker.join("out")))
        .await
        .unwrap_err();
    assert!(matches!(err, ScrapeError::Io(_)), "{err}");
    // Invalid configurations are refused before any request.
    let mut cfg = test_config(&s, &["a"], dir.path());
    cfg.concurrency = 0;
    assert!(matches!(
        run_scrape(cfg).await,
        Err(ScrapeError::InvalidConfig(_))
    ));
    let mut cfg = test_config(&s, &["a"], dir.path());
    cfg.base_url = "ftp://example.org".into();
    assert!(run_scrape(cfg).await.is_err());
    let cfg = test_config(&s, &[], dir.path());
    assert!(matches!(
        run_scrape(cfg).await,
        Err(ScrapeError::InvalidConfig(_))
    ));
    assert_eq!(s.total_hits(), 0);
}
