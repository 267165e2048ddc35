//! The machine's safety properties under proptest (stable, a few hundred
//! cases each): whatever the request and whatever the server answers,
//!
//! - no response is exposed whose CORS check fails with the request's credentials mode;
//! - no non-safelisted cross-origin request is sent without a preflight that allowed it;
//! - no preflight carries credentials;
//! - at most 20 redirects are followed, and the cache stays within its bound;
//! - no mixed-content or Local-Network-Access-blocked request reaches the
//!   wire, and no request carries a cookie its engine's policy forbids.
//!
//! The checks live in `browser_cors::fuzzing` (shared with the fuzz targets);
//! here proptest chooses the bytes that decode into requests and answers.

use browser_cors::fuzzing;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn machine_holds_every_invariant(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        fuzzing::machine(&data).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn the_gate_holds_with_cookies_hosts_and_address_spaces(data in proptest::collection::vec(any::<u8>(), 0..800)) {
        fuzzing::gate(&data).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn set_cookie_parsing_keeps_no_forbidden_byte(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        fuzzing::set_cookie(&data).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn preflight_verdicts_match_the_oracle(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        fuzzing::preflight_lists(&data).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn only_exposed_headers_are_readable(data in proptest::collection::vec(any::<u8>(), 0..120)) {
        fuzzing::expose_headers(&data).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn cors_check_passes_only_exact_matches(data in proptest::collection::vec(any::<u8>(), 0..120)) {
        fuzzing::allow_origin(&data).map_err(TestCaseError::fail)?;
    }
}
