"""Where a function's CPU goes: a sampled profile (perf, cpu-clock) of its cold request and of
its warm events, in the same harness as the whole-invocation benchmark (bench/deployed.py: the
TLS front, a Lambda sandbox's environment and trust store), for scripts/profile.

Each sample's call stack is put in the first category (in the order of CATEGORIES) one of its
frames matches. A category's time is its share of the samples times the CPU the function
needs without perf (median of `--rounds` runs, from wait4): perf's own unwinding slows the
function, the shares stay. Needs binaries with symbols (scripts/profile builds them).

  python bench/cpu_profile.py --endpoint URL --env-file F [--runs 30] LABEL=PATH ...
"""
import argparse
import collections
import json
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import deployed  # noqa: E402
import run  # noqa: E402

# (category, pattern on a frame's symbol); the first category with a matching frame wins.
CATEGORIES = [
    ("TLS handshakes (key exchange, certificate chain, key schedule)",
     r"rustls::client::(hs|tls1[23])|webpki::(?!trust_anchor)|verify_server_cert|X25519|x25519|ml_kem|mlkem|"
     r"ECDSA_verify|RSA_verify|EVP_DigestVerify"),
    ("trust store (reading and parsing the CA bundle)",
     r"rustls_native_certs|rustls_pki_types::pem|RootCertStore|anchor_from_trusted_cert"),
    ("process start (exec, dynamic loader, relocations)",
     r"_dl_|execve|load_elf_binary|init_cpu_features|handle_amd"),
    ("AWS SDK: configuration and service clients",
     r"lambda_sdk_config|::Client::new|::Client::from_conf|s3_client|build_verifier|"
     r"aws_smithy_http_client::client::(Builder|ConnectorBuilder)|create_rustls_client_config"),
    ("AWS SDK: Secrets Manager reads", r"aws_sdk_secretsmanager|SecretsManagerSource|SecretCache"),
    ("AWS SDK: S3 archive PUT", r"PutObjectFluentBuilder|S3Archive|aws_sdk_s3::"),
    ("AWS SDK: SQS (warm-up, SendMessage)", r"SqsPublisher|aws_sdk_sqs::|warm_up"),
    ("webhook: authenticate, parse, route, build the message", r"WebhookReceiver|middesk_webhooks::"),
    ("HTTP connections (hyper, TLS records, sockets)",
     r"hyper::proto::h1::dispatch|UpgradeableConnection|hyper_util|hyper_rustls|tokio_rustls"),
    ("Lambda runtime loop, event in and out", r"lambda_runtime|lambda_http|aws_lambda_events"),
    ("Tokio runtime (start, waiting for I/O)", r"tokio::runtime|epoll_wait|mio::"),
    ("logging set-up", r"init_json_logging|tracing_subscriber"),
    ("process exit", r"do_exit|exit_mmap|do_group_exit"),
]


def stacks(perf_data):
    """The call stacks (leaf first) of every sample in `perf_data`."""
    text = subprocess.run(["perf", "script", "-i", perf_data, "-F", "ip,sym", "--no-inline"],
                          capture_output=True, text=True, check=True).stdout
    samples, current = [], []
    for line in text.splitlines():
        if line.strip():
            parts = line.split(None, 1)
            current.append(parts[1] if len(parts) > 1 else parts[0])
        elif current:
            samples.append(current)
            current = []
    if current:
        samples.append(current)
    return samples


def categorise(samples):
    """Samples per category (`other` for those no category matches)."""
    patterns = [(name, re.compile(pattern)) for name, pattern in CATEGORIES]
    counts = collections.Counter()
    for frames in samples:
        counts[next((name for name, rx in patterns if any(rx.search(f) for f in frames)), "other")] += 1
    return counts


def record(cmd, env, events, out, frequency):
    """Runs `cmd` under perf for `events`, like deployed.run_once; returns the samples' stacks
    and the function's answers."""
    api = deployed.StoppingRuntimeApi(events)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(frequency),
                             "--call-graph", "dwarf,32768", "-o", out, "--", *cmd],
                            env=api.environment(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = api.exhausted.wait(300)
    # Stop the function (perf's child) as the benchmark does; perf then writes its data.
    subprocess.run(["pkill", "-KILL", "-P", str(perf.pid)], check=False)
    perf.wait(120)
    api.stop()
    if not ok or any(s not in (200, 202) for s in api.statuses):
        raise SystemExit(f"{cmd[0]}: no answer or unexpected answers {api.statuses[:3]}")
    return stacks(out), api.statuses


def profile(label, path, env, event, runs, warm_events, frequency, rounds, reset, workdir):
    """Categorised CPU of one function's cold request and of its warm events."""
    cold, answer = collections.Counter(), None
    for k in range(runs):
        reset()
        samples, statuses = record([path], env, [event], f"{workdir}/{label}-cold-{k}.data", frequency)
        cold += categorise(samples)
        answer = statuses[0]
    reset()
    samples, _ = record([path], env, [event] * (1 + warm_events), f"{workdir}/{label}-warm.data", frequency)
    warm = categorise(samples)
    row = deployed.measure(label, [path], env, event, 50, rounds, answer, reset=reset)
    return {"label": label, "cold": cold, "warm": warm, "cold_cpu_ms": row["cold_cpu_ms"],
            "warm_cpu_ms": row["warm_cpu_ms"]}


def table(results, key, cpu_key, decimals):
    """A markdown table: each category's estimated CPU and share, per function."""
    names = [name for name, _ in CATEGORIES] + ["other"]
    head = "| where the CPU goes | " + " | ".join(r["label"] for r in results) + " |"
    lines = [head, "|---" * (len(results) + 1) + "|"]
    for name in names:
        cells = []
        for r in results:
            total = sum(r[key].values())
            share = r[key][name] / total if total else 0
            cells.append(f"{share * r[cpu_key]:.{decimals}f} ({share:.0%})" if r[key][name] else "")
        if any(cells):
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| **total, measured without perf** | " + " | ".join(f"**{r[cpu_key]:.{decimals}f}**" for r in results) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--env-file", required=True)
    parser.add_argument("--runs", type=int, default=30, help="cold requests recorded per function")
    parser.add_argument("--warm-events", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7, help="runs without perf, for the CPU totals")
    parser.add_argument("--frequency", type=int, default=20000, help="samples per second of CPU")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("functions", nargs="+", metavar="LABEL=PATH")
    args = parser.parse_args()
    env_vars = run.read_env(args.env_file)
    event = json.loads(subprocess.run([str(deployed.ROOT / "target/release/middesk-webhooks"), "event", "--type",
                                       "business.updated", "--shape", "http"],
                                      check=True, capture_output=True).stdout)
    front, _, tls_env = deployed.start_front(args.endpoint, env_vars)
    reset = deployed.queue_emptier(args.endpoint, env_vars["ROUTES"], "business.updated")
    workdir = tempfile.mkdtemp(prefix="profile-")
    results = []
    for spec in args.functions:
        label, path = spec.split("=", 1)
        print(f"profiling {label}: {args.runs} cold requests, {args.warm_events} warm events", file=sys.stderr)
        results.append(profile(label, path, tls_env, event, args.runs, args.warm_events, args.frequency,
                               args.rounds, reset, workdir))
    front.shutdown()
    print("### A cold request (process start to the first answer), CPU in ms\n")
    print(table(results, "cold", "cold_cpu_ms", 2))
    print("\n### A warm event, CPU in ms\n")
    print(table(results, "warm", "warm_cpu_ms", 3))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
