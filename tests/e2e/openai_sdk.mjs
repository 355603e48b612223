// The official `openai` npm client, unmodified, against Chorus: a chat completion, a streamed one,
// the models list and an error. Chorus runs in front of the fake provider (tests/support/fake_llm),
// everything on 127.0.0.1; both processes are started and stopped here.
//
// usage: node openai_sdk.mjs <chorus binary> <fake_llm binary>
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import OpenAI from "openai";

const [chorusBinary, fakeBinary] = process.argv.slice(2);
if (!chorusBinary || !fakeBinary) {
  console.error("usage: node openai_sdk.mjs <chorus binary> <fake_llm binary>");
  process.exit(2);
}

const children = [];
const dir = mkdtempSync(join(tmpdir(), "chorus-e2e-"));
function cleanup() {
  for (const child of children) child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}

// Starts a process and resolves with the first match of `pattern` in its output (stdout or stderr).
function startAndWait(binary, args, pattern, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${binary} did not start:\n${output}`)), 20000);
    const onData = (data) => {
      output += data;
      const m = output.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${binary} exited with ${code}:\n${output}`)));
  });
}

async function json(base, path, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(base + path, { method: "POST", headers, body: JSON.stringify(body) });
  const out = await r.json();
  assert.ok(r.ok, `${path}: ${r.status} ${JSON.stringify(out)}`);
  return out;
}

try {
  const fakePort = await startAndWait(fakeBinary, ["--port", "0", "--kind", "openai"], /listening (\d+)/);
  writeFileSync(join(dir, "chorus.toml"),
                `[providers.local]\nkind = "openai"\nbase_url = "http://127.0.0.1:${fakePort}/v1"\n` +
                `api_key = "env:LOCAL_KEY"\nmodels = ["gpt-4o-mini", "meta-llama/Llama-3.1-8B-Instruct"]\n`);
  const port = await startAndWait(
      chorusBinary,
      ["serve", "--config", join(dir, "chorus.toml"), "--listen", "127.0.0.1:0", "--data-dir", join(dir, "data"),
       "--database", `sqlite:${join(dir, "data", "chorus.db")}`],
      /listening.*address[=":]+127\.0\.0\.1:(\d+)/, { LOCAL_KEY: "sk-e2e-provider" });
  const base = `http://127.0.0.1:${port}`;
  await json(base, "/api/v1/auth/register", { email: "sdk@example.com", username: "sdk", password: "Sdk-Passw0rd-1" });
  const { access_token } = await json(base, "/api/v1/auth/login", { login: "sdk", password: "Sdk-Passw0rd-1" });
  const { key } = await json(base, "/api/v1/api-keys", { name: "sdk", scopes: ["inference"] }, access_token);

  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 });

  const completion = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Say hello" }],
  });
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.choices[0].message.content, "Hello from fake");
  assert.equal(completion.usage.prompt_tokens, 7);

  const stream = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Say hello slowly" }],
    stream: true,
  });
  let text = "";
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    text += chunk.choices[0]?.delta?.content ?? "";
  }
  assert.equal(text, "Hello from fake");
  assert.ok(chunks >= 3, `expected several chunks, got ${chunks}`);

  const models = [];
  for await (const model of client.models.list()) models.push(model.id);
  assert.ok(models.includes("gpt-4o-mini"), `the provider's model is listed: ${models}`);
  assert.deepEqual(models, [...models].sort(), "ordered by name");
  assert.ok(models.includes("tts-1"), `the local speech models are listed too: ${models}`);
  // The SDK puts a model's name in the path as it is, slashes and all.
  const llama = await client.models.retrieve("meta-llama/Llama-3.1-8B-Instruct");
  assert.equal(llama.id, "meta-llama/Llama-3.1-8B-Instruct");
  assert.equal((await client.models.retrieve("gpt-4o-mini")).object, "model");

  await assert.rejects(
      client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
      (err) => err instanceof OpenAI.NotFoundError && err.param === "model");

  console.log("openai SDK end to end: completion, stream, models (listed and retrieved) and errors ok");
  cleanup();
  process.exit(0);
} catch (err) {
  console.error(err);
  cleanup();
  process.exit(1);
}
