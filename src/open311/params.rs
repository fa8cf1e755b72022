//! GeoReport parameters as clients really send them: in the query string or
//! a form body, repeated keys kept, empty values treated as absent.

use jiff::Timestamp;

use super::format::Open311Error;

#[derive(Debug, Default, Clone)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(encoded: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(encoded)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn push(&mut self, key: String, value: String) {
        self.0.push((key, value));
    }

    pub fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }

    /// The first non-empty value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    pub fn text(&self, key: &str) -> String {
        self.get(key).unwrap_or_default().to_string()
    }

    /// A comma-separated list, or the key repeated.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// `attribute[CODE]` and `attribute[CODE][]` values as (code, value).
    pub fn attributes(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter_map(|(k, v)| {
                let code = k.strip_prefix("attribute[")?.split(']').next()?;
                Some((code.to_string(), v.clone()))
            })
            .take(200)
            .collect()
    }

    /// A number, when given; a clear error when not a number.
    pub fn number(&self, key: &str) -> Result<Option<f64>, Open311Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(Some(n)),
                _ => Err(Open311Error::bad(format!("{key} must be a number"))),
            },
        }
    }

    pub fn whole(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, Open311Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(Open311Error::bad(format!(
                    "{key} must be a whole number from {min} to {max}"
                ))),
            },
        }
    }

    /// A date-time as Unix seconds: ISO 8601 with an offset, or a bare
    /// date (midnight in `tz`).
    pub fn datetime(
        &self,
        key: &str,
        tz: &jiff::tz::TimeZone,
    ) -> Result<Option<i64>, Open311Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_datetime(v, tz).map(Some).ok_or_else(|| {
                Open311Error::bad(format!(
                    "{key} must be a date and time in ISO 8601, e.g. 2026-11-27T08:00:00+08:00"
                ))
            }),
        }
    }
}

pub fn parse_datetime(value: &str, tz: &jiff::tz::TimeZone) -> Option<i64> {
    if let Ok(ts) = value.parse::<Timestamp>() {
        return Some(ts.as_second());
    }
    let civil = value.parse::<jiff::civil::DateTime>().ok().or_else(|| {
        value
            .parse::<jiff::civil::Date>()
            .ok()
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    })?;
    tz.to_ambiguous_zoned_datetime(civil)
        .compatible()
        .ok()
        .map(|z| z.timestamp().as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_absent_and_lists_split() {
        let p = Params::parse(
            b"jurisdiction_id=&service_request_id=1,2&service_request_id=3&status=open",
        );
        assert_eq!(p.get("jurisdiction_id"), None);
        assert_eq!(p.list("service_request_id"), ["1", "2", "3"]);
        assert_eq!(p.get("status"), Some("open"));
        assert_eq!(p.get("nothing"), None);
    }

    #[test]
    fn attributes_keep_repeated_values() {
        let p = Params::parse(
            b"attribute%5Bfloor%5D=3&attribute[side][]=east&attribute[side][]=west&attributes=x",
        );
        assert_eq!(
            p.attributes(),
            [
                ("floor".to_string(), "3".to_string()),
                ("side".into(), "east".into()),
                ("side".into(), "west".into())
            ]
        );
    }

    #[test]
    fn numbers_and_dates_are_checked() {
        let p = Params::parse(b"lat=26.6&long=abc&page=0&start_date=2026-11-01T00:00:00Z&end_date=2026-11-02&bad=2026-13-01");
        assert_eq!(p.number("lat").unwrap(), Some(26.6));
        assert!(p.number("long").is_err());
        assert!(p.whole("page", 1, 1000).is_err());
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        assert_eq!(p.datetime("start_date", &tz).unwrap(), Some(1_793_491_200));
        // A bare date is midnight in the community's time zone (UTC+8).
        assert_eq!(
            p.datetime("end_date", &tz).unwrap(),
            Some(1_793_491_200 + 86_400 - 8 * 3_600)
        );
        assert!(p.datetime("bad", &tz).is_err());
        assert_eq!(p.datetime("missing", &tz).unwrap(), None);
    }
}
