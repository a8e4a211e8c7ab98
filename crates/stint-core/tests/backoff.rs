use std::time::Duration;

use proptest::prelude::*;
use stint_core::backoff::{retry_delay, MAX_RETRY};

#[test]
fn waits_double_from_a_second_up_to_five_minutes() {
    let mid: Vec<_> = (1..=10).map(|a| retry_delay(a, 0.5).as_secs()).collect();
    assert_eq!(mid, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
    assert_eq!(retry_delay(1000, 0.5), MAX_RETRY);
    assert_eq!(retry_delay(0, 0.5), Duration::from_secs(1));
}

proptest! {
    #[test]
    fn jitter_stays_within_bounds(attempt in 1u32..40, jitter in 0.0f64..1.0) {
        let d = retry_delay(attempt, jitter);
        let step = retry_delay(attempt, 0.5);
        prop_assert!(d >= step.mul_f64(0.8) && d <= step.mul_f64(1.2).min(MAX_RETRY));
        prop_assert!(d <= MAX_RETRY);
        prop_assert!(d >= Duration::from_millis(800));
    }
}
