//! Finding, starting and stopping a real browser engine: a fresh profile
//! each time, named hosts mapped to loopback, the run's test CA trusted, the
//! engine's own background traffic turned off, the whole process group
//! killed at the end.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A browser engine the recorder can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// Chromium (Debian's `chromium`).
    Chromium,
    /// Firefox (Debian's `firefox-esr`).
    Firefox,
    /// WebKitGTK's MiniBrowser (Debian's `libwebkit2gtk-4.1-0`) under `xvfb-run`.
    Webkit,
}

impl Engine {
    /// The file-name word of the engine (`chromium-156.json`).
    pub fn word(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::Webkit => "webkit",
        }
    }

    /// The emulator profile that stands for this engine.
    pub fn emulated(self) -> browser_cors::Engine {
        match self {
            Engine::Chromium => browser_cors::Engine::Chromium,
            Engine::Firefox => browser_cors::Engine::Firefox,
            Engine::Webkit => browser_cors::Engine::WebKit,
        }
    }

    fn candidates(self) -> &'static [&'static str] {
        match self {
            Engine::Chromium => &[
                "/usr/bin/chromium",
                "/usr/bin/chromium-browser",
                "/usr/bin/google-chrome",
            ],
            Engine::Firefox => &["/usr/bin/firefox-esr", "/usr/bin/firefox"],
            Engine::Webkit => &[
                "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
                "/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
                "/usr/libexec/webkit2gtk-4.1/MiniBrowser",
            ],
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            Engine::Chromium => "install chromium: apt-get install chromium libnss3-tools",
            Engine::Firefox => "install firefox: apt-get install firefox-esr libnss3-tools",
            Engine::Webkit => "install webkit: apt-get install libwebkit2gtk-4.1-0 xvfb",
        }
    }

    /// The browser's binary: `path` when given, else the first installed
    /// candidate.
    pub fn find(self, path: Option<&Path>) -> Result<PathBuf, String> {
        if let Some(p) = path {
            return if p.exists() {
                Ok(p.to_owned())
            } else {
                Err(format!("--browser-path {}: no such file", p.display()))
            };
        }
        self.find_among(self.candidates())
    }

    /// The first of `candidates` that exists.
    pub fn find_among(self, candidates: &[&str]) -> Result<PathBuf, String> {
        candidates
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .ok_or_else(|| format!("no {} found; {}", self.word(), self.install_hint()))
    }

    /// The exact version the binary reports (`Chromium 156.0.8078.114`),
    /// bounded to 20 s.
    pub fn version(self, binary: &Path) -> Result<String, String> {
        if self == Engine::Webkit {
            // MiniBrowser has no --version that works without a display.
            return webkit_version().ok_or_else(|| {
                "cannot tell the WebKitGTK version (dpkg-query -W libwebkit2gtk-4.1-0)".into()
            });
        }
        let mut cmd = Command::new(binary);
        cmd.arg("--version");
        if self == Engine::Firefox {
            // Firefox reads a profile even for --version; keep it away from $HOME.
            cmd.env("HOME", std::env::temp_dir());
        }
        let out = run_bounded(cmd, Duration::from_secs(20))
            .map_err(|e| format!("cannot run {} --version: {e}", binary.display()))?;
        let text = out
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        if text.is_empty() {
            return Err(format!("{} --version printed nothing", binary.display()));
        }
        Ok(text.to_owned())
    }
}

/// WebKitGTK's version from the package that ships the MiniBrowser.
fn webkit_version() -> Option<String> {
    let mut cmd = Command::new("dpkg-query");
    cmd.args(["-W", "-f=${Version}", "libwebkit2gtk-4.1-0"]);
    let v = run_bounded(cmd, Duration::from_secs(10)).ok()?;
    let v = v.trim();
    (!v.is_empty()).then(|| format!("WebKitGTK {v}"))
}

/// The major version in a version line: `Chromium 156.0.8078.114` → `156`,
/// `Mozilla Firefox 153.0esr` → `153`, `WebKitGTK 2.50.1-1` → `2.50`.
pub fn major(version: &str) -> String {
    let num = version
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or("0");
    let parts: Vec<&str> = num
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    if version.starts_with("WebKit") {
        format!(
            "{}.{}",
            parts.first().unwrap_or(&"0"),
            parts.get(1).unwrap_or(&"0")
        )
    } else {
        (*parts.first().unwrap_or(&"0")).to_owned()
    }
}

/// Runs a command to completion with a bound, killing its process group
/// when it overruns; returns its stdout.
pub fn run_bounded(mut cmd: Command, bound: Duration) -> Result<String, String> {
    use std::os::unix::process::CommandExt as _;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut out = String::new();
                let mut err = String::new();
                use std::io::Read as _;
                if let Some(mut s) = child.stdout.take() {
                    let _ = s.read_to_string(&mut out);
                }
                if let Some(mut s) = child.stderr.take() {
                    let _ = s.read_to_string(&mut err);
                }
                return if status.success() {
                    Ok(out)
                } else {
                    Err(format!("{status}: {}", err.trim()))
                };
            }
            Ok(None) if start.elapsed() > bound => {
                kill_group(child.id());
                let _ = child.wait();
                return Err(format!("did not finish within {} s", bound.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// SIGKILL to a whole process group (the browser and every helper it
/// started).
pub fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// What a session needs from the browser's launch.
pub struct Launch<'a> {
    /// The URL to open.
    pub url: String,
    /// The test CA (PEM) the profile must trust.
    pub ca_pem: &'a str,
    /// `(placeholder letter, port)` of every listener.
    pub ports: Vec<(String, u16)>,
    /// The scenarios' `address_spaces` (placeholder → space).
    pub address_spaces: Option<&'a Value>,
    /// The scenarios' `permissions`.
    pub permissions: Option<&'a Value>,
    /// The page origins of the session's scenarios (permissions apply to them).
    pub page_origins: Vec<String>,
    /// Whether a scenario uses a TLS origin (the CA is then installed, which
    /// needs `certutil`).
    pub tls: bool,
    /// Whether a scenario uses a named host (`{S}` … `{Q}`).
    pub named_hosts: bool,
    /// The recorder's forward proxy (for an engine that cannot map names).
    pub proxy_port: u16,
}

/// A started browser: killed (with its process group) when dropped, and its
/// profile directory removed.
pub struct Running {
    child: tokio::process::Child,
    pgid: u32,
    dir: PathBuf,
    /// Where its stderr goes.
    pub log: PathBuf,
}

impl Running {
    /// Whether it has exited, and how.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(s)) => Some(s.to_string()),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// The last lines of its stderr.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n")
    }

    /// Kills the process group and waits (bounded) for it.
    pub async fn stop(mut self) {
        kill_group(self.pgid);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        kill_group(self.pgid);
        if let Some(keep) = std::env::var_os("BROWSER_CORS_KEEP_LOG") {
            let _ = std::fs::copy(&self.log, keep);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fresh_dir() -> Result<PathBuf, String> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "browser-cors-record-{}-{n}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Makes an NSS database in `db` trusting `ca_pem` (with `certutil`).
fn nss_trust(db: &Path, ca_pem: &str, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(db).map_err(|e| e.to_string())?;
    let ca = dir.join("test-ca.pem");
    std::fs::write(&ca, ca_pem).map_err(|e| e.to_string())?;
    let db_arg = format!("sql:{}", db.display());
    let missing =
        |e: String| format!("certutil failed ({e}); install it: apt-get install libnss3-tools");
    if !db.join("cert9.db").exists() {
        let mut c = Command::new("certutil");
        c.args(["-N", "-d", &db_arg, "--empty-password"]);
        run_bounded(c, Duration::from_secs(20)).map_err(missing)?;
    }
    let mut c = Command::new("certutil");
    c.args([
        "-A",
        "-d",
        &db_arg,
        "-n",
        "browser-cors test CA",
        "-t",
        "C,,",
        "-i",
    ])
    .arg(&ca);
    run_bounded(c, Duration::from_secs(20)).map_err(missing)?;
    Ok(())
}

fn port_of(ports: &[(String, u16)], placeholder: &str) -> Option<u16> {
    let letter = placeholder.trim_start_matches('{').trim_end_matches('}');
    ports.iter().find(|(l, _)| l == letter).map(|(_, p)| *p)
}

/// Chromium's `--ip-address-space-overrides` value for `address_spaces`.
pub fn chromium_address_spaces(spaces: &Value, ports: &[(String, u16)]) -> String {
    let Some(map) = spaces.as_object() else {
        return String::new();
    };
    map.iter()
        .filter_map(|(k, v)| {
            let port = port_of(ports, k)?;
            Some(format!("127.0.0.1:{port}={}", v.as_str()?))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Firefox prefs for `address_spaces` (`network.lna.address_space.*.override`,
/// lists of `127.0.0.1:<port>`) and `permissions` (the prompt's testing
/// answer; with none, the prompt is left unanswered as a headless user would).
fn firefox_lna_prefs(launch: &Launch<'_>) -> String {
    let mut out = String::new();
    if let Some(map) = launch.address_spaces.and_then(Value::as_object) {
        for (space, pref) in [
            ("public", "public"),
            ("local", "private"),
            ("loopback", "local"),
        ] {
            let list: Vec<String> = map
                .iter()
                .filter(|(_, v)| v.as_str() == Some(space))
                .filter_map(|(k, _)| port_of(&launch.ports, k))
                .map(|p| format!("127.0.0.1:{p}"))
                .collect();
            if !list.is_empty() {
                out.push_str(&format!(
                    "user_pref(\"network.lna.address_space.{pref}.override\", \"{}\");\n",
                    list.join(",")
                ));
            }
        }
    }
    out
}

/// Firefox's default-permissions file for `permissions` (the permission
/// manager's `localhost` and `local-network` types, for each page origin),
/// loaded through `permissions.manager.defaultsUrl`.
fn firefox_permissions(launch: &Launch<'_>) -> String {
    let mut out = String::new();
    if let Some(map) = launch.permissions.and_then(Value::as_object) {
        for (k, v) in map {
            let value = match v.as_str() {
                Some("granted") => 1,
                Some("denied") => 2,
                _ => continue,
            };
            let types: &[&str] = match k.as_str() {
                "local-network-access" => &["localhost", "loopback-network", "local-network"],
                "local-network" => &["local-network"],
                "loopback-network" => &["localhost", "loopback-network"],
                _ => &[],
            };
            for t in types {
                for page in &launch.page_origins {
                    out.push_str(&format!("origin\t{t}\t{value}\t{page}\n"));
                }
            }
        }
    }
    out
}

/// Chromium `Preferences` content-setting exceptions for `permissions`.
fn chromium_preferences(permissions: Option<&Value>, pages: &[String]) -> Value {
    let mut exceptions = serde_json::Map::new();
    if let Some(map) = permissions.and_then(Value::as_object) {
        for (k, v) in map {
            let setting = match v.as_str() {
                Some("granted") => 1,
                Some("denied") => 2,
                _ => continue,
            };
            let types: &[&str] = match k.as_str() {
                "local-network-access" => {
                    &["local_network_access", "local_network", "loopback_network"]
                }
                "local-network" => &["local_network"],
                "loopback-network" => &["loopback_network"],
                _ => &[],
            };
            for t in types {
                let mut per = serde_json::Map::new();
                for page in pages {
                    per.insert(
                        format!("{page},*"),
                        serde_json::json!({"setting": setting, "last_modified": "13340000000000000"}),
                    );
                }
                exceptions.insert((*t).to_owned(), Value::Object(per));
            }
        }
    }
    serde_json::json!({
        "profile": {"content_settings": {"exceptions": exceptions}},
        "browser": {"has_seen_welcome_page": true, "check_default_browser": false},
        "safebrowsing": {"enabled": false},
    })
}

/// Starts `engine` on `launch.url` with a fresh profile.
pub fn start(engine: Engine, binary: &Path, launch: &Launch<'_>) -> Result<Running, String> {
    use std::os::unix::process::CommandExt as _;
    let dir = fresh_dir()?;
    let home = dir.join("home");
    let profile = dir.join("profile");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&profile).map_err(|e| e.to_string())?;
    let log = dir.join("browser.log");
    let mut cmd: Command;
    match engine {
        Engine::Chromium => {
            if launch.tls {
                nss_trust(&home.join(".pki/nssdb"), launch.ca_pem, &dir)?;
            }
            let default = profile.join("Default");
            std::fs::create_dir_all(&default).map_err(|e| e.to_string())?;
            let prefs = chromium_preferences(launch.permissions, &launch.page_origins);
            std::fs::write(default.join("Preferences"), prefs.to_string())
                .map_err(|e| e.to_string())?;
            cmd = Command::new(binary);
            cmd.args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--disable-breakpad",
                "--disable-domain-reliability",
                "--disable-client-side-phishing-detection",
                "--password-store=basic",
                "--host-resolver-rules=MAP *.test 127.0.0.1",
            ]);
            cmd.arg(format!("--user-data-dir={}", profile.display()));
            if let Some(spaces) = launch.address_spaces {
                let v = chromium_address_spaces(spaces, &launch.ports);
                if !v.is_empty() {
                    cmd.arg(format!("--ip-address-space-overrides={v}"));
                }
            }
            cmd.arg(&launch.url);
        }
        Engine::Firefox => {
            if launch.tls {
                nss_trust(&profile, launch.ca_pem, &dir)?;
            }
            let prefs = FIREFOX_PREFS.replace("@HOSTS@", &crate_names().join(","));
            let perms = profile.join("browser-cors-permissions.txt");
            std::fs::write(&perms, firefox_permissions(launch)).map_err(|e| e.to_string())?;
            let prefs = prefs
                + &firefox_lna_prefs(launch)
                + &format!(
                    "user_pref(\"permissions.manager.defaultsUrl\", \"file://{}\");\n",
                    perms.display()
                );
            std::fs::write(profile.join("user.js"), prefs).map_err(|e| e.to_string())?;
            cmd = Command::new(binary);
            cmd.args(["--headless", "--no-remote", "--profile"])
                .arg(&profile)
                .arg(&launch.url);
        }
        Engine::Webkit => {
            let has_xvfb = std::env::var_os("PATH").is_some_and(|paths| {
                std::env::split_paths(&paths).any(|d| d.join("xvfb-run").exists())
            });
            if !has_xvfb {
                return Err(
                    "MiniBrowser needs a display: install xvfb (apt-get install xvfb)".into(),
                );
            }
            cmd = Command::new("xvfb-run");
            cmd.args(["-a", "-s", "-screen 0 1024x768x24"]).arg(binary);
            if launch.named_hosts {
                // Named hosts reach the listeners through the recorder's
                // proxy; WebKitGTK takes its CA list from the system
                // (GnuTLS), so the test CA cannot be trusted per profile and
                // certificate errors are ignored instead.
                cmd.arg(format!("--proxy=http://127.0.0.1:{}", launch.proxy_port))
                    .arg("--ignore-host=127.0.0.1,localhost")
                    .arg("--ignore-tls-errors");
            }
            cmd.arg(&launch.url);
        }
    }
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        // The shipped recordings' Accept-Language is en-US (WebKitGTK takes
        // it from the locale, "C" when none is set).
        .env("LANG", "en_US.UTF-8")
        .env("LANGUAGE", "en_US:en")
        .stdin(Stdio::null())
        .process_group(0);
    let err_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let out_file = err_file.try_clone().map_err(|e| e.to_string())?;
    cmd.stdout(out_file).stderr(err_file);
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let pgid = child.id().unwrap_or(0);
    Ok(Running {
        child,
        pgid,
        dir,
        log,
    })
}

fn crate_names() -> Vec<&'static str> {
    super::tls::NAMES.to_vec()
}

/// Firefox prefs: named hosts on loopback, no background traffic.
const FIREFOX_PREFS: &str = r#"user_pref("network.dns.localDomains", "@HOSTS@");
user_pref("network.dns.native-is-localhost", false);
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("app.normandy.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.startup.page", 0);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("browser.safebrowsing.provider.google4.updateURL", "");
user_pref("browser.safebrowsing.provider.mozilla.updateURL", "");
user_pref("browser.newtabpage.enabled", false);
user_pref("browser.ping-centre.telemetry", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("toolkit.telemetry.server", "");
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("extensions.blocklist.enabled", false);
user_pref("media.gmp-manager.updateEnabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.prefetch-next", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.http.speculative-parallel-limit", 0);
user_pref("network.trr.mode", 5);
user_pref("services.settings.server", "http://127.0.0.1:9/");
user_pref("security.OCSP.enabled", 0);
user_pref("security.remote_settings.crlite_filters.enabled", false);
user_pref("privacy.sanitize.sanitizeOnShutdown", false);
user_pref("devtools.console.stdout.content", true);
"#;
