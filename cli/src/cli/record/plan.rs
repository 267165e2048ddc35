//! The recorder's view of a vector file: placeholders, per-scenario path
//! prefixes, cookie scoping, and the `expect` object built from what the
//! browser showed and what the server saw. Pure functions, no I/O.
//!
//! Scenarios are kept as `serde_json::Value` so the recorder does not depend
//! on the replayer's Rust types (which grow with the format).

use serde_json::{Map, Value, json};

/// The placeholders of FORMAT.md, in the order the recorder opens their
/// listeners: letter, scheme, host.
pub const ENDPOINTS: [(&str, &str, &str); 8] = [
    ("A", "http", "127.0.0.1"),
    ("B", "http", "127.0.0.1"),
    ("C", "http", "localhost"),
    ("S", "https", "app.test"),
    ("T", "https", "api.other.test"),
    ("U", "https", "api.app.test"),
    ("P", "http", "app.test"),
    ("Q", "http", "api.other.test"),
];

/// The real origins a recording uses for the placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins {
    /// `(letter, origin)`, e.g. `("A", "http://127.0.0.1:40001")`.
    pub list: Vec<(String, String)>,
}

impl Origins {
    /// Origins for the given ports (one per entry of [`ENDPOINTS`]).
    pub fn new(ports: &[u16]) -> Origins {
        let list = ENDPOINTS
            .iter()
            .zip(ports)
            .map(|((l, scheme, host), port)| ((*l).to_owned(), format!("{scheme}://{host}:{port}")))
            .collect();
        Origins { list }
    }

    /// The origin of placeholder `letter`.
    pub fn get(&self, letter: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(l, _)| l == letter)
            .map(|(_, o)| o.as_str())
    }

    /// The origin a placeholder template such as `{S}` stands for (`{A}` when
    /// it is no placeholder).
    pub fn origin_of(&self, template: &str) -> String {
        self.fill(template)
    }

    fn host(origin: &str) -> &str {
        origin.split_once("://").map_or(origin, |(_, h)| h)
    }

    /// Replaces every placeholder of `s`.
    pub fn fill(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (l, o) in &self.list {
            out = out.replace(&format!("{{{l}_host}}"), Self::host(o));
            out = out.replace(&format!("{{{l}}}"), o);
        }
        out
    }

    /// Puts the placeholders back into `s` (origins first, then bare hosts).
    pub fn unfill(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (l, o) in &self.list {
            out = replace_bounded(&out, o, &format!("{{{l}}}"));
        }
        for (l, o) in &self.list {
            out = replace_bounded(&out, Self::host(o), &format!("{{{l}_host}}"));
        }
        out
    }

    /// Fills a URL or `Location` template and puts `prefix` in front of its
    /// path when it is an absolute path (`/r`) or starts after a placeholder
    /// (`{B}/r`, `http://u:p@{B_host}/t`). Other values (`data:…`, `r`, ``)
    /// are only filled.
    pub fn fill_url(&self, s: &str, prefix: &str) -> String {
        if s.starts_with('/') && !s.starts_with("//") {
            return format!("{prefix}{}", self.fill(s));
        }
        // The first placeholder, and the path right after it.
        let mut best: Option<(usize, usize)> = None;
        for (l, _) in &self.list {
            for p in [format!("{{{l}}}"), format!("{{{l}_host}}")] {
                if let Some(i) = s.find(&p)
                    && best.is_none_or(|(b, _)| i < b)
                {
                    best = Some((i, i + p.len()));
                }
            }
        }
        match best {
            Some((_, end)) if s.get(end..).is_some_and(|r| r.starts_with('/')) => {
                let (head, tail) = s.split_at(end);
                format!("{}{prefix}{}", self.fill(head), self.fill(tail))
            }
            Some((_, end)) if s.len() == end => format!("{}{prefix}/", self.fill(s)),
            _ => self.fill(s),
        }
    }

    /// A URL the browser showed, back in placeholders and without the
    /// scenario prefix: `http://127.0.0.1:40002/s0003/r?x` → `{B}/r?x`.
    pub fn unfill_url(&self, url: &str, prefix: &str) -> String {
        for (l, o) in &self.list {
            if let Some(rest) = url.strip_prefix(o.as_str())
                && (rest.is_empty() || rest.starts_with(['/', '?', '#']))
            {
                let rest = strip_prefix_path(rest, prefix);
                return format!("{{{l}}}{rest}");
            }
        }
        // Other forms (`http://u:p@127.0.0.1:40001/s0003/t`): placeholders
        // back, then the prefix out of the path after a host placeholder.
        let mut out = self.unfill(url);
        for (l, _) in &self.list {
            for p in [format!("{{{l}_host}}"), format!("{{{l}}}")] {
                let with = format!("{p}{prefix}");
                if let Some(i) = out.find(&with) {
                    let rest = out.get(i + with.len()..).unwrap_or_default();
                    if rest.is_empty() || rest.starts_with(['/', '?', '#']) {
                        out = format!("{}{p}{}", out.get(..i).unwrap_or_default(), rest);
                    }
                }
            }
        }
        out
    }
}

/// Replaces `from` by `to` where the match is not followed by a digit (so
/// that `127.0.0.1:4000` is not found inside `127.0.0.1:40001`).
fn replace_bounded(s: &str, from: &str, to: &str) -> String {
    if from.is_empty() {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(from) {
        let after = rest.get(i + from.len()..).unwrap_or_default();
        let (head, _) = rest.split_at(i);
        out.push_str(head);
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `/s0003/r` → `/r` for prefix `/s0003`; a path outside the prefix is kept.
pub fn strip_prefix_path<'a>(path: &'a str, prefix: &str) -> &'a str {
    match path.strip_prefix(prefix) {
        Some(r) if r.starts_with(['/', '?', '#']) => r,
        Some("") => "/",
        _ => path,
    }
}

/// The wire prefix of scenario `index`: `/s0001` for the first.
pub fn prefix_of(index: usize) -> String {
    format!("/s{:04}", index + 1)
}

/// The scenario index of a wire path (`/s0003/r` → 2) and the path after
/// the prefix.
pub fn split_prefix(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("/s")?;
    let digits = rest.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let tail = rest.get(4..)?;
    if !(tail.is_empty() || tail.starts_with('/')) {
        return None;
    }
    let n: usize = digits.parse().ok()?;
    Some((n.checked_sub(1)?, if tail.is_empty() { "/" } else { tail }))
}

/// A `Set-Cookie` value scoped to a scenario: `Path=/x` → `Path=/sNNNN/x`,
/// `Path=/` → `Path=/sNNNN`; without `Path`, `Path=/sNNNN` is added when
/// `add_path` (setup cookies; a route's cookie gets that default-path from
/// its URL anyway). A `__Host-` cookie keeps `Path=/`.
pub fn scope_cookie(value: &str, prefix: &str, add_path: bool) -> String {
    if value.trim_start().starts_with("__Host-") {
        return value.to_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut had_path = false;
    for (i, part) in value.split(';').enumerate() {
        let trimmed = part.trim_start();
        let is_path = i > 0
            && trimmed
                .split_once('=')
                .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("path"));
        if is_path {
            had_path = true;
            let (name, v) = trimmed.split_once('=').unwrap_or((trimmed, ""));
            let v = v.trim();
            let scoped = if v == "/" {
                prefix.to_owned()
            } else if v.starts_with('/') {
                format!("{prefix}{v}")
            } else {
                v.to_owned()
            };
            let lead = &part[..part.len() - trimmed.len()];
            parts.push(format!("{lead}{name}={scoped}"));
        } else {
            parts.push(part.to_owned());
        }
    }
    let mut out = parts.join(";");
    if !had_path && add_path {
        out.push_str(&format!("; Path={prefix}"));
    }
    out
}

/// Whether a scenario sets a `__Host-` cookie (it then runs in a browser
/// session of its own).
pub fn sets_host_cookie(scenario: &Value) -> bool {
    let in_routes = routes(scenario).iter().any(|r| {
        headers(r).iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("set-cookie") && v.trim_start().starts_with("__Host-")
        })
    });
    let in_setup = arr(scenario, "setup").iter().any(|s| {
        arr(s, "set_cookie").iter().any(|c| {
            c.as_str()
                .is_some_and(|c| c.trim_start().starts_with("__Host-"))
        })
    });
    in_routes || in_setup
}

/// Whether a scenario uses a TLS origin (`{S}`, `{T}`, `{U}`).
pub fn uses_tls(scenario: &Value) -> bool {
    let text = scenario.to_string();
    ["{S", "{T", "{U"].iter().any(|p| text.contains(p))
}

/// Whether a scenario uses a named host (`{S}`, `{T}`, `{U}`, `{P}`, `{Q}`).
pub fn uses_named_hosts(scenario: &Value) -> bool {
    let text = scenario.to_string();
    ["{S", "{T", "{U", "{P", "{Q"]
        .iter()
        .any(|p| text.contains(p))
}

/// Whether a file is Format 2 (any scenario uses a Format 2 field or
/// placeholder): its `server_log` entries then carry `cookies`.
pub fn is_format2(scenarios: &[Value]) -> bool {
    scenarios.iter().any(|s| {
        [
            "page",
            "page_headers",
            "setup",
            "address_spaces",
            "permissions",
        ]
        .iter()
        .any(|k| s.get(k).is_some())
            || ["{S", "{T", "{U", "{P", "{Q"]
                .iter()
                .any(|p| s.to_string().contains(p))
    })
}

/// `value[key]` as an array (empty when absent).
pub fn arr<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `value[key]` as a string.
pub fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A scenario's routes.
pub fn routes(scenario: &Value) -> &[Value] {
    arr(scenario, "routes")
}

/// A `[[name, value], …]` list as pairs (malformed entries skipped).
pub fn pairs(list: &[Value]) -> Vec<(String, String)> {
    list.iter()
        .filter_map(|p| {
            let p = p.as_array()?;
            Some((
                p.first()?.as_str()?.to_owned(),
                p.get(1)?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// A route's (or fetch's) header pairs.
pub fn headers(v: &Value) -> Vec<(String, String)> {
    pairs(arr(v, "headers"))
}

/// The page origin template of a scenario (`{A}` by default).
pub fn page_of(scenario: &Value) -> &str {
    str_of(scenario, "page").unwrap_or("{A}")
}

/// The key that groups scenarios into browser sessions: same
/// `address_spaces` and `permissions`.
pub fn session_key(scenario: &Value) -> String {
    format!(
        "{}|{}",
        scenario.get("address_spaces").unwrap_or(&Value::Null),
        scenario.get("permissions").unwrap_or(&Value::Null)
    )
}

/// What the runner page reported for one step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Shown {
    /// `response`, `network-error` or `timeout`.
    pub result: String,
    /// `Response.type`.
    #[serde(default, rename = "type")]
    pub response_type: Option<String>,
    /// `Response.status`.
    #[serde(default)]
    pub status: Option<u16>,
    /// `Response.redirected`.
    #[serde(default)]
    pub redirected: Option<bool>,
    /// `Response.url`.
    #[serde(default)]
    pub url: Option<String>,
    /// The names of `Response.headers`.
    #[serde(default)]
    pub headers: Option<Vec<String>>,
    /// The error's text, when `fetch()` rejected (for the log, not the vector).
    #[serde(default)]
    pub error: Option<String>,
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Seen {
    /// The request method.
    pub method: String,
    /// The placeholder origin of the listener that received it (`{B}`).
    pub placeholder: String,
    /// The path after the scenario prefix, query dropped.
    pub path: String,
    /// Header lines as received, values isomorphic-decoded and trimmed.
    pub headers: Vec<(String, String)>,
}

impl Seen {
    /// Every value of header `name`, joined with `, `.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// The names of the cookies the `Cookie` header(s) carried, in order.
    pub fn cookie_names(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| c.split_once('=').map_or("", |(n, _)| n.trim()).to_owned())
            .collect()
    }
}

/// The `server_log` entry of one request, in FORMAT.md's field order.
pub fn log_entry(seen: &Seen, fetch: &Value, origins: &Origins, format2: bool) -> Value {
    let mut m = Map::new();
    let opt = |v: Option<String>| v.map_or(Value::Null, Value::String);
    m.insert("method".into(), json!(seen.method));
    m.insert(
        "origin_url".into(),
        json!(format!("{}{}", seen.placeholder, seen.path)),
    );
    m.insert(
        "origin".into(),
        opt(seen.header("origin").map(|o| origins.unfill(&o))),
    );
    m.insert(
        "acrm".into(),
        opt(seen.header("access-control-request-method")),
    );
    m.insert(
        "acrh".into(),
        opt(seen.header("access-control-request-headers")),
    );
    m.insert("cookie".into(), json!(seen.header("cookie").is_some()));
    if format2 {
        m.insert("cookies".into(), json!(seen.cookie_names()));
    }
    m.insert("sec_fetch_mode".into(), opt(seen.header("sec-fetch-mode")));
    m.insert("sec_fetch_site".into(), opt(seen.header("sec-fetch-site")));
    let set = headers(fetch);
    let has_body = fetch.get("body").is_some_and(|b| !b.is_null());
    if !set.is_empty() || has_body {
        let mut names: Vec<String> = set.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
        if has_body {
            names.push("content-type".into());
        }
        let mut rh = Map::new();
        for n in names {
            let v = opt(seen.header(&n).map(|v| origins.unfill(&v)));
            rh.insert(n, v);
        }
        m.insert("request_headers".into(), Value::Object(rh));
    }
    Value::Object(m)
}

/// The `expect` object of one step.
pub fn expectation(shown: &Shown, log: Vec<Value>, origins: &Origins, prefix: &str) -> Value {
    let mut m = Map::new();
    m.insert("result".into(), json!(shown.result));
    if shown.result == "response" {
        m.insert("type".into(), json!(shown.response_type));
        m.insert("status".into(), json!(shown.status));
        m.insert("redirected".into(), json!(shown.redirected));
        let url = shown.url.as_deref().unwrap_or_default();
        let url = if url.is_empty() {
            String::new()
        } else {
            origins.unfill_url(url, prefix)
        };
        m.insert("url".into(), json!(url));
        let mut names: Vec<String> = shown
            .headers
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        names.sort();
        names.dedup();
        m.insert("headers".into(), json!(names));
    }
    m.insert("server_log".into(), Value::Array(log));
    Value::Object(m)
}

/// A scenario with its steps' `expect` replaced, keys in FORMAT.md's order
/// (unknown keys after them, in their own order).
pub fn with_expectations(scenario: &Value, expects: &[Value]) -> Value {
    const ORDER: [&str; 9] = [
        "id",
        "note",
        "page",
        "page_headers",
        "setup",
        "address_spaces",
        "permissions",
        "routes",
        "steps",
    ];
    let Some(obj) = scenario.as_object() else {
        return scenario.clone();
    };
    let mut out = Map::new();
    let keys = ORDER
        .iter()
        .map(|k| (*k).to_owned())
        .chain(obj.keys().filter(|k| !ORDER.contains(&k.as_str())).cloned());
    for k in keys {
        let Some(v) = obj.get(&k) else { continue };
        if k == "steps" {
            let steps: Vec<Value> = arr(scenario, "steps")
                .iter()
                .zip(expects)
                .map(|(step, e)| {
                    let mut s = Map::new();
                    if let Some(f) = step.get("fetch") {
                        s.insert("fetch".into(), f.clone());
                    }
                    if let Some(w) = step.get("wait_ms") {
                        s.insert("wait_ms".into(), w.clone());
                    }
                    if let Some(o) = step.as_object() {
                        for (k, v) in o {
                            if !["fetch", "wait_ms", "expect"].contains(&k.as_str()) {
                                s.insert(k.clone(), v.clone());
                            }
                        }
                    }
                    s.insert("expect".into(), e.clone());
                    Value::Object(s)
                })
                .collect();
            out.insert(k, Value::Array(steps));
        } else {
            out.insert(k, v.clone());
        }
    }
    Value::Object(out)
}
