//! `browser-cors audit URL --origin ORIGIN`: a matrix of methods × common
//! headers × credentials modes, each tried by a fresh emulated browser, and
//! what a page at that origin may and may not do.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use browser_cors::client::{Browser, Transport, TransportError};
use browser_cors::{CorsError, CredentialsMode, Engine, Outcome, Request};
use bytes::Bytes;
use serde_json::json;

use super::common::{Style, Usage, table, transport};
use super::explain;

/// Arguments of `audit`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
Examples:
  browser-cors audit https://api.example/items --origin https://app.example
  browser-cors audit https://api.example/items --origin https://app.example --browser all

Only GET, HEAD and OPTIONS reach the server unless --send-unsafe is given: for
POST, PUT, PATCH and DELETE the preflight is sent (it changes nothing), and
when the browser would go on to send the request, the row says 'would send'.

Exit status: 0 when the audit ran, 2 on a usage error or when the server
cannot be reached.")]
pub struct AuditArgs {
    /// The URL to probe.
    pub url: String,
    /// The page's origin.
    #[arg(long)]
    pub origin: String,
    /// chromium (default), firefox, webkit, or all (side by side).
    #[arg(long, default_value = "chromium")]
    pub browser: String,
    /// Really send POST, PUT, PATCH and DELETE requests (they may change data).
    #[arg(long)]
    pub send_unsafe: bool,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
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

/// One cell of the matrix.
#[derive(Debug, Clone, Copy)]
struct Probe {
    method: &'static str,
    header: Option<(&'static str, &'static str)>,
    credentials: CredentialsMode,
}

const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
const HEADERS: [Option<(&str, &str)>; 4] = [
    None,
    Some(("Content-Type", "application/json")),
    Some(("Authorization", "Bearer audit")),
    Some(("X-Requested-With", "XMLHttpRequest")),
];

fn probes() -> Vec<Probe> {
    let mut v = Vec::new();
    for method in METHODS {
        for header in HEADERS {
            for credentials in [CredentialsMode::Omit, CredentialsMode::Include] {
                v.push(Probe {
                    method,
                    header,
                    credentials,
                });
            }
        }
    }
    v
}

/// What one engine did with one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verdict {
    /// ok, would-send, blocked or unreachable.
    kind: &'static str,
    reason: String,
    preflighted: bool,
}

impl Verdict {
    fn cell(&self) -> String {
        match self.kind {
            "blocked" => format!("no: {}", self.reason),
            "would-send" => "would send".to_owned(),
            "ok" => "yes".to_owned(),
            _ => "unreachable".to_owned(),
        }
    }
}

fn verdict(
    outcome: &Outcome,
    exchanges: &[browser_cors::client::Exchange],
    preflighted: bool,
) -> Verdict {
    match outcome {
        Outcome::Response(_) => Verdict {
            kind: "ok",
            reason: String::new(),
            preflighted,
        },
        Outcome::NetworkError(e) => match &e.reason {
            CorsError::Network { detail } if detail.contains(NOT_SENT) => Verdict {
                kind: "would-send",
                reason: String::new(),
                preflighted,
            },
            CorsError::Network { detail } => Verdict {
                kind: "unreachable",
                reason: detail.clone(),
                preflighted,
            },
            _ => Verdict {
                kind: "blocked",
                reason: explain::short(e, exchanges),
                preflighted,
            },
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

fn probe_label(p: &Probe) -> (String, String, String) {
    (
        p.method.to_owned(),
        p.header
            .map_or_else(|| "-".to_owned(), |(n, v)| format!("{n}: {v}")),
        p.credentials.as_str().to_owned(),
    )
}

/// Runs `audit`.
pub fn run(args: &AuditArgs) -> ExitCode {
    let engines = match engines(&args.browser) {
        Ok(e) => e,
        Err(e) => return super::usage_error(&e),
    };
    let inner = match transport() {
        Ok(t) => t,
        Err(e) => return super::usage_error(&e),
    };
    let guard = Guard {
        inner,
        send_unsafe: args.send_unsafe,
    };
    // Validate the origin and URL once, before any probe.
    let first = match Browser::with_engine(guard.clone(), &args.origin, Engine::Chromium) {
        Ok(b) => b,
        Err(e) => return super::usage_error(&Usage(e.to_string())),
    };
    let url = match first.url(&args.url) {
        Ok(u) => u,
        Err(e) => return super::usage_error(&Usage(e.to_string())),
    };
    let Some(rt) = super::runtime() else {
        return ExitCode::from(2);
    };
    let matrix = probes();
    let total = matrix.len() * engines.len();
    let show_progress = std::io::stderr().is_terminal() && !args.json;
    let results: Vec<Vec<Verdict>> = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        let mut results = vec![Vec::new(); matrix.len()];
        let mut jobs = Vec::new();
        for (i, p) in matrix.iter().enumerate() {
            for (j, engine) in engines.iter().enumerate() {
                jobs.push((i, j, *p, *engine));
            }
        }
        let mut done = 0usize;
        let mut cells: Vec<Vec<Option<Verdict>>> = vec![vec![None; engines.len()]; matrix.len()];
        let mut queue = jobs.into_iter();
        let spawn = |set: &mut tokio::task::JoinSet<_>,
                     job: Option<(usize, usize, Probe, Engine)>| {
            let Some((i, j, p, engine)) = job else { return };
            let guard = guard.clone();
            let origin = args.origin.clone();
            let url = url.clone();
            set.spawn(async move {
                let v = match Browser::with_engine(guard, &origin, engine) {
                    Ok(browser) => {
                        let mut req = Request::get(url)
                            .method(p.method)
                            .credentials(p.credentials);
                        if let Some((n, v)) = p.header {
                            req = req.header(n, v);
                        }
                        if matches!(p.method, "POST" | "PUT" | "PATCH") {
                            req = req.body("{}");
                        }
                        let f = browser.fetch(req).await;
                        verdict(&f.outcome, &f.exchanges, f.preflighted())
                    }
                    Err(e) => Verdict {
                        kind: "unreachable",
                        reason: e.to_string(),
                        preflighted: false,
                    },
                };
                (i, j, v)
            });
        };
        for _ in 0..6 {
            spawn(&mut set, queue.next());
        }
        while let Some(joined) = set.join_next().await {
            if let Ok((i, j, v)) = joined {
                if let Some(c) = cells.get_mut(i).and_then(|row| row.get_mut(j)) {
                    *c = Some(v);
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
        for (i, row) in cells.into_iter().enumerate() {
            if let Some(r) = results.get_mut(i) {
                *r = row
                    .into_iter()
                    .map(|c| {
                        c.unwrap_or(Verdict {
                            kind: "unreachable",
                            reason: "the probe did not finish".into(),
                            preflighted: false,
                        })
                    })
                    .collect();
            }
        }
        results
    });
    // Nothing got an answer (a simple POST that was not sent proves nothing).
    let all_unreachable = results
        .iter()
        .flatten()
        .all(|v| matches!(v.kind, "unreachable" | "would-send"))
        && results.iter().flatten().any(|v| v.kind == "unreachable");
    if all_unreachable {
        let reason = results
            .iter()
            .flatten()
            .find(|v| v.kind == "unreachable")
            .map(|v| v.reason.clone())
            .unwrap_or_default();
        eprintln!("browser-cors: cannot reach {url}: {reason}");
        return ExitCode::from(2);
    }
    if args.json {
        let rows: Vec<serde_json::Value> = matrix
            .iter()
            .zip(&results)
            .map(|(p, vs)| {
                let (m, h, c) = probe_label(p);
                let by_engine: serde_json::Map<String, serde_json::Value> = engines
                    .iter()
                    .zip(vs)
                    .map(|(e, v)| {
                        (
                            e.name().to_owned(),
                            json!({"verdict": v.kind, "reason": v.reason, "preflighted": v.preflighted}),
                        )
                    })
                    .collect();
                let disagree = vs.windows(2).any(|w| matches!(w, [a, b] if a.kind != b.kind || a.reason != b.reason));
                json!({"method": m, "header": h, "credentials": c, "results": by_engine, "disagree": disagree})
            })
            .collect();
        let v = json!({"url": url.as_str(), "origin": args.origin, "send_unsafe": args.send_unsafe, "probes": rows});
        match serde_json::to_string_pretty(&v) {
            Ok(s) => outln!("{s}"),
            Err(e) => {
                eprintln!("browser-cors: cannot write JSON: {e}");
                return ExitCode::from(2);
            }
        }
        return ExitCode::SUCCESS;
    }
    let style = Style::detect();
    let mut header = vec!["method", "header", "credentials"];
    header.extend(engines.iter().map(|e| e.name()));
    let mut disagree = Vec::new();
    let rows: Vec<Vec<String>> = matrix
        .iter()
        .zip(&results)
        .map(|(p, vs)| {
            let (m, h, c) = probe_label(p);
            let cells: Vec<String> = vs.iter().map(Verdict::cell).collect();
            disagree.push(cells.windows(2).any(|w| matches!(w, [a, b] if a != b)));
            let mut row = vec![m, h, c];
            row.extend(cells);
            row
        })
        .collect();
    outln!("What a page at {} may do with {url}:\n", args.origin);
    out!(
        "{}",
        table(&header, &rows, &|r, c, s| {
            if disagree.get(r).copied().unwrap_or(false) {
                style.warn(s)
            } else if c >= 3 {
                if s.starts_with("no") || s.starts_with("unreachable") {
                    style.bad(s)
                } else {
                    style.ok(s)
                }
            } else {
                s.to_owned()
            }
        })
    );
    outln!();
    for (j, e) in engines.iter().enumerate() {
        let count = |k: &str| {
            results
                .iter()
                .filter(|vs| vs.get(j).is_some_and(|v| v.kind == k))
                .count()
        };
        outln!(
            "{}: {} allowed, {} would send (not sent), {} blocked, {} unreachable, of {}",
            e.name(),
            count("ok"),
            count("would-send"),
            count("blocked"),
            count("unreachable"),
            matrix.len()
        );
    }
    if engines.len() > 1 {
        let n = disagree.iter().filter(|d| **d).count();
        outln!(
            "{n} requests where the browsers disagree{}",
            if n > 0 { " (highlighted)" } else { "" }
        );
    }
    if !args.send_unsafe {
        outln!(
            "(POST, PUT, PATCH and DELETE were not sent: 'would send' means the browser would send them; --send-unsafe to try)"
        );
    }
    ExitCode::SUCCESS
}
