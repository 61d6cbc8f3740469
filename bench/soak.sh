#!/usr/bin/env bash
# Soak benchmark: the shipped gateway under sustained mixed traffic, watched for leaks.
#
# Builds the gateway and the driver, then runs dev.switchboard.bench.SoakBenchmark, which starts
# the test kit's fake OpenAI (in the driver's JVM, on 127.0.0.1) and the shipped gateway
# (switchboard-server/target/switchboard.jar, a process of its own, default settings: request
# log, metrics and access on; every call with a gateway key) on 127.0.0.1, drives it, samples it,
# stops everything and prints a summary. The summary (Markdown, JSON), the samples (CSV) and the
# gateway's output go to switchboard-bench/target/soak/.
#
#   bench/soak.sh                    10 minutes at 32 connections, 5 % of calls left mid-stream,
#                                    5 % slow (10 s) at the provider
#   bench/soak.sh --duration 1m      any of the driver's flags (--help lists them): --connections,
#                                    --cancel-share, --slow-share, --slow-delay, --event-gap,
#                                    --sample-every, --warmup, --health-every
#
# Environment:
#   BENCH_SKIP_BUILD=1    use the jars already built
#
# Exit status: 0 clean; 1 a client saw an error, the request log dropped a record or a health
# probe failed; 2 a usage error; 124 the run did not end in time and was stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  esac
done

# The run's length, to bound it: the duration flag's value (10m by default) plus 5 minutes for
# starting, the last slow calls, the request log's drain and stopping.
duration=10m
previous=""
for arg in "$@"; do
  [ "$previous" = --duration ] && duration=$arg
  previous=$arg
done
seconds=$(awk -v d="$duration" 'BEGIN { f = d ~ /ms$/ ? 0.001 : d ~ /m$/ ? 60 : 1;
  sub(/[a-z]+$/, "", d); s = d * f; print (s == int(s)) ? s : int(s) + 1 }')
limit=$(( seconds + 300 ))

JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[ -x "$JAVA_HOME/bin/jcmd" ] || { echo "soak.sh: no JDK (with jcmd) at JAVA_HOME=$JAVA_HOME" >&2; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "soak.sh: building the gateway and the driver with $JAVA_HOME" >&2
  ./mvnw -B -ntp -q -pl switchboard-bench -am package -DskipTests -Djazzer.skip >&2
fi
bench_jar=switchboard-bench/target/switchboard-bench.jar
out=switchboard-bench/target/soak
mkdir -p "$out"
rm -f "$out/gateway.pid"

driver_pid=""
stop_all() {
  local pid
  # The driver stops the gateway itself; this is for a driver that was killed first.
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null || true
  [ -n "$driver_pid" ] && wait "$driver_pid" 2>/dev/null || true
  if [ -f "$out/gateway.pid" ]; then
    pid=$(cat "$out/gateway.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "soak.sh: commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'), at most ${limit}s" >&2
# In the background and waited for, so that INT and TERM reach the traps at once.
timeout --kill-after=20s "${limit}s" "$JAVA_HOME/bin/java" -cp "$bench_jar" \
  dev.switchboard.bench.SoakBenchmark --output "$out" "$@" &
driver_pid=$!
status=0
wait "$driver_pid" || status=$?
driver_pid=""
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "soak.sh: the run did not finish within ${limit}s and was stopped" >&2
fi
exit "$status"
