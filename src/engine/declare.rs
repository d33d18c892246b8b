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
/// The sender's file then writes only its constructors (which call
/// `from_core`), its description, its event type and its presets.
macro_rules! described_receiver {
    (
        $(#[$meta:meta])*
        pub struct $type:ident;
        description: $description:path,
        event: $event:ty,
        parse: $parse:path,
        example: $example:literal,
        builders: [$($builder:ident),* $(,)?],
        $(handshake: $handshake:path,)?
        $(state: $state:ident: $state_ty:ty,)?
        $(body_headers: $body_headers:path,)?
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

        impl $crate::Provider for $type {
            type Event = $event;

            fn verify_at(
                &self,
                headers: &::http::HeaderMap,
                body: &[u8],
                now: ::time::OffsetDateTime,
            ) -> Result<$crate::Delivery, $crate::Error> {
                self.settings.check_size(body)?;
                self.verifier.verify(headers, body, now)
            }

            fn parse(&self, body: &[u8]) -> Result<$event, $crate::Error> {
                self.settings.check_size(body)?;
                $parse(body)
            }

            $crate::receiver::provider_settings!();

            fn sign_at(
                &self,
                body: &[u8],
                now: ::time::OffsetDateTime,
            ) -> Result<::http::HeaderMap, $crate::Error> {
                #[allow(unused_mut, reason = "only senders with body headers add to it")]
                let mut headers = self.verifier.sign(body, now, None)?;
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
