# Shared by the LLM gateway benchmarks (sourced, not run).

# Starts the fake OpenAI-compatible provider on 127.0.0.1:<port> (its pid in $fake) and writes the
# Chorus config naming it to <work>/llm.toml.
start_fake_provider() {
  local build=$1 work=$2 port=$3
  "$build/tests/fake_llm" --port "$port" --kind openai >"$work/fake.log" 2>&1 &
  fake=$!
  cat >"$work/llm.toml" <<TOML
[providers.fake]
kind = "openai"
base_url = "http://127.0.0.1:$port/v1"
api_key = "sk-bench"
models = ["gpt-4o-mini"]
input_price_per_million = 0.15
output_price_per_million = 0.6
TOML
}

# Waits for Chorus at <base> (up to <tries> × 0.1 s), registers a user, logs in and prints a new API key.
bench_api_key() {
  local base=$1 tries=$2 token
  for _ in $(seq 1 "$tries"); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf -XPOST "$base/api/v1/auth/register" \
    -d '{"email":"llm@example.com","username":"llmbench","password":"Bench-Passw0rd"}' >/dev/null
  token=$(curl -s -XPOST "$base/api/v1/auth/login" -d '{"login":"llmbench","password":"Bench-Passw0rd"}' |
          sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  curl -s -XPOST "$base/api/v1/api-keys" -H "Authorization: Bearer $token" -d '{"name":"bench"}' |
    sed -n 's/.*"key":"\([^"]*\)".*/\1/p'
}
