//! The harnesses' one driver loop: the replayer ([`crate::conformance`]),
//! the fuzz oracle (`crate::fuzzing`) and the machine's unit tests run a
//! [`Fetch`] to its end through [`drive`], each with its own server and
//! checks. (The `Browser` drives the machine over a real, asynchronous
//! transport: `client`.)

use std::time::Instant;

use http::{HeaderMap, StatusCode};

use crate::fetch::{Action, Fetch, Outcome, Store, WireRequest};

/// What a harness's server did with one request.
pub(crate) enum Answer {
    /// A response head.
    Head(StatusCode, HeaderMap),
    /// No response: the transport failed, for this reason.
    Failed(&'static str),
}

/// Runs `fetch` until it ends: every request the machine sends goes to
/// `exchange` (with the store, for checks that read it), and its answer to
/// the machine. `Ok(None)`: the fetch did not end within `max_exchanges`;
/// `Err`: `exchange` stopped the run (an oracle's finding).
pub(crate) fn drive<S: Store + ?Sized, E>(
    fetch: &mut Fetch,
    store: &mut S,
    now: Instant,
    max_exchanges: usize,
    mut exchange: impl FnMut(&WireRequest, &mut S) -> Result<Answer, E>,
) -> Result<Option<Outcome>, E> {
    for _ in 0..max_exchanges {
        match fetch.poll(store, now) {
            Action::Done(outcome) => return Ok(Some(outcome)),
            Action::Send(wire) => match exchange(&wire, store)? {
                Answer::Head(status, headers) => {
                    fetch.on_response_head(status, &headers, store, now)
                }
                Answer::Failed(detail) => fetch.on_transport_error(detail),
            },
        }
    }
    // The last answer may have ended the fetch.
    Ok(fetch
        .is_done()
        .then(|| fetch.poll(store, now))
        .and_then(|a| match a {
            Action::Done(outcome) => Some(outcome),
            Action::Send(_) => None,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PreflightCache, Profile, Request, origin::parse_origin};

    #[test]
    fn runs_to_the_outcome_and_stops_at_the_bound_or_on_an_error() {
        let page = parse_origin("https://app.test").unwrap();
        let request = || Request::get("https://api.test/r".parse().unwrap());
        let redirect = || {
            let mut h = HeaderMap::new();
            h.insert(
                "access-control-allow-origin",
                "https://app.test".parse().unwrap(),
            );
            h.insert("location", "https://api.test/r".parse().unwrap());
            Answer::Head(StatusCode::FOUND, h)
        };
        let (mut cache, now) = (PreflightCache::default(), Instant::now());
        // A server that always redirects: the machine stops after 20 hops.
        let mut fetch = Fetch::new(&Profile::chromium(), &page, request());
        let mut sent = 0;
        let outcome = drive(&mut fetch, &mut cache, now, 100, |_, _| {
            sent += 1;
            Ok::<_, ()>(redirect())
        });
        let outcome = outcome.unwrap().unwrap();
        assert_eq!(outcome.error().unwrap().reason.code(), "TooManyRedirects");
        assert_eq!(sent, 21);
        // Bounded: three exchanges are not enough.
        let mut fetch = Fetch::new(&Profile::chromium(), &page, request());
        let bounded = drive(&mut fetch, &mut cache, now, 3, |_, _| {
            Ok::<_, ()>(redirect())
        });
        assert_eq!(bounded, Ok(None));
        // An exchange's error stops the run; a failed transport ends the fetch.
        let mut fetch = Fetch::new(&Profile::chromium(), &page, request());
        assert_eq!(
            drive(&mut fetch, &mut cache, now, 5, |_, _| Err("found")),
            Err("found")
        );
        let mut fetch = Fetch::new(&Profile::chromium(), &page, request());
        let failed = drive(&mut fetch, &mut cache, now, 5, |_, _| {
            Ok::<_, ()>(Answer::Failed("refused"))
        });
        assert_eq!(
            failed.unwrap().unwrap().error().unwrap().reason.code(),
            "Network"
        );
    }
}
