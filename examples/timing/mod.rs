//! Timing shared by the benchmark examples: medians of repeated runs after a warm-up run.

use std::time::Instant;

/// The median of `v` (NaN when empty).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// Median seconds of `reps` runs of `f` after one warm-up run.
pub fn median_seconds<T, F: FnMut() -> anyhow::Result<T>>(
    reps: usize,
    mut f: F,
) -> anyhow::Result<f64> {
    f()?;
    let mut t = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        f()?;
        t.push(start.elapsed().as_secs_f64());
    }
    Ok(median(t))
}
