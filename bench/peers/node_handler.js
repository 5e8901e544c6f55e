// The verifier's job written the way the Middesk guide shows it, in Node.js with crypto and
// @aws-sdk/client-sqs: verify the raw body, parse, pick the queue, send to SQS.
// Used by scripts/bench. Prints one JSON line like python_handler.py.
const t0 = performance.now();
const crypto = require("crypto");
const fs = require("fs");
const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");

const secret = process.env.BENCH_SECRET;
const sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL, region: "us-east-1" });
const routes = Object.fromEntries(process.env.ROUTES.split(",").map((r) => r.split(/=(.*)/s).slice(0, 2)));
const catchAll = process.env.CATCH_ALL_QUEUE;
const initSeconds = (performance.now() - t0) / 1000;
console.log("ready");

function handle(body, signature) {
  const expected = crypto.createHmac("sha256", secret).update(body).digest("hex");
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return [401, null];
  const event = JSON.parse(body);
  return [202, routes[event.type] ?? catchAll];
}

(async () => {
  const body = fs.readFileSync(process.argv[2]);
  const signature = crypto.createHmac("sha256", secret).update(body).digest("hex");
  const n = Number(process.argv[3]);
  let result;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) result = handle(body, signature);
  const c = process.cpuUsage(c0);
  const cpuPerEvent = (c.user + c.system) / 1e6 / n;
  if (result[0] !== 202) throw new Error("not accepted");
  for (let i = 0; i < 5; i++) {
    await sqs.send(new SendMessageCommand({ QueueUrl: result[1], MessageBody: body.toString() }));
  }
  const rss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ init_s: initSeconds, cpu_per_event_s: cpuPerEvent, peak_rss_bytes: rss }));
})();
