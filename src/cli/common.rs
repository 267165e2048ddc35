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

/// The transport every command uses: no redirects, no cookie store, and
/// timeouts so that a silent server does not hang the command.
pub fn transport() -> Result<ReqwestTransport, Usage> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
        .map(ReqwestTransport::from_client)
        .map_err(|e| Usage(format!("cannot start the HTTP client: {e}")))
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
