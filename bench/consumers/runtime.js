// A Lambda runtime loop for Node.js, for scripts/bench: the managed runtime's job (next, invoke,
// respond) in a few lines, the same for every Node.js consumer measured, so they differ only in
// what they load and do.
//
//   node runtime.js <module> <export>
const http = require("node:http");
const path = require("node:path");

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, route, body) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host, port, method, agent, path: `/2018-06-01/runtime/invocation/${route}` }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks).toString() }));
    });
    request.on("error", reject);
    request.setNoDelay(true);
    request.end(body);
  });
}

async function main() {
  const handler = require(path.resolve(process.argv[2]))[process.argv[3]];
  for (;;) {
    const next = await call("GET", "next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
    const context = {
      awsRequestId: id,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    try {
      const result = await handler(JSON.parse(next.body), context);
      await call("POST", `${id}/response`, JSON.stringify(result));
    } catch (error) {
      await call("POST", `${id}/error`, JSON.stringify({ errorType: error.name, errorMessage: String(error.message) }));
    }
  }
}

main();
