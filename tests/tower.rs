//! The tower layer over real HTTP on 127.0.0.1: under plain hyper 1 and as
//! an axum `route_layer`.
#![cfg(feature = "tower")]

mod frameworks;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Extension;
use axum::routing::post;
use bytes::Bytes;
use frameworks::{Processed, check, check_get_is_405, clickfunnels, funnel, loopback, on_tokio};
use http::{Request, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceExt, service_fn};
use webhook_kit::clickfunnels::{self, ClickFunnels};
use webhook_kit::funnel::{self, Funnel};
use webhook_kit::tower::{VerifyBody, VerifyLayer};
use webhook_kit::{Ack, Delivery, Provider, Rejection};

type Hook = BoxCloneSyncService<Request<Incoming>, Response<VerifyBody<Full<Bytes>>>, Infallible>;

/// A verified route for `receiver`: the handler takes the event from the
/// extensions and answers the acknowledgement found there.
fn hook<P>(receiver: P, processed: &Arc<Processed>, calls: &Arc<AtomicUsize>) -> Hook
where
    P: Provider + Clone + Send + Sync + 'static,
    P::Event: Clone + Send + Sync + 'static,
{
    let (processed, calls) = (Arc::clone(processed), Arc::clone(calls));
    let handler_receiver = receiver.clone();
    let handler = service_fn(move |request: Request<Full<Bytes>>| {
        calls.fetch_add(1, Ordering::SeqCst);
        let extensions = request.extensions();
        let event = extensions.get::<P::Event>().expect("the event");
        assert!(extensions.get::<Delivery>().is_some(), "the delivery");
        processed.handle(&handler_receiver, event);
        let ack = extensions.get::<Ack>().expect("the ack").clone();
        let reply = Response::from(ack).map(|body| Full::new(Bytes::from(body)));
        async move { Ok::<_, Infallible>(reply) }
    });
    BoxCloneSyncService::new(VerifyLayer::new(receiver).layer(handler))
}

/// A hyper server routing `/cf` and `/funnel` to layered services; counts
/// the inner services' calls.
fn start_hyper() -> (
    SocketAddr,
    Arc<Processed>,
    Arc<AtomicUsize>,
    Arc<AtomicUsize>,
) {
    let processed = Arc::new(Processed::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let rejections = Arc::new(AtomicUsize::new(0));
    let cf = hook(clickfunnels(), &processed, &calls);
    let funnel = hook(funnel(), &processed, &calls);
    let counted = Arc::clone(&rejections);
    let (listener, addr) = loopback();
    on_tokio(listener, move |listener| async move {
        loop {
            let (stream, _) = listener.accept().await?;
            let (cf, funnel, rejections) = (cf.clone(), funnel.clone(), Arc::clone(&counted));
            let route = service_fn(move |request: Request<Incoming>| {
                let hook = match request.uri().path() {
                    "/cf" => cf.clone(),
                    _ => funnel.clone(),
                };
                let rejections = Arc::clone(&rejections);
                async move {
                    let reply = hook.oneshot(request).await?;
                    if reply.extensions().get::<Rejection>().is_some() {
                        rejections.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok::<_, Infallible>(reply)
                }
            });
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(route))
                    .await;
            });
        }
    });
    (addr, processed, calls, rejections)
}

#[test]
fn under_hyper_the_layer_answers_failures_and_passes_verified_requests_on() {
    let (addr, processed, calls, rejections) = start_hyper();
    check(addr, "/cf", "/funnel", &processed);
    // The inner services ran for verified requests only: 2 genuine
    // ClickFunnels deliveries, 1 Funnel, 16 concurrent ones.
    assert_eq!(calls.load(Ordering::SeqCst), 2 + 1 + 16);
    // Funnel without token, forged, stale, missing, garbage, 2 too large.
    assert_eq!(rejections.load(Ordering::SeqCst), 7);
}

async fn clickfunnels_handler(
    Extension(processed): Extension<Arc<Processed>>,
    Extension(event): Extension<clickfunnels::Event>,
    Extension(ack): Extension<Ack>,
) -> Ack {
    processed.handle(&clickfunnels(), &event);
    ack
}

async fn funnel_handler(
    Extension(processed): Extension<Arc<Processed>>,
    Extension(event): Extension<funnel::Event>,
    Extension(ack): Extension<Ack>,
) -> Ack {
    processed.handle(&funnel(), &event);
    ack
}

#[test]
fn in_an_axum_router_the_layer_runs_before_the_handler() {
    let processed = Arc::new(Processed::default());
    // On the method router, so other methods still get axum's 405.
    let app = axum::Router::new()
        .route(
            "/cf",
            post(clickfunnels_handler).route_layer(VerifyLayer::new(clickfunnels())),
        )
        .route(
            "/funnel",
            post(funnel_handler).route_layer(VerifyLayer::<Funnel>::new(funnel())),
        )
        .layer(Extension(Arc::clone(&processed)));
    let (listener, addr) = loopback();
    on_tokio(listener, move |listener| async move {
        axum::serve(listener, app).await
    });
    check(addr, "/cf", "/funnel", &processed);
    check_get_is_405(addr, "/cf");
}

#[test]
fn a_rejection_is_in_the_response_extensions() {
    let layer = VerifyLayer::<ClickFunnels>::new(clickfunnels());
    let service = layer.layer(service_fn(|_: Request<Full<Bytes>>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
    }));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let reply = runtime
        .block_on(service.oneshot(Request::new(Full::new(Bytes::from_static(b"{}")))))
        .expect("infallible");
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    assert!(matches!(
        reply.extensions().get::<Rejection>(),
        Some(Rejection::Invalid(webhook_kit::Error::MissingHeader(_)))
    ));
    assert!(matches!(reply.body(), Either::Right(_)));
}

#[test]
fn the_tower_paths_of_ack_and_rejection_are_the_root_types() {
    use std::any::TypeId;
    assert_eq!(
        TypeId::of::<webhook_kit::tower::Ack>(),
        TypeId::of::<webhook_kit::Ack>()
    );
    assert_eq!(
        TypeId::of::<webhook_kit::tower::Rejection>(),
        TypeId::of::<webhook_kit::Rejection>()
    );
}

#[test]
fn handled_converts_into_the_http_response_a_tower_service_returns() {
    use webhook_kit::dedup::Handled;
    let busy: Handled<(), ()> = Handled::InProgress {
        retry_after: std::time::Duration::from_secs(3),
    };
    let reply: http::Response<&'static str> = busy.into();
    assert_eq!(reply.status(), 429);
    assert_eq!(reply.headers()["retry-after"], "3");
    assert_eq!(*reply.body(), "event in progress: retry later");
}
