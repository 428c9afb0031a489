//! Runs the `report` example end to end and compares its output with scikit-learn's
//! (`crates/painter-eval/tests/fixtures/example_report.txt`, made by that folder's
//! `generate_fixtures.py`).
//!
//! `cargo test` builds the examples before running the tests. A run filtered to this test alone
//! (`cargo test --test eval_report_example`) does not; the test then fails and says to build the
//! example first (`cargo build --example report`), rather than passing without checking anything.

use std::path::{Path, PathBuf};
use std::process::Command;

fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target profile folder");
    let bin = profile_dir
        .join("examples")
        .join(format!("report{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "the `report` example is not built at {}: run the whole `cargo test`, or `cargo build --example report` first",
        bin.display()
    );
    bin
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/painter-eval/tests/fixtures")
}

#[test]
fn report_example_prints_what_scikit_learn_prints() {
    let bin = example_binary();
    let fx = fixtures();
    let out = Command::new(&bin)
        .arg("--true")
        .arg(fx.join("example_true.txt"))
        .arg("--pred")
        .arg(fx.join("example_pred.txt"))
        .args([
            "--names",
            "rembrandt,vincent-van-gogh,pierre-auguste-renoir,claude-monet",
            "--digits",
            "4",
            "--zero-division",
            "nan",
        ])
        .output()
        .expect("run the example");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = std::fs::read_to_string(fx.join("example_report.txt")).expect("fixture");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);

    let json = Command::new(&bin)
        .arg("--true")
        .arg(fx.join("example_true.txt"))
        .arg("--pred")
        .arg(fx.join("example_pred.txt"))
        .arg("--json")
        .output()
        .expect("run the example");
    assert!(json.status.success());
    let report: deep_painter::eval::ClassificationReport =
        serde_json::from_slice(&json.stdout).expect("JSON report");
    assert_eq!(report.classes.len(), 4);
    assert!((report.accuracy - 8.0 / 12.0).abs() < 1e-15);

    // Names of painters absent from both files: reported with zero support, as scikit-learn's
    // `labels=range(len(names))` reports them.
    let run = |names: &str| {
        Command::new(&bin)
            .arg("--true")
            .arg(fx.join("example_true.txt"))
            .arg("--pred")
            .arg(fx.join("example_pred.txt"))
            .args(["--names", names, "--digits", "4", "--zero-division", "nan"])
            .output()
            .expect("run the example")
    };
    let six = run(
        "rembrandt,vincent-van-gogh,pierre-auguste-renoir,claude-monet,paul-cezanne,edgar-degas",
    );
    assert!(
        six.status.success(),
        "{}",
        String::from_utf8_lossy(&six.stderr)
    );
    let expected =
        std::fs::read_to_string(fx.join("example_report_absent_names.txt")).expect("fixture");
    assert_eq!(String::from_utf8_lossy(&six.stdout), expected);
    // Too few names for the labels present: refused, naming the label.
    let three = run("rembrandt,vincent-van-gogh,pierre-auguste-renoir");
    assert!(!three.status.success());
    assert!(
        String::from_utf8_lossy(&three.stderr).contains("label 3 has no name"),
        "{}",
        String::from_utf8_lossy(&three.stderr)
    );

    let bad = Command::new(&bin)
        .arg("--true")
        .arg(fx.join("example_true.txt"))
        .arg("--pred")
        .arg(fx.join("does-not-exist.txt"))
        .output()
        .expect("run the example");
    assert!(!bad.status.success(), "a missing file is an error");
}
