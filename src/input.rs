//! Caller mistakes: bad input given to the crate (an origin that is not one,
//! a URL that does not parse, a header the `http` crate cannot carry, ...),
//! kept apart from the browser's refusals ([`crate::CorsError`]), as rustls
//! keeps its caller errors in their own enum. The ground floor: it imports
//! nothing from the crate.

/// Bad input given to the crate (not a browser refusal): what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A page origin that is not a serialized origin.
    #[error("invalid origin '{input}': {reason}")]
    Origin {
        /// What was given.
        input: String,
        /// Why it is not an origin.
        reason: &'static str,
    },
    /// A URL that does not parse.
    #[error("invalid URL '{input}': {reason}")]
    Url {
        /// What was given.
        input: String,
        /// The parser's complaint.
        reason: String,
    },
    /// A header name that is not an HTTP token.
    #[error("invalid header name '{name}': a header name is a non-empty HTTP token")]
    HeaderName {
        /// The name given.
        name: String,
    },
    /// A header value with a byte no header value may hold.
    #[error(
        "invalid value for header '{name}': NUL, CR and LF are not allowed (or the value cannot be carried by the http crate)"
    )]
    HeaderValue {
        /// The header's name.
        name: String,
    },
    /// A cookie the engine would refuse to store.
    #[error("cookie '{input}' would not be stored: {reason}")]
    Cookie {
        /// The `Set-Cookie` line given.
        input: String,
        /// What to change.
        reason: &'static str,
    },
    /// An engine name that is none of chromium, firefox, webkit.
    #[error("unknown browser '{input}': expected chromium, firefox or webkit")]
    Engine {
        /// What was given.
        input: String,
    },
    /// A mode, credentials or redirect keyword that is not one of the allowed ones.
    #[error("invalid {what} '{input}': expected one of {expected}")]
    Keyword {
        /// Which option.
        what: &'static str,
        /// What was given.
        input: String,
        /// The allowed values.
        expected: &'static str,
    },
}
