#!/usr/bin/env bash
# HTTP figures for the foundation: /healthz throughput and latency with wrk, idle RSS, and the time
# from process start to the first answered request on an existing SQLite database.
#   bench/http.sh <chorus binary> <work dir>
set -euo pipefail
chorus=$1
work=$2
port=18931
data=$work/data
mkdir -p "$data"

wait_ready() {
  for _ in $(seq 1 400); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.005
  done
  echo "server did not start" >&2
  return 1
}

start_server() {
  "$chorus" serve --listen "127.0.0.1:$port" --data-dir "$data" --database "sqlite:$data/chorus.db" \
    --set log.file="$work/chorus.log" "$@" &
  server=$!
  wait_ready
}

stop_server() {
  kill -TERM "$server"
  wait "$server" || true
}

echo
echo "== start to ready on an existing SQLite database (5 runs, ms)"
start_server
stop_server
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N)
  start_server
  t1=$(date +%s%N)
  echo "  $(( (t1 - t0) / 1000000 )) ms"
  stop_server
done

echo
echo "== /healthz with wrk -t2 -c64 -d10s (access log on, to a file)"
start_server
sleep 0.5
echo "idle RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$server/status)"
wrk -t2 -c64 -d10s --latency "http://127.0.0.1:$port/healthz" | sed -n '1,20p'
echo "RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$server/status)"
stop_server

echo
echo "== accounts: login latency (20 logins, argon2id m=19MiB t=2) and authenticated GET /api/v1/me"
start_server
base="http://127.0.0.1:$port"
curl -sf -XPOST "$base/api/v1/auth/register" -d '{"email":"bench@example.com","username":"bench","password":"Bench-Passw0rd"}' >/dev/null
for _ in $(seq 1 20); do
  curl -s -o /dev/null -w '%{time_total}\n' -XPOST "$base/api/v1/auth/login" -d '{"login":"bench","password":"Bench-Passw0rd"}'
done | sort -n | awk '{t[NR]=$1} END {printf "login: p50 %.1f ms, p90 %.1f ms\n", t[int(NR*0.5)]*1000, t[int(NR*0.9)]*1000}'
token=$(curl -s -XPOST "$base/api/v1/auth/login" -d '{"login":"bench","password":"Bench-Passw0rd"}' |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
key=$(curl -s -XPOST "$base/api/v1/api-keys" -H "Authorization: Bearer $token" -d '{"name":"bench"}' |
      sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
echo "-- GET /api/v1/me with a session token, wrk -t2 -c64 -d10s"
wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $token" "$base/api/v1/me" | sed -n '4,12p;/Requests\/sec/p'
echo "-- GET /api/v1/me with an API key, wrk -t2 -c64 -d10s"
wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $key" "$base/api/v1/me" | sed -n '4,12p;/Requests\/sec/p'
stop_server
