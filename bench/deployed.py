"""The whole invocation as deployed, for scripts/bench (imported by bench/run.py).

Every function under test runs as its own process under one local Lambda Runtime API and
reaches the AWS emulator the way a function reaches AWS: over HTTPS with keep-alive, through a
TLS front with a throwaway CA whose chain is shaped like an AWS endpoint's (RSA-2048, with an
intermediate), added to a copy of the system's trust store (the Rust SDK reads it through
SSL_CERT_FILE, boto3 through AWS_CA_BUNDLE). Each function gets a Lambda sandbox's environment,
not this machine's. The front forwards to moto, which closes its connection after each response;
the front's own work happens in this process, so it is never counted against a function.

Figures come from the operating system's accounting of each function's process, never from
inside it: CPU time and peak RSS from wait4(2) once the process is stopped (every thread
included), peak RSS from the kernel's high-water mark (`VmHWM`), wall time from spawning to its
first `next` call.

- init: spawn, stopped at its first `next` (configuration, clients, secret fetched, SQS
  connection opened): wall time and CPU time.
- warm CPU per event: CPU of a run of 1 + N events minus that of a run of 1 event, over N:
  the runtime loop, event deserialisation, verification, the SDK's signing and HTTPS request,
  the response.
- floor probe (bench/floor-probe): the runtime loop plus one keep-alive HTTPS POST of the
  event's size, on the verifier's TLS stack; the unavoidable part of a warm invocation.
- at 128 MB's CPU: each function again, its process in a cgroup (v1 cpu controller) with a
  quota of 7 ms per 100 ms, about what Lambda gives a 128 MB function; the cgroup's
  `nr_throttled` shows the quota took effect. The harness (Runtime API, TLS front) stays
  outside it, and both servers set TCP_NODELAY: they write headers and body apart, and
  without it every keep-alive answer waits ~40 ms for a delayed ACK, hiding every difference.
"""
import collections
import http.client
import http.server
import json
import os
import socket
import ssl
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- a throwaway CA

def make_ca(directory):
    """A certificate chain like an AWS endpoint's: an RSA-2048 root, an RSA-2048 intermediate and
    an RSA-2048 server certificate for localhost and 127.0.0.1 (AWS endpoints present Amazon RSA
    2048 intermediates under Amazon Root CA 1). The signature algorithm matters: verifying ECDSA
    P-256 costs a client several times what RSA-2048 does, and a cold request verifies three
    signatures per connection. Returns (ca, chain, key) paths; the chain file holds the server
    certificate and the intermediate, as a server sends them."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = datetime.now(timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def certificate(subject, key, issuer, issuer_key, ca, extensions=(), path_length=0):
        builder = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                                  critical=False))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
                decipher_only=False), critical=True)
        for extension in extensions:
            builder = builder.add_extension(extension, critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def rsa_key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    root_key, intermediate_key, key = rsa_key(), rsa_key(), rsa_key()
    root_name, intermediate_name = "middesk-webhooks bench root CA", "middesk-webhooks bench RSA 2048"
    root = certificate(root_name, root_key, root_name, root_key, ca=True, path_length=1)
    intermediate = certificate(intermediate_name, intermediate_key, root_name, root_key, ca=True)
    server = certificate("localhost", key, intermediate_name, intermediate_key, ca=False, extensions=[
        x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
        x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
    ])
    pem = serialization.Encoding.PEM
    paths = [Path(directory) / n for n in ("ca.pem", "chain.pem", "server.key")]
    paths[0].write_bytes(root.public_bytes(pem))
    paths[1].write_bytes(server.public_bytes(pem) + intermediate.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return [str(p) for p in paths]


# The system's trust store, as Lambda's provided.al2023 has one (about 140 roots in one bundle):
# the functions load it at every cold start, so the benchmark's CA is added to a copy of it
# rather than trusted alone, which would hide that cost.
SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


def lambda_trust_store(ca, directory):
    """A copy of the system's CA bundle with `ca` appended; returns its path."""
    system = next((Path(p) for p in SYSTEM_BUNDLES if Path(p).exists()), None)
    bundle = Path(directory) / "bundle.pem"
    bundle.write_bytes((system.read_bytes() if system else b"") + Path(ca).read_bytes())
    return str(bundle)


def lambda_environment():
    """What a Lambda sandbox gives a function besides its own variables: not this machine's
    environment. (Inheriting it cost each cold start about 5 ms of CPU here: SSL_CERT_DIR made
    the Rust functions parse every file in /etc/ssl/certs.)"""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC"}


# ---------------------------------------------------------------- 128 MB's CPU

# Lambda allocates CPU in proportion to memory: 1,769 MB is one vCPU, so 128 MB is about 7%.
QUOTA_US, PERIOD_US = 7000, 100000


class CpuQuota:
    """A cgroup v1 cpu group with a CFS quota; `wrap` makes a command join it before it runs, so
    every thread the function ever starts is throttled. Needs root and the cgroup v1 cpu
    controller."""

    def __init__(self, quota_us=QUOTA_US, period_us=PERIOD_US):
        self.path = Path(f"/sys/fs/cgroup/cpu/middesk-bench-{os.getpid()}")
        self.path.mkdir(exist_ok=True)
        (self.path / "cpu.cfs_period_us").write_text(str(period_us))
        (self.path / "cpu.cfs_quota_us").write_text(str(quota_us))
        self.share = quota_us / period_us

    def wrap(self, cmd):
        """`cmd` behind a shell that moves itself into the group, then execs it. Not a
        `preexec_fn`: with one, Python must fork its whole process rather than vfork, and the
        child pays for the copy and for tearing it down at exec (1.5 ms of CPU at the whole CPU
        here, several under the quota), charged to the function and to its quota."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.path / "cgroup.procs"), *cmd]

    def throttled(self):
        """(`nr_throttled`, `nr_periods`) so far."""
        stat = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines())
        return int(stat["nr_throttled"]), int(stat["nr_periods"])

    def remove(self):
        try:
            self.path.rmdir()
        except OSError:
            pass


def quota_available():
    return Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").exists() and os.geteuid() == 0


def nodelay(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# ---------------------------------------------------------------- the TLS front

class TlsFront(http.server.ThreadingHTTPServer):
    """HTTPS with keep-alive in front of the emulator; `POST /floor` is answered here."""
    daemon_threads = True

    def __init__(self, upstream, cert, key):
        super().__init__(("127.0.0.1", 0), FrontHandler)
        self.upstream = upstream.removeprefix("http://")
        self.calls = collections.Counter()
        self.lock = threading.Lock()
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)

    def finish_request(self, request, client_address):
        # The TLS handshake happens in the connection's own thread.
        nodelay(request)
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)

    @property
    def url(self):
        return f"https://localhost:{self.server_address[1]}"


class FrontHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _forward(self):
        # Counted by AWS operation (or method, for S3's REST calls), to report requests per record.
        with self.server.lock:
            self.server.calls[self.headers.get("X-Amz-Target") or f"S3 {self.command}"] += 1
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.path == "/floor":
            status, headers, payload = 200, [("Content-Type", "text/plain")], b"ok"
        else:
            upstream = http.client.HTTPConnection(self.server.upstream, timeout=30)
            hop = {"connection", "keep-alive", "transfer-encoding", "proxy-connection"}
            upstream.request(self.command, self.path, body=body,
                             headers={k: v for k, v in self.headers.items() if k.lower() not in hop})
            response = upstream.getresponse()
            status, payload = response.status, response.read()
            headers = [(k, v) for k, v in response.getheaders()
                       if k.lower() not in hop and k.lower() != "content-length"]
            upstream.close()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward


# ---------------------------------------------------------------- a Runtime API that stops

class StoppingRuntimeApi(http.server.ThreadingHTTPServer):
    """Serves `events`, then holds the next `next` call open and signals `exhausted`."""
    daemon_threads = True

    def finish_request(self, request, client_address):
        nodelay(request)
        super().finish_request(request, client_address)

    def __init__(self, events):
        super().__init__(("127.0.0.1", 0), StoppingHandler)
        self.events = [json.dumps(e).encode() for e in events]
        self.next_index = 0
        self.first_next = None
        self.first_response = None
        self.last_response = None
        self.statuses = []
        self.exhausted = threading.Event()
        self.closing = threading.Event()
        self.lock = threading.Lock()


    def environment(self, env, cwd=None):
        """`env` with what Lambda adds for a function served by this Runtime API."""
        return dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{self.server_address[1]}",
                    AWS_LAMBDA_FUNCTION_NAME="bench", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
                    AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_LAMBDA_LOG_GROUP_NAME="bench",
                    AWS_LAMBDA_LOG_STREAM_NAME="bench", LAMBDA_TASK_ROOT=str(cwd or ROOT))

    def stop(self):
        """Releases the held `next` call and closes the server."""
        self.closing.set()
        self.shutdown()
        self.server_close()

class StoppingHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        s = self.server
        with s.lock:
            if s.first_next is None:
                s.first_next = time.perf_counter()
            i = s.next_index
            s.next_index += 1
        if i >= len(s.events):
            s.exhausted.set()
            s.closing.wait(60)
            return
        body = s.events[i]
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", f"req-{i}")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        s = self.server
        payload = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "/response" in self.path:
            s.last_response = time.perf_counter()
            if s.first_response is None:
                s.first_response = s.last_response
            try:
                answer = json.loads(payload)
            except ValueError:
                answer = None
            # An HTTP answer by its status code; any other (an SQS batch's) as it is.
            s.statuses.append(answer.get("statusCode", answer) if isinstance(answer, dict) else answer)
        else:
            s.statuses.append(f"error: {payload[:200]!r}")
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()


def run_once(cmd, env, events, cwd=None, quota=None):
    """Runs `cmd` under a Runtime API serving `events`; stops it at the next `next` after them.
    Returns (wall ms to first `next`, CPU ms, peak RSS bytes, statuses, wall ms to the first
    response: the cold request, process start to the first answer, and wall ms from the first
    response to the last)."""
    api = StoppingRuntimeApi(events)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    proc_env = api.environment(env, cwd)
    t0 = time.perf_counter()
    proc = subprocess.Popen(quota.wrap(cmd) if quota else cmd, env=proc_env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    ok = api.exhausted.wait(300)
    # The high-water mark of the program itself (reset at exec; wait4's ru_maxrss would include
    # the forking Python's memory), read while it waits in `next`: nothing more will run.
    peak = peak_rss(proc.pid)
    proc.kill()
    _, _, usage = os.wait4(proc.pid, 0)
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = 0
    api.stop()
    if not ok or api.first_next is None:
        raise SystemExit(f"{cmd[0]} did not reach the Runtime API: {stderr[-2000:]}")
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000
    first_response = (api.first_response - t0) * 1000 if api.first_response is not None else None
    after_first = (api.last_response - api.first_response) * 1000 if api.first_response is not None else None
    return (api.first_next - t0) * 1000, cpu_ms, peak, api.statuses, first_response, after_first


def peak_rss(pid):
    """VmHWM of `pid`, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(name, cmd, env, event, warm_events, rounds, expect, cwd=None, quota=None, reset=lambda: None):
    """Init (wall, CPU), cold request, warm CPU per event and peak RSS of one function: medians
    of `rounds`; under `quota` (a CpuQuota) if given, with the periods it throttled. `reset`
    runs before each run (it empties the event's queue)."""
    init_wall, init_cpu, warm_cpu, warm_wall, rss, cold, cold_cpu = [], [], [], [], [], [], []
    throttled_before = quota.throttled()[0] if quota else 0
    for _ in range(rounds):
        reset()
        wall, cpu, _, _, _, _ = run_once(cmd, env, [], cwd, quota)
        init_wall.append(wall)
        init_cpu.append(cpu)
        reset()
        _, one_cpu, _, statuses, cold_request, _ = run_once(cmd, env, [event], cwd, quota)
        cold.append(cold_request)
        cold_cpu.append(one_cpu)
        reset()
        _, many_cpu, peak, many_statuses, _, after_first = run_once(cmd, env, [event] * (1 + warm_events), cwd, quota)
        bad = [s for s in statuses + many_statuses if s != expect]
        if bad:
            raise SystemExit(f"{name}: unexpected answers {bad[:3]}")
        warm_cpu.append((many_cpu - one_cpu) / warm_events)
        # The warm events one after another: the wall time of each, the Runtime API's share in.
        warm_wall.append(after_first / warm_events)
        rss.append(peak)
    return {
        "name": name,
        "init_wall_ms": statistics.median(init_wall),
        "init_cpu_ms": statistics.median(init_cpu),
        "warm_cpu_ms": statistics.median(warm_cpu),
        "warm_wall_ms": statistics.median(warm_wall),
        "cold_request_ms": statistics.median(cold),
        "cold_requests_ms": sorted(cold),
        # The CPU a cold request needs (start, init, one event, stopped): what a quota turns
        # into wall time, in steps of its period, so steadier than the wall time itself.
        "cold_cpu_ms": statistics.median(cold_cpu),
        "peak_rss": max(rss),
        "quota": quota.share if quota else None,
        "nr_throttled": quota.throttled()[0] - throttled_before if quota else None,
    }


def queue_emptier(endpoint, routes, event_type):
    """Empties the queues `event_type` is routed to, by deleting and creating them again: moto's
    SendMessage takes time in proportion to the messages already in the queue (5 ms into an
    empty queue, 113 ms into one holding 5,570, measured here), so without this every row
    would be slower than the one before it, and SQS is not."""
    import boto3
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    urls = []
    for route in routes.split(","):
        pattern, _, queues = route.partition("=")
        if pattern == event_type:
            urls = queues.split("+")

    def empty():
        for url in urls:
            sqs.delete_queue(QueueUrl=url)
            sqs.create_queue(QueueName=url.rsplit("/", 1)[1])
    return empty


def start_front(endpoint, env_file_vars):
    """Starts the TLS front before `endpoint`; returns (front, the functions' environment over
    plain HTTP, the same over HTTPS through the front): a Lambda sandbox's variables, the
    stack's (`env_file_vars`), and the trust store with the front's CA."""
    tmp = tempfile.mkdtemp(prefix="bench-tls-")
    ca, chain, key = make_ca(tmp)
    front = TlsFront(endpoint, chain, key)
    threading.Thread(target=front.serve_forever, daemon=True).start()
    bundle = lambda_trust_store(ca, tmp)
    base_env = lambda_environment()
    base_env.update(env_file_vars)
    base_env.update({"RUST_LOG": "warn", "METRICS_NAMESPACE": "", "AWS_REGION": "us-east-1",
                     "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
    tls_env = dict(base_env, AWS_ENDPOINT_URL=front.url, SSL_CERT_FILE=bundle, AWS_CA_BUNDLE=bundle,
                   FLOOR_URL=f"{front.url}/floor")
    return front, base_env, tls_env


def whole_invocation(env_file_vars, endpoint, verifier, floor, python, event, rounds=5, warm_events=200,
                     baseline=None, variants=()):
    """Measures the verifier (and a baseline build), the floor probe and the Python peer side
    by side; returns the rows and the plain-HTTP init of the verifier for reference."""
    front, base_env, tls_env = start_front(endpoint, env_file_vars)
    event_type = json.loads(event["body"])["type"]
    reset = queue_emptier(endpoint, env_file_vars["ROUTES"], event_type)
    rows = []
    if baseline:
        label, path = baseline
        rows.append(measure(f"verifier, baseline `{label}`", [path], tls_env, event, warm_events, rounds, 202, reset=reset))
    rows.append(measure("verifier, this build", [str(verifier)], tls_env, event, warm_events, rounds, 202, reset=reset))
    # At 128 MB's CPU: the verifier (and each lever built as a variant), the floor, Python.
    quota = CpuQuota() if quota_available() else None
    if quota:
        at = f" at {quota.share:.0%} CPU"
        rows.append(measure("verifier, this build" + at, [str(verifier)], tls_env, event, warm_events, rounds, 202,
                            quota=quota))
        for label, path in variants:
            rows.append(measure(f"verifier, {label}{at}", [str(path)], tls_env, event, warm_events, rounds, 202,
                                quota=quota, reset=reset))
        rows.append(measure("floor probe" + at, [str(floor)], tls_env, event,
                            warm_events, rounds, 200, quota=quota, reset=reset))
        rows.append(measure("Python 3.11 + boto3 (awslambdaric)" + at,
                            [python, "-m", "awslambdaric", "lambda_peer.handler"], tls_env, event, warm_events // 4,
                            rounds, 202, cwd=str(ROOT / "bench/peers"), quota=quota, reset=reset))
    # The same build with the archive off: what archiving every event (an S3 PUT beside the SQS
    # send) costs a cold request and a warm event.
    if tls_env.get("ARCHIVE_BUCKET"):
        no_archive = {k: v for k, v in tls_env.items() if k != "ARCHIVE_BUCKET"}
        rows.append(measure("verifier, this build, archive off", [str(verifier)], no_archive, event, warm_events,
                            rounds, 202, reset=reset))
    rows.append(measure("floor probe", [str(floor)], tls_env, event,
                        warm_events, rounds, 200, reset=reset))
    rows.append(measure("Python 3.11 + boto3 (awslambdaric)", [python, "-m", "awslambdaric", "lambda_peer.handler"],
                        tls_env, event, warm_events // 4, rounds, 202, cwd=str(ROOT / "bench/peers"), reset=reset))
    plain = measure("verifier, plain HTTP", [str(verifier)], dict(base_env, AWS_ENDPOINT_URL=endpoint), event,
                    warm_events, rounds, 202, reset=reset)
    front.shutdown()
    if quota:
        quota.remove()
    return rows, plain
