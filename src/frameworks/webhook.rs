//! What the axum and actix extractors hand a handler: [`Webhook`], a
//! verified delivery from one receiver, and [`RoutedWebhook`], one from the
//! receiver a [`Receivers`] picked by name. Both carry the receiver, so a
//! handler reaches [`ExactlyOnce`] without looking it up again. Each
//! framework module adds only its extractor.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};

use crate::dedup::ExactlyOnce;
use crate::handshake::{self, Handshake};
use crate::{Ack, AnyEvent, Delivery, DynProvider, Provider, Received, Receivers, Rejection};

/// A verified delivery from `P`, extracted from a request: the typed event,
/// what the request told about itself, the raw body, the reply the sender
/// expects, and the receiver that verified it.
///
/// `webhook_kit::axum::Webhook` and `webhook_kit::actix::Webhook` are this
/// type; each feature adds its framework's extractor (see those modules for
/// where the receiver comes from). [`Webhook::exactly_once`] processes the
/// event once across redeliveries.
///
/// ```
/// use std::sync::Arc;
///
/// use axum::extract::FromRef;
/// use axum::routing::post;
/// use webhook_kit::axum::Webhook;
/// use webhook_kit::clickfunnels::ClickFunnels;
/// use webhook_kit::falu::Falu;
///
/// // One state holding several receivers: each field an `Arc` of one.
/// #[derive(Clone, FromRef)]
/// struct AppState {
///     falu: Arc<Falu>,
///     clickfunnels: Arc<ClickFunnels>,
/// }
///
/// let state = AppState {
///     falu: Arc::new(Falu::new("falu-secret")?),
///     clickfunnels: Arc::new(ClickFunnels::new("cf-secret")?),
/// };
/// let app: axum::Router = axum::Router::new()
///     .route("/webhooks/falu", post(|hook: Webhook<Falu>| async { hook.ack }))
///     .route("/webhooks/clickfunnels", post(|hook: Webhook<ClickFunnels>| async { hook.ack }))
///     .with_state(state);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[non_exhaustive]
pub struct Webhook<P: Provider> {
    /// The typed event.
    pub event: P::Event,
    /// The delivery's id, signed timestamp and matching secret.
    pub delivery: Delivery,
    /// The body exactly as received, for handlers that store it.
    pub body: Bytes,
    /// The provider's acknowledgement: return it once the event is handled.
    pub ack: Ack,
    receiver: Arc<P>,
}

impl<P: Provider> Webhook<P> {
    /// Verifies a request whose body was read within `receiver`'s limit:
    /// answers the sender's handshake (as a [`Rejection::Handshake`]), then
    /// verifies and parses the body.
    pub(crate) fn verify(
        receiver: Arc<P>,
        request: &Target<'_>,
        body: Bytes,
    ) -> Result<Self, Rejection> {
        let received = request.receive(&*receiver, &body)?;
        Ok(Webhook {
            event: received.event,
            delivery: received.delivery,
            ack: Ack::of(&*receiver),
            body,
            receiver,
        })
    }

    /// The receiver that verified this delivery.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use axum::routing::post;
    /// use webhook_kit::axum::Webhook;
    /// use webhook_kit::falu::Falu;
    /// use webhook_kit::Provider;
    ///
    /// async fn falu(hook: Webhook<Falu>) -> String {
    ///     format!("verified by {} with a limit of {} bytes", hook.receiver().name(), hook.receiver().max_body())
    /// }
    ///
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/webhooks/falu", post(falu))
    ///     .with_state(Arc::new(Falu::new("falu-secret")?));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn receiver(&self) -> &P {
        &self.receiver
    }

    /// The [`ExactlyOnce`] flow for this receiver's events in `store` (a
    /// reference, an `Arc` or the store itself), keyed under the receiver's
    /// [`Provider::name`]: run the handler's work with the event's id through
    /// it, and answer with the [`Handled`](crate::dedup::Handled) it returns
    /// (an axum response and an actix responder). The lease and the time
    /// completed events are remembered follow the sender's retry schedule;
    /// `with_lease` and `with_ttl` change them. To key the events under
    /// another name, call `ExactlyOnce::new(hook.receiver(), store, name)`.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::sync::Arc;
    ///
    /// use axum::extract::{FromRef, State};
    /// use axum::routing::post;
    /// use webhook_kit::axum::Webhook;
    /// use webhook_kit::dedup::{Handled, MemoryStore, StoreFull};
    /// use webhook_kit::falu::Falu;
    /// use webhook_kit::WebhookEvent;
    ///
    /// #[derive(Clone, FromRef)]
    /// struct App {
    ///     falu: Arc<Falu>,
    ///     seen: Arc<MemoryStore>,
    /// }
    ///
    /// async fn falu(State(seen): State<Arc<MemoryStore>>, hook: Webhook<Falu>) -> Handled<Infallible, StoreFull> {
    ///     let id = hook.event.id();
    ///     hook.exactly_once(seen)
    ///         .run_async(&id, || async {
    ///             println!("{} {id}", hook.event.event_type());
    ///             Ok(())
    ///         })
    ///         .await
    /// }
    ///
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/webhooks/falu", post(falu))
    ///     .with_state(App {
    ///         falu: Arc::new(Falu::new("falu-secret")?),
    ///         seen: Arc::new(MemoryStore::default()),
    ///     });
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn exactly_once<S>(&self, store: S) -> ExactlyOnce<'_, P, S> {
        ExactlyOnce::new(&*self.receiver, store, self.receiver.name())
    }
}

impl<P: Provider> fmt::Debug for Webhook<P>
where
    P::Event: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("receiver", &self.receiver.name())
            .field("event", &self.event)
            .field("delivery", &self.delivery)
            .field("body_len", &self.body.len())
            .field("ack", &self.ack)
            .finish()
    }
}

/// A verified delivery on a `/webhooks/{provider}` route: the [`Receivers`]
/// from the server's state picked the receiver named by the `{provider}`
/// path parameter (an unknown name is answered `404`).
///
/// `webhook_kit::axum::RoutedWebhook` and `webhook_kit::actix::RoutedWebhook`
/// are this type; each feature adds its framework's extractor.
///
/// ```
/// use std::sync::Arc;
///
/// use axum::routing::post;
/// use webhook_kit::axum::RoutedWebhook;
/// use webhook_kit::{Ack, Receivers, WebhookEvent};
///
/// async fn webhook(hook: RoutedWebhook) -> Ack {
///     println!("{} {} {}", hook.provider, hook.event.event_type(), hook.event.id());
///     hook.ack
/// }
///
/// let receivers = Receivers::new()
///     .with_receiver("falu", webhook_kit::falu::Falu::new("falu-secret")?)
///     .with_receiver("funnel", webhook_kit::funnel::Funnel::new());
/// let app: axum::Router = axum::Router::new()
///     .route("/webhooks/{provider}", post(webhook))
///     .with_state(Arc::new(receivers));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[non_exhaustive]
pub struct RoutedWebhook {
    /// The route name of the provider that sent it (`{provider}`).
    pub provider: String,
    /// The event; [`AnyEvent::downcast_ref`] gives the provider's own type.
    pub event: AnyEvent,
    /// The delivery's id, signed timestamp and matching secret.
    pub delivery: Delivery,
    /// The body exactly as received.
    pub body: Bytes,
    /// The provider's acknowledgement.
    pub ack: Ack,
    router: Arc<Receivers>,
}

impl RoutedWebhook {
    /// Verifies a request for the route `provider` of `router`, whose body
    /// was read within that receiver's limit.
    pub(crate) fn verify(
        router: Arc<Receivers>,
        provider: String,
        request: &Target<'_>,
        body: Bytes,
    ) -> Result<Self, Rejection> {
        let receiver = router.get(&provider).ok_or(Rejection::UnknownProvider)?;
        let received = request.receive(receiver, &body)?;
        Ok(RoutedWebhook {
            ack: Ack::of(receiver),
            event: received.event,
            delivery: received.delivery,
            provider,
            body,
            router,
        })
    }

    /// The receiver the router serves under [`RoutedWebhook::provider`],
    /// which verified this delivery.
    ///
    /// # Panics
    ///
    /// Never: the extractor found the receiver under this name, and a
    /// [`Receivers`] behind the `Arc` this holds cannot change.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use axum::routing::post;
    /// use webhook_kit::axum::RoutedWebhook;
    /// use webhook_kit::{Provider, Receivers};
    ///
    /// async fn webhook(hook: RoutedWebhook) -> String {
    ///     format!("{} retries {} times", hook.provider, hook.receiver().retry_schedule().max_attempts())
    /// }
    ///
    /// let receivers = Receivers::new().with_receiver("funnel", webhook_kit::funnel::Funnel::new());
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/webhooks/{provider}", post(webhook))
    ///     .with_state(Arc::new(receivers));
    /// ```
    pub fn receiver(&self) -> &DynProvider {
        self.router
            .get(&self.provider)
            .expect("the router behind an Arc keeps the route the extractor found")
    }

    /// The [`ExactlyOnce`] flow for this receiver's events in `store`,
    /// keyed under the route name ([`RoutedWebhook::provider`]), as
    /// [`Webhook::exactly_once`] is for one receiver.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::sync::Arc;
    ///
    /// use axum::extract::{FromRef, State};
    /// use axum::routing::post;
    /// use webhook_kit::axum::RoutedWebhook;
    /// use webhook_kit::dedup::{Handled, MemoryStore, StoreFull};
    /// use webhook_kit::{Receivers, WebhookEvent};
    ///
    /// #[derive(Clone, FromRef)]
    /// struct App {
    ///     receivers: Arc<Receivers>,
    ///     seen: Arc<MemoryStore>,
    /// }
    ///
    /// async fn webhook(State(seen): State<Arc<MemoryStore>>, hook: RoutedWebhook) -> Handled<Infallible, StoreFull> {
    ///     let id = hook.event.id();
    ///     hook.exactly_once(seen)
    ///         .run_async(&id, || async {
    ///             println!("{} {} {id}", hook.provider, hook.event.event_type());
    ///             Ok(())
    ///         })
    ///         .await
    /// }
    ///
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/webhooks/{provider}", post(webhook))
    ///     .with_state(App {
    ///         receivers: Arc::new(Receivers::new().with_receiver("funnel", webhook_kit::funnel::Funnel::new())),
    ///         seen: Arc::new(MemoryStore::default()),
    ///     });
    /// ```
    pub fn exactly_once<S>(&self, store: S) -> ExactlyOnce<'_, DynProvider, S> {
        ExactlyOnce::new(self.receiver(), store, &self.provider)
    }
}

impl fmt::Debug for RoutedWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoutedWebhook")
            .field("provider", &self.provider)
            .field("event", &self.event)
            .field("delivery", &self.delivery)
            .field("body_len", &self.body.len())
            .field("ack", &self.ack)
            .finish()
    }
}

/// What the verification reads of a request besides its body, in the
/// `http` 1 types (actix-web 4 speaks `http` 0.2, so its extractor carries
/// them over).
pub(crate) struct Target<'a> {
    pub(crate) method: &'a Method,
    pub(crate) uri: &'a Uri,
    pub(crate) headers: &'a HeaderMap,
}

impl Target<'_> {
    /// Answers the sender's handshake, else verifies and parses `body`.
    fn receive<P: Provider + ?Sized>(
        &self,
        receiver: &P,
        body: &[u8],
    ) -> Result<Received<P::Event>, Rejection> {
        let request = Handshake::new(self.method, self.uri, self.headers, body);
        handshake::answer(receiver, &request)?;
        Ok(receiver.receive(self.headers, body)?)
    }
}
