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
haproxy_pid=
trap 'kill $server $fake $haproxy_pid 2>/dev/null || true' EXIT  # also when a step fails
base="http://127.0.0.1:$port"
key=$(bench_api_key "$base" 100)
# The peak so far is the password hash of that login (Argon2id takes ~19 MiB for a moment); from
# here on the peak is the gateway's own under load.
echo 5 >"/proc/$server/clear_refs" 2>/dev/null || true
direct="http://127.0.0.1:$fake_port/v1"
through="$base/v1"

# The floor of this machine: HAProxy in front of the same provider, as a TCP relay (no HTTP work at
# all) and as an HTTP proxy (connections to the provider reused), when it is installed. What a
# proxy adds here is mostly the two extra hops through the kernel (and the wake-ups they cause),
# which no proxy avoids; Chorus's own work is what it adds above these.
sides=(direct)
urls=("$direct")
if command -v haproxy >/dev/null; then
  cat >"$work/haproxy.cfg" <<CFG
global
  nbthread 2
defaults
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen relay
  mode tcp
  bind 127.0.0.1:$((port + 1))
  server provider 127.0.0.1:$fake_port
listen proxy
  mode http
  bind 127.0.0.1:$((port + 2))
  http-reuse always
  server provider 127.0.0.1:$fake_port
CFG
  haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
  haproxy_pid=$!
  sides+=(haproxy-tcp haproxy-http)
  urls+=("http://127.0.0.1:$((port + 1))/v1" "http://127.0.0.1:$((port + 2))/v1")
else
  echo "(haproxy is not installed — apt-get install haproxy — so the floor of this machine is not measured)"
fi
sides+=(chorus)
urls+=("$through")

# The same load goes to every side in turn, round after round, so that a burst of load from
# elsewhere on this shared machine falls on all of them; the figures are the medians of the rounds
# (each round's own numbers are printed too).
field() { sed -n "s/.* $1 \([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# The median over the rounds of b - a, and of b / a, given two files of one figure per round.
median_difference() { paste "$1" "$2" | awk '{print $2 - $1}' | median; }
median_ratio() { paste "$1" "$2" | awk '{printf "%.3f\n", $2 / $1}' | median; }
rounds=${BENCH_LLM_ROUNDS:-9}  # odd, for a median; nine short rounds steady it better than five long ones
# Runs `rounds` rounds of the load given as arguments against every side; prints each round and
# leaves one line per round in $work/rounds.txt: the sides' lines, tab-separated, in `sides` order.
alternate() {
  : >"$work/rounds.txt"
  for r in $(seq 1 "$rounds"); do
    local line=""
    for i in "${!sides[@]}"; do
      local token=()
      [ "${sides[$i]}" = chorus ] && token=(--token "$key")
      out=$("$load" --url "${urls[$i]}" "${token[@]}" "$@")
      printf 'round %d %-13s %s\n' "$r" "${sides[$i]}:" "$out"
      line+="${line:+$'\t'}$out"
    done
    printf '%s\n' "$line" >>"$work/rounds.txt"
  done
}
side() { cut -f"$(($1 + 1))" "$work/rounds.txt"; }  # by index into `sides`
# CPU time of this virtual machine so far: "steal total" in ticks, from /proc/stat (steal is time
# the host gave to others while this machine wanted to run — the noise that no code here controls).
cpu_ticks() { awk '$1 == "cpu" {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
# Prints the share of CPU time stolen between two cpu_ticks readings.
steal_share() {
  echo "$1 $2" | awk '{d = $4 - $2; printf "%.1f%%", (d > 0 ? 100 * ($3 - $1) / d : 0)}'
}

echo
echo "== LLM gateway: open loop, 1,000 requests/s, 16 connections, $rounds rounds of 3 s each side"
echo "   (latency from when each request was due)"
before=$(cpu_ticks)
alternate --mode open --rate 1000 --seconds 3
echo "CPU time stolen by the host during these rounds: $(steal_share "$before" "$(cpu_ticks)")"
for i in "${!sides[@]}"; do side "$i" | field p50 >"$work/p50.$i"; side "$i" | field p99 >"$work/p99.$i"; done
echo "median of rounds, p50: $(for i in "${!sides[@]}"; do printf '%s %s ms  ' "${sides[$i]}" "$(median <"$work/p50.$i")"; done)"
for i in "${!sides[@]}"; do
  [ "$i" = 0 ] && continue
  echo "added by ${sides[$i]} (median of rounds): p50 $(median_difference "$work/p50.0" "$work/p50.$i") ms," \
    "p99 $(median_difference "$work/p99.0" "$work/p99.$i") ms"
done
if [ -n "$haproxy_pid" ]; then  # sides: direct, haproxy-tcp, haproxy-http, chorus
  echo "chorus above haproxy-http (median of rounds): p50 $(median_difference "$work/p50.2" "$work/p50.3") ms"
fi
echo
echo "== closed loop, 32 connections, $rounds rounds of 3 s each side (throughput)"
before=$(cpu_ticks)
alternate --mode closed --connections 32 --seconds 3
echo "CPU time stolen by the host during these rounds: $(steal_share "$before" "$(cpu_ticks)")"
for i in "${!sides[@]}"; do side "$i" | awk '{print $6}' >"$work/rps.$i"; done
echo "median of rounds: $(for i in "${!sides[@]}"; do printf '%s %s req/s  ' "${sides[$i]}" "$(median <"$work/rps.$i")"; done)"
for i in "${!sides[@]}"; do
  [ "$i" = 0 ] && continue
  echo "${sides[$i]} / direct (median of the rounds' ratios): $(median_ratio "$work/rps.0" "$work/rps.$i")"
done
if [ -n "$haproxy_pid" ]; then
  echo "chorus / haproxy-http (median of the rounds' ratios): $(median_ratio "$work/rps.2" "$work/rps.3")"
fi
echo "RSS of chorus after the load: $(awk '/VmRSS/ {print $2, $3}' /proc/$server/status), peak under the load $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
echo
echo "== streaming: 500 streamed completions one after another (time to the first chunk)"
echo "direct:  $("$load" --url "$direct" --mode stream --requests 500)"
echo "chorus:  $("$load" --url "$through" --token "$key" --mode stream --requests 500)"
sleep 0.5
echo "usage rows written: $(sqlite3 "$data/chorus.db" 'SELECT COUNT(*) FROM usage_logs' 2>/dev/null || echo '?')"
kill -TERM "$server" "$fake" $haproxy_pid
wait "$server" "$fake" $haproxy_pid 2>/dev/null || true
