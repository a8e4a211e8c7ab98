//! The years a time may fall in and leap seconds folded: the rule lives in stint-core (the
//! agent checks its own entries with it too), re-exported here for the wire.

pub use stint_core::time::{
    parse_time, sane_date, sane_time, OutOfRange, EARLIEST_YEAR, LATEST_YEAR,
};
