//! The receiver type every described sender gets, written once.

/// Declares a sender's public receiver type over a [`ReceiverCore`]
/// (field `verifier`) and the shared [`Settings`](crate::receiver::Settings)
/// (field `settings`), with `Debug` (the core's, which shows no secret),
/// the named builder methods, and [`Provider`](crate::Provider): verification
/// by the core, parsing by the sender's `parse` function, signing with the
/// first key, and the sender's handshake where it has one.
///
/// A sender whose handshake needs its own configuration (Meta's verify
/// token) names one more field with `state: name: Type,`; it starts as
/// `Type::default()` and the sender's builders set it. `Debug` never shows
/// it.
/// `body_headers` names a sender's function adding the unsigned headers a
/// genuine delivery derives from its body (an event name repeated in a
/// header): `fn(&[u8], &mut HeaderMap) -> Result<(), Error>`, run after
/// signing.
///
/// `check` names a sender's check of what its signature cannot cover (an
/// unsigned header that must agree with the signed body):
/// `fn(&HeaderMap, &[u8], Delivery) -> Result<Delivery, Error>`, run on
/// every request the core authenticated, before anything parses the body;
/// what it returns is the delivery. `receive` names a sender's
/// `receive_at`, for a sender whose check reads what its parse reads
/// again, so that a request reads it once:
/// `fn(&Self, &HeaderMap, &[u8], OffsetDateTime) -> Result<Received<Event>, Error>`.
/// `acknowledge` names the sender's reply to a delivery, where it wants
/// more than an empty `200`: `fn() -> Response<&'static str>`.
///
/// Two slots serve senders whose event is named only in unsigned headers:
/// `headers_into_event` names a function that fills the event's header
/// fields once the request has verified and its body parsed,
/// `fn(&mut Event, &HeaderMap, &Delivery)`, run by
/// [`Provider::receive_at`](crate::Provider::receive_at) (and so by
/// `verify_and_parse*`; [`Provider::parse`](crate::Provider::parse) alone
/// sees no headers). `sign_event` names a function adding the event's name
/// (and any header sent with it) to signed headers,
/// `fn(&str, OffsetDateTime, &mut HeaderMap) -> Result<(), Error>`, and
/// gives the receiver `sign_event_at(event, id, body, now)`. `sign_id`
/// names a function giving the delivery id that
/// [`Provider::sign_at`](crate::Provider::sign_at) sends where the caller
/// gives none and the sender's id is unsigned, `fn(&[u8]) -> String`.
///
/// `name` gives [`Provider::name`](crate::Provider::name) where it is not
/// the sender's module name (a name settled before the module was).
///
/// The sender's file then writes only its constructors (which call
/// `from_core`), its description, its event type and its presets.
macro_rules! described_receiver {
    (
        $(#[$meta:meta])*
        pub struct $type:ident;
        description: $description:path,
        $(name: $name:literal,)?
        event: $event:ty,
        parse: $parse:path,
        example: $example:literal,
        builders: [$($builder:ident),* $(,)?],
        $(check: $check:path,)?
        $(receive: $receive:path,)?
        $(acknowledge: $acknowledge:path,)?
        $(handshake: $handshake:path,)?
        $(state: $state:ident: $state_ty:ty,)?
        $(body_headers: $body_headers:path,)?
        $(headers_into_event: $headers_into_event:path,)?
        $(sign_event: $sign_event:path,)?
        $(sign_id: $sign_id:path,)?
    ) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $type {
            verifier: $crate::engine::ReceiverCore,
            settings: $crate::receiver::Settings,
            $($state: $state_ty,)?
        }

        impl $type {
            /// The receiver over `verifier`, with the sender's reply rule
            /// and retry schedule.
            fn from_core(verifier: $crate::engine::ReceiverCore) -> Self {
                let description: &$crate::engine::Description = &$description;
                $type {
                    verifier,
                    settings: $crate::receiver::Settings::new(
                        description.reply,
                        (description.retries)(),
                    ),
                    $($state: <$state_ty>::default(),)?
                }
            }
        }

        impl ::std::fmt::Debug for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&self.verifier, f)
            }
        }

        $crate::receiver::receiver_builders!($type = $example: $($builder),*);

        $(
        impl $type {
            /// The headers of a genuine delivery of `body` for the event
            /// named `event`, with delivery id `id`: both travel in
            /// unsigned headers. For tests and simulations; see also
            /// [`Provider::sign_at`](crate::Provider::sign_at), which names
            /// no event.
            ///
            /// # Errors
            ///
            /// [`Error::Signing`](crate::Error::Signing) for a name or id a
            /// header cannot carry.
            ///
            /// ```
            #[doc = concat!("let receiver = ", $example, ";")]
            /// let now = time::OffsetDateTime::now_utc();
            /// let headers = receiver.sign_event_at("the.event", "id-1", b"{}", now)?;
            /// assert!(headers.values().any(|value| value == "the.event"));
            /// assert!(headers.values().any(|value| value == "id-1"));
            /// # Ok::<(), webhook_kit::Error>(())
            /// ```
            pub fn sign_event_at(
                &self,
                event: &str,
                id: &str,
                body: &[u8],
                now: ::time::OffsetDateTime,
            ) -> Result<::http::HeaderMap, $crate::Error> {
                let mut headers = self.verifier.sign(body, now, Some(id))?;
                $sign_event(event, now, &mut headers)?;
                Ok(headers)
            }
        }
        )?

        impl $crate::Provider for $type {
            type Event = $event;

            /// The sender's module name, as its cargo feature is named,
            /// unless the sender gives another.
            fn name(&self) -> &'static str {
                let path: &'static str = module_path!();
                let module = path.rsplit("::").next().unwrap_or(path);
                None $( .or(Some($name)) )? .unwrap_or(module)
            }

            fn verify_at(
                &self,
                headers: &::http::HeaderMap,
                body: &[u8],
                now: ::time::OffsetDateTime,
            ) -> Result<$crate::Delivery, $crate::Error> {
                self.settings.check_size(body)?;
                let delivery = self.verifier.verify(headers, body, now)?;
                $( let delivery = $check(headers, body, delivery)?; )?
                Ok(delivery)
            }

            $(
            fn receive_at(
                &self,
                headers: &::http::HeaderMap,
                body: &[u8],
                now: ::time::OffsetDateTime,
            ) -> Result<$crate::Received<$event>, $crate::Error> {
                $receive(self, headers, body, now)
            }
            )?

            $(
            fn acknowledge(&self) -> ::http::Response<&'static str> {
                $acknowledge()
            }
            )?

            fn parse(&self, body: &[u8]) -> Result<$event, $crate::Error> {
                self.settings.check_size(body)?;
                $parse(body)
            }

            $(
            fn receive_at(
                &self,
                headers: &::http::HeaderMap,
                body: &[u8],
                now: ::time::OffsetDateTime,
            ) -> Result<$crate::Received<$event>, $crate::Error> {
                let delivery = self.verify_at(headers, body, now)?;
                let mut event = $crate::Provider::parse(self, body)?;
                $headers_into_event(&mut event, headers, &delivery);
                Ok($crate::Received::new(event, delivery))
            }
            )?

            $crate::receiver::provider_settings!();

            fn sign_at(
                &self,
                body: &[u8],
                now: ::time::OffsetDateTime,
            ) -> Result<::http::HeaderMap, $crate::Error> {
                let id: Option<String> = None $( .or(Some($sign_id(body))) )?;
                #[allow(unused_mut, reason = "only senders with body headers add to it")]
                let mut headers = self.verifier.sign(body, now, id.as_deref())?;
                $( $body_headers(body, &mut headers)?; )?
                Ok(headers)
            }

            $(
            fn handshake_at(
                &self,
                request: &$crate::Handshake<'_>,
                now: ::time::OffsetDateTime,
            ) -> Option<Result<::http::Response<String>, $crate::Error>> {
                $handshake(self, request, now)
            }
            )?
        }
    };
}
pub(crate) use described_receiver;

/// Writes the constructors of a sender that signs with a key pair, on a
/// type declared by [`described_receiver!`]: `new(public key)`,
/// `from_signing_key(signing key)` and `with_public_key(public key)`, the
/// key texts in `$encoding` and refused with the sender's `…_form` message.
/// The sender writes what is its own in each doc (its key's form, its
/// examples); what every such sender shares (what a signing key is for,
/// what rotation does) is written here.
#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
#[allow(
    unused_macros,
    reason = "used by the key-pair senders the features build, maybe none"
)]
macro_rules! key_pair_constructors {
    (
        $type:ident: $description:path, $encoding:expr;
        $(#[$new_doc:meta])*
        new($public:ident): $public_form:expr;
        $(#[$signing_doc:meta])*
        from_signing_key($signing:ident): $signing_form:expr;
        $(#[$rotation_doc:meta])*
        with_public_key;
        $(#[$rotation_example:meta])*
    ) => {
        impl $type {
            $(#[$new_doc])*
            pub fn new($public: &str) -> Result<Self, $crate::Error> {
                let description: &$crate::engine::Description = &$description;
                let keys = $crate::engine::KeySet::public_key(
                    description.algorithm,
                    $public,
                    $encoding,
                    $public_form,
                )?;
                Ok($type::from_core($crate::engine::ReceiverCore::new(
                    description,
                    keys,
                )))
            }

            #[doc = concat!(
                "A receiver holding a signing key, which trusts the matching public key and can \
                 sign: for tests and simulations, since ",
                stringify!($type),
                " never hands out its keys."
            )]
            ///
            $(#[$signing_doc])*
            pub fn from_signing_key(
                $signing: impl Into<$crate::Secret>,
            ) -> Result<Self, $crate::Error> {
                let description: &$crate::engine::Description = &$description;
                let keys = $crate::engine::KeySet::signing_key(
                    description.algorithm,
                    &$signing.into(),
                    $encoding,
                    $signing_form,
                )?;
                Ok($type::from_core($crate::engine::ReceiverCore::new(
                    description,
                    keys,
                )))
            }

            $(#[$rotation_doc])*
            ///
            /// A request signed by any trusted key verifies, and
            /// [`Delivery::secret_index`](crate::Delivery::secret_index) says
            /// which. At most 8 keys are trusted, so that a request never
            /// costs more than 8 signature checks.
            ///
            /// # Errors
            ///
            #[doc = concat!(
                "[`Error::InvalidSecret`](crate::Error::InvalidSecret) for a key [`",
                stringify!($type),
                "::new`] refuses, or a ninth key."
            )]
            ///
            $(#[$rotation_example])*
            pub fn with_public_key(mut self, $public: &str) -> Result<Self, $crate::Error> {
                self.verifier
                    .keys_mut()
                    .add_public_key($public, $encoding, $public_form)?;
                Ok(self)
            }
        }
    };
}
#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
#[allow(
    unused_imports,
    reason = "used by the key-pair senders the features build, maybe none"
)]
pub(crate) use key_pair_constructors;
