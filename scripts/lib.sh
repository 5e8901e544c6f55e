# Shared by the scripts: Python tools in a project venv, and the AWS emulator's lifecycle.

VENV="${VENV:-.venv}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

# Installs moto's server, the SAM translator (for the tests on the translated template) and
# AWS's SQS Extended Client for Python (a claim-check reader the tests check against) into
# .venv (once); later runs reuse them.
ensure_python_tools() {
  if [ ! -x "$VENV/bin/moto_server" ]; then
    say "installing the AWS emulator (moto server) into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  if ! "$VENV/bin/python" -c 'import samtranslator, sqs_extended_client, jsonschema, pydantic' 2>/dev/null; then
    say "installing the SAM translator, the SQS Extended Client, jsonschema and pydantic into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
      "aws-sam-translator==${SAM_TRANSLATOR_VERSION:-1.*}" "amazon-sqs-extended-client==1.*" "jsonschema==4.*" \
      "pydantic==2.*"
  fi
  # The trace test's OTLP receiver decodes exports with the OTLP definitions.
  if ! "$VENV/bin/python" -c 'import opentelemetry.proto' 2>/dev/null; then
    say "installing the OTLP definitions (opentelemetry-proto) into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "opentelemetry-proto==1.*"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts moto on a free loopback port and exports MOTO_ENDPOINT and test credentials.
start_emulator() {
  local port log
  port="$(free_port)"
  log="${TMPDIR:-/tmp}/moto-$port.log"
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  EMULATOR_PID=$!
  export MOTO_ENDPOINT="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  wait_for_http "$MOTO_ENDPOINT/" "$EMULATOR_PID" "$log" "the AWS emulator" 20 || return 1
  say "AWS emulator up at $MOTO_ENDPOINT (pid $EMULATOR_PID)"
}

# Waits until URL answers HTTP while PID lives; on failure shows LOG. Args: URL PID LOG NAME SECONDS.
wait_for_http() {
  local url="$1" pid="$2" log="$3" name="$4" seconds="$5"
  for _ in $(seq 1 $((seconds * 5))); do
    if curl -s -o /dev/null "$url"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.2
  done
  say "$name did not start; its log:"
  cat "$log" >&2
  return 1
}

stop_emulator() {
  if [ -n "${EMULATOR_PID:-}" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    say "AWS emulator stopped"
  fi
}

# Installs cargo-lambda (with zig) into .venv (once).
ensure_cargo_lambda() {
  ensure_python_tools
  if [ ! -x "$VENV/bin/cargo-lambda" ]; then
    say "installing cargo-lambda into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "cargo-lambda==${CARGO_LAMBDA_VERSION:-1.9.2}"
  fi
  export PATH="$PWD/$VENV/bin:$PATH"
}

# Installs the SAM CLI and cfn-lint into their own venv (they pin boto3 apart from moto's).
ensure_sam_tools() {
  if [ ! -x "$SAM_VENV/bin/sam" ] || [ ! -x "$SAM_VENV/bin/cfn-lint" ]; then
    say "installing the AWS SAM CLI and cfn-lint into $SAM_VENV"
    python3 -m venv "$SAM_VENV"
    "$SAM_VENV/bin/pip" install --quiet --disable-pip-version-check "aws-sam-cli==${SAM_VERSION:-1.*}" "cfn-lint==${CFN_LINT_VERSION:-1.*}"
  fi
}
SAM_VENV="${SAM_VENV:-.venv-sam}"

# Installs checkov, the infrastructure scanner fintech pipelines run, into its own venv (its
# pins of boto3 and the like would clash with the others'). Pinned: a new release adds checks.
ensure_checkov() {
  if [ ! -x "$CHECKOV_VENV/bin/checkov" ]; then
    say "installing checkov into $CHECKOV_VENV"
    python3 -m venv "$CHECKOV_VENV"
    "$CHECKOV_VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==${CHECKOV_VERSION:-3.3.30}"
  fi
}
CHECKOV_VENV="${CHECKOV_VENV:-.venv-checkov}"

# Installs what makes the TypeScript and Python types from shared/schemas/, pinned: ajv and
# json-schema-to-typescript (npm, scripts/types/), datamodel-code-generator (PyPI, its own venv),
# the TypeScript package's build tools, and the TypeScript consumer example's packages
# (examples/typescript-consumer/), which link the package (build_typescript_package builds it).
ensure_type_tools() {
  if [ ! -d scripts/types/node_modules ]; then
    say "installing ajv and json-schema-to-typescript into scripts/types/node_modules"
    npm ci --prefix scripts/types --no-audit --no-fund --loglevel=error >/dev/null
  fi
  if [ ! -d packages/typescript/node_modules ]; then
    say "installing the TypeScript package's build tools into packages/typescript/node_modules"
    npm ci --prefix packages/typescript --no-audit --no-fund --loglevel=error >/dev/null
  fi
  if [ ! -d examples/typescript-consumer/node_modules ]; then
    say "installing the TypeScript consumer's packages into examples/typescript-consumer/node_modules"
    npm ci --prefix examples/typescript-consumer --no-audit --no-fund --loglevel=error >/dev/null
  fi
  if [ ! -x "$TYPES_VENV/bin/datamodel-codegen" ]; then
    say "installing datamodel-code-generator into $TYPES_VENV"
    python3 -m venv "$TYPES_VENV"
    "$TYPES_VENV/bin/pip" install --quiet --disable-pip-version-check \
      "datamodel-code-generator==${DATAMODEL_CODEGEN_VERSION:-0.97.0}"
  fi
}
TYPES_VENV="${TYPES_VENV:-.venv-types}"

# The TypeScript package's dist/, which the example links and compiles against: built before
# any test reads it, never while one does.
build_typescript_package() {
  npm run --prefix packages/typescript --silent build
}

# The Python package as it would ship: built into a wheel, installed into a fresh venv
# (.venv-package, made anew each run) with pytest, and its own tests run against the emulator
# (MOTO_ENDPOINT) on the installed copy, never the source tree.
python_package_tests() {
  local dist="${TMPDIR:-/tmp}/middesk-webhooks-dist-$$"
  say "the Python package: built, installed into a fresh venv, its tests against the emulator"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "build==1.*"
  rm -rf "$dist" .venv-package
  "$VENV/bin/python" -m build --wheel --outdir "$dist" packages/python >/dev/null
  python3 -m venv .venv-package
  .venv-package/bin/pip install --quiet --disable-pip-version-check "$dist"/middesk_webhooks-*.whl "pytest==8.*"
  rm -rf "$dist" packages/python/build packages/python/src/*.egg-info
  (cd packages/python/tests && ../../../.venv-package/bin/python -m pytest -q -p no:cacheprovider .)
}

# The TypeScript package as it would ship: built, packed (npm pack), installed into a fresh
# project (.local/typescript-package, made anew each run), and its own tests (node --test)
# run there against the emulator (MOTO_ENDPOINT) on the installed copy.
typescript_package_tests() {
  local package="packages/typescript" project=".local/typescript-package" repo="$PWD"
  say "the TypeScript package: packed, installed into a fresh project, its tests against the emulator"
  # Built by build_typescript_package.
  (cd "$package" && node_modules/.bin/tsc -p tsconfig.test.json)
  rm -rf "$project" && mkdir -p "$project"
  local tarball
  tarball="$(cd "$package" && npm pack --silent --pack-destination "$PWD/../../$project")"
  # With Node's own types, as any TypeScript project on Node has them.
  (cd "$project" && npm init -y >/dev/null \
    && npm install --no-audit --no-fund --loglevel=error "./$tarball" "@types/node@20" >/dev/null)
  cp -r "$package/dist-test" "$project/test"
  (cd "$project" && MIDDESK_WEBHOOKS_REPO="$repo" node --test test/*.test.js)
  # Its types, as a user's `tsc --strict` sees the installed package: a handler narrowed to its
  # event compiles, and a misspelt field does not.
  cp -r "$package/test-types" "$project/"
  local errors="$project/misspelt.log"
  local tsc=("$repo/$package/node_modules/.bin/tsc" --strict --noEmit --skipLibCheck --target es2022 --module commonjs)
  (cd "$project" && "${tsc[@]}" test-types/narrows.ts)
  if (cd "$project" && "${tsc[@]}" test-types/misspelt.ts) >"$errors" 2>&1; then
    say "test-types/misspelt.ts compiled: a misspelt field of an event is not caught"
    return 1
  fi
  grep -q "Property 'stauts' does not exist" "$errors" || { cat "$errors" >&2; return 1; }
  say "tsc --strict: the narrowed handler compiles, the misspelt field does not"
}

# Starts `cargo lambda watch` on a free loopback port with an env file; sets WATCH_URL.
start_watch() {
  local env_file="$1" log="$2" port
  port="$(free_port)"
  cargo lambda watch --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$port" \
    --env-file "$env_file" >"$log" 2>&1 &
  WATCH_PID=$!
  WATCH_URL="http://127.0.0.1:$port"
  wait_for_http "$WATCH_URL/" "$WATCH_PID" "$log" "cargo lambda watch" 60
}

stop_watch() {
  if [ -n "${WATCH_PID:-}" ] && kill -0 "$WATCH_PID" 2>/dev/null; then
    # cargo lambda watch runs the functions as child processes: stop the whole group.
    pkill -TERM -P "$WATCH_PID" 2>/dev/null || true
    kill "$WATCH_PID" 2>/dev/null || true
    wait "$WATCH_PID" 2>/dev/null || true
  fi
}

# Installs libfaketime's `faketime` (Debian's package) when it is missing.
ensure_faketime() {
  if ! command -v faketime >/dev/null 2>&1; then
    say "installing faketime (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
  fi
}

# The path of libfaketime's library (Debian's libfaketime package, which faketime brings).
faketime_library() {
  dpkg -L libfaketime | grep -m1 '/libfaketime\.so\.1$'
}
