#!/usr/bin/env bash
# Idle memory of the shipped gateway: starts switchboard-server/target/switchboard.jar with its
# default settings (request log on DuckDB, access on H2, metrics) in an empty working directory,
# waits until /v1/health answers, sends one mock chat request, waits, and prints the resident set
# (VmRSS, and its anonymous and file-backed parts, from /proc/<pid>/status).
# Each launch in turn:
#   java-jar      java -jar switchboard.jar (the JVM's own defaults: on this machine G1, a heap
#                 of up to a quarter of the RAM)
#   bin           bin/switchboard (the settings it adds: docs/configuration.md)
#   bin+semantic  bin/switchboard with switchboard-semantic.jar beside the jar (the embedder is
#                 found; its model loads on the first semantic request, which this run does not send)
#
#   bench/idle-rss.sh [SETTLE_SECONDS]    default 20: the wait after the request, before reading
#
# Environment:
#   JAVA_HOME           the JDK to run (default: java on the PATH)
#   BENCH_SKIP_BUILD=1  use the jars already built
#   BENCH_JAR           the gateway's jar (default switchboard-server/target/switchboard.jar)
set -euo pipefail
cd "$(dirname "$0")/.."
settle=${1:-20}
java=java
[ -n "${JAVA_HOME:-}" ] && java=$JAVA_HOME/bin/java
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  ./mvnw -B -ntp -q -pl switchboard-server -am -DskipTests -Djazzer.skip package
fi
jar=$(realpath "${BENCH_JAR:-switchboard-server/target/switchboard.jar}")
semantic=$(dirname "$jar")/switchboard-semantic.jar
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
measure() { # name, then the command that starts the gateway (it is given --server.port)
  local name=$1
  shift
  rm -rf "${work:?}"/run && mkdir -p "$work/run"
  (cd "$work/run" && exec "$@" --server.port "$port" >"$work/out" 2>"$work/err") &
  pid=$!
  for _ in $(seq 1 600); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/health" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/chat/completions" \
    -H 'x-portkey-provider: mock' -H 'content-type: application/json' \
    -d '{"model":"m","messages":[{"role":"user","content":"hi"}]}'
  sleep "$settle"
  local status=/proc/$pid/status
  # bin/switchboard and env exec the JVM: the same pid
  printf '%-13s RSS %4d MB (anon %4d, file %3d)  lines on stderr: %d\n' "$name" \
    $(($(awk '/^VmRSS/ {print $2}' "$status") / 1024)) \
    $(($(awk '/^RssAnon/ {print $2}' "$status") / 1024)) \
    $(($(awk '/^RssFile/ {print $2}' "$status") / 1024)) \
    "$(wc -l <"$work/err")"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
}

"$java" -version 2>&1 | head -1
ls -l "$jar" | awk '{printf "jar %d MB\n", $5 / 1000000}'
mkdir -p "$work/alone"
cp "$jar" "$work/alone/switchboard.jar"
measure java-jar "$java" -jar "$work/alone/switchboard.jar"
measure bin env SWITCHBOARD_JAR="$work/alone/switchboard.jar" "$PWD"/bin/switchboard
if [ -f "$semantic" ]; then
  measure bin+semantic env SWITCHBOARD_JAR="$jar" "$PWD"/bin/switchboard
fi
