//! Moments of a sample: mean, population standard deviation and skewness, shared by the colour
//! moments and the Gabor, gradient and texture statistics.

/// Mean, population standard deviation (`ddof = 0`) and skewness (`m3 / m2^1.5`, SciPy's
/// `skew(bias=True)`; 0 for a constant sample) of `values`; all 0 for an empty sample.
pub(crate) fn moments(values: impl Iterator<Item = f64> + Clone) -> [f64; 3] {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
    if n == 0 {
        return [0.0; 3];
    }
    let mean = sum / n as f64;
    let (m2, m3) = values.fold((0.0, 0.0), |(a, b), v| {
        let d = v - mean;
        (a + d * d, b + d * d * d)
    });
    let (m2, m3) = (m2 / n as f64, m3 / n as f64);
    let skew = if m2 > 1e-24 { m3 / m2.powf(1.5) } else { 0.0 };
    [mean, m2.sqrt(), skew]
}

/// Mean and population standard deviation of `values` (0, 0 for an empty sample).
pub(crate) fn mean_std(values: impl Iterator<Item = f64> + Clone) -> [f64; 2] {
    let [mean, std, _] = moments(values);
    [mean, std]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_moments() {
        // 1, 2, 6: mean 3, deviations -2, -1, 3; m2 = 14/3, m3 = (-8 - 1 + 27)/3 = 6.
        let [m, s, k] = moments([1.0, 2.0, 6.0].into_iter());
        assert!((m - 3.0).abs() < 1e-12);
        assert!((s - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((k - 6.0 / (14.0f64 / 3.0).powf(1.5)).abs() < 1e-12);
        assert_eq!(moments([4.0; 5].into_iter()), [4.0, 0.0, 0.0]);
        assert_eq!(moments(std::iter::empty()), [0.0; 3]);
    }
}
