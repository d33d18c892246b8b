//! The examples as the binaries a user runs: built with cargo into the
//! test's own target directory, started on a free loopback port, read line
//! by line, stopped on drop.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use http::{HeaderMap, Response};

/// How long an example may take to start, or to print the line a request
/// makes it print, before the test gives up (a bound, not a measurement).
const PATIENCE: Duration = Duration::from_secs(120);

/// The cargo features this test was built with: the example is built with
/// the same, so that it links the library this run already compiled.
pub(crate) fn features() -> String {
    let all = [
        ("funnel", cfg!(feature = "funnel")),
        ("fourvenues", cfg!(feature = "fourvenues")),
        ("falu", cfg!(feature = "falu")),
        ("clickfunnels", cfg!(feature = "clickfunnels")),
        ("standard", cfg!(feature = "standard")),
        ("github", cfg!(feature = "github")),
        ("stripe", cfg!(feature = "stripe")),
        ("shopify", cfg!(feature = "shopify")),
        ("slack", cfg!(feature = "slack")),
        ("paddle", cfg!(feature = "paddle")),
        ("linear", cfg!(feature = "linear")),
        ("zoom", cfg!(feature = "zoom")),
        ("twitch", cfg!(feature = "twitch")),
        ("twilio", cfg!(feature = "twilio")),
        ("square", cfg!(feature = "square")),
        ("hubspot", cfg!(feature = "hubspot")),
        ("meta", cfg!(feature = "meta")),
        ("calendly", cfg!(feature = "calendly")),
        ("paystack", cfg!(feature = "paystack")),
        ("razorpay", cfg!(feature = "razorpay")),
        ("typeform", cfg!(feature = "typeform")),
        ("discord", cfg!(feature = "discord")),
        ("telnyx", cfg!(feature = "telnyx")),
        ("sendgrid", cfg!(feature = "sendgrid")),
        ("gitlab", cfg!(feature = "gitlab")),
        ("lemonsqueezy", cfg!(feature = "lemonsqueezy")),
        ("intercom", cfg!(feature = "intercom")),
        ("dropbox", cfg!(feature = "dropbox")),
        ("redis", cfg!(feature = "redis")),
        ("redis-async", cfg!(feature = "redis-async")),
        ("ed25519", cfg!(feature = "ed25519")),
        ("ecdsa", cfg!(feature = "ecdsa")),
        ("axum", cfg!(feature = "axum")),
        ("tower", cfg!(feature = "tower")),
        ("actix", cfg!(feature = "actix")),
        ("postgres", cfg!(feature = "postgres")),
        ("sqlite", cfg!(feature = "sqlite")),
        ("tracing", cfg!(feature = "tracing")),
        ("metrics", cfg!(feature = "metrics")),
    ];
    let on: Vec<&str> = all.iter().filter(|(_, on)| *on).map(|(f, _)| *f).collect();
    on.join(",")
}

/// Builds the example with cargo (nothing to do when it is up to date) into
/// this test's own target directory and profile, and returns its path.
pub(crate) fn build(example: &str) -> PathBuf {
    // target/<profile>/deps/examples_http-<hash>
    let exe = std::env::current_exe().expect("the test's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let target_dir = profile_dir.parent().expect("target/");
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args([
            "build",
            "--quiet",
            "--example",
            example,
            "--no-default-features",
        ])
        .args(["--features", &features()])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    if profile_dir.ends_with("release") {
        cargo.arg("--release");
    }
    let status = cargo.status().expect("cargo runs");
    assert!(status.success(), "cargo build --example {example} failed");
    profile_dir.join("examples").join(example)
}

/// A running example, stopped on drop, with the lines it prints.
pub(crate) struct Example {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    child: Child,
    out: Receiver<String>,
    err: Receiver<String>,
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (send, receive) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// Starts `example` on a free loopback port (`PORT=0`) with `env`, and
/// waits for the address it prints on its first line of standard output.
pub(crate) fn start(example: &str, env: &[(&str, &str)]) -> Example {
    let mut child = Command::new(build(example))
        .env("PORT", "0")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let out = lines(child.stdout.take().expect("piped"));
    let err = lines(child.stderr.take().expect("piped"));
    // Stopped on drop, also when this panics.
    let mut example = Example {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        out,
        err,
    };
    let first = example.processed();
    example.addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("{example:?} did not print its address: {first:?}"));
    example
}

impl std::fmt::Debug for Example {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the example (pid {})", self.child.id())
    }
}

impl Example {
    /// The next line on standard output: the address, then one per
    /// processed event.
    pub(crate) fn processed(&self) -> String {
        self.out.recv_timeout(PATIENCE).expect("a line on stdout")
    }

    /// The next line on standard error: one per rejection.
    pub(crate) fn rejected(&self) -> String {
        self.err.recv_timeout(PATIENCE).expect("a line on stderr")
    }

    pub(crate) fn post(&self, path: &str, headers: &HeaderMap, body: &[u8]) -> Response<Vec<u8>> {
        super::http_client::post(self.addr, path, headers, body).expect("the example answers")
    }
}
