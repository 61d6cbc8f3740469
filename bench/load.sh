#!/usr/bin/env bash
# End-to-end load benchmark: the gateway's own overhead over a bare call to the provider, beside
# the floor a proxy is measured against: a bare nginx proxy_pass hop in front of the same provider.
#
# Starts an upstream answering OpenAI's chat completions (by default an nginx that returns one fixed
# completion, JSON or SSE; BENCH_UPSTREAM=fake for the test kit's fake OpenAI in a JVM), nginx
# proxying to it and the gateway pointed at it, all on 127.0.0.1, runs the driver
# (dev.switchboard.bench.LoadBenchmark) in a JVM of its own, prints its Markdown tables (req/s,
# p50/p99 and each server's CPU per request; gateway/nginx ratios), and stops every server
# whatever happens. Installs nginx with apt-get when it is missing (as root; Debian's package).
#
#   bench/load.sh            30 s JIT warm-up, then 3 s warm-up and 10 s measured per scenario
#                            (18 scenarios: direct, nginx, gateway x C=1,16,64 x JSON,SSE;
#                            about 4.5 minutes in all)
#   bench/load.sh --quick    4 s JIT warm-up, 1 s warm-up and 3 s measured (about 1.5 minutes),
#                            a smoke run
#   bench/load.sh --runs 3   every scenario measured 3 times (rounds one after the other); the
#                            tables give the median, the ratios their [min-max]
#
# Environment:
#   BENCH_UPSTREAM            nginx (the default): the upstream is an nginx answering every chat
#                             completion with the same fixed bytes (JSON, or 6 SSE events and
#                             [DONE] when the request accepts text/event-stream), costing the
#                             machine a few µs a request, so it takes no CPU from the gateway
#                             (issue 18's method); fake: the test kit's fake OpenAI in a JVM,
#                             which reads and checks each request (about 50-100 µs of CPU each)
#   BENCH_SKIP_BUILD=1        use the jars already built
#   BENCH_JIT_WARMUP, BENCH_WARMUP, BENCH_MEASURE, BENCH_CONCURRENCY, BENCH_FORMATS
#                             override the driver's periods (500ms, 3s, 1m) and scenarios
#                             (1,16,64; json,sse)
#   BENCH_GATEWAY_PORT        the gateway's port (default: a free one)
#   BENCH_NGINX_PORT          the nginx hop's port (default: a free one)
#   BENCH_NGINX_WORKERS       nginx's worker_processes, for the hop and an nginx upstream
#                             (default auto: one per core)
#   BENCH_JAVA_OPTS           extra options for the JVMs of the gateway and the fake
#   BENCH_GATEWAY_JAVA_OPTS   extra options for the gateway's JVM only (after BENCH_JAVA_OPTS and
#                             after bin/switchboard's own, which the gateway is started with),
#                             e.g. -XX:StartFlightRecording=filename=/tmp/gw.jfr
#   SWITCHBOARD_LOG_LEVEL     the gateway's log level (INFO by default: one line per request)
#   SWITCHBOARD_LOGS_ENABLED  false to run the gateway without its request log (on by default,
#                             an embedded store in the run's temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."

jit_warmup=${BENCH_JIT_WARMUP:-30s}
warmup=${BENCH_WARMUP:-3s}
measure=${BENCH_MEASURE:-10s}
runs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) jit_warmup=${BENCH_JIT_WARMUP:-4s} warmup=${BENCH_WARMUP:-1s} measure=${BENCH_MEASURE:-3s} ;;
    --runs) runs=${2:-}; shift ;;
    --runs=*) runs=${1#--runs=} ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "load.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$runs" in
  ''|*[!0-9]*|0) echo "load.sh: --runs takes a positive whole number" >&2; exit 2 ;;
esac
upstream=${BENCH_UPSTREAM:-nginx}
case "$upstream" in
  nginx|fake) ;;
  *) echo "load.sh: BENCH_UPSTREAM is nginx or fake, not $upstream" >&2; exit 2 ;;
esac
concurrency=${BENCH_CONCURRENCY:-1,16,64}
formats=${BENCH_FORMATS:-json,sse}

java_major() { # prints the major version of the java binary $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1 || echo 0
}

pick_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] \
        && [ "$(java_major "$candidate/bin/java")" -ge 21 ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

JAVA_HOME=$(pick_jdk) || { echo "load.sh: no JDK 21 or newer (JAVA_HOME, /usr/lib/jvm)" >&2; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
java=$JAVA_HOME/bin/java

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "load.sh: building with $JAVA_HOME" >&2
  # package, never install: an installed snapshot in ~/.m2 would shadow other checkouts' code.
  ./mvnw -B -ntp -q -DskipTests -Djazzer.skip package -pl switchboard-server,switchboard-bench -am >&2
fi
gateway_jar=switchboard-server/target/switchboard.jar
bench_jar=switchboard-bench/target/switchboard-bench.jar
for jar in "$gateway_jar" "$bench_jar"; do
  [ -f "$jar" ] || { echo "load.sh: $jar is missing; build first" >&2; exit 1; }
done

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "load.sh: nginx is missing; install it (apt-get install -y nginx) or run as root" >&2
    exit 1
  fi
  echo "load.sh: installing nginx" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y nginx >&2
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-bench.XXXXXX")
fake_pid=""
nginx_pid=""
gateway_pid=""
driver_pid=""
stop_all() {
  local pid
  # nginx's master stops its workers on TERM (a fast shutdown) before it exits.
  for pid in $driver_pid $gateway_pid $nginx_pid $fake_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $driver_pid $gateway_pid $nginx_pid $fake_pid; do
    # Each exits within a second or two on SIGTERM; after 10 s it is killed.
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits up to 30 s for a TCP listener on 127.0.0.1:$1, as long as process $2 lives.
await_port() {
  for _ in $(seq 300); do
    kill -0 "$2" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

free_port() { # a port the kernel just handed out and released; 18787 without python3
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
    2>/dev/null || echo 18787
}

# Writes the configuration of an nginx in $work/$1 (in the foreground, daemon off, so that $! is
# its master; everything it writes in that directory) listening on 127.0.0.1:$2, serving the
# server-block lines $4, with the http-block lines $3; starts it and sets started_pid.
start_nginx() {
  local dir=$work/$1 port=$2
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
# worker_processes auto (one per core): the gateway may use every core, so the floor may too;
# a single worker would cap nginx at one core and flatter the gateway's req/s ratio.
worker_processes ${BENCH_NGINX_WORKERS:-auto};
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  # The driver and the gateway keep their connections for the whole scenario (nginx closes one
  # after 1000 requests by default).
  keepalive_requests 1000000;
$3
  server {
    listen 127.0.0.1:$port;
$4
  }
}
CONF
  "$nginx" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/nginx.out" 2>&1 &
  started_pid=$!
  if ! await_port "$port" "$started_pid"; then
    echo "load.sh: nginx ($1) did not start on port $port:" >&2
    cat "$dir/nginx.out" "$dir/error.log" >&2 2>/dev/null || true
    kill "$started_pid" 2>/dev/null || true
    exit 1
  fi
}

if [ "$upstream" = fake ]; then
  # shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of options
  "$java" ${BENCH_JAVA_OPTS:-} -cp "$bench_jar" dev.switchboard.testkit.FakeOpenAiMain --port 0 \
    >"$work/fake.out" 2>"$work/fake.err" &
  fake_pid=$!
  fake_url=""
  for _ in $(seq 300); do
    fake_url=$(sed -n 's/^fake-openai listening on \(http:[^ ]*\)$/\1/p' "$work/fake.out")
    [ -n "$fake_url" ] && break
    kill -0 "$fake_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$fake_url" ]; then
    echo "load.sh: the fake OpenAI did not start:" >&2
    cat "$work/fake.out" "$work/fake.err" >&2
    exit 1
  fi
else
  # The upstream as issue 18 measured it: nginx answering every chat completion with one fixed
  # OpenAI answer, whatever the request says (nginx does not read the body, so the request's
  # accept header picks JSON or SSE; the gateway's OpenAI provider sends text/event-stream for a
  # stream). The stream is what OpenAI sends with stream_options.include_usage: a role chunk,
  # content chunks, the finish chunk, the usage chunk, [DONE].
  upstream_port=$(free_port)
  id='"id":"chatcmpl-bench","created":1765000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_bench"'
  chunk() { # data: line of a chat.completion.chunk with choices $1
    printf 'data: {%s,"object":"chat.completion.chunk","choices":%s}\\n\\n' "$id" "$1"
  }
  delta() { chunk '[{"index":0,"delta":{'"$1"'},"logprobs":null,"finish_reason":'"${2:-null}"'}]'; }
  json='{'$id',"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Visit the Gulbenkian Museum, ride tram 28 through the Alfama, and taste pasteis de nata in Belem.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":35,"completion_tokens":24,"total_tokens":59}}'
  sse="$(delta '"role":"assistant","content":"","refusal":null')$(delta '"content":"Visit the Gulbenkian Museum,"')$(delta '"content":" ride tram 28 through the Alfama,"')$(delta '"content":" and taste pasteis de nata in Belem."')$(delta '' '"stop"')$(chunk '[],"usage":{"prompt_tokens":35,"completion_tokens":24,"total_tokens":59}')data: [DONE]\n\n"
  start_nginx upstream "$upstream_port" "" "    location = /v1/chat/completions {
      if (\$http_accept ~* text/event-stream) { rewrite ^ /v1/stream last; }
      default_type application/json;
      return 200 '$json';
    }
    location = /v1/stream {
      internal;
      default_type text/event-stream;
      add_header cache-control no-cache;
      return 200 '$sse';
    }
    location / { return 404; }"
  fake_pid=$started_pid
  fake_url=http://127.0.0.1:$upstream_port/v1
fi

# The floor: nginx proxying to the upstream, as a bare reverse proxy is usually set up in front of
# an HTTP/1.1 service (keep-alive to the upstream, no buffering so that SSE events pass at once).
nginx_port=${BENCH_NGINX_PORT:-$(free_port)}
fake_authority=$(sed -n 's|^http://\([^/]*\).*$|\1|p' <<<"$fake_url")
fake_path=$(sed -n 's|^http://[^/]*\(/.*\)$|\1|p' <<<"$fake_url")
start_nginx hop "$nginx_port" "  upstream fake {
    server $fake_authority;
    keepalive 128;
    keepalive_requests 1000000;
  }" "    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_buffering off;
    }"
nginx_pid=$started_pid
nginx_url=http://127.0.0.1:$nginx_port$fake_path

gateway_port=${BENCH_GATEWAY_PORT:-$(free_port)}
# Through the README's command, bin/switchboard, so the gateway runs with the JVM settings a user
# gets (it execs java, so $! is the gateway's JVM); BENCH_*JAVA_OPTS come after them and win.
SWITCHBOARD_JAR=$gateway_jar JAVA_HOME=$JAVA_HOME \
  SWITCHBOARD_JAVA_OPTS="${BENCH_JAVA_OPTS:-} ${BENCH_GATEWAY_JAVA_OPTS:-}" bin/switchboard \
  --server.host 127.0.0.1 --server.port "$gateway_port" --server.drain-timeout 2s \
  --logs.directory "$work/logs" \
  --providers.openai.base-url "$fake_url" \
  >"$work/gateway.out" 2>&1 &
gateway_pid=$!
if ! await_port "$gateway_port" "$gateway_pid"; then
  echo "load.sh: the gateway did not start on port $gateway_port:" >&2
  tail -n 20 "$work/gateway.out" >&2
  exit 1
fi
gateway_url=http://127.0.0.1:$gateway_port/v1
echo "load.sh: upstream ($upstream) at $fake_url, nginx at $nginx_url, gateway at $gateway_url (log level ${SWITCHBOARD_LOG_LEVEL:-INFO})" >&2

# Every scenario's periods plus two minutes for starting, connecting and a hung last request.
seconds() { # 500ms, 3s, 1.5s or 1m in whole seconds, rounded up
  awk -v d="$1" 'BEGIN { f = d ~ /ms$/ ? 0.001 : d ~ /m$/ ? 60 : 1; sub(/[a-z]+$/, "", d);
    s = d * f; print (s == int(s)) ? s : int(s) + 1 }'
}
scenarios=$(( 3 * runs * $(tr ',' '\n' <<<"$concurrency" | wc -l) * $(tr ',' '\n' <<<"$formats" | wc -l) ))
limit=$(( $(seconds "$jit_warmup") + scenarios * ($(seconds "$warmup") + $(seconds "$measure")) + 120 ))

nginx_workers=$(grep -c . <<<"$(ps -o pid= --ppid "$nginx_pid")")
echo "Servers and driver: $("$java" -version 2>&1 | head -1), gateway log level ${SWITCHBOARD_LOG_LEVEL:-INFO}, one JVM each;" \
  "$("$nginx" -v 2>&1 | sed 's/^nginx version: //') with $nginx_workers worker(s) (worker_processes ${BENCH_NGINX_WORKERS:-auto});" \
  "upstream: $([ "$upstream" = nginx ] && echo "nginx answering fixed bytes (the fake rows are its CPU)" || echo "the test kit's fake OpenAI")."
echo
# In the background and waited for, so that INT and TERM reach the traps at once (bash runs a
# trap only after a foreground command ends).
timeout --kill-after=10s "${limit}s" "$java" -jar "$bench_jar" \
  --direct "$fake_url" --nginx "$nginx_url" --gateway "$gateway_url" --jit-warmup "$jit_warmup" \
  --warmup "$warmup" --measure "$measure" --concurrency "$concurrency" --formats "$formats" \
  --runs "$runs" --fake-pid "$fake_pid" --nginx-pid "$nginx_pid" --gateway-pid "$gateway_pid" \
  --clock-ticks "$(getconf CLK_TCK 2>/dev/null || echo 100)" &
driver_pid=$!
# The gateway's resident memory, sampled every second while the driver runs (issue 18: RSS under
# load), its peak printed after the tables.
(
  peak=0
  while kill -0 "$driver_pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$gateway_pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" >"$work/gateway-rss-peak"
    sleep 1
  done
) &
status=0
wait "$driver_pid" || status=$?
driver_pid=""
if [ -s "$work/gateway-rss-peak" ]; then
  echo
  echo "Gateway RSS, peak of the samples taken every second during the run: $(( $(cat "$work/gateway-rss-peak") / 1024 )) MB."
fi
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "load.sh: the driver did not finish within ${limit}s and was stopped" >&2
fi
exit "$status"
