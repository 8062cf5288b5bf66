//! Summaries of measurements: latency quantiles estimated from cumulative histogram buckets,
//! the way Prometheus's `histogram_quantile` does, so the store can aggregate in SQL and hand
//! back a few counts however many deliveries there were.

/// Upper bounds of the latency buckets, in milliseconds; anything slower counts only in the
/// total.
pub const LATENCY_BOUNDS_MS: [i64; 12] = [
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000,
];

/// The `q` quantile (0 to 1) of `total` observations given `cumulative[i]` of them at most
/// `bounds[i]`, interpolating linearly within the bucket it falls in. `None` without
/// observations; the last bound when it falls beyond every bound.
pub fn quantile(bounds: &[i64], cumulative: &[i64], total: i64, q: f64) -> Option<f64> {
    if total <= 0 || bounds.is_empty() || bounds.len() != cumulative.len() {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * total as f64;
    let mut lower_bound = 0.0;
    let mut lower_count = 0.0;
    for (&bound, &count) in bounds.iter().zip(cumulative) {
        let count = count as f64;
        if count >= rank && count > lower_count {
            let within = (rank - lower_count) / (count - lower_count);
            return Some(lower_bound + (bound as f64 - lower_bound) * within);
        }
        lower_bound = bound as f64;
        lower_count = count;
    }
    bounds.last().map(|&bound| bound as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_within_the_bucket() {
        // 10 observations: 4 up to 100 ms, 10 up to 200 ms.
        let bounds = [100, 200, 400];
        let cumulative = [4, 10, 10];
        assert_eq!(quantile(&bounds, &cumulative, 10, 0.2), Some(50.0));
        let median = quantile(&bounds, &cumulative, 10, 0.5).unwrap();
        assert!((median - (100.0 + 100.0 / 6.0)).abs() < 1e-9, "{median}");
        assert_eq!(quantile(&bounds, &cumulative, 10, 1.0), Some(200.0));
    }

    #[test]
    fn empty_and_overflowing_histograms() {
        assert_eq!(quantile(&[100], &[0], 0, 0.5), None);
        // Every observation is beyond the last bound.
        assert_eq!(quantile(&[100, 200], &[0, 0], 3, 0.5), Some(200.0));
        // Empty first buckets are skipped rather than divided by zero.
        assert_eq!(quantile(&[100, 200], &[0, 2], 2, 0.5), Some(150.0));
    }
}
