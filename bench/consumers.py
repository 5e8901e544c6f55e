"""The consumer packages beside AWS Lambda Powertools, for `./scripts/bench --consumers`.

Each consumer of business.updated runs as its own process under one local Lambda Runtime API,
reaching DynamoDB through the TLS front (bench/deployed.py), in a cgroup with the CPU share of
the examples' 256 MB. Each does the same work per record: parse and validate the body into
the typed event, make sure it runs once per event id on DynamoDB, return what it read, and
answer with the batch's failures. The consumers (bench/consumers/):

- the TypeScript and Python packages (`middesk-webhooks`), as the examples use them;
- Powertools for each language, as its documentation shows it: BatchProcessor with a parser
  model, idempotency on DynamoDB keyed by the event id, process_partial_response;
- the Rust crate's `consume::run` (the event-logger function), for reference.

Python runs under AWS's runtime client (awslambdaric); Node.js under bench/consumers/runtime.js,
one runtime loop for both Node.js consumers. Every batch holds BATCH_SIZE records, each a new
event (its own id, its own business), so every record is first seen: a repeat would measure
the skip, not the work. Figures are the operating system's accounting of each process:

- init: spawn to the first `next` (imports, clients), wall and CPU;
- cold batch: spawn to the first answer, one batch;
- warm per record: (a run of 1 + N batches minus a run of 1 batch) over N batches' records, in
  CPU time and in wall time (one batch after another);
- DynamoDB requests per record, counted at the front.

Writes its section of BENCHMARKS.md in place.

  python3 bench/consumers.py --endpoint URL --env-file .local/bench.env [--rounds 5]
"""
import argparse
import json
import platform
import statistics
import subprocess
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import deployed
from memory import MB_PER_VCPU, write_section
from run import read_env

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench/consumers"
HEADING = "## Consumers beside Powertools"
MEMORY_MB = 256
BATCH_SIZE = 10
POWERTOOLS_TABLE = "PowertoolsIdempotency"
ANSWER = {"batchItemFailures": []}
# Why the packages differ from Powertools, from reading what each sends and validates; the
# figures of a run are in its tables.
WHY = [
    "Why the packages cost more per warm record than Powertools:",
    "",
    "- **They keep the newest state, and Powertools does not.** Both make two DynamoDB requests per record. "
    "The packages' are transactions of two items each: the event's claim with its object's hold, then the "
    "completion with the object's newest applied (docs/records.md). Powertools writes one item twice. "
    "Bigger requests cost more to build, serialise and sign.",
    "- **The TypeScript package validates the whole documented schema.** Its validators are compiled at "
    "build time from shared/schemas. The Powertools consumer's Zod schema checks the eleven fields its "
    "handler reads, as its documentation shows. The Python consumers parse with the same pydantic model.",
    "- **Warm wall time here is mostly the emulator's.** moto copies every table before each "
    "transaction, to roll it back (moto/dynamodb/models). So a transaction costs more as the table grows; "
    "DynamoDB's does not. The Rust crate's transactions come back from moto far faster than the "
    "packages'; why is not yet measured. Compare CPU, which is the client's own.",
    "",
    "Cold, the TypeScript package no longer compiles its schema at run time. Compiling business.updated's "
    "schema with ajv cost about 190 ms of CPU, over a second at this share; its cold batch then took "
    "1.8x Powertools' CPU (643 against 362 ms, one round). Loading the compiled validators costs about 20 ms.",
]


def batches(count, now=None):
    """`count` SQS batches of BATCH_SIZE new business.updated events, as the verifier queues them
    (the record of events/sqs/business-decision.json, with new ids), created at `now`."""
    template = json.loads((ROOT / "events/sqs/business-decision.json").read_text())["Records"][0]
    body = json.loads(template["body"])
    now = now or datetime.now(timezone.utc)
    created_at = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    sent = str(int(now.timestamp() * 1000))
    out = []
    for _ in range(count):
        records = []
        for _ in range(BATCH_SIZE):
            event_id = str(uuid.uuid4())
            event = dict(body, id=event_id, created_at=created_at)
            event["data"] = dict(body["data"], object=dict(body["data"]["object"], id=str(uuid.uuid4())))
            attributes = dict(template["messageAttributes"], event_id={"dataType": "String", "stringValue": event_id})
            records.append(dict(template, messageId=str(uuid.uuid4()), body=json.dumps(event),
                                messageAttributes=attributes,
                                attributes=dict(template["attributes"], SentTimestamp=sent)))
        out.append({"Records": records})
    return out


def consumers(python, release):
    """(name, command, extra environment) of each consumer."""
    node = ["node", str(HERE / "runtime.js")]
    py = [python, "-m", "awslambdaric"]
    package_path = {"PYTHONPATH": str(ROOT / "packages/python/src")}
    return [
        ("TypeScript package", node + ["package_consumer.js", "handler"], {}),
        ("Powertools for TypeScript", node + ["powertools_consumer.js", "handler"], {}),
        ("Python package", py + ["package_consumer.lambda_handler"], package_path),
        ("Powertools for Python", py + ["powertools_consumer.lambda_handler"], package_path),
        ("Rust crate (`consume::run`)", [str(release / "event-logger")], {}),
    ]


def dynamodb_calls(front):
    with front.lock:
        return sum(n for target, n in front.calls.items() if target.startswith("DynamoDB_"))


def measure(name, cmd, env, rounds, warm_batches, quota, front):
    init_wall, init_cpu, cold, cold_cpu, warm_cpu, warm_wall, rss, calls = [], [], [], [], [], [], [], []
    throttled_before = quota.throttled()[0] if quota else 0
    records = warm_batches * BATCH_SIZE
    for _ in range(rounds):
        wall, cpu, _, _, _, _ = deployed.run_once(cmd, env, [], str(HERE), quota)
        init_wall.append(wall)
        init_cpu.append(cpu)
        _, one_cpu, _, one, cold_ms, _ = deployed.run_once(cmd, env, batches(1), str(HERE), quota)
        cold.append(cold_ms)
        cold_cpu.append(one_cpu)
        before = dynamodb_calls(front)
        _, many_cpu, peak, many, _, after_first = deployed.run_once(cmd, env, batches(1 + warm_batches), str(HERE),
                                                                     quota)
        calls.append((dynamodb_calls(front) - before) / ((1 + warm_batches) * BATCH_SIZE))
        bad = [a for a in one + many if a != ANSWER]
        if bad:
            raise SystemExit(f"{name}: unexpected answers {str(bad[:2])[:400]}")
        warm_cpu.append((many_cpu - one_cpu) / records)
        warm_wall.append(after_first / records)
        rss.append(peak)
    return {
        "name": name,
        "init_wall_ms": statistics.median(init_wall),
        "init_cpu_ms": statistics.median(init_cpu),
        "cold_ms": statistics.median(cold),
        "cold_cpu_ms": statistics.median(cold_cpu),
        "warm_cpu_ms": statistics.median(warm_cpu),
        "warm_wall_ms": statistics.median(warm_wall),
        "dynamodb_per_record": statistics.median(calls),
        "peak_rss": max(rss),
        "nr_throttled": quota.throttled()[0] - throttled_before if quota else None,
    }


def create_powertools_table(endpoint):
    """Powertools' own table (partition key `id`, TTL on `expiration`), as its documentation
    creates it: it does not use the records the packages and the Rust crate share."""
    import boto3
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")
    if POWERTOOLS_TABLE not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(TableName=POWERTOOLS_TABLE, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        dynamodb.update_time_to_live(TableName=POWERTOOLS_TABLE, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "expiration"})


def versions(python):
    def run(cmd):
        return subprocess.run(cmd, capture_output=True, text=True, cwd=HERE).stdout.strip()
    powertools_py = run([python, "-c", "import aws_lambda_powertools.shared.version as v; print(v.VERSION)"])
    powertools_ts = json.loads((HERE / "node_modules/@aws-lambda-powertools/batch/package.json").read_text())["version"]
    return (f"Python {run([python, '-c', 'import platform; print(platform.python_version())'])} with "
            f"aws-lambda-powertools {powertools_py}; Node.js {run(['node', '--version'])} with "
            f"@aws-lambda-powertools {powertools_ts}")


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "n/a"


def section(rows, rounds, warm_batches, share, python):
    by = {r["name"]: r for r in rows}
    lines = [
        HEADING,
        "",
        f"Measured {date.today().isoformat()} by `./scripts/bench --consumers` on {platform.machine()}; "
        f"{versions(python)}. Medians of {rounds} rounds; peak RSS is the maximum.",
        "",
        f"Each consumer handles `business.updated` (9.5 KiB) in batches of {BATCH_SIZE} new events, at the CPU "
        f"share of the examples' {MEMORY_MB} MB ({share:.1%} of a core, a cgroup quota). Each parses the body "
        "into its typed event, runs once per event id on DynamoDB, returns what it read, and answers with "
        f"the batch's failures. **Warm per record** is over {warm_batches} batches one after another. "
        "The harness is bench/consumers.py; the consumers are in bench/consumers/.",
        "",
        "| consumer | init, wall | init, CPU | cold batch (start to first answer) | CPU of a cold batch "
        "| warm CPU per record | warm wall per record | DynamoDB requests per record | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['name']} | {r['init_wall_ms']:.1f} ms | {r['init_cpu_ms']:.1f} ms | {r['cold_ms']:.1f} ms "
                     f"| {r['cold_cpu_ms']:.1f} ms | {r['warm_cpu_ms']:.3f} ms | {r['warm_wall_ms']:.3f} ms "
                     f"| {r['dynamodb_per_record']:.1f} | {r['peak_rss'] / 2**20:.1f} MiB |")
    lines += ["", "| package / Powertools, same language | cold batch | CPU of a cold batch | warm CPU per record "
              "| warm wall per record |", "|---|---|---|---|---|"]
    for language in ("TypeScript", "Python"):
        ours, theirs = by[f"{language} package"], by[f"Powertools for {language}"]
        lines.append(f"| {language} | {ratio(ours['cold_ms'], theirs['cold_ms'])} "
                     f"| {ratio(ours['cold_cpu_ms'], theirs['cold_cpu_ms'])} "
                     f"| {ratio(ours['warm_cpu_ms'], theirs['warm_cpu_ms'])} "
                     f"| {ratio(ours['warm_wall_ms'], theirs['warm_wall_ms'])} |")
    lines += ["", *WHY, ""]
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--env-file", required=True)
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    ap.add_argument("--python", required=True, help="a Python with awslambdaric and aws-lambda-powertools")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warm-batches", type=int, default=10)
    ap.add_argument("--only", help="measure only the consumers whose name contains this")
    args = ap.parse_args()
    if not deployed.quota_available():
        raise SystemExit("the consumer benchmark needs root and the cgroup v1 cpu controller")
    create_powertools_table(args.endpoint)
    front, _, tls_env = deployed.start_front(args.endpoint, read_env(args.env_file))
    # Node.js reads its extra roots from here, as Lambda's Node.js runtimes do.
    tls_env = dict(tls_env, NODE_EXTRA_CA_CERTS=tls_env["SSL_CERT_FILE"], POWERTOOLS_IDEMPOTENCY_TABLE=POWERTOOLS_TABLE,
                   POWERTOOLS_SERVICE_NAME="bench", RUST_LOG="warn", AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(MEMORY_MB))
    share_us = round(deployed.PERIOD_US * MEMORY_MB / MB_PER_VCPU)
    quota = deployed.CpuQuota(quota_us=share_us)
    rows = []
    try:
        for name, cmd, extra in consumers(args.python, ROOT / "target/release"):
            if args.only and args.only not in name:
                continue
            print(f"{name} ...", flush=True)
            started = time.perf_counter()
            rows.append(measure(name, cmd, dict(tls_env, **extra), args.rounds, args.warm_batches, quota, front))
            print(f"  {json.dumps(rows[-1])} ({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        quota.remove()
        front.shutdown()
    if args.only:
        return
    lines = section(rows, args.rounds, args.warm_batches, quota.share, args.python)
    write_section(args.out, lines, HEADING)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
