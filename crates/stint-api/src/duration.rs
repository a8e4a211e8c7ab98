//! ISO-8601 durations as Clockify writes them: `PT1H30M`, `PT45S`, `PT0S`; days are
//! written as hours.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO-8601 duration like PT1H30M")]
pub struct DurationError(pub String);

/// Whole seconds as `PT#H#M#S`, leaving out zero parts (`PT0S` for nothing).
pub fn format_iso_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if sec > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{sec}S"));
    }
    out
}

/// Parses `P[nD]T[nH][nM][nS]` into whole seconds.
pub fn parse_iso_duration(text: &str) -> Result<i64, DurationError> {
    let err = || DurationError(text.to_owned());
    let rest = text.strip_prefix('P').ok_or_else(err)?;
    let (days, time) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut total: i64 = 0;
    let mut parts = 0;
    for (section, units) in [
        (days, &[('D', 86_400)][..]),
        (time, &[('H', 3600), ('M', 60), ('S', 1)][..]),
    ] {
        let mut number = String::new();
        let mut allowed = units.iter();
        for c in section.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let factor = allowed.find(|(u, _)| *u == c).ok_or_else(err)?.1;
            let n: i64 = number.parse().map_err(|_| err())?;
            total = n
                .checked_mul(factor)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(err)?;
            number.clear();
            parts += 1;
        }
        if !number.is_empty() {
            return Err(err());
        }
    }
    if parts == 0 {
        return Err(err());
    }
    Ok(total)
}
