use proptest::prelude::*;
use stint_api::{format_iso_duration, parse_iso_duration};

#[test]
fn durations_are_written_as_clockify_writes_them() {
    assert_eq!(format_iso_duration(0), "PT0S");
    assert_eq!(format_iso_duration(45), "PT45S");
    assert_eq!(format_iso_duration(5400), "PT1H30M");
    assert_eq!(format_iso_duration(3601), "PT1H1S");
    assert_eq!(format_iso_duration(90_000), "PT25H");
    assert_eq!(format_iso_duration(-5), "PT0S");
}

#[test]
fn durations_parse_and_bad_ones_are_refused() {
    assert_eq!(parse_iso_duration("PT1H30M"), Ok(5400));
    assert_eq!(parse_iso_duration("P1DT1S"), Ok(86_401));
    assert_eq!(parse_iso_duration("P2D"), Ok(172_800));
    for bad in [
        "",
        "P",
        "PT",
        "1H",
        "PT1X",
        "PT1M1H",
        "PTH",
        "PT99999999999999999999S",
    ] {
        assert!(
            parse_iso_duration(bad).is_err(),
            "{bad:?} should be refused"
        );
    }
}

proptest! {
    #[test]
    fn formatting_round_trips(secs in 0i64..10_000_000) {
        prop_assert_eq!(parse_iso_duration(&format_iso_duration(secs)), Ok(secs));
    }
}
