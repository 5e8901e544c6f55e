//! A consumer that can be subscribed to any queue (the catch-all in the default stack): logs
//! each event's type (its id and correlation id are on every line the library writes for it).
//! What fails to parse is reported failed, so it reaches the dead-letter queue instead of
//! vanishing.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), middesk_webhooks::consume::Error> {
    middesk_webhooks::consume::run("event-logger", |event, _message| async move {
        tracing::info!(event_type = %event.event_type, "event received");
        Ok::<_, std::convert::Infallible>(())
    })
    .await
}
