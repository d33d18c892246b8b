//! What every server example shares besides its framework: the
//! configuration from the environment and the application behind the
//! verification (drop redeliveries, process, log). Each example file holds
//! its framework's wiring: route, verify, answer.
#![allow(dead_code, reason = "each example uses a different part")]

use std::env;
use std::fmt;
use std::sync::Arc;

use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderValue, Method, Response, StatusCode};
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::{ExactlyOnce, Handled, MemoryStore};
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Rejection, Router, WebhookEvent};

/// The route prefix; each provider is served at `/webhooks/<name>`.
pub(crate) const PREFIX: &str = "/webhooks/";

/// The receivers' body limit (their default): a server stops reading a
/// body at it instead of buffering whatever is sent.
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

impl Config {
    /// One receiver per provider, by route name.
    ///
    /// # Errors
    ///
    /// When a secret is blank, or the Standard Webhooks secret is not a
    /// `whsec_` secret.
    pub(crate) fn receivers(&self) -> Result<Router, webhook_kit::Error> {
        Ok(Router::new()
            .route("funnel", self.funnel()?)
            .route("fourvenues", self.fourvenues()?)
            .route("falu", self.falu()?)
            .route("clickfunnels", self.clickfunnels()?)
            .route("standard", self.standard()?))
    }

    /// Funnel's receiver: with the token when one is set.
    pub(crate) fn funnel(&self) -> Result<Funnel, webhook_kit::Error> {
        match &self.funnel_token {
            Some(token) => Funnel::new().with_token(token.as_str()),
            None => Ok(Funnel::new()),
        }
    }

    /// Fourvenues' receiver.
    pub(crate) fn fourvenues(&self) -> Result<Fourvenues, webhook_kit::Error> {
        Fourvenues::new(self.fourvenues_secret.as_str())
    }

    /// Falu's receiver.
    pub(crate) fn falu(&self) -> Result<Falu, webhook_kit::Error> {
        Falu::new(self.falu_secret.as_str())
    }

    /// ClickFunnels' receiver.
    pub(crate) fn clickfunnels(&self) -> Result<ClickFunnels, webhook_kit::Error> {
        ClickFunnels::new(self.clickfunnels_secret.as_str())
    }

    /// The Standard Webhooks receiver.
    pub(crate) fn standard(&self) -> Result<StandardWebhooks, webhook_kit::Error> {
        StandardWebhooks::new(&self.standard_secret)
    }
}

/// The application's own work for a verified event, run once per event id.
/// An `Err` means "try again later": the app answers 503 and releases the
/// event id, so the provider's redelivery is processed.
pub(crate) type Processor = Arc<dyn Fn(&Processed<'_>) -> Result<(), String> + Send + Sync>;

/// A verified event, as the processor sees it.
#[derive(Debug)]
pub(crate) struct Processed<'a> {
    /// The route's provider name.
    pub(crate) provider: &'a str,
    /// The provider's event type.
    pub(crate) event_type: &'a str,
    /// The provider's event id.
    pub(crate) id: &'a str,
}

/// The application behind every example: the receivers, a store of event
/// ids claimed and processed, and the processing step. Cheap to clone.
#[derive(Clone)]
pub(crate) struct App {
    /// The receivers, by route name.
    pub(crate) receivers: Arc<Router>,
    seen: Arc<MemoryStore>,
    processor: Processor,
    quiet: bool,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("receivers", &self.receivers)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The receivers for `config`, a processor that does nothing.
    ///
    /// # Errors
    ///
    /// As [`Config::receivers`].
    pub(crate) fn new(config: &Config) -> Result<Self, webhook_kit::Error> {
        Ok(App {
            receivers: Arc::new(config.receivers()?),
            seen: Arc::new(MemoryStore::new(100_000)),
            processor: Arc::new(|_| Ok(())),
            quiet: false,
        })
    }

    /// Replaces the processing step.
    pub(crate) fn with_processor(
        mut self,
        processor: impl Fn(&Processed<'_>) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.processor = Arc::new(processor);
        self
    }

    /// Stops the per-request log line (the tests' servers are noisy enough).
    pub(crate) fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// Handles a verified event from `provider` exactly once: claim its id
    /// in the store, process, record it as done (or release the claim when
    /// processing fails), and log. Returns the reply for the sender: the
    /// provider's acknowledgement for a processed or already-processed
    /// event, 429 with `Retry-After` while another delivery of it is being
    /// processed, 503 when processing failed (the retry is processed).
    pub(crate) fn handle(
        &self,
        provider: &str,
        event: &(impl WebhookEvent + ?Sized),
    ) -> Response<&'static str> {
        let Some(receiver) = self.receivers.get(provider) else {
            unreachable!("the route verified the event with this receiver");
        };
        let (event_type, id) = (event.event_type(), event.id());
        let processed = Processed {
            provider,
            event_type,
            id: &id,
        };
        let handled = ExactlyOnce::new(receiver, &*self.seen, provider)
            .run(&id, || (self.processor)(&processed));
        let result = match &handled {
            Handled::Processed { .. } => "processed".to_owned(),
            Handled::Duplicate { .. } => "duplicate, acknowledged again".to_owned(),
            Handled::InProgress { .. } => "in progress elsewhere: retry later".to_owned(),
            Handled::Failed(reason) => format!("failed: {reason}"),
            other => format!("{other:?}"),
        };
        self.log(format_args!("{provider} {event_type} {id} {result}"));
        handled.into_response()
    }

    /// Logs a request refused before the app saw it.
    pub(crate) fn rejected(&self, provider: &str, rejection: &Rejection) {
        // The message says what was wrong and never holds a secret.
        let status = rejection.status_code().as_u16();
        self.log(format_args!(
            "{provider} - - rejected {status}: {rejection}"
        ));
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

/// 405 for a method other than POST on a webhook route.
pub(crate) fn method_not_allowed(method: &Method) -> Response<String> {
    let mut reply = text(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed here: webhooks are POSTed"),
    );
    reply
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("POST"));
    reply
}
