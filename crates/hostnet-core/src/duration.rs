//! Durations as people write them on the command line and in files: `90` (seconds), `90s`,
//! `1.5s`, `500ms`, `2m`, `1h`. One reader, so every time a user gives is read alike.

use std::time::Duration;

/// Reads `s`; a bare number is seconds. The error says what was wrong in words.
pub fn parse(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a duration: write a number with a unit, such as 90s, 2m or 500ms"))?;
    let secs = match unit.trim() {
        "" | "s" | "sec" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!("`{s}`: unknown unit `{other}` (use ms, s, m or h)"));
        }
    };
    if !secs.is_finite() || secs > 365.0 * 86400.0 {
        return Err(format!("`{s}` is longer than a year"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ways_people_write_times() {
        assert_eq!(parse("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse(" 3 s "), Ok(Duration::from_secs(3)));
        assert!(parse("2x").unwrap_err().contains("unknown unit `x`"));
        assert!(parse("soon").unwrap_err().contains("not a duration"));
        assert!(parse("").unwrap_err().contains("not a duration"));
        assert!(parse("999999999h").unwrap_err().contains("longer than a year"));
    }
}
