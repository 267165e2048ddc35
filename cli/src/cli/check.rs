//! `browser-cors check URL --origin ORIGIN ...`: one real exchange through
//! the emulated browser, drawn as a sequence diagram, with the verdict, why
//! it was preflighted and what to fix.

use std::process::ExitCode;

use browser_cors::client::reqwest::ReqwestTransport;
use browser_cors::client::{Browser, Exchange, Fetched};
use browser_cors::profile::ThirdPartyCookies;
use browser_cors::{AddressSpace, Page, PermissionState};
use browser_cors::{
    CorsError, CredentialsMode, Engine, Mode, Outcome, RedirectMode, Request, RequestKind,
};
use http::HeaderMap;
use serde_json::{Value, json};

use super::common::{
    NetArgs, Style, Usage, check_scheme, cookie_url, normalize_origin, parse_cookie, parse_engine,
    parse_header, transport_with, unreachable_line,
};
use super::explain::{self, Preflight};

/// Arguments of `check`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
Examples:
  browser-cors check https://api.example/items --origin https://app.example
  browser-cors check https://api.example/items --origin https://app.example \\
      -X PUT -H 'Content-Type: application/json' --data '{}' --credentials include

Header arguments are what script passes to fetch(): -H 'Name:' sends an empty
value (curl would remove the header), and a value is a JavaScript string (code
points above U+00FF are refused, as fetch() refuses them). A forbidden header
(Cookie, Host, Origin, Sec-*, ...) is a usage error here: fetch() would drop it
silently. Use --cookie to put a cookie in the browser's jar instead.

Exit status: 0 when fetch() resolves (an opaque or opaqueredirect response
counts), 1 when the browser's rules make it reject (CORS, mode, redirects),
2 on a usage error or a transport failure (connection refused, DNS).")]
pub struct CheckArgs {
    /// The URL script fetches (absolute, or relative to --origin).
    pub url: String,
    /// The page's origin: where the script runs (https://app.example).
    #[arg(long)]
    pub origin: String,
    /// The method, as script writes it (fetch() uppercases only delete, get,
    /// head, options, post and put).
    #[arg(short = 'X', long = "request", default_value = "GET")]
    pub method: String,
    /// A request header, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    /// credentials: include, same-origin (default) or omit.
    #[arg(long, default_value = "same-origin")]
    pub credentials: String,
    /// mode: cors (default), no-cors or same-origin.
    #[arg(long, default_value = "cors")]
    pub mode: String,
    /// redirect: follow (default), error or manual.
    #[arg(long, default_value = "follow")]
    pub redirect: String,
    /// A string body (Content-Type defaults to text/plain;charset=UTF-8).
    #[arg(short = 'd', long)]
    pub data: Option<String>,
    /// Put a cookie in the browser's jar before the exchange, as if set
    /// earlier: name=value for the target's host, or host:name=value for
    /// another host (127.0.0.1:cred=1). Set-Cookie attributes may follow
    /// (name=value; Path=/api). Repeatable.
    #[arg(long)]
    pub cookie: Vec<String>,
    /// Print one JSON object instead of the diagram.
    #[arg(long)]
    pub json: bool,
    /// The browser to emulate: chromium (default), firefox or webkit.
    #[arg(long, default_value = "chromium", value_parser = parse_engine)]
    pub browser: Engine,
    /// The page's own address space for Local Network Access: public,
    /// local or loopback (default: from an IP or localhost origin; a page on
    /// a name has none, and LNA is not checked).
    #[arg(long, value_parser = parse_space)]
    pub page_address_space: Option<AddressSpace>,
    /// The target's address space, when it is a name (what DNS would give).
    #[arg(long, value_parser = parse_space)]
    pub target_address_space: Option<AddressSpace>,
    /// The page's Local Network Access permission: prompt (default), granted or denied.
    #[arg(long, value_parser = parse_permission)]
    pub local_network: Option<PermissionState>,
    /// Third-party cookies: the engine's default, or allowed (the switch users turn on).
    #[arg(long, value_parser = ["default", "allowed"], default_value = "default")]
    pub third_party_cookies: String,
    /// A header of the page's own response (COEP, a CSP with
    /// upgrade-insecure-requests), 'Name: value' (repeatable).
    #[arg(long = "page-header")]
    pub page_headers: Vec<String>,
    /// Timeout and https certificate options.
    #[command(flatten)]
    pub net: NetArgs,
}

fn parse_space(s: &str) -> Result<AddressSpace, String> {
    match s.to_ascii_lowercase().as_str() {
        "public" => Ok(AddressSpace::Public),
        "local" | "private" => Ok(AddressSpace::Local),
        "loopback" => Ok(AddressSpace::Loopback),
        _ => Err(format!("'{s}': expected public, local or loopback")),
    }
}

fn parse_permission(s: &str) -> Result<PermissionState, String> {
    match s.to_ascii_lowercase().as_str() {
        "prompt" => Ok(PermissionState::Prompt),
        "granted" | "grant" => Ok(PermissionState::Granted),
        "denied" | "deny" => Ok(PermissionState::Denied),
        _ => Err(format!("'{s}': expected prompt, granted or denied")),
    }
}

/// A request ready to go: the browser (with its cookies) and what script asks.
pub struct Prepared {
    /// The emulated browser.
    pub browser: Browser<ReqwestTransport>,
    /// The `fetch()` arguments.
    pub request: Request,
}

/// Validates the arguments: every refusal is one line, exit 2.
pub fn prepare(args: &CheckArgs) -> Result<Prepared, Usage> {
    let mut page =
        Page::parse(&normalize_origin(&args.origin)).map_err(|e| Usage(e.to_string()))?;
    if !args.page_headers.is_empty() {
        let mut document = http::HeaderMap::new();
        for line in &args.page_headers {
            let (name, value) = parse_header(line, args.browser)?;
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_bytes(&value),
            ) {
                document.append(n, v);
            }
        }
        page = page.with_document_headers(&document);
    }
    if let Some(space) = args.page_address_space {
        page = page.with_address_space(space);
    }
    if let Some(state) = args.local_network {
        page = page.with_local_network_permission(state);
    }
    check_scheme(&args.url)?;
    if let Some(space) = args.target_address_space {
        if let Some(host) = url::Url::parse(&args.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        {
            page = page.with_target_address_space(&host, space);
        }
    }
    let mut profile = args.browser.profile();
    if args.third_party_cookies == "allowed" {
        profile = profile.with_third_party_cookies(ThirdPartyCookies::Allowed);
    }
    let browser = Browser::on_page(transport_with(&args.net)?, page, profile);
    let url = browser.url(&args.url).map_err(|e| Usage(e.to_string()))?;
    let mut request = Request::get(url).method(args.method.clone());
    for line in &args.headers {
        let (name, value) = parse_header(line, args.browser)?;
        request.headers.push((name, value));
    }
    request.credentials = args
        .credentials
        .parse::<CredentialsMode>()
        .map_err(|e| Usage(e.to_string()))?;
    request.mode = args
        .mode
        .parse::<Mode>()
        .map_err(|e| Usage(e.to_string()))?;
    request.redirect = args
        .redirect
        .parse::<RedirectMode>()
        .map_err(|e| Usage(e.to_string()))?;
    if let Some(d) = &args.data {
        request.body = Some(bytes::Bytes::from(d.clone().into_bytes()));
    }
    for c in &args.cookie {
        let (host, cookie) = parse_cookie(c)?;
        let at = cookie_url(&request.url, host.as_deref())?;
        browser
            .add_cookie(&cookie, &at)
            .map_err(|e| Usage(format!("cookie '{c}': {e}")))?;
    }
    Ok(Prepared { browser, request })
}

/// The exit status `check` gives an outcome.
pub fn exit_status(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Response(_) => 0,
        Outcome::NetworkError(e) if matches!(e.reason, CorsError::Network { .. }) => 2,
        Outcome::NetworkError(_) => 1,
    }
}

/// Runs `check`.
pub fn run(args: &CheckArgs) -> ExitCode {
    let prepared = match prepare(args) {
        Ok(p) => p,
        Err(e) => return super::usage_error(&e),
    };
    let Some(rt) = super::runtime() else {
        return ExitCode::from(2);
    };
    let fetched = rt.block_on(prepared.browser.fetch(prepared.request.clone()));
    let page = prepared.browser.page_origin().ascii_serialization();
    let code = exit_status(&fetched.outcome);
    if args.json {
        let value = to_json(&prepared.request, &prepared.browser, &fetched);
        match serde_json::to_string_pretty(&value) {
            Ok(s) => outln!("{s}"),
            Err(e) => {
                eprintln!("browser-cors: cannot write JSON: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if code == 2 {
        if let Some(e) = fetched.error() {
            if let CorsError::Network { detail } = &e.reason {
                eprintln!(
                    "browser-cors: {}",
                    unreachable_line(&e.url, detail, &args.net)
                );
            }
        }
    } else if !args.json {
        out!(
            "{}",
            render(
                &prepared.request,
                &page,
                prepared.browser.profile(),
                &fetched,
                Style::detect()
            )
        );
    }
    ExitCode::from(code)
}

/// The response headers worth showing in the diagram.
fn mattering(headers: &HeaderMap, status: Option<u16>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in headers {
        let n = name.as_str();
        let keep = n.starts_with("access-control-")
            || n == "vary"
            || (n == "location" && status.is_some_and(|s| (300..400).contains(&s)))
            || (n == "www-authenticate");
        if keep {
            out.push((
                display_name(n),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ));
        }
    }
    out
}

/// `access-control-allow-origin` as `Access-Control-Allow-Origin`.
fn display_name(lower: &str) -> String {
    if lower == "www-authenticate" {
        return "WWW-Authenticate".to_owned();
    }
    lower
        .split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn request_lines(e: &Exchange, request: &Request) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let wire = &e.request;
    let mut push = |name: &str| {
        if let Some(v) = wire.header(name) {
            out.push((display_name(name), v));
        }
    };
    push("origin");
    push("access-control-request-method");
    push("access-control-request-headers");
    if wire.kind == RequestKind::Actual {
        let mut seen: Vec<String> = Vec::new();
        for (name, _) in &request.headers {
            let lower = name.to_ascii_lowercase();
            if !seen.contains(&lower) {
                push(&lower);
                seen.push(lower);
            }
        }
        if wire.body.is_some() && !seen.iter().any(|n| n == "content-type") {
            push("content-type");
        }
    }
    push("cookie");
    out
}

/// The exchange as a sequence diagram, the verdict, the preflight's reasons
/// and the fixes, as text.
pub fn render(
    request: &Request,
    page: &str,
    profile: &browser_cors::Profile,
    fetched: &Fetched,
    style: Style,
) -> String {
    let mut out = String::new();
    let engine = profile.engine.display_name();
    out.push_str(&format!(
        "{} fetch({}) from a page at {page}\n\n",
        style.bold(engine),
        request.url
    ));
    let indent = "                   ";
    for e in fetched.exchanges.iter() {
        let url = e.request.url_to_send();
        let tag = if e.request.kind == RequestKind::Preflight {
            style.dim("  (preflight)")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  page ──▶ server  {} {url}{tag}\n",
            style.bold(e.request.method.as_str())
        ));
        for (n, v) in request_lines(e, request) {
            out.push_str(&format!("{indent}{n}: {v}\n"));
        }
        match e.status {
            Some(s) => {
                let text = format!("{} {}", s.as_u16(), s.canonical_reason().unwrap_or(""));
                let painted = if s.is_success() {
                    style.ok(text.trim_end())
                } else if s.is_redirection() {
                    style.warn(text.trim_end())
                } else {
                    style.bad(text.trim_end())
                };
                out.push_str(&format!("  page ◀── server  {painted}\n"));
                let lines = mattering(&e.response_headers, Some(s.as_u16()));
                if lines.is_empty() {
                    out.push_str(&format!("{indent}{}\n", style.dim("(no CORS headers)")));
                }
                for (n, v) in lines {
                    out.push_str(&format!("{indent}{n}: {v}\n"));
                }
            }
            None => out.push_str(&format!(
                "  page ◀─x─ server  {}\n",
                style.bad("no response")
            )),
        }
    }
    if fetched.exchanges.is_empty() {
        out.push_str(&format!("  {}\n", style.dim("(nothing was sent)")));
    }
    out.push('\n');
    match &fetched.outcome {
        Outcome::Response(r) => {
            let status = if r.response_type.as_str().starts_with("opaque") {
                "status 0".to_owned()
            } else {
                format!("status {}", r.status)
            };
            out.push_str(&format!(
                "{} fetch() resolves: {} {} response, {status}{}\n",
                style.ok("✔"),
                if r.response_type.as_str().starts_with("opaque") {
                    "an"
                } else {
                    "a"
                },
                r.response_type.as_str(),
                if r.redirected { ", redirected" } else { "" }
            ));
            let names = r.header_names();
            out.push_str(&format!(
                "    readable headers: {}\n",
                if names.is_empty() {
                    "(none)".to_owned()
                } else {
                    names.join(", ")
                }
            ));
            for note in explain::notes(r, &fetched.exchanges) {
                out.push_str(&format!("    {} {note}\n", style.warn("note:")));
            }
            for note in &fetched.cookies {
                out.push_str(&format!("    {} {note}\n", style.warn("note:")));
            }
        }
        Outcome::NetworkError(e) => {
            out.push_str(&format!(
                "{} fetch() rejects: {}\n",
                style.bad("✘"),
                e.script_message()
            ));
            out.push_str(&format!("    console: {}\n", e.console_message()));
            out.push_str(&format!(
                "    reason: {} (stage: {})\n",
                e.reason.code(),
                stage_name(e.stage)
            ));
        }
    }
    let page_origin = browser_cors::origin::parse_origin(page).ok();
    if let Some(p) = page_origin {
        match explain::preflight(request, &p, profile) {
            Preflight::NotNeeded(why) => {
                out.push_str(&format!("Preflight: no ({why})\n"));
            }
            Preflight::Needed(reasons) => {
                let cached = !fetched.preflighted()
                    && fetched
                        .error()
                        .is_none_or(|e| e.stage != browser_cors::Stage::Request);
                out.push_str(if cached {
                    "Preflight: needed, answered from the preflight cache (no OPTIONS on the wire), because\n"
                } else {
                    "Preflight: yes, because\n"
                });
                for r in reasons {
                    out.push_str(&format!("    - {r}\n"));
                }
            }
        }
    }
    if let Some(e) = fetched.error() {
        out.push_str(&format!("{}\n", style.bold("Fix:")));
        for f in explain::fixes(e, request, &fetched.exchanges) {
            out.push_str(&format!("    - {f}\n"));
        }
    }
    out
}

fn stage_name(stage: browser_cors::Stage) -> &'static str {
    stage.as_str()
}

fn get(wire: &browser_cors::WireRequest, name: &str) -> Value {
    wire.header(name).map_or(Value::Null, Value::String)
}

/// One `server_log` entry, as FORMAT.md's, with real URLs.
fn log_entry(e: &Exchange, request: &Request) -> Value {
    let w = &e.request;
    let mut origin_url = w.url.origin().ascii_serialization();
    origin_url.push_str(w.url.path());
    let mut entry = json!({
        "method": w.method.as_str(),
        "origin_url": origin_url,
        "origin": get(w, "origin"),
        "acrm": get(w, "access-control-request-method"),
        "acrh": get(w, "access-control-request-headers"),
        "cookie": w.headers.contains("cookie"),
        "sec_fetch_mode": get(w, "sec-fetch-mode"),
        "sec_fetch_site": get(w, "sec-fetch-site"),
        "status": e.status.map(|s| s.as_u16()),
    });
    if !request.headers.is_empty() || request.body.is_some() {
        let mut names: Vec<String> = request
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        if request.body.is_some() {
            names.push("content-type".into());
        }
        names.sort();
        names.dedup();
        let map: serde_json::Map<String, Value> = names
            .into_iter()
            .map(|n| {
                let v = get(w, &n);
                (n, v)
            })
            .collect();
        if let Some(obj) = entry.as_object_mut() {
            obj.insert("request_headers".into(), Value::Object(map));
        }
    }
    entry
}

/// `check --json`: the `expect` object of FORMAT.md with real URLs, plus
/// `error`, `fix`, `preflight` and `notes`.
pub fn to_json(request: &Request, browser: &Browser<ReqwestTransport>, fetched: &Fetched) -> Value {
    let log: Vec<Value> = fetched
        .exchanges
        .iter()
        .map(|e| log_entry(e, request))
        .collect();
    let preflight = match explain::preflight(request, browser.page_origin(), browser.profile()) {
        Preflight::NotNeeded(why) => {
            json!({"needed": false, "reasons": [why], "sent": fetched.preflighted()})
        }
        Preflight::Needed(r) => {
            json!({"needed": true, "reasons": r, "sent": fetched.preflighted()})
        }
    };
    let mut v = json!({
        "browser": browser.profile().engine.name(),
        "page": browser.page_origin().ascii_serialization(),
        "server_log": log,
        "preflight": preflight,
    });
    let Some(obj) = v.as_object_mut() else {
        return v;
    };
    match &fetched.outcome {
        Outcome::Response(r) => {
            obj.insert("result".into(), json!("response"));
            obj.insert("type".into(), json!(r.response_type.as_str()));
            obj.insert("status".into(), json!(r.status));
            obj.insert("redirected".into(), json!(r.redirected));
            obj.insert(
                "url".into(),
                json!(r.url.as_ref().map(|u| u.to_string()).unwrap_or_default()),
            );
            obj.insert("headers".into(), json!(r.header_names()));
            obj.insert("error".into(), Value::Null);
            obj.insert("fix".into(), json!([]));
            obj.insert("notes".into(), json!(explain::notes(r, &fetched.exchanges)));
        }
        Outcome::NetworkError(e) => {
            obj.insert("result".into(), json!("network-error"));
            obj.insert(
                "error".into(),
                json!({
                    "reason": e.reason,
                    "stage": e.stage,
                    "url": e.url.as_str(),
                    "console": e.console_message(),
                    "script": e.script_message(),
                }),
            );
            let advice = explain::advise(e, request, &fetched.exchanges);
            obj.insert("fix".into(), json!(advice.fixes()));
            obj.insert("advice".into(), json!(advice));
            obj.insert("notes".into(), json!([]));
        }
    }
    // Cookies withheld or not stored, with the engine's reason and the fix.
    let cookies: Vec<Value> = fetched
        .cookies
        .iter()
        .map(|n| {
            json!({
                "name": n.name,
                "action": n.action,
                "reason": n.reason,
                "url": n.url,
                "fix": n.reason.fix(),
            })
        })
        .collect();
    obj.insert("cookies".into(), json!(cookies));
    v
}
