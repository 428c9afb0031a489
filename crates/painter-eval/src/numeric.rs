//! Reductions that round exactly as NumPy's do, so averages match scikit-learn to the last bit.
//!
//! NumPy sums contiguous `float64` arrays with pairwise summation: fewer than 8 values are added in
//! order; up to 128 values use 8 interleaved accumulators combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`
//! followed by the remainder in order; longer arrays are split in two halves (the first a multiple of 8)
//! summed recursively. Mirroring that order makes `mean`, `nanmean`, weighted `average` and `std`
//! bit-identical to NumPy.

/// `np.sum` of a contiguous `float64` slice.
pub(crate) fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let blocks_end = n - n % 8;
        let mut i = 8;
        while i < blocks_end {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[blocks_end..] {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        let (left, right) = a.split_at(n2);
        pairwise_sum(left) + pairwise_sum(right)
    }
}

/// `np.mean`: the pairwise sum divided by the count (NaN for an empty slice).
pub(crate) fn mean(a: &[f64]) -> f64 {
    if a.is_empty() {
        return f64::NAN;
    }
    pairwise_sum(a) / a.len() as f64
}

/// `np.std(a, ddof=ddof)`: NaN when `a.len() <= ddof`.
pub(crate) fn std(a: &[f64], ddof: usize) -> f64 {
    if a.len() <= ddof {
        return f64::NAN;
    }
    let m = mean(a);
    let sq: Vec<f64> = a
        .iter()
        .map(|&x| {
            let d = x - m;
            d * d
        })
        .collect();
    (pairwise_sum(&sq) / (a.len() - ddof) as f64).sqrt()
}

/// scikit-learn's `_nanaverage(a, weights)`: the (weighted) average ignoring NaN entries; NaN when
/// `a` is empty or all NaN; an unweighted mean of the non-NaN entries when their weights sum to zero.
pub(crate) fn nan_average(a: &[f64], weights: Option<&[f64]>) -> f64 {
    if a.is_empty() || a.iter().all(|x| x.is_nan()) {
        return f64::NAN;
    }
    match weights {
        None => {
            // np.nanmean: NaN replaced by 0 in place, summed, divided by the non-NaN count.
            let replaced: Vec<f64> = a
                .iter()
                .map(|&x| if x.is_nan() { 0.0 } else { x })
                .collect();
            let count = a.iter().filter(|x| !x.is_nan()).count();
            pairwise_sum(&replaced) / count as f64
        }
        Some(w) => {
            let (kept, kept_w): (Vec<f64>, Vec<f64>) = a
                .iter()
                .zip(w)
                .filter(|(x, _)| !x.is_nan())
                .map(|(&x, &w)| (x, w))
                .unzip();
            let products: Vec<f64> = kept.iter().zip(&kept_w).map(|(x, w)| x * w).collect();
            let scale = pairwise_sum(&kept_w);
            if scale == 0.0 {
                mean(&kept)
            } else {
                pairwise_sum(&products) / scale
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values computed with NumPy 2.4 (`np.sum`, `np.std`) on `[0.1 * (i + 1) ** 1.5 for i in range(n)]`.
    #[test]
    fn pairwise_order_matches_numpy_on_long_arrays() {
        let a: Vec<f64> = (0..300).map(|i| 0.1 * ((i + 1) as f64).powf(1.5)).collect();
        // Naive left-to-right summation rounds differently from NumPy's pairwise order here.
        assert_eq!(pairwise_sum(&a), 62613.85065145571);
        assert_eq!(pairwise_sum(&a[..100]), 4050.1224515318945);
        assert_eq!(pairwise_sum(&a[..7]), 6.142211706910298);
        assert_eq!(std(&a[..10], 0), 0.9947166314301723);
    }

    #[test]
    fn nan_average_ignores_nan_and_handles_zero_weights() {
        assert_eq!(nan_average(&[0.5, f64::NAN, 0.25], None), 0.375);
        assert_eq!(
            nan_average(&[0.5, f64::NAN, 0.25], Some(&[1.0, 5.0, 3.0])),
            0.3125
        );
        assert_eq!(nan_average(&[0.5, 0.25], Some(&[0.0, 0.0])), 0.375);
        assert!(nan_average(&[f64::NAN], None).is_nan());
        assert!(nan_average(&[], None).is_nan());
    }
}
