"""The cost of tracing: the verifier's cold and warm request with tracing off and on, side by
side in one run, at the CPU share of its 256 MB; with a build from before tracing existed as
the baseline, so "off" is shown to cost nothing. Tracing on exports every span over OTLP/HTTP
to a receiver on loopback (scripts/otlp-receiver), as it would to the collector layer, and the
spans it got are counted. Writes its section of BENCHMARKS.md in place. Called by
`./scripts/bench --tracing`, which builds the release binaries (and the baseline), starts the
emulator and creates the local stack first.

  python3 bench/tracing.py --endpoint URL --env-file .local/bench.env [--baseline REV=PATH] [--rounds 7]
"""
import argparse
import json
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import deployed
from memory import MB_PER_VCPU, write_section
from run import read_env

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Tracing, off and on"
# The CLI only writes the signed event: any build of it.
CLI = next((p for p in (ROOT / "target/release/middesk-webhooks", ROOT / "target/debug/middesk-webhooks") if p.exists()),
           ROOT / "target/release/middesk-webhooks")
MEMORY_MB = 256


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_receiver():
    """The OTLP receiver on a free loopback port; returns (process, endpoint, its spans file)."""
    port = free_port()
    spans = Path(tempfile.mkdtemp(prefix="bench-otlp-")) / "spans.jsonl"
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts/otlp-receiver"), "--port", str(port),
                             "--out", str(spans)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, f"http://127.0.0.1:{port}", spans
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the OTLP receiver did not start")


def counts(spans):
    """(exports, spans) the receiver got."""
    lines = [json.loads(line) for line in spans.read_text().splitlines()] if spans.exists() else []
    return sum("request" in line for line in lines), sum("span_id" in line for line in lines)


def run(env_file_vars, endpoint, verifier, baseline, event, rounds, warm_events):
    front, _, tls_env = deployed.start_front(endpoint, env_file_vars)
    event_type = json.loads(event["body"])["type"]
    reset = deployed.queue_emptier(endpoint, env_file_vars["ROUTES"], event_type)
    receiver, otlp, spans = start_receiver()
    quota = deployed.CpuQuota(quota_us=round(MEMORY_MB / MB_PER_VCPU * deployed.PERIOD_US))
    variants = []
    if baseline:
        variants.append((f"baseline `{baseline[0]}` (no tracing in it)", baseline[1], tls_env))
    variants.append(("this build, tracing off", verifier, tls_env))
    variants.append(("this build, tracing on", verifier, dict(tls_env, OTEL_EXPORTER_OTLP_ENDPOINT=otlp)))
    rows = []
    try:
        for name, binary, env in variants:
            before = counts(spans)
            row = deployed.measure(name, [str(binary)], env, event, warm_events, rounds, 202, quota=quota, reset=reset)
            after = counts(spans)
            row["exports"], row["spans"] = after[0] - before[0], after[1] - before[1]
            row["binary_mib"] = Path(binary).stat().st_size / 2**20
            rows.append(row)
            print(f"  {name}: cold {row['cold_request_ms']:.1f} ms, warm CPU {row['warm_cpu_ms']:.3f} ms, "
                  f"{row['spans']} spans", flush=True)
    finally:
        quota.remove()
        receiver.terminate()
        front.shutdown()
    return rows


def section(rows, rounds, warm_events):
    # Every request of the run: per round, init alone (no request), one cold request, 1 + warm.
    requests = rounds * (1 + 1 + warm_events)
    lines = [
        HEADING,
        "",
        f"Measured {date.today()} by `./scripts/bench --tracing` on {platform.processor() or platform.machine()}. "
        "The verifier as in \"The whole invocation as deployed\": HTTPS through the TLS front, the runtime loop, "
        f"the SDK, a 9 KiB `business.updated`. Its process runs at the CPU share of its {MEMORY_MB} MB "
        f"({MEMORY_MB / MB_PER_VCPU:.1%} of a core, a cgroup quota). **Tracing on** sets "
        "`OTEL_EXPORTER_OTLP_ENDPOINT` to a receiver on loopback, as the template does for the collector layer. "
        "Each request's spans are exported before its answer. The baseline is a build from before tracing. "
        f"Medians of {rounds} rounds, every row in one run.",
        "",
        "| verifier | binary | init, wall | cold request (start to first answer) | CPU of a cold request | warm request | warm CPU per event | spans exported per request | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        per_request = f"{r['spans'] / requests:.1f}" if r["spans"] else "0"
        lines.append(
            f"| {r['name']} | {r['binary_mib']:.1f} MiB | {r['init_wall_ms']:.1f} ms | {r['cold_request_ms']:.1f} ms | "
            f"{r['cold_cpu_ms']:.1f} ms | {r['warm_wall_ms']:.2f} ms | {r['warm_cpu_ms']:.3f} ms | {per_request} | "
            f"{r['peak_rss'] / 2**20:.1f} MiB |")
    by = {r["name"]: r for r in rows}
    off, on = by["this build, tracing off"], by["this build, tracing on"]
    lines += ["", "| ratio | cold request | CPU of a cold request | warm request | warm CPU per event |", "|---|---|---|---|---|"]

    def ratio(label, a, b):
        lines.append(f"| {label} | {a['cold_request_ms'] / b['cold_request_ms']:.2f}x | "
                     f"{a['cold_cpu_ms'] / b['cold_cpu_ms']:.2f}x | {a['warm_wall_ms'] / b['warm_wall_ms']:.2f}x | "
                     f"{a['warm_cpu_ms'] / b['warm_cpu_ms']:.2f}x |")
    ratio("tracing on / off", on, off)
    baseline = next((r for r in rows if r["name"].startswith("baseline")), None)
    if baseline:
        ratio("tracing off / baseline", off, baseline)
    lines += ["", f"Tracing off exported nothing ({off['exports']} export requests), and builds no span."]
    if baseline:
        lines.append(
            f"What off still costs is the exporter's code in the binary ({off['binary_mib']:.1f} against "
            f"{baseline['binary_mib']:.1f} MiB): {off['cold_cpu_ms'] - baseline['cold_cpu_ms']:.1f} ms of CPU "
            "at a cold start in this run.")
    lines.append("")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--env-file", required=True)
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--baseline", help="LABEL=PATH of a verifier built before tracing")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--warm-events", type=int, default=200)
    args = ap.parse_args()
    if not deployed.quota_available():
        raise SystemExit("the tracing benchmark needs root and the cgroup v1 cpu controller")
    env = read_env(args.env_file)
    event = json.loads(subprocess.run([str(CLI), "event", "--type",
                                       "business.updated", "--shape", "http"],
                                      check=True, capture_output=True).stdout)
    baseline = tuple(args.baseline.split("=", 1)) if args.baseline else None
    print("the verifier with tracing off and on ...", flush=True)
    rows = run(env, args.endpoint, ROOT / "target/release/verifier", baseline, event, args.rounds, args.warm_events)
    lines = section(rows, args.rounds, args.warm_events)
    write_section(args.out, lines, HEADING)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
