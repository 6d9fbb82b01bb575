//! HTTP dates (RFC 9110 §5.6.7): formats Unix seconds as IMF-fixdate and parses all three
//! HTTP-date formats back. Pure arithmetic on the proleptic Gregorian calendar using Howard
//! Hinnant's days-from-civil algorithms; no tables of years, no allocation, no system calls.
//!
//! Parsing is strict, as the RFC's grammar is: names are case-sensitive (`Nov`, not `nov`),
//! spacing and lengths are exact, there is no surrounding whitespace or trailing text, the
//! zone is literally `GMT`, the weekday must be the right one for the date, the day must exist
//! in its month, and hour 00-23, minute and second 00-59 (no leap second `60`, which Unix time
//! cannot represent). Anything else is `None`, which callers treat as an absent header.
//! Representable years are 0000-9999 (four digits).

use crate::http::numfmt::put_fixed;

/// Length of an IMF-fixdate, the only format this module writes.
pub const HTTP_DATE_LEN: usize = 29;

/// Earliest formattable instant, 0000-01-01 00:00:00 UTC.
pub const MIN_SECS: i64 = -62_167_219_200;
/// Latest formattable instant, 9999-12-31 23:59:59 UTC.
pub const MAX_SECS: i64 = 253_402_300_799;

const SECS_PER_DAY: i64 = 86_400;

/// Weekday names from Sunday and month names from January, each followed by a space.
const SHORT_DAYS: &[u8] = b"Sun Mon Tue Wed Thu Fri Sat ";
const MONTHS: &[u8] = b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec ";
const LONG_DAYS: &[u8] = b"Sunday Monday Tuesday Wednesday Thursday Friday Saturday ";

/// The three-letter name at `i` of [`SHORT_DAYS`] or [`MONTHS`].
fn name3(names: &[u8], i: usize) -> &[u8; 3] {
    names
        .get(4 * i..4 * i + 3)
        .and_then(|n| n.try_into().ok())
        .unwrap_or(b"???")
}

/// Takes a name of the list `names` off the front of `s`; its index.
fn take_name(s: &mut &[u8], mut names: &[u8]) -> Option<usize> {
    // No name in these lists starts another, so the first that fits is the one.
    let mut i = 0;
    loop {
        let end = names.iter().position(|&b| b == b' ')?;
        let (name, rest) = names.split_at(end);
        if let Some(after) = s.strip_prefix(name) {
            *s = after;
            return Some(i);
        }
        names = rest.get(1..)?;
        i += 1;
    }
}

/// Writes `unix_secs` as an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// Instants outside years 0000-9999 are clamped to [`MIN_SECS`]..=[`MAX_SECS`].
pub fn format(unix_secs: i64, out: &mut [u8; HTTP_DATE_LEN]) {
    *out = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    Civil::from_unix(unix_secs).put(out, [12, Civil::SKIP, 5, 17, 20, 23, 8, 0]);
}

/// Calendar fields of an instant in UTC, for formats other than IMF-fixdate (logs, listings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Year, 0000-9999 after clamping.
    pub year: u32,
    /// Month, 1-12.
    pub month: u32,
    /// Day of the month, 1-31.
    pub day: u32,
    /// Hour, 0-23.
    pub hour: u32,
    /// Minute, 0-59.
    pub minute: u32,
    /// Second, 0-59.
    pub second: u32,
    /// Day of the week, 0 for Sunday.
    pub weekday: u32,
}

impl Civil {
    /// Splits `unix_secs` (clamped to years 0000-9999) into calendar fields.
    pub fn from_unix(unix_secs: i64) -> Civil {
        let secs = unix_secs.clamp(MIN_SECS, MAX_SECS);
        let days = secs.div_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let sod = secs.rem_euclid(SECS_PER_DAY) as u32;
        Civil {
            year: year as u32,
            month,
            day,
            hour: sod / 3600,
            minute: sod / 60 % 60,
            second: sod % 60,
            weekday: weekday(days) as u32,
        }
    }

    /// Writes the year (four digits), month, day, hour, minute and second (two each),
    /// zero-padded, then the month's and the weekday's three-letter names, into `out` at the
    /// offsets `at` gives in that order; an offset past the end ([`Civil::SKIP`]) leaves that
    /// field out. One loop for every layout that dates, logs and listings use, rather than a
    /// call per field at each.
    pub fn put(&self, out: &mut [u8], at: [u8; 8]) {
        let fields = [
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        ];
        for (i, &start) in at.iter().enumerate() {
            let start = usize::from(start);
            let width = match i {
                0 => 4,
                1..6 => 2,
                _ => 3,
            };
            let Some(slot) = out.get_mut(start..start + width) else {
                continue;
            };
            match fields.get(i) {
                Some(&v) => put_fixed(slot, v),
                None if i == 6 => slot.copy_from_slice(self.month_name()),
                None => slot.copy_from_slice(name3(SHORT_DAYS, self.weekday as usize)),
            }
        }
    }

    /// An offset for [`Civil::put`] that leaves the field out.
    pub const SKIP: u8 = u8::MAX;

    /// The month's three-letter English abbreviation (`Jan`..`Dec`).
    pub fn month_name(&self) -> &'static [u8; 3] {
        name3(MONTHS, (self.month.clamp(1, 12) - 1) as usize)
    }
}

/// Parses any of the three HTTP-date formats into Unix seconds.
///
/// RFC 850's two-digit year is read in the fixed window 1970-2069 (`70`-`99` are 19xx,
/// `00`-`69` are 20xx); use [`parse_at`] for the RFC's rule relative to the current time.
#[must_use]
pub fn parse(s: &[u8]) -> Option<i64> {
    parse_with(s, None)
}

/// Like [`parse`], but reads an RFC 850 two-digit year as RFC 9110 asks, relative to `now`.
///
/// The year chosen is the one with those last two digits that lies at most 50 years after
/// the current year and less than 50 before it (a year granularity reading of "appears to be
/// more than 50 years in the future").
#[must_use]
pub fn parse_at(s: &[u8], now: i64) -> Option<i64> {
    parse_with(s, Some(now))
}

/// The year an RFC 850 two-digit year `yy` stands for: relative to the year of `now` as
/// [`parse_at`] says, or in the fixed window 1970-2069 without it. Only this format needs
/// the current year, so only it pays for the calendar conversion.
fn full_year(yy: i64, now: Option<i64>) -> i64 {
    let Some(now) = now else {
        return if yy >= 70 { 1900 + yy } else { 2000 + yy };
    };
    let this_year = i64::from(Civil::from_unix(now).year);
    let year = this_year - this_year.rem_euclid(100) + yy;
    if year > this_year + 50 {
        year - 100
    } else if year <= this_year - 50 {
        year + 100
    } else {
        year
    }
}

/// The three HTTP-date formats as templates for [`parse_with`]: `w` a weekday's short name,
/// `W` its full name, `b` a month's name, `d` `Y` `y` `h` `n` `s` a digit of the day, the
/// four-digit year, the two-digit year, the hour, the minute and the second, `_` a day digit
/// or a space; any other byte stands for itself.
const FORMATS: [&[u8]; 3] = [
    b"w, dd b YYYY hh:nn:ss GMT",
    b"w b _d hh:nn:ss YYYY",
    b"W, dd-b-yy hh:nn:ss GMT",
];

/// One parser for both windows (not a closure per caller: one copy of the code), and one
/// walker for the three formats: the string must match one template exactly.
fn parse_with(s: &[u8], now: Option<i64>) -> Option<i64> {
    FORMATS.iter().find_map(|t| parse_format(s, t, now))
}

/// `s` read by the template `t` (see [`FORMATS`]).
fn parse_format(mut s: &[u8], t: &[u8], now: Option<i64>) -> Option<i64> {
    // Day, year, hour, minute, second, weekday (from Sunday, 0) and month (from 0).
    let mut f = [0i64; 7];
    for &c in t {
        let (slot, names): (usize, &[u8]) = match c {
            b'd' | b'_' => (0, b""),
            b'Y' | b'y' => (1, b""),
            b'h' => (2, b""),
            b'n' => (3, b""),
            b's' => (4, b""),
            b'w' => (5, SHORT_DAYS),
            b'W' => (5, LONG_DAYS),
            b'b' => (6, MONTHS),
            _ => {
                s = s.strip_prefix(&[c])?;
                continue;
            }
        };
        let value = if names.is_empty() {
            let (&b, rest) = s.split_first()?;
            s = rest;
            match b {
                b'0'..=b'9' => f[slot] * 10 + i64::from(b - b'0'),
                b' ' if c == b'_' => 0,
                _ => return None,
            }
        } else {
            take_name(&mut s, names)? as i64
        };
        f[slot] = value;
    }
    let [day, mut year, hour, min, sec, weekday, month] = f;
    if !s.is_empty() || hour >= 24 || min >= 60 || sec >= 60 {
        return None;
    }
    // Only RFC 850 has a two-digit year.
    if t.contains(&b'y') {
        year = full_year(year, now);
    }
    build(
        year,
        month as u32 + 1,
        day,
        hour * 3600 + min * 60 + sec,
        weekday as usize,
    )
}

/// Checks the calendar fields and the weekday, then converts to Unix seconds.
fn build(year: i64, month: u32, day: i64, sod: i64, wd: usize) -> Option<i64> {
    // A day that is not in its month comes back from the round trip as another date.
    let days = days_from_civil(year, month, day as u32);
    if !(0..=9999).contains(&year)
        || civil_from_days(days) != (year, month, day as u32)
        || weekday(days) != wd
    {
        return None;
    }
    Some(days * SECS_PER_DAY + sod)
}

/// 0 for Sunday; 1970-01-01 was a Thursday.
fn weekday(days: i64) -> usize {
    (days + 4).rem_euclid(7) as usize
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Years start in March so the leap day is the last day of the year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
const fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn is_leap(year: i64) -> bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    const fn days_in_month(year: i64, month: u32) -> u32 {
        match month {
            2 if is_leap(year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    // The names spelled out one by one (shadowing the packed lists), to check those against.
    const SHORT_DAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
    const LONG_DAYS: [&[u8]; 7] = [
        b"Sunday",
        b"Monday",
        b"Tuesday",
        b"Wednesday",
        b"Thursday",
        b"Friday",
        b"Saturday",
    ];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    use crate::testing::Rng;

    fn fmt(secs: i64) -> String {
        let mut out = [0u8; HTTP_DATE_LEN];
        format(secs, &mut out);
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn p(s: &str) -> Option<i64> {
        parse(s.as_bytes())
    }

    /// The asctime form of the same instant, built from an IMF-fixdate.
    fn to_asctime(imf: &str) -> String {
        let day = &imf[5..7];
        let day = day
            .strip_prefix('0')
            .map_or(day.to_string(), |d| format!(" {d}"));
        format!(
            "{} {} {} {} {}",
            &imf[0..3],
            &imf[8..11],
            day,
            &imf[17..25],
            &imf[12..16]
        )
    }

    /// The RFC 850 form of the same instant, built from an IMF-fixdate.
    fn to_rfc850(imf: &str) -> String {
        let wd = SHORT_DAYS
            .iter()
            .position(|&d| d == &imf.as_bytes()[0..3])
            .unwrap();
        let long = std::str::from_utf8(LONG_DAYS[wd]).unwrap();
        format!(
            "{long}, {}-{}-{} {} GMT",
            &imf[5..7],
            &imf[8..11],
            &imf[14..16],
            &imf[17..25]
        )
    }

    const KNOWN: &[(i64, &str)] = &[
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (951_868_799, "Tue, 29 Feb 2000 23:59:59 GMT"),
        (946_684_800, "Sat, 01 Jan 2000 00:00:00 GMT"),
        (1_000_000_000, "Sun, 09 Sep 2001 01:46:40 GMT"),
        (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        (2_147_483_647, "Tue, 19 Jan 2038 03:14:07 GMT"),
        (2_147_483_648, "Tue, 19 Jan 2038 03:14:08 GMT"),
        (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
        (13_574_606_400, "Tue, 29 Feb 2400 12:00:00 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (-2_208_988_800, "Mon, 01 Jan 1900 00:00:00 GMT"),
        (-2_203_891_200, "Thu, 01 Mar 1900 00:00:00 GMT"),
        (-62_135_596_800, "Mon, 01 Jan 0001 00:00:00 GMT"),
        (MIN_SECS, "Sat, 01 Jan 0000 00:00:00 GMT"),
        (MAX_SECS, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ];

    #[test]
    fn known_dates_format_and_parse() {
        for &(secs, s) in KNOWN {
            assert_eq!(fmt(secs), s, "{secs}");
            assert_eq!(p(s), Some(secs), "{s}");
            assert_eq!(p(&to_asctime(s)), Some(secs), "{s}");
        }
        assert_eq!(p("Sun Nov  6 08:49:37 1994"), Some(784_111_777));
        assert_eq!(p("Sun Nov 06 08:49:37 1994"), Some(784_111_777));
        assert_eq!(p("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(p("Thursday, 01-Jan-70 00:00:00 GMT"), Some(0));
        assert_eq!(p("Wednesday, 31-Dec-69 23:59:59 GMT"), None); // 2069 is a Tuesday
        assert_eq!(p("Tuesday, 31-Dec-69 23:59:59 GMT"), Some(3_155_759_999));
        assert_eq!(p("Tuesday, 29-Feb-00 00:00:00 GMT"), Some(951_782_400));
        assert_eq!(p("Sun Feb 29 00:00:00 2032"), Some(1_961_625_600));
    }

    #[test]
    fn every_weekday_and_month_name() {
        // 2023-01-01 was a Sunday; seven consecutive days then the first of each month.
        let base = 1_672_531_200;
        for i in 0..7 {
            let s = fmt(base + i * SECS_PER_DAY);
            assert_eq!(s.as_bytes()[0..3], *SHORT_DAYS[i as usize]);
            let long = to_rfc850(&s);
            assert!(long.starts_with(std::str::from_utf8(LONG_DAYS[i as usize]).unwrap()));
            assert_eq!(p(&long), Some(base + i * SECS_PER_DAY));
        }
        for (m, name) in MONTHS.iter().enumerate() {
            let days = days_from_civil(2023, m as u32 + 1, 15);
            let s = fmt(days * SECS_PER_DAY);
            assert_eq!(s.as_bytes()[8..11], **name);
            assert_eq!(p(&s), Some(days * SECS_PER_DAY));
        }
    }

    #[test]
    fn format_clamps_out_of_range() {
        assert_eq!(fmt(i64::MIN), "Sat, 01 Jan 0000 00:00:00 GMT");
        assert_eq!(fmt(MIN_SECS - 1), "Sat, 01 Jan 0000 00:00:00 GMT");
        assert_eq!(fmt(i64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(fmt(MAX_SECS + 1), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(p("Sat, 01 Jan 0000 00:00:00 GMT"), Some(MIN_SECS));
    }

    #[test]
    fn civil_fields() {
        let c = Civil::from_unix(784_111_777);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second),
            (1994, 11, 6, 8, 49, 37)
        );
        assert_eq!(c.month_name(), b"Nov");
        assert_eq!(c.weekday, 0, "a Sunday");
        assert_eq!(Civil::from_unix(0).weekday, 4, "a Thursday");
        assert_eq!(Civil::from_unix(-1).weekday, 3, "a Wednesday");
        assert_eq!(Civil::from_unix(i64::MIN).year, 0);
        let last = Civil::from_unix(i64::MAX);
        assert_eq!(
            (last.year, last.month, last.day, last.second),
            (9999, 12, 31, 59)
        );
        assert_eq!(Civil::from_unix(-1).hour, 23);
    }

    #[test]
    fn format_overwrites_whole_buffer() {
        let mut out = [b'x'; HTTP_DATE_LEN];
        format(784_111_777, &mut out);
        assert_eq!(&out, b"Sun, 06 Nov 1994 08:49:37 GMT");
        format(0, &mut out);
        assert_eq!(&out, b"Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn civil_conversions_match_a_day_by_day_walk() {
        // Walk every day from 0000-01-01 to 9999-12-31 with a naive calendar.
        let (mut y, mut m, mut d) = (0i64, 1u32, 1u32);
        let mut days = MIN_SECS / SECS_PER_DAY;
        let mut wd = 6; // 0000-01-01 was a Saturday (proleptic Gregorian).
        loop {
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            assert_eq!(civil_from_days(days), (y, m, d), "{days}");
            assert_eq!(weekday(days), wd, "{y}-{m}-{d}");
            if (y, m, d) == (9999, 12, 31) {
                break;
            }
            days += 1;
            wd = (wd + 1) % 7;
            d += 1;
            if d > days_in_month(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        assert_eq!(days, MAX_SECS / SECS_PER_DAY);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn leap_years() {
        for (y, leap) in [
            (0, true),
            (4, true),
            (100, false),
            (400, true),
            (1900, false),
            (1996, true),
            (2000, true),
            (2023, false),
            (2024, true),
            (2100, false),
            (9996, true),
            (9999, false),
        ] {
            assert_eq!(is_leap(y), leap, "{y}");
            let feb29 = format!("{y:04}");
            let s = format!("Mon, 29 Feb {feb29} 00:00:00 GMT");
            // Whatever the weekday, Feb 29 of a common year never parses.
            if !leap {
                for wd in SHORT_DAYS {
                    let s = format!("{}{}", std::str::from_utf8(wd).unwrap(), &s[3..]);
                    assert_eq!(p(&s), None, "{s}");
                }
            } else {
                let secs = days_from_civil(y, 2, 29) * SECS_PER_DAY;
                assert_eq!(p(&fmt(secs)), Some(secs));
            }
        }
    }

    #[test]
    fn random_round_trips_all_formats() {
        let mut rng = Rng::new(1994);
        for _ in 0..100_000 {
            let secs = rng.range(MIN_SECS, MAX_SECS);
            let s = fmt(secs);
            assert_eq!(p(&s), Some(secs), "{s}");
            assert_eq!(p(&to_asctime(&s)), Some(secs), "{s}");
            // RFC 850 only reaches 1970-2069 with the fixed window.
            let r = to_rfc850(&s);
            let year: i64 = s[12..16].parse().unwrap();
            let want = (1970..=2069).contains(&year).then_some(secs);
            // Outside the window the weekday usually mismatches; if it happens to match,
            // the result is the same instant shifted to the window.
            match p(&r) {
                Some(got) if want.is_none() => {
                    let shifted = fmt(got);
                    assert_eq!(shifted[5..11], s[5..11]);
                    assert_eq!(shifted[14..], s[14..]);
                }
                got => assert_eq!(got, want, "{r}"),
            }
        }
        // Dense round trips around the epoch and Y2038.
        for base in [0i64, 2_147_483_648, 951_782_400] {
            for d in -5_000..5_000 {
                let secs = base + d * 37;
                assert_eq!(p(&fmt(secs)), Some(secs));
            }
        }
    }

    #[test]
    fn rfc850_two_digit_years() {
        let s94 = "Sunday, 06-Nov-94 08:49:37 GMT";
        let now_2025 = 1_735_689_600; // 2025-01-01
        assert_eq!(parse_at(s94.as_bytes(), now_2025), Some(784_111_777));
        assert_eq!(parse_at(s94.as_bytes(), 0), Some(784_111_777));
        // 2075 is exactly 50 years after 2025: future; 2076 is more than 50: past century.
        let y75 = fmt(days_from_civil(2075, 6, 1) * SECS_PER_DAY);
        let y76 = fmt(days_from_civil(1976, 6, 1) * SECS_PER_DAY);
        assert_eq!(
            parse_at(to_rfc850(&y75).as_bytes(), now_2025),
            Some(days_from_civil(2075, 6, 1) * SECS_PER_DAY)
        );
        assert_eq!(
            parse_at(to_rfc850(&y76).as_bytes(), now_2025),
            Some(days_from_civil(1976, 6, 1) * SECS_PER_DAY)
        );
        // The fixed window of `parse` reads 75 as 1975.
        assert_eq!(p(&to_rfc850(&y75)), None); // 1975-06-01 is not the same weekday
        let y1975 = fmt(days_from_civil(1975, 6, 1) * SECS_PER_DAY);
        assert_eq!(
            p(&to_rfc850(&y1975)),
            Some(days_from_civil(1975, 6, 1) * SECS_PER_DAY)
        );
        // Near the end of a century the next century's small years are the future.
        let now_2090 = days_from_civil(2090, 1, 1) * SECS_PER_DAY;
        let y2105 = days_from_civil(2105, 3, 3) * SECS_PER_DAY;
        assert_eq!(
            parse_at(to_rfc850(&fmt(y2105)).as_bytes(), now_2090),
            Some(y2105)
        );
        let y2041 = days_from_civil(2041, 3, 3) * SECS_PER_DAY;
        assert_eq!(
            parse_at(to_rfc850(&fmt(y2041)).as_bytes(), now_2090),
            Some(y2041)
        );
        let y2140 = days_from_civil(2140, 3, 3) * SECS_PER_DAY;
        assert_eq!(
            parse_at(to_rfc850(&fmt(y2140)).as_bytes(), now_2090),
            Some(y2140)
        );
        // Every two-digit year maps into (now - 50, now + 50] for several "now"s.
        for now_year in [1970, 1999, 2000, 2025, 2049, 2050, 2099, 5000] {
            let now = days_from_civil(now_year, 7, 1) * SECS_PER_DAY;
            for year in now_year - 49..=now_year + 50 {
                let secs = days_from_civil(year, 1, 1) * SECS_PER_DAY;
                let r = to_rfc850(&fmt(secs));
                assert_eq!(parse_at(r.as_bytes(), now), Some(secs), "{r} at {now_year}");
            }
        }
        // Other formats ignore `now`.
        assert_eq!(
            parse_at(b"Sun, 06 Nov 1994 08:49:37 GMT", 0),
            Some(784_111_777)
        );
        assert_eq!(
            parse_at(b"Sun Nov  6 08:49:37 1994", i64::MIN),
            Some(784_111_777)
        );
        // Clamped to 9999, `now` reads 94 as 9994 (400-year cycles keep the weekday).
        assert_eq!(
            parse_at(s94.as_bytes(), i64::MAX),
            Some(784_111_777 + 20 * 12_622_780_800)
        );
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            " ",
            "GMT",
            "0",
            "784111777",
            // IMF-fixdate variations.
            "Sun, 06 Nov 1994 08:49:37 GMT ",
            " Sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT\r",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 gmt",
            "Sun, 06 Nov 1994 08:49:37 +0000",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun,  6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun,06 Nov 1994 08:49:37 GMT ",
            "Sun, 06-Nov-1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT; length=1",
            "Sun, 06 Nov 1994  08:49:37 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 06 Nov 1994 08.49.37 GMT",
            "Sun, 06 Nov 1994 08:49:3  GMT",
            "Sun; 06 Nov 1994 08:49:37 GMT",
            "Sun, 06\tNov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994\t08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37\tGMT",
            "Sun, 06 Nov 1994 08:49:37 GMTX",
            "Sun, 06 Nov +994 08:49:37 GMT",
            "Sun, 06 Nov -994 08:49:37 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 +8:49:37 GMT",
            "Sun, 06 Nov 199a 08:49:37 GMT",
            "Sun, 0\u{0}6 Nov 1994 08:49:37 GMT",
            // Wrong names and case.
            "sun, 06 Nov 1994 08:49:37 GMT",
            "SUN, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 NOV 1994 08:49:37 GMT",
            "Sun, 06 Nvo 1994 08:49:37 GMT",
            "Snu, 06 Nov 1994 08:49:37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06 Nov 1994 08:49:37 GMT",
            // Wrong weekday for the date.
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sat, 06 Nov 1994 08:49:37 GMT",
            "Mon Nov  6 08:49:37 1994",
            "Monday, 06-Nov-94 08:49:37 GMT",
            // Impossible calendar values.
            "Thu, 00 Jan 1970 00:00:00 GMT",
            "Sat, 32 Jan 1970 00:00:00 GMT",
            "Fri, 30 Feb 2024 00:00:00 GMT",
            "Sat, 31 Feb 2024 00:00:00 GMT",
            "Thu, 29 Feb 2023 00:00:00 GMT",
            "Thu, 29 Feb 1900 00:00:00 GMT",
            "Sat, 31 Apr 2023 00:00:00 GMT",
            "Thu, 31 Jun 2023 00:00:00 GMT",
            "Sun, 31 Sep 2023 00:00:00 GMT",
            "Fri, 31 Nov 2023 00:00:00 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 23:60:00 GMT",
            "Sun, 06 Nov 1994 23:59:60 GMT",
            "Sun, 06 Nov 1994 23:59:61 GMT",
            "Sun, 06 Nov 1994 99:99:99 GMT",
            // asctime variations.
            "Sun Nov 6 08:49:37 1994",
            "Sun Nov  6 08:49:37 1994 ",
            "Sun Nov   6 08:49:37 1994",
            "Sun Nov  6  08:49:37 1994",
            "Sun Nov 6  08:49:37 1994",
            "Sun Nov 6 08:49:37  1994",
            "Sun Nov  6 08:49:37 94",
            "Sun  Nov 6 08:49:37 1994",
            "Sun Nov 0 6 08:49:37 1994",
            "Sun Nov  0 08:49:37 1994",
            "Tue Nov 31 08:49:37 1994",
            "Sun Nov 6x 08:49:37 1994",
            "Sun Nov  6 08:49:37 GMT ",
            "sun nov  6 08:49:37 1994",
            "Sun,Nov  6 08:49:37 1994",
            "Sun-Nov  6 08:49:37 1994",
            "Sun Nov- 6 08:49:37 1994",
            "Sun Nov  6-08:49:37 1994",
            "Sun Nov  6 08:49:37-1994",
            // RFC 850 variations.
            "Sunday, 06-Nov-94 08:49:37 GMT ",
            "Sunday, 06-Nov-94 08:49:37",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sunday, 6-Nov-94 08:49:37 GMT",
            "Sunday,06-Nov-94 08:49:37 GMT",
            "Sunday,  06-Nov-94 08:49:37 GMT",
            "Sunday, 06 Nov 94 08:49:37 GMT",
            "Sunday, 06-nov-94 08:49:37 GMT",
            "sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Sundy, 06-Nov-94 08:49:37 GMT",
            "Sundays, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 UTC",
            "Sunday, 06-Nov-94 24:49:37 GMT",
            "Sunday, 31-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-9x 08:49:37 GMT",
            "Sunday, 06/Nov/94 08:49:37 GMT",
            "Sunday, 06-Nov-94T08:49:37 GMT",
            ",",
            ", ",
            "Sunday,",
            "Sunday, ",
            "Sunday, , 06-Nov-94 08:49:37 GMT",
            // Other formats.
            "1994-11-06T08:49:37Z",
            "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(p(s), None, "{s:?}");
            assert_eq!(parse_at(s.as_bytes(), 784_111_777), None, "{s:?}");
        }
        assert_eq!(parse(b"Sun, 06 Nov 1994 08:49:37 GM\xff"), None);
        assert_eq!(parse(b"\xff\xff\xff, 06 Nov 1994 08:49:37 GMT"), None);
    }

    #[test]
    fn random_corruptions_never_panic_and_rarely_parse() {
        let mut rng = Rng::new(2024);
        let alphabet = b"0123456789 ,:-GMTSunNovJanFebday\x00\xff";
        for _ in 0..100_000 {
            let secs = rng.range(MIN_SECS, MAX_SECS);
            let base = fmt(secs);
            let forms = [base.clone(), to_asctime(&base), to_rfc850(&base)];
            let mut s = rng.pick(&forms).clone().into_bytes();
            let pos = rng.index(s.len());
            let byte = *rng.pick(alphabet);
            match rng.below(3) {
                0 => s[pos] = byte,
                1 => s.insert(pos, byte),
                _ => {
                    s.remove(pos);
                }
            }
            if let Some(got) = parse(&s) {
                // Whatever parses must format back to a valid date that parses again.
                assert!((MIN_SECS..=MAX_SECS).contains(&got));
                assert_eq!(p(&fmt(got)), Some(got));
            }
        }
    }
}
