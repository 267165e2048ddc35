//! `browser-cors audit URL --origin ORIGIN`: methods × headers × credentials
//! modes, each tried by a fresh emulated browser (and tried again when it
//! was preflighted, to see the preflight cache), then a short list of root
//! causes with their fixes, the matrix, and what the cache kept.
//!
//! The causes and fixes are the library's [`browser_cors::advice`]: this
//! module only groups them by cause and lays them out.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use browser_cors::advice::{Advice, Seen, Stack};
use browser_cors::client::{Browser, Fetched, Transport, TransportError};
use browser_cors::{CorsError, CredentialsMode, Engine, Outcome, Request, RequestKind};
use bytes::Bytes;
use serde_json::{Value, json};

use super::common::{
    NetArgs, Style, Usage, check_scheme, cookie_url, normalize_origin, pad, parse_cookie,
    parse_header, transport_with, unreachable_line,
};

/// Arguments of `audit`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
Examples:
  browser-cors audit https://api.example/items --origin https://app.example
  browser-cors audit https://api.example/items --origin https://app.example --browser all
  browser-cors audit https://api.example/items --origin https://app.example \\
      -X PUT -H 'Content-Type: application/json' -H 'X-Token: 1' --credentials include

The output starts with the root causes (one line each, the fix in the
server's framework when it can be recognised, and the rows it explains),
then the matrix, then what the preflight cache kept: each preflighted
request is made a second time by the same browser.

Only GET, HEAD and OPTIONS reach the server unless --send-unsafe is given: for
POST, PUT, PATCH and DELETE the preflight is sent (it changes nothing), and
when the browser would go on to send the request, the row says so.

The table fits the terminal: COLUMNS sets the width (80 when unset).

Exit status: 0 when the audit ran, 2 on a usage error or when the server
cannot be reached (the first request decides; nothing more is tried).")]
pub struct AuditArgs {
    /// The URL to probe.
    pub url: String,
    /// The page's origin.
    #[arg(long)]
    pub origin: String,
    /// chromium (default), firefox, webkit, or all (side by side).
    #[arg(long, default_value = "chromium")]
    pub browser: String,
    /// The methods to try (repeatable); default GET, HEAD, POST, PUT, PATCH, DELETE.
    #[arg(short = 'X', long = "method")]
    pub methods: Vec<String>,
    /// A header of the app's own request, 'Name: value' (repeatable): the
    /// rows try no header and all of these together, instead of the
    /// default set (Content-Type: application/json, Authorization,
    /// X-Requested-With).
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    /// credentials: omit, include, or both (default).
    #[arg(long, default_value = "both")]
    pub credentials: String,
    /// A cookie in each browser's jar before the first request:
    /// name=value, or host:name=value (repeatable).
    #[arg(long)]
    pub cookie: Vec<String>,
    /// Really send POST, PUT, PATCH and DELETE requests (they may change data).
    #[arg(long)]
    pub send_unsafe: bool,
    /// Print JSON (the same content) instead of the text.
    #[arg(long)]
    pub json: bool,
    /// Timeout and https certificate options.
    #[command(flatten)]
    pub net: NetArgs,
}

const NOT_SENT: &str = "audit: not sent without --send-unsafe";

/// A transport that refuses to send methods that may change data.
#[derive(Clone)]
struct Guard<T> {
    inner: T,
    send_unsafe: bool,
}

impl<T: Transport> Transport for Guard<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let safe = matches!(
            *request.method(),
            http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
        );
        if !safe && !self.send_unsafe {
            return Err(TransportError::other(NOT_SENT));
        }
        self.inner.send(request).await
    }
}

/// Request headers as script passes them: name, value bytes.
type Headers = Vec<(String, Vec<u8>)>;

/// One row of the matrix.
#[derive(Debug, Clone)]
struct Probe {
    method: String,
    headers: Headers,
    /// The header column (`-` for none).
    label: String,
    credentials: CredentialsMode,
}

const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
const HEADERS: [(&str, &str); 3] = [
    ("Content-Type", "application/json"),
    ("Authorization", "Bearer audit"),
    ("X-Requested-With", "XMLHttpRequest"),
];

fn probes(args: &AuditArgs, engine: Engine) -> Result<Vec<Probe>, Usage> {
    let methods: Vec<String> = if args.methods.is_empty() {
        METHODS.iter().map(|m| (*m).to_owned()).collect()
    } else {
        args.methods.clone()
    };
    let mut header_sets: Vec<(String, Headers)> = vec![("-".to_owned(), vec![])];
    if args.headers.is_empty() {
        for (n, v) in HEADERS {
            header_sets.push((
                format!("{n}: {v}"),
                vec![(n.to_owned(), v.as_bytes().to_vec())],
            ));
        }
    } else {
        let mut set = Vec::new();
        for line in &args.headers {
            set.push(parse_header(line, engine)?);
        }
        let label = set
            .iter()
            .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v)))
            .collect::<Vec<_>>()
            .join(", ");
        header_sets.push((label, set));
    }
    let modes = match args.credentials.as_str() {
        "both" => vec![CredentialsMode::Omit, CredentialsMode::Include],
        other => vec![other.parse::<CredentialsMode>().map_err(|_| {
            Usage(format!(
                "invalid credentials '{other}': expected omit, include, same-origin or both"
            ))
        })?],
    };
    let mut v = Vec::new();
    for method in &methods {
        for (label, headers) in &header_sets {
            for credentials in &modes {
                v.push(Probe {
                    method: method.clone(),
                    headers: headers.clone(),
                    label: label.clone(),
                    credentials: *credentials,
                });
            }
        }
    }
    Ok(v)
}

impl Probe {
    fn request(&self, url: &url::Url) -> Request {
        let mut req = Request::get(url.clone())
            .method(self.method.clone())
            .credentials(self.credentials);
        req.headers.extend(self.headers.iter().cloned());
        if matches!(
            self.method.to_ascii_uppercase().as_str(),
            "POST" | "PUT" | "PATCH"
        ) {
            req = req.body("{}");
        }
        req
    }
}

/// What one engine did with one probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// `fetch()` resolved.
    Ok,
    /// The browser would send it (`--send-unsafe` not given).
    WouldSend,
    /// Refused.
    Blocked,
    /// The transport failed.
    Unreachable,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Ok => "ok",
            Kind::WouldSend => "would-send",
            Kind::Blocked => "blocked",
            Kind::Unreachable => "unreachable",
        }
    }
}

#[derive(Debug, Clone)]
struct Cell {
    kind: Kind,
    /// The status of the response (resolved) or of the refused one.
    status: Option<u16>,
    advice: Option<Advice>,
    detail: String,
    preflighted: bool,
    /// Whether the second request found the preflight in the cache.
    reused: Option<bool>,
    /// The preflight's `Access-Control-Max-Age`, as sent.
    max_age: Option<String>,
    /// Whether the preflight's Allow-Methods or Allow-Headers held `*`.
    wildcard: bool,
    stack: Option<Stack>,
}

impl Cell {
    fn text(&self) -> String {
        match self.kind {
            Kind::Ok => match self.status {
                Some(s) => format!("yes ({s})"),
                None => "yes".to_owned(),
            },
            Kind::WouldSend if self.preflighted => "preflight ok (not sent)".to_owned(),
            Kind::WouldSend => "would send (not sent)".to_owned(),
            Kind::Blocked => match &self.advice {
                Some(a) => format!("no: {}", a.summary),
                None => "no".to_owned(),
            },
            Kind::Unreachable => format!(
                "unreachable: {}",
                self.detail.rsplit(": ").next().unwrap_or(&self.detail)
            ),
        }
    }

    fn reason(&self) -> String {
        match self.kind {
            Kind::Blocked => self
                .advice
                .as_ref()
                .map(|a| a.summary.clone())
                .unwrap_or_default(),
            Kind::Unreachable => self.detail.clone(),
            Kind::Ok | Kind::WouldSend => String::new(),
        }
    }
}

fn cell(fetched: &Fetched, request: &Request) -> Cell {
    let seen: Vec<Seen<'_>> = fetched.exchanges.iter().map(Seen::from).collect();
    let stack = Stack::detect(&seen);
    let preflighted = fetched.preflighted();
    let preflight = fetched
        .exchanges
        .iter()
        .rev()
        .find(|e| e.request.kind == RequestKind::Preflight);
    let max_age = preflight
        .and_then(|e| e.response_headers.get("access-control-max-age"))
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let wildcard = preflight.is_some_and(|e| {
        [
            "access-control-allow-methods",
            "access-control-allow-headers",
        ]
        .iter()
        .flat_map(|n| e.response_headers.get_all(*n))
        .any(|v| {
            v.as_bytes()
                .split(|b| *b == b',')
                .any(|t| t.trim_ascii() == b"*")
        })
    });
    let base = Cell {
        kind: Kind::Ok,
        status: None,
        advice: None,
        detail: String::new(),
        preflighted,
        reused: None,
        max_age,
        wildcard,
        stack,
    };
    match &fetched.outcome {
        Outcome::Response(r) => Cell {
            status: Some(r.status),
            ..base
        },
        Outcome::NetworkError(e) => match &e.reason {
            CorsError::Network { detail } if detail.contains(NOT_SENT) => Cell {
                kind: Kind::WouldSend,
                ..base
            },
            CorsError::Network { detail } => Cell {
                kind: Kind::Unreachable,
                detail: detail.clone(),
                ..base
            },
            _ => {
                let advice = super::explain::advise(e, request, &fetched.exchanges);
                Cell {
                    kind: Kind::Blocked,
                    status: advice.status,
                    advice: Some(advice),
                    ..base
                }
            }
        },
    }
}

fn engines(arg: &str) -> Result<Vec<Engine>, Usage> {
    if arg == "all" {
        return Ok(Engine::ALL.to_vec());
    }
    arg.parse::<Engine>().map(|e| vec![e]).map_err(|_| {
        Usage(format!(
            "unknown browser '{arg}': expected chromium, firefox, webkit or all"
        ))
    })
}

/// The terminal width: `COLUMNS`, else 80.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(80)
}

/// `text` in lines of at most `width` characters, broken at spaces (a word
/// longer than a line is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let need = if used == 0 {
                word.len()
            } else {
                used + 1 + word.len()
            };
            if need <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let rest = word.split_off(width.min(word.len()));
            lines.push(word.iter().collect());
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `first` then `rest` wrapped into `width`, continuation lines indented
/// under the text.
fn hanging(first: &str, text: &str, width: usize) -> String {
    let indent = first.chars().count();
    let mut out = String::new();
    for (i, l) in wrap(text, width.saturating_sub(indent)).iter().enumerate() {
        if i == 0 {
            out.push_str(first);
        } else {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// A table that fits `total` columns: each cell wraps within its column;
/// the widest columns give up space first (never below 8).
fn fit_table(
    header: &[&str],
    rows: &[Vec<String>],
    total: usize,
    paint: &dyn Fn(usize, usize, &str) -> String,
) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let gaps = 2 * n.saturating_sub(1);
    // The last column (the verdict) keeps up to half the width, at least 36;
    // the others give up space first, widest first, down to 8.
    let room = total.saturating_sub(gaps);
    let natural_last = widths.last().copied().unwrap_or(0);
    let last_goal = natural_last.min((room / 2).max(36)).min(room);
    let others = n.saturating_sub(1);
    while widths.iter().take(others).sum::<usize>() + last_goal > room {
        let widest = widths
            .iter()
            .copied()
            .enumerate()
            .take(others)
            .max_by_key(|(_, w)| *w);
        match widest {
            Some((i, w)) if w > 8 => {
                if let Some(slot) = widths.get_mut(i) {
                    *slot = w - 1;
                }
            }
            _ => break,
        }
    }
    let used: usize = widths.iter().take(others).sum();
    if let Some(last) = widths.last_mut() {
        *last = natural_last.min(room.saturating_sub(used)).max(8);
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
        let wrapped: Vec<Vec<String>> = row.iter().zip(&widths).map(|(c, w)| wrap(c, *w)).collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let cells = wrapped
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(c, (lines, w))| {
                    let text = lines.get(k).map(String::as_str).unwrap_or("");
                    let padded = pad(text, *w);
                    let trimmed = padded.trim_end();
                    let painted = if trimmed.is_empty() {
                        String::new()
                    } else {
                        paint(r, c, trimmed)
                    };
                    format!("{painted}{}", " ".repeat(padded.len() - trimmed.len()))
                })
                .collect();
            out.push_str(&line(cells));
            out.push('\n');
        }
    }
    out
}

/// `1, 2, 5-9`.
fn ranges(rows: &BTreeSet<usize>) -> String {
    let mut parts = Vec::new();
    let mut iter = rows.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        parts.push(if end == start {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    parts.join(", ")
}

/// One root cause: its advice (subjects merged), the rows and engines.
struct Group {
    advice: Advice,
    rows: BTreeSet<usize>,
    engines: Vec<Engine>,
}

fn group(results: &[Vec<Cell>], engines: &[Engine]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (r, cells) in results.iter().enumerate() {
        for (cell, engine) in cells.iter().zip(engines) {
            let Some(a) = &cell.advice else { continue };
            let key = |g: &Group| g.advice.cause == a.cause;
            match groups.iter_mut().find(|g| key(g)) {
                Some(g) => {
                    g.advice.merge(a);
                    g.rows.insert(r + 1);
                    if !g.engines.contains(engine) {
                        g.engines.push(*engine);
                    }
                }
                None => groups.push(Group {
                    advice: a.clone(),
                    rows: BTreeSet::from([r + 1]),
                    engines: vec![*engine],
                }),
            }
        }
    }
    groups.sort_by(|a, b| {
        b.rows
            .len()
            .cmp(&a.rows.len())
            .then(a.advice.cause.cmp(&b.advice.cause))
    });
    groups
}

/// The verdict column: one text when the engines agree on the verdict,
/// each engine's when they do not (marked `≠`).
fn verdict_cell(cells: &[Cell], engines: &[Engine]) -> (String, bool) {
    let disagree = cells
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.kind != b.kind));
    if !disagree {
        return (cells.first().map(Cell::text).unwrap_or_default(), false);
    }
    let mut parts: Vec<(Vec<&str>, String)> = Vec::new();
    for (c, e) in cells.iter().zip(engines) {
        let t = c.text();
        match parts.iter_mut().find(|(_, text)| *text == t) {
            Some((names, _)) => names.push(e.name()),
            None => parts.push((vec![e.name()], t)),
        }
    }
    let joined = parts
        .iter()
        .map(|(names, t)| format!("{}: {t}", names.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    (format!("≠ {joined}"), true)
}

/// What the preflight cache kept, per engine: the lifetime the engine
/// gives the server's `Access-Control-Max-Age` (its own cap), and how many
/// second requests found the preflight cached.
fn cache_facts(results: &[Vec<Cell>], engines: &[Engine]) -> Vec<Value> {
    engines
        .iter()
        .enumerate()
        .map(|(j, e)| {
            let cells: Vec<&Cell> = results.iter().filter_map(|r| r.get(j)).collect();
            let tried: Vec<&&Cell> = cells.iter().filter(|c| c.reused.is_some()).collect();
            let reused = tried.iter().filter(|c| c.reused == Some(true)).count();
            let max_age = tried.iter().find_map(|c| c.max_age.clone());
            let profile = e.profile();
            let lifetime =
                browser_cors::preflight::max_age(max_age.as_deref().map(str::as_bytes), &profile);
            json!({
                "browser": e.name(),
                "max_age": max_age,
                "lifetime_s": lifetime.as_secs(),
                "cap_s": profile.cache.max_lifetime.as_secs(),
                "default_s": profile.cache.default_lifetime.as_secs(),
                "second_requests": tried.len(),
                "reused": reused,
                // A cached `*` (Allow-Methods/-Headers) serving another
                // method or header: an engine fact (profile.rs).
                "wildcard_reused": tried
                    .iter()
                    .any(|c| c.wildcard)
                    .then_some(profile.cache.wildcards == browser_cors::profile::CachedWildcard::Reused),
            })
        })
        .collect()
}

/// Runs `audit`.
pub fn run(args: &AuditArgs) -> ExitCode {
    match audit(args) {
        Ok(code) => code,
        Err(e) => super::usage_error(&e),
    }
}

fn audit(args: &AuditArgs) -> Result<ExitCode, Usage> {
    let engines = engines(&args.browser)?;
    let first_engine = engines.first().copied().unwrap_or(Engine::Chromium);
    let guard = Guard {
        inner: transport_with(&args.net)?,
        send_unsafe: args.send_unsafe,
    };
    let origin = normalize_origin(&args.origin);
    // Validate the origin, URL and cookies once, before any probe.
    let first = Browser::with_engine(guard.clone(), &origin, first_engine)
        .map_err(|e| Usage(e.to_string()))?;
    check_scheme(&args.url)?;
    let url = first.url(&args.url).map_err(|e| Usage(e.to_string()))?;
    let mut cookies = Vec::new();
    for c in &args.cookie {
        let (host, cookie) = parse_cookie(c)?;
        let at = cookie_url(&url, host.as_deref())?;
        first
            .add_cookie(&cookie, &at)
            .map_err(|e| Usage(format!("cookie '{c}': {e}")))?;
        cookies.push((cookie, at));
    }
    let matrix = probes(args, first_engine)?;
    let Some(rt) = super::runtime() else {
        return Ok(ExitCode::from(2));
    };
    // One request first: a server that cannot be reached stops the audit
    // here, after one timeout instead of one per probe.
    let reach = rt.block_on(first.fetch(Request::get(url.clone())));
    if let Some(e) = reach.error() {
        if let CorsError::Network { detail } = &e.reason {
            eprintln!(
                "browser-cors: {}",
                unreachable_line(&url, detail, &args.net)
            );
            return Ok(ExitCode::from(2));
        }
    }
    let total = matrix.len() * engines.len();
    let show_progress = std::io::stderr().is_terminal() && !args.json;
    let results: Vec<Vec<Cell>> = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        let mut jobs = Vec::new();
        for (i, p) in matrix.iter().enumerate() {
            for (j, engine) in engines.iter().enumerate() {
                jobs.push((i, j, p.clone(), *engine));
            }
        }
        let mut cells: Vec<Vec<Option<Cell>>> = vec![vec![None; engines.len()]; matrix.len()];
        let mut queue = jobs.into_iter();
        let spawn = |set: &mut tokio::task::JoinSet<_>,
                     job: Option<(usize, usize, Probe, Engine)>| {
            let Some((i, j, p, engine)) = job else { return };
            let guard = guard.clone();
            let origin = origin.clone();
            let url = url.clone();
            let cookies = cookies.clone();
            set.spawn(async move {
                let c = match Browser::with_engine(guard, &origin, engine) {
                    Ok(browser) => {
                        for (cookie, at) in &cookies {
                            let _ = browser.add_cookie(cookie, at);
                        }
                        let req = p.request(&url);
                        let f = browser.fetch(req.clone()).await;
                        let mut c = cell(&f, &req);
                        // The same request again: was the preflight cached?
                        if c.preflighted && matches!(c.kind, Kind::Ok | Kind::WouldSend) {
                            let again = browser.fetch(req).await;
                            c.reused = Some(!again.preflighted());
                        }
                        c
                    }
                    Err(e) => Cell {
                        kind: Kind::Unreachable,
                        status: None,
                        advice: None,
                        detail: e.to_string(),
                        preflighted: false,
                        reused: None,
                        max_age: None,
                        wildcard: false,
                        stack: None,
                    },
                };
                (i, j, c)
            });
        };
        for _ in 0..6 {
            spawn(&mut set, queue.next());
        }
        let mut done = 0usize;
        while let Some(joined) = set.join_next().await {
            if let Ok((i, j, c)) = joined {
                if let Some(slot) = cells.get_mut(i).and_then(|row| row.get_mut(j)) {
                    *slot = Some(c);
                }
            }
            done += 1;
            if show_progress {
                let width = 30;
                let filled = done * width / total.max(1);
                eprint!(
                    "\r[{}{}] {done}/{total}",
                    "#".repeat(filled),
                    " ".repeat(width - filled)
                );
                let _ = std::io::stderr().flush();
            }
            spawn(&mut set, queue.next());
        }
        if show_progress {
            eprint!("\r{}\r", " ".repeat(50));
        }
        cells
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|c| {
                        c.unwrap_or(Cell {
                            kind: Kind::Unreachable,
                            status: None,
                            advice: None,
                            detail: "the probe did not finish".into(),
                            preflighted: false,
                            reused: None,
                            max_age: None,
                            wildcard: false,
                            stack: None,
                        })
                    })
                    .collect()
            })
            .collect()
    });
    let stack = results.iter().flatten().find_map(|c| c.stack).or_else(|| {
        let seen: Vec<Seen<'_>> = reach.exchanges.iter().map(Seen::from).collect();
        Stack::detect(&seen)
    });
    // One URL, one server: a stack seen on any answer (a preflight that
    // passed, a success) is the stack of the refusals that show none (an
    // empty 401 from an auth layer, a 500 from an outer layer).
    let mut results = results;
    for c in results.iter_mut().flatten() {
        if let Some(a) = c.advice.as_mut() {
            a.stack = a.stack.or(stack);
        }
    }
    let groups = group(&results, &engines);
    let cache = cache_facts(&results, &engines);
    let verdicts: Vec<(String, bool)> = results
        .iter()
        .map(|cells| verdict_cell(cells, &engines))
        .collect();
    if args.json {
        print_json(
            args, &url, &engines, &matrix, &results, &groups, &cache, stack,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let style = Style::detect();
    let w = width();
    let mut out = String::new();
    out.push_str(&hanging(
        "",
        &format!("What a page at {origin} may do with {url}"),
        w,
    ));
    let names: Vec<&str> = engines.iter().map(|e| e.name()).collect();
    out.push_str(&hanging(
        "",
        &format!(
            "({} requests; {}; server: {})",
            matrix.len(),
            names.join(", "),
            stack.map_or("not recognised", Stack::name)
        ),
        w,
    ));
    out.push('\n');
    let unreachable = results
        .iter()
        .flatten()
        .filter(|c| c.kind == Kind::Unreachable)
        .count();
    if groups.is_empty() && unreachable == 0 {
        out.push_str("Root causes: none, every request was allowed.\n");
    } else if groups.is_empty() {
        out.push_str(&hanging(
            "",
            &format!(
                "Root causes: none found; {unreachable} requests got no answer (see the table)."
            ),
            w,
        ));
    } else {
        out.push_str(&format!("{}\n", style.bold("Root causes:")));
        for (k, g) in groups.iter().enumerate() {
            let engines_note = if g.engines.len() == engines.len() {
                String::new()
            } else {
                let n: Vec<&str> = g.engines.iter().map(|e| e.name()).collect();
                format!(" [{}]", n.join(", "))
            };
            let rows = g.rows.len();
            out.push_str(&hanging(
                &format!("{:>2}. ", k + 1),
                &format!(
                    "{}: {} row{} ({}){engines_note}",
                    g.advice.cause.title(),
                    rows,
                    if rows == 1 { "" } else { "s" },
                    ranges(&g.rows)
                ),
                w,
            ));
            for fix in g.advice.fixes() {
                out.push_str(&hanging("    fix: ", &fix, w));
            }
        }
    }
    out.push('\n');
    let header = ["#", "method", "header", "creds", "verdict"];
    let rows: Vec<Vec<String>> = matrix
        .iter()
        .zip(&verdicts)
        .enumerate()
        .map(|(i, (p, (v, _)))| {
            vec![
                (i + 1).to_string(),
                p.method.clone(),
                p.label.clone(),
                p.credentials.as_str().to_owned(),
                v.clone(),
            ]
        })
        .collect();
    out.push_str(&fit_table(&header, &rows, w, &|r, c, s| {
        if c != 4 {
            return s.to_owned();
        }
        if verdicts.get(r).is_some_and(|(_, d)| *d) {
            style.warn(s)
        } else if results
            .get(r)
            .and_then(|cells| cells.first())
            .is_some_and(|c| matches!(c.kind, Kind::Blocked | Kind::Unreachable))
        {
            style.bad(s)
        } else {
            style.ok(s)
        }
    }));
    out.push('\n');
    let tried: usize = cache
        .iter()
        .map(|c| c["second_requests"].as_u64().unwrap_or(0) as usize)
        .sum();
    if tried > 0 {
        out.push_str(&format!(
            "{}\n",
            style.bold("Preflight cache (each preflighted request made twice):")
        ));
        for c in &cache {
            let max_age = match c["max_age"].as_str() {
                Some(v) => format!("Access-Control-Max-Age: {v}"),
                None => "no Access-Control-Max-Age".to_owned(),
            };
            out.push_str(&hanging(
                "  ",
                &format!(
                    "{}: {max_age} → kept {} s (default {} s, at most {} s); the second request reused it in {} of {}",
                    c["browser"].as_str().unwrap_or_default(),
                    c["lifetime_s"],
                    c["default_s"],
                    c["cap_s"],
                    c["reused"],
                    c["second_requests"]
                ),
                w,
            ));
            if let Some(reused) = c["wildcard_reused"].as_bool() {
                out.push_str(&hanging(
                    "    ",
                    if reused {
                        "the cached * also serves other methods and headers (without credentials)"
                    } else {
                        "the cached * serves no other method or header: each new one is preflighted again"
                    },
                    w,
                ));
            }
        }
        out.push('\n');
    }
    for (j, e) in engines.iter().enumerate() {
        let count = |k: Kind| {
            results
                .iter()
                .filter(|cells| cells.get(j).is_some_and(|c| c.kind == k))
                .count()
        };
        out.push_str(&hanging(
            "",
            &format!(
                "{}: {} allowed, {} would be sent (not sent), {} blocked, {} unreachable",
                e.name(),
                count(Kind::Ok),
                count(Kind::WouldSend),
                count(Kind::Blocked),
                count(Kind::Unreachable),
            ),
            w,
        ));
    }
    if engines.len() > 1 {
        let n = verdicts.iter().filter(|(_, d)| *d).count();
        out.push_str(&hanging(
            "",
            &if n == 0 {
                "the browsers agree on every request".to_owned()
            } else {
                format!(
                    "{n} request{} where the browsers disagree (marked ≠)",
                    if n == 1 { "" } else { "s" }
                )
            },
            w,
        ));
    }
    if results.iter().flatten().any(|c| c.kind == Kind::WouldSend) {
        out.push_str(&hanging(
            "",
            "(POST, PUT, PATCH and DELETE were not sent: --send-unsafe to send them)",
            w,
        ));
    }
    out!("{out}");
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
fn print_json(
    args: &AuditArgs,
    url: &url::Url,
    engines: &[Engine],
    matrix: &[Probe],
    results: &[Vec<Cell>],
    groups: &[Group],
    cache: &[Value],
    stack: Option<Stack>,
) -> Result<(), Usage> {
    let causes: Vec<Value> = groups
        .iter()
        .map(|g| {
            json!({
                "cause": g.advice.cause,
                "title": g.advice.cause.title(),
                "subjects": g.advice.subjects,
                "fixes": g.advice.fixes(),
                "rows": g.rows,
                "browsers": g.engines.iter().map(|e| e.name()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let probes: Vec<Value> = matrix
        .iter()
        .zip(results)
        .enumerate()
        .map(|(i, (p, cells))| {
            let by_engine: serde_json::Map<String, Value> = engines
                .iter()
                .zip(cells)
                .map(|(e, c)| {
                    (
                        e.name().to_owned(),
                        json!({
                            "verdict": c.kind.as_str(),
                            "reason": c.reason(),
                            "status": c.status,
                            "cause": c.advice.as_ref().map(|a| a.cause),
                            "preflighted": c.preflighted,
                            "preflight_reused": c.reused,
                        }),
                    )
                })
                .collect();
            let disagree = cells
                .windows(2)
                .any(|w| matches!(w, [a, b] if a.kind != b.kind));
            json!({
                "row": i + 1,
                "method": p.method,
                "header": p.label,
                "credentials": p.credentials.as_str(),
                "results": by_engine,
                "disagree": disagree,
            })
        })
        .collect();
    let v = json!({
        "url": url.as_str(),
        "origin": normalize_origin(&args.origin),
        "server": stack.map(Stack::name),
        "send_unsafe": args.send_unsafe,
        "causes": causes,
        "probes": probes,
        "cache": cache,
    });
    let s =
        serde_json::to_string_pretty(&v).map_err(|e| Usage(format!("cannot write JSON: {e}")))?;
    outln!("{s}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("x y", 10), ["x y"]);
    }

    #[test]
    fn ranges_compress_runs() {
        assert_eq!(ranges(&BTreeSet::from([1, 2, 3, 5, 7, 8])), "1-3, 5, 7-8");
        assert_eq!(ranges(&BTreeSet::new()), "");
    }

    #[test]
    fn fit_table_wraps_the_widest_column() {
        let t = fit_table(
            &["a", "b"],
            &[vec!["1".into(), "one two three four".into()]],
            12,
            &|_, _, s| s.to_owned(),
        );
        assert_eq!(t, "a  b\n-  ---------\n1  one two\n   three\n   four\n");
        assert!(t.lines().all(|l| l.chars().count() <= 12));
    }
}
