#!/usr/bin/env bash
# Runs this Node SDK suite against Portkey's own open-source gateway instead of Switchboard, to see
# whether the SDKs behave the same through both. Installs @portkey-ai/gateway 1.15.2 from npm into
# a scratch directory (nothing of Portkey's is kept in this repository), then, in a private network
# namespace with only loopback (so nothing reaches the internet), starts four FakeOpenAi processes
# (answering, always 429, always 503, streams failing mid-way) and Portkey's gateway, and runs `node --test` with
# INTEROP_GATEWAY=portkey (no `mock` provider, no x-switchboard-* fields there).
#
#   interop/node/compare-portkey.sh        # needs node, npm, a JDK 21+, unshare and ip
#
# Its exit status is the suite's. The differences it found are in docs/clients.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/package.json" <<'JSON'
{
  "private": true,
  "dependencies": { "@portkey-ai/gateway": "1.15.2" },
  "overrides": { "@hono/node-server": "1.13.5", "@hono/node-ws": "1.2.0" }
}
JSON
(cd "$work" && npm install --no-audit --no-fund --loglevel=error)
(cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
(cd "$root" && ./mvnw -B -ntp -q -pl switchboard-testkit -am compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime)
export FAKE_CLASSPATH="$root/switchboard-testkit/target/classes:$(cat "$work/classpath")"
export PORTKEY_GATEWAY="$work/node_modules/@portkey-ai/gateway/build/start-server.js"
export SUITE="$here" LOGS="$work"

unshare -rn bash -c '
  set -euo pipefail
  ip link set lo up
  pids=()
  trap "kill \${pids[*]} 2>/dev/null || true" EXIT
  fake() { java -cp "$FAKE_CLASSPATH" dev.switchboard.testkit.FakeOpenAiMain --port "$@" >"$LOGS/fake-$1.log" 2>&1 & pids+=($!); }
  fake 9101 --require-api-key sk-interop
  fake 9102 --fail-with 429
  fake 9103 --fail-with 503
  fake 9104 --stream-error-after 3
  node "$PORTKEY_GATEWAY" --port=8787 --headless >"$LOGS/portkey.log" 2>&1 & pids+=($!)
  for port in 8787 9101 9102 9103 9104; do
    for _ in $(seq 1 100); do
      (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
      sleep 0.2
    done
  done
  cd "$SUITE"
  SWITCHBOARD_BASE_URL=http://127.0.0.1:8787/v1 \
  FAKE_OPENAI_BASE_URL=http://127.0.0.1:9101/v1 FAKE_OPENAI_API_KEY=sk-interop \
  FAKE_OPENAI_429_BASE_URL=http://127.0.0.1:9102/v1 FAKE_OPENAI_503_BASE_URL=http://127.0.0.1:9103/v1 \
  FAKE_OPENAI_STREAM_ERROR_BASE_URL=http://127.0.0.1:9104/v1 \
  INTEROP_GATEWAY=portkey node --test --test-reporter=spec ./*.test.js
'
