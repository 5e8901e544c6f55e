//! `listen`: the archive followed, and each new event POSTed to a local server as Middesk
//! would send it, against the emulator's S3 and a server that checks the signature.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use middesk_webhooks::testkit::{emulator_endpoint, s3_client, sdk_config, unique};
use middesk_webhooks::verify::archive::{archive_key, field};
use middesk_webhooks::verify::sample::TEST_SECRET;

/// A request the local app received: its headers (lower-case names) and body.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A local app on a free port answering each request with the next of `statuses` (then 200),
/// recording what it received.
fn local_app(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks/middesk", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let Some((name, value)) = line.trim_end().split_once(": ") else { break };
                headers.push((name.to_lowercase(), value.to_owned()));
            }
            let length: usize =
                headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            log.lock().unwrap().push(Received { headers, body });
            let status = statuses.next().unwrap_or(200);
            let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.write_all(answer.as_bytes()).unwrap();
        }
    });
    (url, received)
}

/// Archives `body` as the verifier does (key from its creation time, type and digest; its id
/// and correlation id as metadata).
async fn archive(s3: &aws_sdk_s3::Client, bucket: &str, id: &str, event_type: &str) -> Vec<u8> {
    let now = humantime::format_rfc3339_seconds(SystemTime::now());
    let body = format!(
        r#"{{"object":"event","id":"{id}","type":"{event_type}","created_at":"{now}","data":{{"object":{{}}}}}}"#
    );
    let key = archive_key(Some(SystemTime::now()), Some(event_type), body.as_bytes());
    let put = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/json")
        .metadata(field::EVENT_ID, id)
        .metadata(field::CORRELATION_ID, format!("biz-{id}"))
        .body(aws_sdk_s3::primitives::ByteStream::from(body.clone().into_bytes()));
    put.send().await.unwrap();
    body.into_bytes()
}

/// Waits for `child`, killing it after a minute: a listener that never stops must fail the
/// test, not hang it.
async fn finished(child: std::process::Child) -> std::process::Output {
    let pid = child.id() as i32;
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    match tokio::time::timeout(Duration::from_secs(60), waiting).await {
        Ok(output) => output.unwrap(),
        Err(_) => {
            // SAFETY: a signal to our own child process.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("listen did not stop within a minute");
        }
    }
}

fn listen(url: &str, bucket: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_middesk-webhooks"));
    command
        .args(["listen", "--forward-to", url, "--archive-bucket", bucket, "--poll", "0.2"])
        .args(["--endpoint", &emulator_endpoint()])
        .arg("--template")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"))
        .args(extra)
        .env_remove("MIDDESK_STACK_NAME");
    command
}

#[tokio::test]
async fn new_events_reach_the_local_app_signed_as_middesk_signs_them_and_a_5xx_is_retried() {
    let s3 = s3_client(&sdk_config(&emulator_endpoint()).await);
    let bucket = unique("listen");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let before = archive(&s3, &bucket, "evt_before", "business.updated").await;
    // The local app fails its first answer: the event is sent again, not lost.
    let (url, received) = local_app(vec![503]);
    let child = listen(&url, &bucket, &["--since", "1h", "--type", "business.*", "--max-events", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = archive(&s3, &bucket, "evt_after", "business.created").await;
    let _ignored = archive(&s3, &bucket, "evt_order", "order.created").await;
    let output = finished(child).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    // The secret is never printed: its fingerprint says which it is.
    assert!(!stdout.contains(TEST_SECRET), "{stdout}");
    let fingerprint = middesk_webhooks_cli::listen::fingerprint(TEST_SECRET);
    assert!(stdout.contains(&format!("fingerprint is {fingerprint}")), "{stdout}");
    assert!(
        stdout.contains("evt_before") && stdout.contains("[200]") && stdout.contains("after 2 attempts"),
        "{stdout}"
    );
    assert!(stdout.contains("Stopped: 2 forwarded, 0 not taken"), "{stdout}");

    let received = received.lock().unwrap().clone();
    // The first event twice (503, then 200), the second once; never the order.created one.
    assert_eq!(received.len(), 3, "{received:?}");
    for (request, body) in received.iter().zip([&before, &before, &after]) {
        assert_eq!(&request.body, body, "the archived bytes, unchanged");
        let signature = request.header("x-middesk-signature-256").map(str::as_bytes);
        assert!(middesk_webhooks::verify_signature(TEST_SECRET, body, signature), "{request:?}");
        assert_eq!(request.header("content-type"), Some("application/json"));
    }
    assert_eq!(received[0].header("x-correlation-id"), Some("biz-evt_before"));
}

#[tokio::test]
async fn ctrl_c_stops_it_with_a_count_and_a_local_app_that_is_down_is_reported() {
    let s3 = s3_client(&sdk_config(&emulator_endpoint()).await);
    let bucket = unique("listen-down");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    // Nothing listens on this port.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/hook");
    // --since: the event is forwarded whether the first look comes before or after it.
    let mut child =
        listen(&url, &bucket, &["--attempts", "2", "--since", "1h"]).stdout(Stdio::piped()).spawn().unwrap();
    archive(&s3, &bucket, "evt_down", "business.updated").await;
    // Ctrl-C once its line is out (or after 30 s, which fails below).
    let (sender, lines) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !seen.iter().any(|l: &String| l.contains("evt_down")) && std::time::Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) {
            seen.push(line);
        }
    }
    // SAFETY: a signal to our own child process, which is still running.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = finished(child).await.status;
    seen.extend(lines.iter());
    let lines = seen;
    assert_eq!(status.code(), Some(1), "an event not taken: exit 1. {lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("evt_down") && l.contains("failed") && l.contains("after 2 attempts")),
        "{lines:#?}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some(format!("Stopped: 0 forwarded, 1 not taken by {url}").as_str())
    );
}

/// A server on a free port that answers every request with a redirect to `location`.
fn redirecting_app(location: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks/middesk", listener.local_addr().unwrap());
    let answer =
        format!("HTTP/1.1 307 X\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 65_536];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

#[tokio::test]
async fn only_the_verifiers_bytes_go_only_to_this_machine_signed_with_a_secret_never_printed() {
    let s3 = s3_client(&sdk_config(&emulator_endpoint()).await);
    let bucket = unique("listen-safe");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    // A remote destination is refused before anything is read.
    let output = listen("http://203.0.113.9/hook", &bucket, &["--max-events", "1"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--allow-remote"), "{output:?}");

    // A redirect is not followed (its target gets nothing), and is not a delivery; a proxy from
    // the environment is not used (it does not exist: every request through it would fail).
    let (target, reached) = local_app(vec![]);
    // By name: the emulator (127.0.0.1) is exempt from the proxy, the local app is not.
    let redirecting = redirecting_app(&target).replace("127.0.0.1", "localhost");
    archive(&s3, &bucket, "evt_redirected", "business.updated").await;
    let secret = "sec_listen_local_app";
    let output = finished(
        listen(&redirecting, &bucket, &["--since", "1h", "--attempts", "1", "--max-events", "1"])
            .env("MIDDESK_LISTEN_SECRET", secret)
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("http_proxy", "http://127.0.0.1:9")
            .env("ALL_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("evt_redirected") && stdout.contains("[307]"), "{stdout}");
    assert!(stdout.contains("Stopped: 0 forwarded, 1 not taken"), "{stdout}");
    assert!(reached.lock().unwrap().is_empty(), "the redirect was followed");
    assert!(!stdout.contains(secret), "{stdout}");
    assert!(stdout.contains(&middesk_webhooks_cli::listen::fingerprint(secret)), "{stdout}");

    // An object that is not the body its key names is never signed and sent.
    let bucket = unique("listen-tampered");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let key = archive_key(Some(SystemTime::now()), Some("business.updated"), b"{\"id\":\"evt_genuine\"}");
    s3.put_object()
        .bucket(&bucket)
        .key(&key)
        .metadata(field::EVENT_ID, "evt_tampered")
        .body(aws_sdk_s3::primitives::ByteStream::from(b"{\"id\":\"evt_tampered\"}".to_vec()))
        .send()
        .await
        .unwrap();
    let (url, received) = local_app(vec![]);
    let output = finished(
        listen(&url, &bucket, &["--since", "1h", "--attempts", "1", "--max-events", "1"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("not the body its key names"), "{stdout}");
    assert!(received.lock().unwrap().is_empty(), "nothing was sent");
}

/// A request's line and its headers (lower-case names).
type Request = (String, Vec<(String, String)>);

/// A stand-in for S3 at its own endpoint: it records each request's line and headers, and
/// answers every one with an empty bucket listing.
fn recording_s3() -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut request, mut headers, mut line) = (String::new(), Vec::new(), String::new());
            let _ = reader.read_line(&mut request);
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some((name, value)) = line.trim_end().split_once(": ") {
                    headers.push((name.to_lowercase(), value.to_owned()));
                }
                line.clear();
            }
            log.lock().unwrap().push((request.trim_end().to_owned(), headers));
            let listing = r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{listing}",
                listing.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, seen)
}

/// `listen` on a deployed stack whose S3 has an endpoint of its own (`AWS_ENDPOINT_URL_S3`, and
/// no global one): the first request it makes to S3, its request line and headers.
async fn first_s3_request(extra: &[&str]) -> Request {
    let (s3_url, seen) = recording_s3();
    let mut child = Command::new(env!("CARGO_BIN_EXE_middesk-webhooks"))
        .args(["listen", "--stack-name", "prod", "--archive-bucket", "prod-archive"])
        .args(["--forward-to", "http://127.0.0.1:9/hook", "--poll", "0.2"])
        .arg("--template")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"))
        .args(extra)
        .env_remove("AWS_ENDPOINT_URL")
        // By name: the SDK itself would address an IP endpoint by path.
        .env("AWS_ENDPOINT_URL_S3", s3_url.replace("127.0.0.1", "localhost"))
        // The account of the credentials, from the emulator's STS.
        .env("AWS_ENDPOINT_URL_STS", emulator_endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while seen.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let first = seen.lock().unwrap().first().cloned();
    first.expect("listen reached S3 at AWS_ENDPOINT_URL_S3 within 30 s")
}

#[tokio::test]
async fn the_archive_is_read_by_path_at_s3s_own_endpoint_and_only_from_the_expected_owner() {
    let header = |headers: &[(String, String)], name: &str| {
        headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    };
    // By path (`bucket.127.0.0.1` does not resolve), and owned by the credentials' account.
    let (request, headers) = first_s3_request(&[]).await;
    assert!(request.starts_with("GET /prod-archive/?list-type=2"), "{request}");
    assert!(header(&headers, "host").is_some_and(|h| h.starts_with("localhost:")), "{headers:?}");
    let account = "123456789012"; // the emulator's account for any credentials
    assert_eq!(header(&headers, "x-amz-expected-bucket-owner").as_deref(), Some(account), "{headers:?}");
    // Or by the owner named on the command line.
    let (_, headers) = first_s3_request(&["--expected-bucket-owner", "111122223333"]).await;
    assert_eq!(header(&headers, "x-amz-expected-bucket-owner").as_deref(), Some("111122223333"));
    // One that is not an account id is refused before anything is read.
    let output =
        listen("http://127.0.0.1:9/hook", "b", &["--expected-bucket-owner", "12345"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not an AWS account id"), "{output:?}");
}
