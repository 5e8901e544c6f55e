//! `middesk-webhooks`: sign payloads, write API Gateway events, send signed sample webhooks
//! (like `stripe trigger`), regenerate `events/` and the template, run the local stack, redrive
//! and replay, report a stack's state, and keep Middesk's webhook in line. This file only
//! parses the arguments and hands them to the command's module under `commands/`.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use commands::{Outcome, events, listen, local, middesk, queues, status};

#[derive(Parser)]
#[command(name = "middesk-webhooks", version, about = "Tools for Middesk webhooks on AWS", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the X-Middesk-Signature-256 value for a payload (a file, or standard input).
    Sign(events::Sign),
    /// Print an API Gateway request event carrying a signed payload (for `cargo lambda invoke`).
    Event(events::Event),
    /// Send a signed sample webhook to a URL (a deployed stack, or the local demo).
    Send(events::Send),
    /// List the documented event types: each has a sample payload; with its default queue and
    /// where Middesk documents it.
    Types,
    /// Regenerate the sample events in events/ (or check that they are up to date).
    GenerateEvents(events::GenerateEvents),
    /// Regenerate the JSON Schemas in shared/schemas/ (the events and the SQS record, from the
    /// library's types), or check that they are up to date.
    GenerateSchemas(events::GenerateSchemas),
    /// Rewrite the parts of template.yaml made from the event catalogue (queues, alarms, routes,
    /// the verifier's queue grants, outputs), or check that they are up to date.
    GenerateTemplate(events::GenerateTemplate),
    /// Create the secret, queues and table that template.yaml defines in an AWS emulator, and
    /// write the functions' environment for `cargo lambda watch --env-file`.
    LocalStack(local::LocalStack),
    /// Show the messages waiting in each queue of the local stack.
    ShowQueues(local::ShowQueues),
    /// Deliver queued messages to the subscribed consumers under `cargo lambda watch`, as the
    /// SQS event source mapping would, and show what they did.
    Pump(local::Pump),
    /// Move the messages of a dead-letter queue back to the queue they came from (once the
    /// consumer is fixed). On AWS: SQS's message move task; with an emulator endpoint: a copy
    /// that deletes each message only after it was sent.
    Redrive(queues::Redrive),
    /// Send archived events again, as the verifier sent them (same body and attributes, a claim
    /// check for large bodies, the same FIFO group): to their routed queues, or to --to. Prints
    /// what it found, sent and could not send; run it again after a failure (consumers absorb
    /// the repeats).
    Replay(queues::Replay),
    /// One table of every queue of a stack: messages waiting, in flight, age of the oldest,
    /// dead letters, and the state of its alarms. Exits 1 when anything needs attention (dead
    /// letters, an old message, an alarm in ALARM, a queue that cannot be read), for cron or CI.
    Status(status::Status),
    /// Forward the stack's events to a local URL as Middesk would send them (the original
    /// bytes, signed with a local secret), from its archive: no queue a consumer reads is
    /// touched. One line per event; Ctrl-C stops.
    Listen(listen::Listen),
    /// The Middesk side: show, register or sync the webhook that delivers to the stack.
    Middesk {
        #[command(subcommand)]
        action: middesk::Middesk,
    },
}

async fn run(command: Command) -> Outcome {
    match command {
        Command::Sign(c) => c.run(),
        Command::Event(c) => c.run(),
        Command::Send(c) => c.run().await,
        Command::Types => events::types(),
        Command::GenerateEvents(c) => c.run(),
        Command::GenerateTemplate(c) => c.run(),
        Command::GenerateSchemas(c) => c.run(),
        Command::LocalStack(c) => c.run().await,
        Command::ShowQueues(c) => c.run().await,
        Command::Pump(c) => c.run().await,
        Command::Redrive(c) => c.run().await,
        Command::Replay(c) => c.run().await,
        Command::Status(c) => c.run().await,
        Command::Listen(c) => c.run().await,
        Command::Middesk { action } => action.run().await,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // A reader that stops early (`middesk-webhooks types | head`) ends the command quietly, as
    // it ends any Unix tool, instead of a panic on the next print: Rust ignores SIGPIPE.
    // SAFETY: at the start of main, before any other thread; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match run(Cli::parse().command).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
