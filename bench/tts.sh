#!/usr/bin/env bash
# Time to the first audio byte of a ~4,000-character /v1/audio/speech request through the server.
#   bench/tts.sh <build dir> <work dir>
set -euo pipefail
build=$1
work=$2
port=18943
data=$work/tts-data
mkdir -p "$data"
"$build/chorus" serve --listen "127.0.0.1:$port" --data-dir "$data" --database "sqlite:$data/chorus.db" \
  --set log.file="$work/tts-chorus.log" &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 400); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.005; done
curl -sf -XPOST "$base/api/v1/auth/register" -d '{"email":"tts@example.com","username":"ttsbench","password":"Bench-Passw0rd"}' >/dev/null
token=$(curl -s -XPOST "$base/api/v1/auth/login" -d '{"login":"ttsbench","password":"Bench-Passw0rd"}' |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
text=$(printf 'The committee met on Tuesday to discuss the new library, which opens next spring. %.0s' $(seq 1 48))
body="{\"model\":\"tts-1\",\"voice\":\"alloy\",\"response_format\":\"mp3\",\"input\":\"$text\"}"
echo "-- first audio byte of a ${#text}-character request (mp3), 20 requests one after another"
"$build/bench/llm_load" --url "$base/v1" --path /audio/speech --body "$body" --token "$token" --mode stream \
  --requests 20 --connections 1
echo "-- the same, two at a time"
"$build/bench/llm_load" --url "$base/v1" --path /audio/speech --body "$body" --token "$token" --mode closed \
  --connections 2 --seconds 5
kill -TERM "$server"
wait "$server" 2>/dev/null || true
