//! The floor of a warm invocation, for `./scripts/bench`: the Lambda runtime loop (next event,
//! deserialise, respond) plus one HTTPS POST of the event's size on a kept-alive connection,
//! with the verifier's TLS stack (hyper, rustls, aws-lc) and runtime flavour. Nothing else: no
//! signature, no parsing beyond the runtime's, no SDK. What the verifier spends above this is
//! its own overhead.
//!
//! `FLOOR_URL`: where to POST (the benchmark's TLS front answers it without forwarding).

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;

type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let url: http::Uri = std::env::var("FLOOR_URL")?.parse()?;
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())?
        .https_only()
        .enable_http1()
        .build();
    let client: Client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    let (client, url) = (&client, &url);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        let body = Bytes::copy_from_slice(event.payload.get().as_bytes());
        let request = http::Request::post(url.clone()).body(Full::new(body))?;
        let response = client.request(request).await?;
        let status = response.status().as_u16();
        response.into_body().collect().await?;
        Ok::<_, Error>(serde_json::json!({ "statusCode": status }))
    }))
    .await
}
