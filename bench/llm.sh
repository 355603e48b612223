#!/usr/bin/env bash
# LLM gateway figures (issue 8): the same load sent straight to a fake OpenAI-compatible provider
# and through Chorus in front of it, on this machine (provider, Chorus and load share the cores).
#   bench/llm.sh <build dir> <work dir>
set -euo pipefail
build=$1
work=$2
chorus=$build/chorus
load=$build/bench/llm_load
fake_port=18941
port=18942
data=$work/llm-data
mkdir -p "$data"

source "$(dirname "$0")/llm-common.sh"
start_fake_provider "$build" "$work" "$fake_port"
"$chorus" serve --config "$work/llm.toml" --listen "127.0.0.1:$port" --data-dir "$data" \
  --database "sqlite:$data/chorus.db" --set log.file="$work/llm-chorus.log" &
server=$!
base="http://127.0.0.1:$port"
key=$(bench_api_key "$base" 100)
# The peak so far is the password hash of that login (Argon2id takes ~19 MiB for a moment); from
# here on the peak is the gateway's own under load.
echo 5 >"/proc/$server/clear_refs" 2>/dev/null || true
direct="http://127.0.0.1:$fake_port/v1"
through="$base/v1"

# The same load goes straight to the provider and through Chorus in alternating rounds, so that a
# burst of load from elsewhere on this shared machine falls on both sides; the figures are the
# medians of the rounds (each round's own numbers are printed too).
field() { sed -n "s/.* $1 \([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
rounds=9  # odd, for a median; nine short rounds steady it better than five long ones
# Runs `rounds` rounds of the load given as arguments, straight and through Chorus in turn; prints
# each round and leaves one line per round in $work/rounds.txt: the direct line, a tab, Chorus's.
alternate() {
  : >"$work/rounds.txt"
  for r in $(seq 1 "$rounds"); do
    d=$("$load" --url "$direct" "$@")
    c=$("$load" --url "$through" --token "$key" "$@")
    echo "round $r direct: $d"
    echo "round $r chorus: $c"
    printf '%s\t%s\n' "$d" "$c" >>"$work/rounds.txt"
  done
}
side() { cut -f"$1" "$work/rounds.txt"; }  # 1: direct, 2: chorus

echo
echo "== LLM gateway: open loop, 1,000 requests/s, 16 connections, $rounds rounds of 3 s each way"
echo "   (latency from when each request was due)"
alternate --mode open --rate 1000 --seconds 3
paste <(side 1 | field p50) <(side 1 | field p99) <(side 2 | field p50) <(side 2 | field p99) >"$work/open.txt"
echo "median of rounds: direct p50 $(awk '{print $1}' "$work/open.txt" | median) ms, chorus p50 $(awk '{print $3}' "$work/open.txt" | median) ms"
echo "added by chorus (median of rounds): p50 $(awk '{print $3 - $1}' "$work/open.txt" | median) ms," \
  "p99 $(awk '{print $4 - $2}' "$work/open.txt" | median) ms"
echo
echo "== closed loop, 32 connections, $rounds rounds of 3 s each way (throughput)"
alternate --mode closed --connections 32 --seconds 3
paste <(side 1 | awk '{print $6}') <(side 2 | awk '{print $6}') >"$work/closed.txt"
echo "median of rounds: direct $(awk '{print $1}' "$work/closed.txt" | median) req/s, chorus $(awk '{print $2}' "$work/closed.txt" | median) req/s"
echo "chorus / direct (median of the rounds' ratios): $(awk '{printf "%.3f\n", $2 / $1}' "$work/closed.txt" | median)"
echo "RSS of chorus after the load: $(awk '/VmRSS/ {print $2, $3}' /proc/$server/status), peak under the load $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
echo
echo "== streaming: 500 streamed completions one after another (time to the first chunk)"
echo "direct:  $("$load" --url "$direct" --mode stream --requests 500)"
echo "chorus:  $("$load" --url "$through" --token "$key" --mode stream --requests 500)"
sleep 0.5
echo "usage rows written: $(sqlite3 "$data/chorus.db" 'SELECT COUNT(*) FROM usage_logs' 2>/dev/null || echo '?')"
kill -TERM "$server" "$fake"
wait "$server" "$fake" 2>/dev/null || true
