//! The receiver every server example shares, so each example is only the
//! wiring its framework needs: route, read the raw body, hand it over, send
//! the reply back.
//!
//! [`App::receive`] is the whole webhook handler: verify and parse with the
//! provider's receiver, drop redeliveries with a [`MemoryStore`], process,
//! and answer as the provider expects (or with the error's status).
#![allow(dead_code, reason = "each example uses a different part")]

pub(crate) mod client;

use std::env;
use std::fmt;

use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::{IdempotencyStore, MemoryStore, ttl_for};
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Provider, WebhookEvent};

/// The route prefix; each provider is served at `/webhooks/<name>`.
pub(crate) const PREFIX: &str = "/webhooks/";

/// The providers served, by the name used in the route and the logs.
pub(crate) const PROVIDERS: [&str; 5] =
    ["funnel", "fourvenues", "falu", "clickfunnels", "standard"];

/// The largest body an example reads. The receivers enforce the same limit;
/// a server stops reading at it instead of buffering whatever is sent.
pub(crate) const MAX_BODY: usize = webhook_kit::DEFAULT_MAX_BODY;

// The demo secrets used when a variable is unset. They are public: set
// your own in the environment for anything but a demo.
/// Fourvenues' demo sign secret.
pub(crate) const DEMO_FOURVENUES_SECRET: &str = "demo-fourvenues-sign-secret";
/// Falu's demo webhook secret.
pub(crate) const DEMO_FALU_SECRET: &str = "demo-falu-webhook-secret";
/// ClickFunnels' demo webhook secret.
pub(crate) const DEMO_CLICKFUNNELS_SECRET: &str = "demo-clickfunnels-webhook-secret";
/// The Standard Webhooks demo secret (a public test vector's).
pub(crate) const DEMO_STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Where to listen and which secrets to accept.
#[derive(Clone)]
pub(crate) struct Config {
    /// The loopback port to listen on (`PORT`).
    pub(crate) port: u16,
    /// Funnel's API token (`FUNNEL_TOKEN`); `None` accepts unauthenticated requests.
    pub(crate) funnel_token: Option<String>,
    /// `FOURVENUES_SECRET`.
    pub(crate) fourvenues_secret: String,
    /// `FALU_SECRET`.
    pub(crate) falu_secret: String,
    /// `CLICKFUNNELS_SECRET`.
    pub(crate) clickfunnels_secret: String,
    /// `STANDARD_WEBHOOKS_SECRET`, a `whsec_` secret.
    pub(crate) standard_secret: String,
}

impl fmt::Debug for Config {
    // Secrets stay out of logs, even demo ones.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The demo configuration: no Funnel token, the demo secrets, port 3000.
    pub(crate) fn demo() -> Self {
        Config {
            port: 3000,
            funnel_token: None,
            fourvenues_secret: DEMO_FOURVENUES_SECRET.into(),
            falu_secret: DEMO_FALU_SECRET.into(),
            clickfunnels_secret: DEMO_CLICKFUNNELS_SECRET.into(),
            standard_secret: DEMO_STANDARD_SECRET.into(),
        }
    }

    /// Reads `PORT`, `FUNNEL_TOKEN`, `FOURVENUES_SECRET`, `FALU_SECRET`,
    /// `CLICKFUNNELS_SECRET` and `STANDARD_WEBHOOKS_SECRET`, printing which
    /// demo defaults stand in for unset ones (never a value from the
    /// environment).
    pub(crate) fn from_env() -> Self {
        let demo = Config::demo();
        let port = match env::var("PORT") {
            Ok(port) => port.parse().unwrap_or_else(|_| {
                eprintln!("PORT={port:?} is not a port number; using {}", demo.port);
                demo.port
            }),
            Err(_) => demo.port,
        };
        let funnel_token = env::var("FUNNEL_TOKEN").ok().filter(|t| !t.is_empty());
        if funnel_token.is_none() {
            println!("FUNNEL_TOKEN unset: Funnel requests are accepted without authentication");
        }
        Config {
            port,
            funnel_token,
            fourvenues_secret: secret_or_demo("FOURVENUES_SECRET", demo.fourvenues_secret),
            falu_secret: secret_or_demo("FALU_SECRET", demo.falu_secret),
            clickfunnels_secret: secret_or_demo("CLICKFUNNELS_SECRET", demo.clickfunnels_secret),
            standard_secret: secret_or_demo("STANDARD_WEBHOOKS_SECRET", demo.standard_secret),
        }
    }
}

fn secret_or_demo(variable: &str, demo: String) -> String {
    match env::var(variable) {
        Ok(secret) if !secret.is_empty() => secret,
        _ => {
            println!("{variable} unset: using the demo secret {demo:?}");
            demo
        }
    }
}

/// What the app did with a verified event, for the log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Handled {
    Processed,
    Duplicate,
}

/// Runs the application's own work for a verified, first-seen event.
/// An `Err` means "try again later": the app answers 503 and forgets the
/// event id, so the provider's redelivery is processed.
pub(crate) type Processor = Box<dyn Fn(&Received<'_>) -> Result<(), String> + Send + Sync>;

/// A verified event, as the processor sees it.
#[derive(Debug)]
pub(crate) struct Received<'a> {
    /// The route's provider name.
    pub(crate) provider: &'static str,
    /// The provider's event type.
    pub(crate) event_type: &'a str,
    /// The provider's event id.
    pub(crate) id: &'a str,
}

/// The webhook receiver behind every example server.
pub(crate) struct App {
    funnel: Funnel,
    fourvenues: Fourvenues,
    falu: Falu,
    clickfunnels: ClickFunnels,
    standard: StandardWebhooks,
    seen: MemoryStore,
    processor: Processor,
    quiet: bool,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("funnel", &self.funnel)
            .field("fourvenues", &self.fourvenues)
            .field("falu", &self.falu)
            .field("clickfunnels", &self.clickfunnels)
            .field("standard", &self.standard)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The receivers for `config`.
    ///
    /// # Errors
    ///
    /// When the Standard Webhooks secret is not a valid `whsec_` secret.
    pub(crate) fn new(config: &Config) -> Result<Self, webhook_kit::Error> {
        let funnel = match &config.funnel_token {
            Some(token) => Funnel::new().with_token(token.as_str()),
            None => Funnel::new(),
        };
        Ok(App {
            funnel,
            fourvenues: Fourvenues::new(config.fourvenues_secret.as_str()),
            falu: Falu::new(config.falu_secret.as_str()),
            clickfunnels: ClickFunnels::new(config.clickfunnels_secret.as_str()),
            standard: StandardWebhooks::new(&config.standard_secret)?,
            seen: MemoryStore::new(100_000),
            processor: Box::new(|_| Ok(())),
            quiet: false,
        })
    }

    /// Replaces the processing step (by default it does nothing).
    pub(crate) fn with_processor(
        mut self,
        processor: impl Fn(&Received<'_>) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.processor = Box::new(processor);
        self
    }

    /// Stops the per-request log line (the tests' servers are noisy enough).
    pub(crate) fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// Routes by method and path, for servers without a router: `POST
    /// /webhooks/<provider>`, else 404 or 405.
    pub(crate) fn handle(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Response<String> {
        let Some(provider) = path.strip_prefix(PREFIX).filter(|p| PROVIDERS.contains(p)) else {
            return text(
                StatusCode::NOT_FOUND,
                format!("no webhook receiver at {path}\n"),
            );
        };
        if method != Method::POST {
            let mut reply = text(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{method} is not allowed here: webhooks are POSTed\n"),
            );
            reply
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return reply;
        }
        self.receive(provider, headers, body)
    }

    /// Handles one delivery to `/webhooks/<provider>`: the raw body, exactly
    /// as received.
    pub(crate) fn receive(
        &self,
        provider: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Response<String> {
        match provider {
            "funnel" => self.receive_from("funnel", &self.funnel, headers, body),
            "fourvenues" => self.receive_from("fourvenues", &self.fourvenues, headers, body),
            "falu" => self.receive_from("falu", &self.falu, headers, body),
            "clickfunnels" => self.receive_from("clickfunnels", &self.clickfunnels, headers, body),
            "standard" => self.receive_from("standard", &self.standard, headers, body),
            other => text(
                StatusCode::NOT_FOUND,
                format!("no webhook receiver for {other:?}\n"),
            ),
        }
    }

    fn receive_from<P: Provider>(
        &self,
        name: &'static str,
        provider: &P,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Response<String> {
        let event = match provider.verify_and_parse(headers, body) {
            Ok(event) => event,
            Err(err) => {
                // The error says what was wrong and never holds a secret.
                self.log(format_args!(
                    "{name} - - rejected {}: {err}",
                    err.status_code().as_u16()
                ));
                return text(err.status_code(), format!("{err}\n"));
            }
        };
        let (event_type, id) = (event.event_type(), event.id());
        let first = self
            .seen
            .first_seen(name, &id, ttl_for(provider))
            .unwrap_or(true);
        let handled = if first {
            Handled::Processed
        } else {
            Handled::Duplicate
        };
        if handled == Handled::Processed {
            let received = Received {
                provider: name,
                event_type,
                id: &id,
            };
            if let Err(reason) = (self.processor)(&received) {
                // Not processed: let the redelivery through.
                self.seen.forget(name, &id);
                self.log(format_args!("{name} {event_type} {id} failed: {reason}"));
                return text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("try again later: {reason}\n"),
                );
            }
        }
        let result = match handled {
            Handled::Processed => "processed",
            Handled::Duplicate => "duplicate, acknowledged again",
        };
        self.log(format_args!("{name} {event_type} {id} {result}"));
        provider.acknowledge().map(String::from)
    }

    fn log(&self, line: fmt::Arguments<'_>) {
        if !self.quiet {
            println!("[receiver] {line}");
        }
    }
}

/// A plain-text reply.
pub(crate) fn text(status: StatusCode, body: String) -> Response<String> {
    let mut reply = Response::new(body);
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    reply
}
