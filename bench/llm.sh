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

"$build/tests/fake_llm" --port "$fake_port" --kind openai >"$work/fake.log" 2>&1 &
fake=$!
cat >"$work/llm.toml" <<TOML
[providers.fake]
kind = "openai"
base_url = "http://127.0.0.1:$fake_port/v1"
api_key = "sk-bench"
models = ["gpt-4o-mini"]
input_price_per_million = 0.15
output_price_per_million = 0.6
TOML
"$chorus" serve --config "$work/llm.toml" --listen "127.0.0.1:$port" --data-dir "$data" \
  --database "sqlite:$data/chorus.db" --set log.file="$work/llm-chorus.log" &
server=$!
for _ in $(seq 1 400); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.005; done
base="http://127.0.0.1:$port"
curl -sf -XPOST "$base/api/v1/auth/register" -d '{"email":"llm@example.com","username":"llmbench","password":"Bench-Passw0rd"}' >/dev/null
token=$(curl -s -XPOST "$base/api/v1/auth/login" -d '{"login":"llmbench","password":"Bench-Passw0rd"}' |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
key=$(curl -s -XPOST "$base/api/v1/api-keys" -H "Authorization: Bearer $token" -d '{"name":"bench"}' |
      sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
direct="http://127.0.0.1:$fake_port/v1"
through="$base/v1"

echo
echo "== LLM gateway: open loop, 1,000 requests/s for 10 s, 16 connections (latency from when each was due)"
echo "direct:  $("$load" --url "$direct" --mode open --rate 1000 --seconds 10)"
echo "chorus:  $("$load" --url "$through" --token "$key" --mode open --rate 1000 --seconds 10)"
echo
echo "== closed loop, 32 connections for 10 s (throughput)"
echo "direct:  $("$load" --url "$direct" --mode closed --connections 32 --seconds 10)"
echo "chorus:  $("$load" --url "$through" --token "$key" --mode closed --connections 32 --seconds 10)"
echo "RSS of chorus after the load: $(awk '/VmRSS/ {print $2, $3}' /proc/$server/status), peak $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
echo
echo "== streaming: 500 streamed completions one after another (time to the first chunk)"
echo "direct:  $("$load" --url "$direct" --mode stream --requests 500)"
echo "chorus:  $("$load" --url "$through" --token "$key" --mode stream --requests 500)"
sleep 0.5
echo "usage rows written: $(sqlite3 "$data/chorus.db" 'SELECT COUNT(*) FROM usage_logs' 2>/dev/null || echo '?')"
kill -TERM "$server" "$fake"
wait "$server" "$fake" 2>/dev/null || true
