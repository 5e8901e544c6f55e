"""Memory by measurement: the verifier's cold and warm request under the CPU share Lambda gives
each memory size (1,769 MB is one vCPU), side by side in one run, with each size's cost per
million events from Lambda's arm64 prices (cli/src/prices.json), like AWS Lambda Power Tuning's
table; then the rule that picks the default MemorySize, applied. Writes its section of
BENCHMARKS.md in place (a full ./scripts/bench keeps it). Called by `./scripts/bench --memory`,
which builds the release binaries, starts the emulator and creates the local stack first.

  python3 bench/memory.py --endpoint URL --env-file .local/bench.env [--rounds 7]
"""
import argparse
import json
import math
import platform
import subprocess
from datetime import date
from pathlib import Path

import deployed
from run import read_env

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Memory size, by measurement"
SIZES_MB = (128, 256, 512, 1024)
MB_PER_VCPU = 1769
# The rule: the cheapest size whose cold request is within this factor of the fastest.
WITHIN = 1.5


def prices():
    return json.loads((ROOT / "cli/src/prices.json").read_text())


def per_million(mb, ms, lam):
    """Dollars per million invocations of `ms` (billed to the millisecond above) at `mb`."""
    billed_s = math.ceil(ms) / 1000
    return 1e6 * (lam["per_request"] + mb / 1024 * billed_s * lam["arm64_per_gb_second"])


def sweep(env_file_vars, endpoint, verifier, event, rounds, warm_events):
    """The verifier measured at each size's CPU share, in one run over one TLS front."""
    front, _, tls_env = deployed.start_front(endpoint, env_file_vars)
    event_type = json.loads(event["body"])["type"]
    reset = deployed.queue_emptier(endpoint, env_file_vars["ROUTES"], event_type)
    rows = []
    for mb in SIZES_MB:
        quota = deployed.CpuQuota(quota_us=round(mb / MB_PER_VCPU * deployed.PERIOD_US))
        try:
            row = deployed.measure(f"{mb} MB", [str(verifier)], tls_env, event, warm_events, rounds, 202,
                                   quota=quota, reset=reset)
        finally:
            quota.remove()
        row["memory_mb"] = mb
        rows.append(row)
        print(f"  {mb} MB: cold {row['cold_request_ms']:.1f} ms, warm {row['warm_wall_ms']:.2f} ms", flush=True)
    front.shutdown()
    return rows


def choose(rows, lam):
    """The size the rule picks: the cheapest per cold event among those within WITHIN of the
    fastest cold request (at Middesk's volume nearly every event is a cold start)."""
    fastest = min(r["cold_request_ms"] for r in rows)
    within = [r for r in rows if r["cold_request_ms"] <= WITHIN * fastest]
    return min(within, key=lambda r: per_million(r["memory_mb"], r["cold_request_ms"], lam))


def section(rows, rounds):
    lam = prices()["lambda"]
    chosen = choose(rows, lam)
    lines = [
        HEADING,
        "",
        f"Measured {date.today()} by `./scripts/bench --memory` on {platform.processor() or platform.machine()}; "
        f"prices of {prices()['date']} (cli/src/prices.json). The verifier as in \"The whole invocation as "
        "deployed\" (HTTPS through the TLS front, the runtime loop, the SDK, a 9 KiB `business.updated`), its process "
        "in a cgroup whose CPU quota is the share Lambda gives each memory size (size / 1,769 MB of a vCPU). "
        "**Cold request**: process start to the first answer, which Lambda bills in full (init included) and which "
        "nearly every event at tens a day is; **warm request**: the wall time of each of 200 events one after another "
        "on the same process. Cost per million events: arm64 GB-seconds at 1 ms granularity plus the request price. "
        f"Medians of {rounds} rounds, all sizes in one run.",
        "",
        "| memory | CPU share | cold request | CPU of a cold request | warm request | warm CPU | $ per million, all cold | $ per million, all warm |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mb = r["memory_mb"]
        mark = " **(default)**" if r is chosen else ""
        lines.append(
            f"| {mb} MB{mark} | {r['quota']:.1%} | {r['cold_request_ms']:.1f} ms | {r['cold_cpu_ms']:.1f} ms | "
            f"{r['warm_wall_ms']:.2f} ms | {r['warm_cpu_ms']:.3f} ms | "
            f"${per_million(mb, r['cold_request_ms'], lam):.2f} | ${per_million(mb, r['warm_wall_ms'], lam):.2f} |")
    fastest = min(rows, key=lambda r: r["cold_request_ms"])
    lines += [
        "",
        f"The rule: **the cheapest size whose cold request is within {WITHIN}x of the fastest**, judged on cold "
        "requests because at Middesk's volume nearly every event is one. Here the fastest cold request is "
        f"{fastest['cold_request_ms']:.1f} ms at {fastest['memory_mb']} MB, and the rule picks "
        f"**{chosen['memory_mb']} MB** ({chosen['cold_request_ms']:.1f} ms, "
        f"{chosen['cold_request_ms'] / fastest['cold_request_ms']:.2f}x the fastest, "
        f"${per_million(chosen['memory_mb'], chosen['cold_request_ms'], lam):.2f} per million cold events). "
        "The template's `MemorySize` follows it for the verifier; the consumers and the queue watch wait on the "
        "network more than they compute, and keep 128 MB.",
        "",
    ]
    return lines, chosen


def write_section(path, lines, heading=HEADING):
    """Replaces the section `heading` of `path` with `lines`, or adds it before Reproduce."""
    text = Path(path).read_text() if Path(path).exists() else ""
    block = "\n".join(lines)
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + block + (text[end + 1:] if end >= 0 else "")
    else:
        at = text.find("## Reproduce")
        text = (text[:at] + block + "\n" + text[at:]) if at >= 0 else text + "\n" + block
    Path(path).write_text(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--env-file", required=True)
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--warm-events", type=int, default=200)
    args = ap.parse_args()
    if not deployed.quota_available():
        raise SystemExit("the memory sweep needs root and the cgroup v1 cpu controller")
    env = read_env(args.env_file)
    event = json.loads(subprocess.run([str(ROOT / "target/release/middesk-webhooks"), "event", "--type",
                                       "business.updated", "--shape", "http"],
                                      check=True, capture_output=True).stdout)
    print("the verifier at each memory size's CPU share ...", flush=True)
    rows = sweep(env, args.endpoint, ROOT / "target/release/verifier", event, args.rounds, args.warm_events)
    lines, _ = section(rows, args.rounds)
    write_section(args.out, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
