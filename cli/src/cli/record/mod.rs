//! `browser-cors record` and `browser-cors verify`: run vector scenarios in
//! a real, installed browser and write (or check against the emulator) what
//! it did.
//!
//! How: [`server`] serves every scenario's routes on loopback under its own
//! path prefix, plus a runner page; [`browser`] starts the engine on that
//! page with a fresh profile; the page runs each step's `fetch()` and posts
//! what script saw; the server logs what reached it and builds `expect`
//! ([`plan`]).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod browser;
pub mod plan;
pub mod server;
pub mod tls;

use browser::Engine;
use server::{Event, Server};

/// The built-in smoke set of `verify` (scenarios picked from the shipped
/// Chromium 156 vectors, one or more per area).
pub const SMOKE: &str = include_str!("../../../smoke/smoke.json");

/// The Format 2 part of the smoke set: mixed content, cookies, Local
/// Network Access and CORP (named hosts over TLS).
pub const SMOKE_GATE: &str = include_str!("../../../smoke/smoke-gate.json");

fn say(text: &str) {
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// Arguments of `record`.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The vector file whose scenarios to run (`expect` fields are ignored).
    pub scenarios: PathBuf,
    /// Where to write the recorded file; when it is a directory, the file is
    /// named by engine and major version (`chromium-156.json`, or
    /// `chromium-156-gate.json` for a Format 2 file).
    pub out: PathBuf,
    /// The browser engine to run.
    #[arg(long, value_enum)]
    pub browser: Engine,
    /// Record N times (each with a fresh browser, profile and ports) and keep
    /// only the scenarios whose expectations are identical in every run.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub runs: u32,
    /// The browser's binary (by default the Debian package's).
    #[arg(long)]
    pub browser_path: Option<PathBuf>,
}

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Vector files to record live and replay; without one, the built-in
    /// smoke set (about 30 scenarios across the areas).
    pub files: Vec<PathBuf>,
    /// The browser engine to run (and to emulate).
    #[arg(long, value_enum, default_value = "chromium")]
    pub browser: Engine,
    /// The browser's binary (by default the Debian package's).
    #[arg(long)]
    pub browser_path: Option<PathBuf>,
    /// Also write each live recording to this directory.
    #[arg(long)]
    pub save: Option<PathBuf>,
}

/// Each scenario's step expectations, in file order (`None`: not recorded
/// or, across runs, not stable).
pub type Expects = Vec<Option<Vec<Value>>>;

/// One recording of a file.
#[derive(Debug, Default)]
pub struct Recording {
    /// Each scenario's step expectations (`None`: not recorded).
    pub expects: Expects,
    /// Scenarios that were not recorded, with the reason.
    pub failed: Vec<(usize, String)>,
    /// Requests that reached a scenario outside its steps.
    pub stray: Vec<String>,
}

/// Reads a vector file as JSON values.
pub fn read_scenarios(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_scenarios(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses a vector file's text (a JSON array of scenario objects).
pub fn parse_scenarios(text: &str) -> Result<Vec<Value>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "cannot parse at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    match v {
        Value::Array(a) if a.iter().all(Value::is_object) => Ok(a),
        _ => Err("not a JSON array of scenario objects".into()),
    }
}

/// Groups scenario indices into browser sessions: same `address_spaces` and
/// `permissions`, in order of first appearance; a scenario that sets a
/// `__Host-` cookie alone.
pub fn sessions(scenarios: &[Value]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        if plan::sets_host_cookie(s) {
            groups.push((format!("host-cookie {i}"), vec![i]));
            continue;
        }
        let key = plan::session_key(s);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// Keeps the scenarios whose expectations are identical in every run; the
/// others are returned with the runs' disagreement.
pub fn stable(runs: &[Recording], count: usize) -> (Expects, Vec<(usize, String)>) {
    let mut kept = Vec::with_capacity(count);
    let mut unstable = Vec::new();
    for i in 0..count {
        let per: Vec<Option<&Vec<Value>>> = runs
            .iter()
            .map(|r| r.expects.get(i).and_then(Option::as_ref))
            .collect();
        match per.first() {
            Some(Some(first)) if per.iter().all(|p| p == &Some(*first)) => {
                kept.push(Some((*first).clone()));
            }
            _ => {
                let missing = per.iter().filter(|p| p.is_none()).count();
                let why = if missing > 0 {
                    format!("not recorded in {missing} of {} runs", per.len())
                } else {
                    let differing = per
                        .windows(2)
                        .position(|w| w.first() != w.get(1))
                        .map_or(0, |p| p + 1);
                    format!("run {} differs from run 1", differing + 1)
                };
                kept.push(None);
                unstable.push((i, why));
            }
        }
    }
    (kept, unstable)
}

/// How long one scenario may take before the recorder gives up on it:
/// 10 s per step (the runner's own timeout) plus its waits, plus 20 s for
/// the page loads.
pub fn scenario_bound(scenario: &Value) -> Duration {
    let steps = plan::arr(scenario, "steps");
    let waits: u64 = steps
        .iter()
        .filter_map(|s| s.get("wait_ms").and_then(Value::as_u64))
        .sum();
    Duration::from_millis(20_000 + 11_000 * steps.len() as u64 + waits)
}

/// How long a browser may take to load the start page: 30 s, or
/// `BROWSER_CORS_START_TIMEOUT` seconds (1 to 600).
pub fn start_bound() -> Duration {
    let secs = std::env::var("BROWSER_CORS_START_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| (1..=600).contains(s))
        .unwrap_or(30);
    Duration::from_secs(secs)
}

/// Records `scenarios` once with a fresh server, CA and browser profiles.
pub async fn record_once(
    engine: Engine,
    binary: &Path,
    scenarios: &[Value],
    quiet: bool,
) -> Result<Recording, String> {
    let ca = tls::make()?;
    let mut server = Server::start(scenarios.to_vec(), Some(ca.server.clone()))
        .await
        .map_err(|e| format!("cannot open loopback listeners: {e}"))?;
    let ports: Vec<(String, u16)> = server
        .origins
        .list
        .iter()
        .map(|(l, o)| {
            let port = o
                .rsplit(':')
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            (l.clone(), port)
        })
        .collect();
    let mut failed: Vec<(usize, String)> = Vec::new();
    let needs_tls = scenarios.iter().any(plan::uses_tls);
    let named = scenarios.iter().any(plan::uses_named_hosts);
    let done_count = |server: &Server, i: usize| {
        let st = server
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = plan::arr(scenarios.get(i).unwrap_or(&Value::Null), "steps").len();
        (0..n).all(|k| st.expects.contains_key(&(i, k)))
    };
    for group in sessions(scenarios) {
        let mut remaining = group.clone();
        let mut restarts = 0;
        while !remaining.is_empty() {
            let first = remaining
                .first()
                .and_then(|i| scenarios.get(*i))
                .cloned()
                .unwrap_or(Value::Null);
            {
                let mut st = server
                    .state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                st.session = remaining.clone();
                st.current = None;
                st.log.clear();
            }
            while server.events.try_recv().is_ok() {}
            let page_origins: Vec<String> = remaining
                .iter()
                .filter_map(|i| scenarios.get(*i))
                .map(|s| server.origins.origin_of(plan::page_of(s)))
                .collect();
            let launch = browser::Launch {
                url: server.start_url(),
                ca_pem: &ca.ca_pem,
                ports: ports.clone(),
                address_spaces: first.get("address_spaces"),
                permissions: first.get("permissions"),
                page_origins,
                tls: needs_tls,
                named_hosts: named,
                proxy_port: server.proxy_port,
            };
            let mut running = browser::start(engine, binary, &launch)?;
            // Wait for the start page.
            let started = Instant::now();
            let mut ok = false;
            let start_bound = start_bound();
            while started.elapsed() < start_bound {
                match tokio::time::timeout(Duration::from_millis(200), server.events.recv()).await {
                    Ok(Some(Event::Started)) => {
                        ok = true;
                        break;
                    }
                    Ok(Some(_)) | Err(_) => {}
                    Ok(None) => break,
                }
                if let Some(status) = running.exited() {
                    let tail = running.log_tail();
                    running.stop().await;
                    return Err(format!(
                        "the browser ({}) exited ({status}) before loading the runner page{}",
                        binary.display(),
                        if tail.is_empty() {
                            String::new()
                        } else {
                            format!(":\n{tail}")
                        }
                    ));
                }
            }
            if !ok {
                let tail = running.log_tail();
                running.stop().await;
                return Err(format!(
                    "the browser ({}) did not load the runner page within {} s{}",
                    binary.display(),
                    start_bound.as_secs(),
                    if tail.is_empty() {
                        String::new()
                    } else {
                        format!(":\n{tail}")
                    }
                ));
            }
            // Follow the session's progress.
            let mut last = Instant::now();
            let mut finished = false;
            let mut died: Option<String> = None;
            loop {
                let current = remaining.iter().copied().find(|i| !done_count(&server, *i));
                let bound = current
                    .and_then(|i| scenarios.get(i))
                    .map_or(Duration::from_secs(20), scenario_bound);
                match tokio::time::timeout(Duration::from_millis(250), server.events.recv()).await {
                    Ok(Some(Event::Done)) => {
                        finished = true;
                        break;
                    }
                    Ok(Some(Event::Step { scenario, .. })) => {
                        last = Instant::now();
                        if !quiet && done_count(&server, scenario) {
                            let id = scenarios
                                .get(scenario)
                                .and_then(|s| plan::str_of(s, "id"))
                                .unwrap_or("?");
                            let _ = writeln!(std::io::stderr(), "  recorded {id}");
                        }
                    }
                    Ok(Some(Event::Started)) => last = Instant::now(),
                    Ok(None) => break,
                    Err(_) => {}
                }
                if let Some(status) = running.exited() {
                    died = Some(format!("the browser exited ({status})"));
                    break;
                }
                if last.elapsed() > bound {
                    died = Some(format!("no result within {} s", bound.as_secs()));
                    break;
                }
            }
            running.stop().await;
            if finished {
                break;
            }
            // Give up on the scenario in progress; go on with the rest in a
            // fresh browser.
            let why = died.unwrap_or_else(|| "the server stopped".into());
            let stuck = remaining.iter().position(|i| !done_count(&server, *i));
            match stuck {
                Some(p) => {
                    let idx = remaining.get(p).copied().unwrap_or(0);
                    failed.push((idx, why));
                    remaining = remaining.split_off(p + 1);
                }
                None => remaining.clear(),
            }
            restarts += 1;
            if restarts > 5 {
                for i in &remaining {
                    failed.push((*i, "too many browser restarts".into()));
                }
                break;
            }
        }
    }
    let st = server
        .state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let expects = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let n = plan::arr(s, "steps").len();
            (0..n)
                .map(|k| st.expects.get(&(i, k)).cloned())
                .collect::<Option<Vec<Value>>>()
        })
        .collect::<Vec<_>>();
    for (i, e) in expects.iter().enumerate() {
        if e.is_none() && !failed.iter().any(|(f, _)| *f == i) {
            failed.push((i, "not recorded".into()));
        }
    }
    failed.sort();
    Ok(Recording {
        expects,
        failed,
        stray: st.stray.clone(),
    })
}

/// The recorded file: scenarios with their `expect` (unrecorded ones left out).
pub fn recorded_file(scenarios: &[Value], expects: &[Option<Vec<Value>>]) -> Vec<Value> {
    scenarios
        .iter()
        .zip(expects)
        .filter_map(|(s, e)| e.as_ref().map(|e| plan::with_expectations(s, e)))
        .collect()
}

fn id_of(scenarios: &[Value], i: usize) -> &str {
    scenarios
        .get(i)
        .and_then(|s| plan::str_of(s, "id"))
        .unwrap_or("?")
}

struct Prepared {
    binary: PathBuf,
    version: String,
    rt: tokio::runtime::Runtime,
}

fn prepare(engine: Engine, path: Option<&Path>) -> Result<Prepared, String> {
    let binary = engine.find(path)?;
    let version = engine.version(&binary)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    Ok(Prepared {
        binary,
        version,
        rt,
    })
}

/// The file name a recording is labelled with: `chromium-156.json`,
/// `chromium-156-gate.json` (Format 2).
pub fn label(engine: Engine, version: &str, format2: bool) -> String {
    format!(
        "{}-{}{}.json",
        engine.word(),
        browser::major(version),
        if format2 { "-gate" } else { "" }
    )
}

/// Runs `record`.
pub fn run_record(args: &RecordArgs) -> ExitCode {
    let scenarios = match read_scenarios(&args.scenarios) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("browser-cors: {e}");
            return ExitCode::from(2);
        }
    };
    let p = match prepare(args.browser, args.browser_path.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("browser-cors: {e}");
            return ExitCode::from(2);
        }
    };
    let format2 = plan::is_format2(&scenarios);
    let name = label(args.browser, &p.version, format2);
    say(&format!(
        "recording {} scenarios of {} with {} ({}), {} run(s)",
        scenarios.len(),
        args.scenarios.display(),
        p.version,
        p.binary.display(),
        args.runs
    ));
    let start = Instant::now();
    let mut runs = Vec::new();
    for r in 0..args.runs {
        let t = Instant::now();
        match p
            .rt
            .block_on(record_once(args.browser, &p.binary, &scenarios, false))
        {
            Ok(rec) => {
                say(&format!(
                    "run {}: {} of {} scenarios recorded in {:.1} s",
                    r + 1,
                    rec.expects.iter().filter(|e| e.is_some()).count(),
                    scenarios.len(),
                    t.elapsed().as_secs_f64()
                ));
                for (i, why) in &rec.failed {
                    say(&format!(
                        "  not recorded: {} ({why})",
                        id_of(&scenarios, *i)
                    ));
                }
                for s in rec.stray.iter().take(10) {
                    say(&format!("  request outside a step: {s}"));
                }
                runs.push(rec);
            }
            Err(e) => {
                eprintln!("browser-cors: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let (kept, unstable) = stable(&runs, scenarios.len());
    if args.runs > 1 {
        for (i, why) in &unstable {
            say(&format!(
                "unstable, left out: {} ({why})",
                id_of(&scenarios, *i)
            ));
        }
    }
    let out_file = recorded_file(&scenarios, &kept);
    let path = if args.out.is_dir() {
        args.out.join(&name)
    } else {
        args.out.clone()
    };
    let text = match serde_json::to_string_pretty(&out_file) {
        Ok(t) => t + "\n",
        Err(e) => {
            eprintln!("browser-cors: cannot write JSON: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("browser-cors: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    say(&format!(
        "wrote {} ({} of {} scenarios, {}; label {name}) in {:.1} s",
        path.display(),
        out_file.len(),
        scenarios.len(),
        p.version,
        start.elapsed().as_secs_f64()
    ));
    if out_file.len() == scenarios.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The fields of `expect` compared, and how one step's emulator outcome
/// differs from the browser's: `field: emulator X vs browser Y`.
pub fn differences(emulator: &Value, browser: &Value) -> Vec<String> {
    let show = |v: Option<&Value>| v.map_or_else(|| "absent".to_owned(), Value::to_string);
    let mut out = Vec::new();
    for f in ["result", "type", "status", "redirected", "url", "headers"] {
        let (e, b) = (emulator.get(f), browser.get(f));
        if e != b {
            out.push(format!("{f}: emulator {} vs browser {}", show(e), show(b)));
        }
    }
    let el = plan::arr(emulator, "server_log");
    let bl = plan::arr(browser, "server_log");
    if el.len() != bl.len() {
        out.push(format!(
            "server_log: emulator {} request(s) vs browser {}",
            el.len(),
            bl.len()
        ));
    }
    for (k, (e, b)) in el.iter().zip(bl).enumerate() {
        for f in [
            "method",
            "origin_url",
            "origin",
            "acrm",
            "acrh",
            "cookie",
            "cookies",
        ] {
            let (ev, bv) = (e.get(f), b.get(f));
            if f == "cookies" && (ev.is_none() || bv.is_none()) {
                continue;
            }
            if ev != bv {
                out.push(format!(
                    "server_log[{k}].{f}: emulator {} vs browser {}",
                    show(ev),
                    show(bv)
                ));
            }
        }
    }
    out
}

/// Runs `verify`.
pub fn run_verify(args: &VerifyArgs) -> ExitCode {
    let mut files: Vec<(String, Vec<Value>)> = Vec::new();
    if args.files.is_empty() {
        for (name, text) in [("smoke set", SMOKE), ("smoke set (gate)", SMOKE_GATE)] {
            match parse_scenarios(text) {
                Ok(s) => files.push((name.into(), s)),
                Err(e) => {
                    eprintln!("browser-cors: the built-in {name}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    for f in &args.files {
        match read_scenarios(f) {
            Ok(s) => files.push((f.display().to_string(), s)),
            Err(e) => {
                eprintln!("browser-cors: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let p = match prepare(args.browser, args.browser_path.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("browser-cors: {e}");
            return ExitCode::from(2);
        }
    };
    say(&format!(
        "verifying the {} emulator against {} ({})",
        args.browser.word(),
        p.version,
        p.binary.display()
    ));
    let profile = args.browser.emulated().profile();
    let mut all_agree = true;
    for (name, scenarios) in &files {
        let t = Instant::now();
        let rec = match p
            .rt
            .block_on(record_once(args.browser, &p.binary, scenarios, true))
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("browser-cors: {name}: {e}");
                return ExitCode::from(2);
            }
        };
        let recorded = recorded_file(scenarios, &rec.expects);
        if let Some(dir) = &args.save {
            let format2 = plan::is_format2(scenarios);
            let stem = Path::new(name)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("smoke")
                .replace(' ', "-");
            let path = dir.join(format!(
                "{stem}.{}",
                label(args.browser, &p.version, format2)
            ));
            let text = serde_json::to_string_pretty(&recorded).unwrap_or_default() + "\n";
            if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text))
            {
                eprintln!("browser-cors: cannot write {}: {e}", path.display());
            }
        }
        let typed: Vec<browser_cors::conformance::Scenario> =
            match serde_json::from_value(Value::Array(recorded.clone())) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("browser-cors: {name}: the recording does not parse as vectors: {e}");
                    return ExitCode::from(2);
                }
            };
        let reports = browser_cors::conformance::replay(name, &typed, &profile);
        let mut expects: BTreeMap<(String, usize), Value> = BTreeMap::new();
        for s in &recorded {
            let id = plan::str_of(s, "id").unwrap_or("?").to_owned();
            for (k, st) in plan::arr(s, "steps").iter().enumerate() {
                expects.insert(
                    (id.clone(), k),
                    st.get("expect").cloned().unwrap_or(Value::Null),
                );
            }
        }
        let mut agree = 0;
        let mut disagree = 0;
        for r in &reports {
            if r.agrees {
                agree += 1;
                continue;
            }
            disagree += 1;
            let observed = serde_json::to_value(&r.observed).unwrap_or(Value::Null);
            let browser = expects
                .get(&(r.id.clone(), r.step))
                .cloned()
                .unwrap_or(Value::Null);
            let mut d = differences(&observed, &browser);
            if d.is_empty() {
                d = r.differences.clone();
            }
            say(&format!("  {} step {}: {}", r.id, r.step, d.join("; ")));
        }
        for (i, why) in &rec.failed {
            say(&format!("  {}: not recorded ({why})", id_of(scenarios, *i)));
        }
        let ok = disagree == 0 && rec.failed.is_empty();
        all_agree &= ok;
        let sec_fetch = reports.iter().filter(|r| r.sec_fetch_agrees).count();
        let request_headers = reports.iter().filter(|r| r.request_headers_agree).count();
        say(&format!(
            "{name}: {agree} of {} steps agree{} (Sec-Fetch-* on {sec_fetch}, request_headers on \
             {request_headers}), {} scenario(s) not recorded ({:.1} s)",
            reports.len(),
            if disagree == 0 {
                String::new()
            } else {
                format!(", {disagree} differ")
            },
            rec.failed.len(),
            t.elapsed().as_secs_f64()
        ));
    }
    if all_agree {
        say("the emulator agrees with the browser");
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
