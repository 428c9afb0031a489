//! Resuming: a second run skips what is complete and verified, retries what failed, re-fetches a
//! file damaged on disk, and a run killed mid-way loses nothing it had finished.

mod support;

use std::io::Write;
use std::time::Duration;

use painter_data::wikiart::manifest::read_entries;
use painter_data::wikiart::{run_scrape, Status};
use support::*;

fn path(i: usize) -> String {
    format!("/i/{i}.jpg!Large.jpg")
}

fn setup(s: &TestServer, n: usize) {
    let list: Vec<_> = (0..n)
        .map(|i| painting(1000 + i as i64, &format!("Painting {i}"), &s.url(&path(i))))
        .collect();
    s.listing("a", &serde_json::Value::Array(list));
    for i in 0..n {
        s.route(&path(i), Reply::jpeg(jpeg_bytes(16, 12, i as u8)));
    }
}

#[tokio::test]
async fn second_run_skips_finished_and_retries_failed() {
    let s = TestServer::start().await;
    setup(&s, 4);
    s.route(&path(3), Reply::status(500));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = test_config(&s, &["a"], dir.path());
    cfg.http.max_retries = 1;
    let first = run_scrape(cfg.clone()).await.unwrap();
    assert_eq!((first.downloaded, first.skipped, first.failed), (3, 0, 1));
    assert_eq!(s.hits(&path(3)), 2);

    s.route(&path(3), Reply::jpeg(jpeg_bytes(16, 12, 3)));
    let second = run_scrape(cfg.clone()).await.unwrap();
    assert_eq!(
        (second.downloaded, second.skipped, second.failed),
        (1, 3, 0)
    );
    for i in 0..3 {
        assert_eq!(s.hits(&path(i)), 1, "painting {i} downloaded twice");
    }
    assert_eq!(s.hits(&path(3)), 3);

    let third = run_scrape(cfg.clone()).await.unwrap();
    assert_eq!((third.downloaded, third.skipped, third.failed), (0, 4, 0));
    assert_eq!(s.hits(&path(3)), 3);
    // The manifest holds one line per painting after compaction, all downloaded.
    let es = read_entries(&dir.path().join("manifest.jsonl")).unwrap();
    let latest: std::collections::HashMap<_, _> = es
        .iter()
        .map(|e| (e.painting.content_id, e.status))
        .collect();
    assert_eq!(latest.len(), 4);
    assert!(latest.values().all(|s| *s == Some(Status::Downloaded)));
    assert_clean_output(dir.path());

    // A file damaged (or deleted) on disk is fetched again; the others are not.
    let victim = dir.path().join(es[0].path.as_ref().unwrap());
    std::fs::write(&victim, b"garbage").unwrap();
    let gone = dir.path().join(es[1].path.as_ref().unwrap());
    std::fs::remove_file(&gone).unwrap();
    let fourth = run_scrape(cfg).await.unwrap();
    assert_eq!(
        (fourth.downloaded, fourth.skipped, fourth.failed),
        (2, 2, 0)
    );
    assert_eq!(
        s.total_hits() - s.hits("/en/App/Painting/PaintingsByArtist"),
        1 + 1 + 1 + 3 + 2
    );
    assert_clean_output(dir.path());
}

#[tokio::test]
async fn a_run_killed_mid_way_loses_nothing_finished() {
    let s = TestServer::start().await;
    setup(&s, 4);
    // Painting 3 never finishes: the run is killed while it streams.
    s.route(
        &path(3),
        Reply::Slow {
            every: Duration::from_millis(50),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = test_config(&s, &["a"], dir.path());
    cfg.http.request_timeout = Duration::from_secs(30);
    let out = dir.path().to_path_buf();
    let task = tokio::spawn(run_scrape(cfg.clone()));
    let manifest = out.join("manifest.jsonl");
    let mut done = 0;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        done = read_entries(&manifest).map(|v| v.len()).unwrap_or(0);
        if done == 3 {
            break;
        }
    }
    assert_eq!(done, 3, "three quick paintings finish first");
    // Give the slow one time to create its .part file, then kill the run.
    tokio::time::sleep(Duration::from_millis(200)).await;
    task.abort();
    let _ = task.await;
    // A kill can also leave half a manifest line behind.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&manifest)
        .unwrap();
    f.write_all(br#"{"artist":"a","contentId":1003,"title":"Painting 3","sta"#)
        .unwrap();
    drop(f);

    s.route(&path(3), Reply::jpeg(jpeg_bytes(16, 12, 3)));
    let sum = run_scrape(cfg).await.unwrap();
    assert_eq!((sum.downloaded, sum.skipped, sum.failed), (1, 3, 0));
    for i in 0..3 {
        assert_eq!(s.hits(&path(i)), 1, "finished painting {i} fetched again");
    }
    assert_clean_output(&out);
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.ends_with('\n'));
    assert_eq!(text.lines().count(), 4);
}
