//! Rate limits on what can be abused: submissions, signing in and the
//! kiosks. Each is counted per address and per account (or kiosk), in this
//! instance's memory; too many gets
//! 429 with `Retry-After`. `GRASSROOTS_RATE_LIMITS=off` turns them off (for
//! benchmarks); `submit=20/h,signin=30/10min,kiosk=60/h,lookup=300/10min`
//! sets them.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::address::ClientAddress;
use super::{AppError, AppState};
use crate::auth::MaybeViewer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// New requests from residents, kiosks' aside.
    Submit,
    /// Passwords tried, accounts registered, sign-in links used.
    SignIn,
    /// Requests left at a kiosk in the foyer: counted per kiosk.
    Kiosk,
    /// Requests looked up by their code (read, not written): guessing
    /// codes or secret links is slowed.
    Lookup,
}

/// How many of each may come in a period, per account. An address may
/// send three times as many: a household or an office shares one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    pub submit: Rate,
    pub signin: Rate,
    pub kiosk: Rate,
    pub lookup: Rate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub period: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            submit: Rate {
                count: 20,
                period: Duration::from_secs(3600),
            },
            signin: Rate {
                count: 30,
                period: Duration::from_secs(600),
            },
            kiosk: Rate {
                count: 60,
                period: Duration::from_secs(3600),
            },
            lookup: Rate {
                count: 300,
                period: Duration::from_secs(600),
            },
        }
    }
}

/// The setting as given on the command line: `None` when off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitSetting(pub Option<RateLimits>);

impl RateLimitSetting {
    pub fn parse(text: &str) -> Result<RateLimitSetting, String> {
        RateLimits::parse(text).map(RateLimitSetting)
    }
}

impl RateLimits {
    /// `off`, or a comma-separated list such as `submit=20/h, signin=5/min`
    /// (units `s`, `min`, `h`, optionally with a number: `10min`). What is
    /// not named keeps its default.
    pub fn parse(text: &str) -> Result<Option<RateLimits>, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let mut limits = RateLimits::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            if item.eq_ignore_ascii_case("on") {
                continue;
            }
            let (name, rate) = item
                .split_once('=')
                .ok_or_else(|| format!("'{item}': expected NAME=COUNT/PERIOD"))?;
            let rate = Rate::parse(rate.trim()).map_err(|e| format!("'{item}': {e}"))?;
            match name.trim() {
                "submit" => limits.submit = rate,
                "signin" => limits.signin = rate,
                "kiosk" => limits.kiosk = rate,
                "lookup" => limits.lookup = rate,
                other => {
                    return Err(format!(
                        "unknown limit '{other}' (submit, signin, kiosk, lookup)"
                    ));
                }
            }
        }
        Ok(Some(limits))
    }
}

impl Rate {
    fn parse(text: &str) -> Result<Rate, String> {
        let (count, period) = text
            .split_once('/')
            .ok_or("expected COUNT/PERIOD, e.g. 20/h")?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("'{count}' is not a count"))?;
        if count == 0 {
            return Err("the count must be at least 1".into());
        }
        let period = period.trim();
        let digits = period.chars().take_while(char::is_ascii_digit).count();
        let (n, unit) = period.split_at(digits);
        let n: u64 = if n.is_empty() {
            1
        } else {
            n.parse()
                .map_err(|_| format!("'{period}' is not a period"))?
        };
        let unit_seconds = match unit {
            "s" => 1,
            "min" => 60,
            "h" => 3600,
            _ => return Err(format!("'{period}': the unit is s, min or h")),
        };
        if n == 0 {
            return Err("the period must be longer than nothing".into());
        }
        Ok(Rate {
            count,
            period: Duration::from_secs(n * unit_seconds),
        })
    }

    fn quota(self, times: u32) -> Option<Quota> {
        let count = NonZeroU32::new(self.count.saturating_mul(times))?;
        Quota::with_period(self.period / count.get()).map(|q| q.allow_burst(count))
    }
}

/// What counts against a limit, as the entry names it: a path, or a prefix
/// ending in `*`, and its bucket. Posts count, except for lookups, where
/// reading (GET) counts. A kiosk's path holds the kiosk's token next.
pub type Counted = Arc<[(&'static str, Bucket)]>;

/// Which bucket a request counts against, if any.
pub fn bucket_of(
    counted: &[(&'static str, Bucket)],
    method: &Method,
    path: &str,
) -> Option<Bucket> {
    counted
        .iter()
        .filter(|(_, bucket)| match bucket {
            Bucket::Lookup => method == Method::GET,
            _ => method == Method::POST,
        })
        .find(|(pattern, _)| match pattern.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == *pattern,
        })
        .map(|(_, bucket)| *bucket)
}

/// The limiters of one instance.
pub struct Limiter {
    limits: RateLimits,
    by_credential: [DefaultKeyedRateLimiter<String>; 4],
    by_address: [DefaultKeyedRateLimiter<String>; 4],
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("limits", &self.limits)
            .finish()
    }
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Option<Arc<Limiter>> {
        let keyed = |rate: Rate, times| rate.quota(times).map(DefaultKeyedRateLimiter::keyed);
        Some(Arc::new(Limiter {
            by_credential: [
                keyed(limits.submit, 1)?,
                keyed(limits.signin, 1)?,
                keyed(limits.kiosk, 1)?,
                keyed(limits.lookup, 1)?,
            ],
            by_address: [
                keyed(limits.submit, 3)?,
                keyed(limits.signin, 3)?,
                keyed(limits.kiosk, 3)?,
                keyed(limits.lookup, 3)?,
            ],
            limits,
        }))
    }

    /// `Err(wait)` when this one is over the limit.
    fn check(
        &self,
        bucket: Bucket,
        address: &str,
        credential: Option<&str>,
    ) -> Result<(), Duration> {
        let i = bucket as usize;
        let now = DefaultClock::default().now();
        if let Some(credential) = credential
            && let Err(not_until) = self.by_credential[i].check_key(&credential.to_string())
        {
            return Err(not_until.wait_time_from(now));
        }
        self.by_address[i]
            .check_key(&address.to_string())
            .map_err(|not_until| not_until.wait_time_from(now))
    }

    /// Forgets keys that are back to full allowance (run now and then).
    pub fn forget_idle(&self) {
        for limiter in self.by_credential.iter().chain(&self.by_address) {
            limiter.retain_recent();
        }
    }
}

/// Who is sending: the kiosk by its token, a signed-in person by their
/// account (every session and token of theirs together).
async fn sender(
    state: &AppState,
    bucket: Bucket,
    parts: &mut Parts,
) -> Result<Option<String>, AppError> {
    if bucket == Bucket::Kiosk {
        return Ok(parts
            .uri
            .path()
            .split('/')
            .nth(2)
            .map(|t| format!("kiosk:{t}")));
    }
    let viewer = MaybeViewer::from_request_parts(parts, state).await?.0;
    Ok(viewer.map(|v| format!("account:{}", v.id)))
}

pub async fn limit_rates(
    State((state, counted)): State<(AppState, Counted)>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limiter) = state.config.limiter.as_ref() else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    let Some(bucket) = bucket_of(&counted, request.method(), path) else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let ClientAddress(address) = ClientAddress::of(&parts, &state);
    let sender = match sender(&state, bucket, &mut parts).await {
        Ok(sender) => sender,
        Err(e) => return e.into_response(),
    };
    let request = Request::from_parts(parts, body);
    if let Err(wait) = limiter.check(bucket, &address, sender.as_deref()) {
        tracing::info!(?bucket, address, "rate limited");
        let seconds = wait.as_secs().max(1);
        let mut response = AppError::TooMany.into_response();
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_read_from_one_line() {
        assert_eq!(RateLimits::parse("off"), Ok(None));
        assert_eq!(RateLimits::parse(" OFF "), Ok(None));
        assert_eq!(RateLimits::parse(""), Ok(Some(RateLimits::default())));
        assert_eq!(RateLimits::parse("on"), Ok(Some(RateLimits::default())));
        let set = RateLimits::parse("submit=5/min, signin=3/10min")
            .expect("valid")
            .expect("on");
        assert_eq!(
            set.submit,
            Rate {
                count: 5,
                period: Duration::from_secs(60)
            }
        );
        assert_eq!(set.signin.period, Duration::from_secs(600));
        assert_eq!(set.kiosk, RateLimits::default().kiosk);
        for wrong in [
            "submit",
            "submit=5",
            "submit=0/h",
            "submit=5/0min",
            "submit=5/week",
            "submit=x/h",
            "uploads=5/h",
        ] {
            assert!(RateLimits::parse(wrong).is_err(), "{wrong} is refused");
        }
    }

    #[test]
    fn a_path_is_matched_whole_and_a_star_matches_what_follows() {
        let counted = [("/report", Bucket::Submit), ("/kiosk/*", Bucket::Kiosk)];
        assert_eq!(
            bucket_of(&counted, &Method::POST, "/report"),
            Some(Bucket::Submit)
        );
        assert_eq!(bucket_of(&counted, &Method::POST, "/report/x"), None);
        assert_eq!(bucket_of(&counted, &Method::POST, "/reports"), None);
        assert_eq!(
            bucket_of(&counted, &Method::POST, "/kiosk/abc"),
            Some(Bucket::Kiosk)
        );
        assert_eq!(bucket_of(&counted, &Method::POST, "/kiosk"), None);
        assert_eq!(bucket_of(&counted, &Method::GET, "/report"), None);
        let lookups = [("/r/*", Bucket::Lookup)];
        assert_eq!(
            bucket_of(&lookups, &Method::GET, "/r/ABCD2345"),
            Some(Bucket::Lookup),
            "reading a request by its code counts"
        );
        assert_eq!(bucket_of(&lookups, &Method::POST, "/r/ABCD2345/act"), None);
        assert_eq!(bucket_of(&[], &Method::POST, "/report"), None);
    }

    #[test]
    fn a_burst_is_allowed_then_the_wait_is_said() {
        let limiter = Limiter::new(RateLimits {
            submit: Rate {
                count: 2,
                period: Duration::from_secs(3600),
            },
            ..RateLimits::default()
        })
        .expect("limiter");
        assert!(limiter.check(Bucket::Submit, "a", Some("s1")).is_ok());
        assert!(limiter.check(Bucket::Submit, "a", Some("s1")).is_ok());
        let wait = limiter
            .check(Bucket::Submit, "a", Some("s1"))
            .expect_err("the third in an hour waits");
        assert!(wait > Duration::from_secs(60) && wait <= Duration::from_secs(1800));
        // Someone else at the same address still gets in, up to three times
        // the person's allowance.
        assert!(limiter.check(Bucket::Submit, "a", Some("s2")).is_ok());
        assert!(limiter.check(Bucket::Submit, "a", Some("s2")).is_ok());
        assert!(limiter.check(Bucket::Submit, "a", Some("s3")).is_ok());
        assert!(limiter.check(Bucket::Submit, "a", Some("s3")).is_ok());
        assert!(limiter.check(Bucket::Submit, "a", Some("s4")).is_err());
        // Other buckets are counted apart.
        assert!(limiter.check(Bucket::SignIn, "a", Some("s1")).is_ok());
    }
}
