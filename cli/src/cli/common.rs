//! What the subcommands share: argument parsing that clap cannot do alone
//! (header lines, cookies, engines), the reqwest transport with timeouts,
//! and terminal styling.

use std::io::IsTerminal;
use std::time::Duration;

use browser_cors::client::reqwest::ReqwestTransport;
use browser_cors::{Engine, Request};

/// A usage error: printed as one line, exit status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses `--browser` for commands that take one engine.
pub fn parse_engine(s: &str) -> Result<Engine, String> {
    s.parse()
        .map_err(|e: browser_cors::InputError| e.to_string())
}

/// Parses one `-H 'Name: value'` the way script would pass it to `fetch()`.
///
/// Everything after the first colon, with leading and trailing spaces and
/// tabs removed, is the value (so `Name:` and `Name: ` send an empty value).
/// The value is a JavaScript string: code points up to U+00FF become one
/// byte each, anything above is refused as `fetch()` refuses it. A forbidden
/// request header (`Cookie`, `Host`, `Sec-*`, ...) is refused too: `fetch()`
/// would drop it silently, which is never what the person typing it wants.
pub fn parse_header(line: &str, engine: Engine) -> Result<(String, Vec<u8>), Usage> {
    let Some((name, value)) = line.split_once(':') else {
        return Err(Usage(format!(
            "header '{line}' has no colon: write -H 'Name: value' (or -H 'Name:' for an empty value)"
        )));
    };
    let name = name.trim_matches([' ', '\t']);
    if name.is_empty() {
        return Err(Usage(format!("header '{line}' has an empty name")));
    }
    let value = value.trim_matches([' ', '\t']);
    let bytes = Request::byte_string(value).map_err(|_| {
        let bad = value.chars().find(|c| u32::from(*c) > 0xff).unwrap_or('?');
        Usage(format!(
            "header '{name}': the value holds U+{:04X} ('{bad}'), above U+00FF; fetch() refuses it (TypeError: not a ByteString)",
            u32::from(bad)
        ))
    })?;
    if browser_cors::safelist::is_forbidden_request_header(name, &bytes, &engine.profile()) {
        return Err(Usage(format!(
            "header '{name}' is a forbidden request header: fetch() would silently drop it, so a browser can never send it (use --cookie for cookies)"
        )));
    }
    Ok((name.to_owned(), bytes))
}

/// One `--cookie [HOST:]NAME=VALUE[; attributes]`: the host (None for the
/// target's host) and the `Set-Cookie` text.
pub fn parse_cookie(arg: &str) -> Result<(Option<String>, String), Usage> {
    let Some(eq) = arg.find('=') else {
        return Err(Usage(format!(
            "cookie '{arg}' has no '=': write --cookie name=value (or host:name=value)"
        )));
    };
    let before = arg.get(..eq).unwrap_or_default();
    // A cookie name is a token and holds no colon: a colon before the first
    // '=' separates the host.
    let (host, cookie) = match before.rfind(':') {
        Some(colon) => (
            Some(arg.get(..colon).unwrap_or_default().to_owned()),
            arg.get(colon + 1..).unwrap_or_default().to_owned(),
        ),
        None => (None, arg.to_owned()),
    };
    if host.as_deref() == Some("") {
        return Err(Usage(format!("cookie '{arg}' has an empty host")));
    }
    if cookie.trim().starts_with('=') {
        return Err(Usage(format!("cookie '{arg}' has an empty name")));
    }
    Ok((host, cookie))
}

/// The URL a cookie for `host` is set from: the target's scheme, that host.
pub fn cookie_url(target: &url::Url, host: Option<&str>) -> Result<url::Url, Usage> {
    let Some(host) = host else {
        return Ok(target.clone());
    };
    url::Url::parse(&format!("{}://{host}/", target.scheme()))
        .map_err(|e| Usage(format!("cookie host '{host}' is not a host: {e}")))
}

/// Network options shared by the commands that reach a server.
#[derive(Debug, Clone, clap::Args)]
pub struct NetArgs {
    /// Seconds to wait for a server (connecting, then each response) before
    /// giving up on it.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Trust only the CA certificates in this PEM file for https (a private
    /// CA, or a self-signed server's own certificate), as curl's --cacert.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// Do not verify https certificates at all (a throw-away test server only).
    #[arg(long)]
    pub insecure: bool,
}

impl Default for NetArgs {
    fn default() -> Self {
        NetArgs {
            timeout: 10.0,
            cacert: None,
            insecure: false,
        }
    }
}

/// The transport every command uses: no redirects, no cookie store, and
/// timeouts so that a silent server does not hang the command.
pub fn transport() -> Result<ReqwestTransport, Usage> {
    transport_with(&NetArgs::default())
}

/// [`transport`] with the timeout and certificate options given.
pub fn transport_with(net: &NetArgs) -> Result<ReqwestTransport, Usage> {
    if !(net.timeout.is_finite() && net.timeout > 0.0 && net.timeout <= 3600.0) {
        return Err(Usage(format!(
            "--timeout {}: give a number of seconds between 0 and 3600 (0.5, 10)",
            net.timeout
        )));
    }
    let timeout = Duration::from_secs_f64(net.timeout);
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout);
    if let Some(path) = &net.cacert {
        let pem = std::fs::read(path)
            .map_err(|e| Usage(format!("--cacert {}: cannot read it: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                Usage(format!(
                    "--cacert {}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)",
                    path.display()
                ))
            })?;
        builder = builder.tls_certs_only(certs);
    }
    if net.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map(ReqwestTransport::from_client)
        .map_err(|e| Usage(format!("cannot start the HTTP client: {e}")))
}

/// The one line to print when a server cannot be reached: a certificate
/// problem names the option that helps, a timeout names --timeout.
pub fn unreachable_line(url: &url::Url, detail: &str, net: &NetArgs) -> String {
    let lower = detail.to_ascii_lowercase();
    let certificate = [
        "certificate",
        "unknownissuer",
        "self signed",
        "self-signed",
        "notvalidforname",
        "cert",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if certificate && url.scheme() == "https" {
        // rustls's reason, without its wrappers: `Other(OtherError(CaUsedAsEndEntity))`.
        let last = detail.rsplit(": ").next().unwrap_or(detail).trim();
        let why = last
            .trim_end_matches(')')
            .rsplit('(')
            .next()
            .unwrap_or(last);
        let hint = if why == "CaUsedAsEndEntity" {
            "the server's certificate is itself a CA certificate, which TLS clients refuse as a server certificate; sign a server certificate with that CA (or --insecure for a throw-away test server)"
        } else if net.cacert.is_some() {
            "the certificate given with --cacert does not verify it (is it the CA that signed the server's certificate?); --insecure skips the check for a test server"
        } else {
            "pass --cacert FILE with the CA (or the self-signed certificate) that signed it, or --insecure for a throw-away test server"
        };
        return format!("cannot verify the certificate of {url} ({why}): {hint}");
    }
    if lower.contains("timed out") || lower.contains("timeout") {
        return format!(
            "cannot reach {url}: no answer within {} s (--timeout to wait longer)",
            net.timeout
        );
    }
    // reqwest's chain ends with the cause: `... tcp connect error: Connection refused (os error 111)`.
    let cause = detail.rsplit(": ").next().unwrap_or(detail);
    format!("cannot reach {url}: {cause}")
}

/// `--origin` as given, with the one trailing `/` a browser's address bar
/// shows removed (`https://app.example/` is the origin `https://app.example`).
pub fn normalize_origin(input: &str) -> String {
    match input.strip_suffix('/') {
        Some(rest)
            if rest
                .split_once("://")
                .is_some_and(|(_, host)| !host.is_empty() && !host.contains('/')) =>
        {
            rest.to_owned()
        }
        _ => input.to_owned(),
    }
}

/// A URL argument that looks like a host without a scheme
/// (`localhost:8080/x`, `127.0.0.1:8080/x`): a usage error that shows the
/// likely URL. Anything else is left to the browser's URL parser (absolute,
/// or relative to the page).
pub fn check_scheme(input: &str) -> Result<(), Usage> {
    let lower = input.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(());
    }
    if input.starts_with(['/', '.', '?', '#']) {
        return Ok(());
    }
    let first = input.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match first.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && !h.contains("//") => (h, Some(p)),
        _ => (first, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_like = host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::Ipv4Addr>().is_ok()
        || (host.starts_with('[') && host.ends_with(']'))
        || (port.is_some() && host.contains('.'));
    if !(host_like && port_ok) {
        return Ok(());
    }
    let loopback =
        host.eq_ignore_ascii_case("localhost") || host.starts_with("127.") || host == "[::1]";
    let scheme = if loopback { "http" } else { "https" };
    Err(Usage(format!(
        "URL '{input}' has no scheme: did you mean {scheme}://{input}?"
    )))
}

/// Terminal styling: colour only on a terminal, and never with `NO_COLOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Whether to emit ANSI colour codes.
    pub colour: bool,
}

impl Style {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset or empty.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Green.
    pub fn ok(self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Red.
    pub fn bad(self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Yellow.
    pub fn warn(self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Bold.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Dim.
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Pads `text` to `width` characters (counting chars, not bytes).
pub fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    let mut s = text.to_owned();
    s.extend(std::iter::repeat_n(' ', width.saturating_sub(n)));
    s
}

/// Prints a table with a header row; columns are as wide as their widest cell.
/// `paint` styles a cell after padding (so colour codes do not skew widths).
pub fn table(
    header: &[&str],
    rows: &[Vec<String>],
    paint: &dyn Fn(usize, usize, &str) -> String,
) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| cells.join("  ").trim_end().to_owned();
    out.push_str(&line(
        header
            .iter()
            .zip(&widths)
            .map(|(h, w)| pad(h, *w))
            .collect(),
    ));
    out.push('\n');
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    out.push('\n');
    for (r, row) in rows.iter().enumerate() {
        let cells = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                let padded = pad(cell, *w);
                let trimmed = padded.trim_end();
                let painted = paint(r, c, trimmed);
                format!("{painted}{}", " ".repeat(padded.len() - trimmed.len()))
            })
            .collect();
        out.push_str(&line(cells));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_follow_fetch_not_curl() {
        let c = Engine::Chromium;
        assert_eq!(parse_header("X-A:", c), Ok(("X-A".into(), vec![])));
        assert_eq!(parse_header("X-A: ", c), Ok(("X-A".into(), vec![])));
        assert_eq!(
            parse_header("X-A:  1 2 ", c),
            Ok(("X-A".into(), b"1 2".to_vec()))
        );
        assert_eq!(
            parse_header("X-A: a:b", c),
            Ok(("X-A".into(), b"a:b".to_vec()))
        );
        assert_eq!(parse_header("X-A: é", c), Ok(("X-A".into(), vec![0xe9])));
        assert!(parse_header("X-A: €", c).unwrap_err().0.contains("U+20AC"));
        assert!(parse_header("X-A 1", c).unwrap_err().0.contains("no colon"));
        assert!(parse_header(": 1", c).unwrap_err().0.contains("empty name"));
        assert!(
            parse_header("Cookie: a=b", c)
                .unwrap_err()
                .0
                .contains("forbidden")
        );
        assert!(
            parse_header("host: x", c)
                .unwrap_err()
                .0
                .contains("forbidden")
        );
        assert!(parse_header("Sec-Foo: x", c).is_err());
    }

    #[test]
    fn cookies_take_an_optional_host() {
        assert_eq!(parse_cookie("a=b"), Ok((None, "a=b".into())));
        assert_eq!(
            parse_cookie("127.0.0.1:cred=1"),
            Ok((Some("127.0.0.1".into()), "cred=1".into()))
        );
        assert_eq!(
            parse_cookie("[::1]:a=b:c"),
            Ok((Some("[::1]".into()), "a=b:c".into()))
        );
        assert_eq!(
            parse_cookie("a=b; Path=/x"),
            Ok((None, "a=b; Path=/x".into()))
        );
        assert!(parse_cookie("ab").is_err());
        assert!(parse_cookie(":a=b").is_err());
        let target = url::Url::parse("http://localhost:9/x").unwrap();
        assert_eq!(
            cookie_url(&target, Some("127.0.0.1")).unwrap().as_str(),
            "http://127.0.0.1/"
        );
        assert_eq!(cookie_url(&target, None).unwrap(), target);
    }

    #[test]
    fn urls_without_a_scheme_get_the_likely_fix() {
        assert_eq!(
            check_scheme("localhost:8080/x").unwrap_err().0,
            "URL 'localhost:8080/x' has no scheme: did you mean http://localhost:8080/x?"
        );
        assert_eq!(
            check_scheme("127.0.0.1:8080/x").unwrap_err().0,
            "URL '127.0.0.1:8080/x' has no scheme: did you mean http://127.0.0.1:8080/x?"
        );
        assert!(
            check_scheme("api.example:8443/items")
                .unwrap_err()
                .0
                .ends_with("did you mean https://api.example:8443/items?")
        );
        assert!(check_scheme("localhost/x").is_err());
        for fine in [
            "http://localhost:8080/x",
            "HTTPS://a.b/",
            "/plain",
            "items",
            "items.json",
            "./a",
            "?q=1",
        ] {
            assert!(check_scheme(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn an_origin_may_end_with_one_slash() {
        assert_eq!(
            normalize_origin("https://app.example/"),
            "https://app.example"
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_origin("https://app.example"),
            "https://app.example"
        );
        // A path stays, and the origin parser refuses it.
        assert_eq!(
            normalize_origin("https://app.example/x/"),
            "https://app.example/x/"
        );
    }

    #[test]
    fn unreachable_lines_name_the_option_that_helps() {
        let url = url::Url::parse("https://127.0.0.1:8443/").unwrap();
        let net = NetArgs::default();
        let line = unreachable_line(
            &url,
            "error sending request: client error (Connect): invalid peer certificate: UnknownIssuer",
            &net,
        );
        assert_eq!(
            line,
            "cannot verify the certificate of https://127.0.0.1:8443/ (UnknownIssuer): pass --cacert FILE with the CA (or the self-signed certificate) that signed it, or --insecure for a throw-away test server"
        );
        assert!(
            unreachable_line(&url, "operation timed out", &net)
                .ends_with("(--timeout to wait longer)")
        );
        assert_eq!(
            unreachable_line(
                &url,
                "error sending request for url (https://127.0.0.1:8443/): client error (Connect): tcp connect error: Connection refused (os error 111)",
                &net
            ),
            "cannot reach https://127.0.0.1:8443/: Connection refused (os error 111)"
        );
    }

    #[test]
    fn tables_align_columns() {
        let t = table(
            &["a", "bb"],
            &[
                vec!["xyz".into(), "1".into()],
                vec!["é".into(), "22".into()],
            ],
            &|_, _, s| s.to_owned(),
        );
        assert_eq!(t, "a    bb\n---  --\nxyz  1\né    22\n");
    }
}
