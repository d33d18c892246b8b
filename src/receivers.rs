//! Receivers by name: one `/webhooks/{sender}` route for several senders,
//! without a hand-made `match` over receiver types.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, Response};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{
    Delivery, Error, Handshake, Provider, Received, ReplyRule, RetrySchedule, WebhookEvent,
};

/// Receivers by name, each usable as a `dyn Provider` whose events are
/// [`AnyEvent`]s: the piece behind a `/webhooks/{sender}` route. It picks
/// a receiver; the web framework's own router still routes requests.
///
/// ```
/// use webhook_kit::{Provider, Receivers, WebhookEvent};
/// use webhook_kit::falu::{self, Falu};
/// use webhook_kit::clickfunnels::ClickFunnels;
///
/// let receivers = Receivers::new()
///     .with_receiver("falu", Falu::new("falu-secret")?)
///     .with_receiver("clickfunnels", ClickFunnels::new("cf-secret")?);
///
/// // In the handler for `/webhooks/{sender}`:
/// let falu_sender = Falu::new("falu-secret")?;
/// let body = br#"{"id": "evt_1", "type": "message.sent", "data": {"object": {}}}"#;
/// let headers = falu_sender.sign_at(body, time::OffsetDateTime::now_utc())?;
///
/// let Some(receiver) = receivers.get("falu") else { unreachable!("404 for unknown names") };
/// let received = receiver.receive(&headers, body)?;
/// assert_eq!(received.event.event_type(), "message.sent");
/// // The concrete event is still there for code that wants it.
/// assert!(received.event.downcast_ref::<falu::Event>().is_some());
/// assert_eq!(receiver.acknowledge().status(), 200);
/// assert!(receivers.get("stripe").is_none());
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Receivers {
    receivers: Vec<(Cow<'static, str>, Arc<DynProvider>)>,
}

/// The old name of [`Receivers`], which shadowed axum's `Router`.
///
/// ```
/// #[allow(deprecated, reason = "shows the old name still works")]
/// let receivers: webhook_kit::Router = webhook_kit::Receivers::new();
/// assert_eq!(receivers.names().count(), 0);
/// ```
#[deprecated(
    since = "0.2.0",
    note = "use `Receivers` (and `with_receiver` for `route`): `Router` shadowed axum's"
)]
pub type Router = Receivers;

/// A receiver held by [`Receivers`]: any provider, its events boxed.
pub type DynProvider = dyn Provider<Event = AnyEvent> + Send + Sync;

impl Receivers {
    /// No receivers yet.
    ///
    /// ```
    /// assert_eq!(webhook_kit::Receivers::new().names().count(), 0);
    /// ```
    pub fn new() -> Self {
        Receivers::default()
    }

    /// Adds `receiver` under `name`; a second receiver with the same name
    /// replaces the first.
    ///
    /// ```
    /// use webhook_kit::Receivers;
    ///
    /// let receivers = Receivers::new().with_receiver("funnel", webhook_kit::funnel::Funnel::new());
    /// assert_eq!(receivers.names().collect::<Vec<_>>(), ["funnel"]);
    /// ```
    #[must_use]
    pub fn with_receiver<P>(mut self, name: impl Into<Cow<'static, str>>, receiver: P) -> Self
    where
        P: Provider + Send + Sync + 'static,
        P::Event: fmt::Debug + Serialize + Send + Sync + 'static,
    {
        let name = name.into();
        self.receivers.retain(|(existing, _)| *existing != name);
        self.receivers.push((name, Arc::new(Erased(receiver))));
        self
    }

    /// The old name of [`with_receiver`](Self::with_receiver).
    ///
    /// ```
    /// #[allow(deprecated, reason = "shows the old name still works")]
    /// let receivers = webhook_kit::Receivers::new().route("funnel", webhook_kit::funnel::Funnel::new());
    /// assert!(receivers.get("funnel").is_some());
    /// ```
    #[deprecated(
        since = "0.2.0",
        note = "use `with_receiver`: `route` is the web framework's verb"
    )]
    #[must_use]
    pub fn route<P>(self, name: impl Into<Cow<'static, str>>, provider: P) -> Self
    where
        P: Provider + Send + Sync + 'static,
        P::Event: fmt::Debug + Serialize + Send + Sync + 'static,
    {
        self.with_receiver(name, provider)
    }

    /// The receiver held under `name`.
    ///
    /// ```
    /// use webhook_kit::{Provider, Receivers};
    ///
    /// let receivers = Receivers::new().with_receiver("funnel", webhook_kit::funnel::Funnel::new());
    /// let funnel = receivers.get("funnel").expect("held");
    /// assert_eq!(funnel.retry_schedule().max_attempts(), 4);
    /// ```
    pub fn get(&self, name: &str) -> Option<&DynProvider> {
        self.receivers
            .iter()
            .find(|(held, _)| held == name)
            .map(|(_, receiver)| &**receiver)
    }

    /// The names held, in the order they were added.
    ///
    /// ```
    /// let receivers = webhook_kit::Receivers::new()
    ///     .with_receiver("a", webhook_kit::funnel::Funnel::new())
    ///     .with_receiver("b", webhook_kit::funnel::Funnel::new());
    /// assert_eq!(receivers.names().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.receivers.iter().map(|(name, _)| name.as_ref())
    }
}

impl fmt::Debug for Receivers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// Any provider's event, from [`Receivers`]: the [`WebhookEvent`] methods,
/// the event as JSON, and the concrete event by downcasting.
///
/// ```
/// use webhook_kit::{Provider, Receivers, WebhookEvent};
///
/// let receivers = Receivers::new().with_receiver("funnel", webhook_kit::funnel::Funnel::new());
/// let body = br#"{"id": 7, "event": "quote.created", "data": {"q": 1}}"#;
/// let event = receivers.get("funnel").expect("held").parse(body)?;
/// assert_eq!(event.id(), "7");
/// assert_eq!(event.to_json().map(|json| json["id"].clone()).ok(), Some("7".into()));
/// assert!(event.downcast_ref::<webhook_kit::funnel::Event>().is_some());
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub struct AnyEvent(Box<dyn ErasedEvent>);

impl AnyEvent {
    /// The concrete event, if it is a `T`.
    ///
    /// ```
    /// # use webhook_kit::{Provider, Receivers};
    /// # let receivers = Receivers::new().with_receiver("funnel", webhook_kit::funnel::Funnel::new());
    /// # let event = receivers.get("funnel").expect("held").parse(br#"{"id": 7, "event": "quote.created", "data": {}}"#)?;
    /// assert!(event.downcast_ref::<webhook_kit::falu::Event>().is_none());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }

    /// The event as JSON, in the form its type serializes to (the form a
    /// queue stores).
    ///
    /// # Errors
    ///
    /// When the event cannot be serialized (for the crate's events: never).
    ///
    /// ```
    /// # use webhook_kit::{Provider, Receivers};
    /// # let receivers = Receivers::new().with_receiver("funnel", webhook_kit::funnel::Funnel::new());
    /// # let event = receivers.get("funnel").expect("held").parse(br#"{"id": 7, "event": "quote.created", "data": {}}"#)?;
    /// assert_eq!(event.to_json().expect("json")["data"]["type"], "quote.created");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        self.0.to_json()
    }
}

impl WebhookEvent for AnyEvent {
    fn id(&self) -> Cow<'_, str> {
        self.0.id()
    }

    fn event_type(&self) -> &str {
        self.0.event_type()
    }

    fn occurred_at(&self) -> Option<OffsetDateTime> {
        self.0.occurred_at()
    }
}

impl fmt::Debug for AnyEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What [`AnyEvent`] needs of an event, object-safe.
trait ErasedEvent: WebhookEvent + fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn to_json(&self) -> Result<serde_json::Value, serde_json::Error>;
}

impl<E> ErasedEvent for E
where
    E: WebhookEvent + fmt::Debug + Serialize + Send + Sync + 'static,
{
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

/// A provider whose events are boxed into [`AnyEvent`].
struct Erased<P>(P);

impl<P> Provider for Erased<P>
where
    P: Provider,
    P::Event: fmt::Debug + Serialize + Send + Sync + 'static,
{
    type Event = AnyEvent;

    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Delivery, Error> {
        self.0.verify_at(headers, body, now)
    }

    fn parse(&self, body: &[u8]) -> Result<AnyEvent, Error> {
        self.0.parse(body).map(|event| AnyEvent(Box::new(event)))
    }

    fn receive_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Received<AnyEvent>, Error> {
        let received = self.0.receive_at(headers, body, now)?;
        Ok(Received::new(
            AnyEvent(Box::new(received.event)),
            received.delivery,
        ))
    }

    fn acknowledge(&self) -> Response<&'static str> {
        self.0.acknowledge()
    }

    fn max_body(&self) -> usize {
        self.0.max_body()
    }

    fn reply_rule(&self) -> ReplyRule {
        self.0.reply_rule()
    }

    fn retry_schedule(&self) -> RetrySchedule {
        self.0.retry_schedule()
    }

    fn sign_at(&self, body: &[u8], now: OffsetDateTime) -> Result<HeaderMap, Error> {
        self.0.sign_at(body, now)
    }

    fn handshake_at(
        &self,
        request: &Handshake<'_>,
        now: OffsetDateTime,
    ) -> Option<Result<Response<String>, Error>> {
        self.0.handshake_at(request, now)
    }
}
