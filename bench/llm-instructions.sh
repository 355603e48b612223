#!/usr/bin/env bash
# User-space instructions per proxied chat completion, counted by callgrind: a figure that does not
# move with the load on this shared machine, for comparing changes to the gateway's path (timings
# do, by tens of percent). Chorus runs under valgrind with one network thread in front of the fake
# provider; a warm-up, then the counters are zeroed, 6 s of closed-loop calls counted, and the
# usage rows of those calls written before the dump. The calls are counted by Chorus itself (the
# usage rows written between the zeroing and the dump), so that calls the load tool did not see
# finish are not left out. Threads are counted apart: the network thread (the request path) and
# the others (the usage writer, whose share moves by ±2k with where its batches fall, and
# background work). With "stream", the calls are streamed completions of the fake provider (eight
# events each), one after another: 300 to warm up, 1,500 counted.
#   bench/llm-instructions.sh <build dir> <work dir> [whole|stream]
set -euo pipefail
build=$1
kind=${3:-whole}
work=$2/llm-instructions-$kind
mkdir -p "$work"
if ! command -v valgrind >/dev/null; then
  echo "valgrind is not installed (apt-get install valgrind); skipping the instruction count"
  exit 0
fi
fake_port=18951
port=18952
source "$(dirname "$0")/llm-common.sh"
start_fake_provider "$build" "$work" "$fake_port"
valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/callgrind.out" "$build/chorus" serve \
  --config "$work/llm.toml" --listen "127.0.0.1:$port" --data-dir "$work" --database "sqlite:$work/chorus.db" \
  --set log.file="$work/chorus.log" --set http.threads=1 >"$work/valgrind.log" 2>&1 &
server=$!
trap 'kill $server $fake 2>/dev/null; wait $server 2>/dev/null || true' EXIT  # chorus drains, valgrind writes its last dump
base="http://127.0.0.1:$port"
key=$(bench_api_key "$base" 600)
if [ "$kind" = stream ]; then
  load() { "$build/bench/llm_load" --url "$base/v1" --token "$key" --mode stream --requests "$(($1 * 250))"; }
else
  load() { "$build/bench/llm_load" --url "$base/v1" --token "$key" --mode closed --connections 4 --seconds "$1"; }
fi
load 3 >/dev/null  # warm-up: first connections, caches, the first usage batch
sleep 1.5
rows_written() { curl -s "$base/metrics" | awk '$1 == "chorus_llm_usage_written_total" {print $2}'; }
before=$(rows_written)
callgrind_control -z "$server" >/dev/null 2>&1
load 6 >/dev/null
sleep 1.5  # the usage rows of these calls are written
callgrind_control -d "$server" >/dev/null 2>&1
calls=$(($(rows_written) - before))
sleep 1
total=0
network=0
for dump in "$work"/callgrind.out.1-*; do  # the first dump, one file per thread; -01 is the main thread
  n=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
  total=$((total + ${n:-0}))
  [[ $dump == *-01 ]] && network=${n:-0}
done
echo "$kind: proxied calls counted: $calls; user-space instructions per call (chorus, all threads): $((total / calls))"
echo "  the network thread (the request path): $((network / calls)); other threads (usage writer, jobs): $(((total - network) / calls))"
