// Checks docs/openapi.yaml: a valid OpenAPI 3.1 document (by a standard validator from npm), listing
// exactly the method+path pairs of the binary's route table, with security that matches each route's
// declared access (public routes need none; the others need bearer authentication).
//
// usage: node check.mjs <chorus binary> <openapi.yaml>
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import YAML from "yaml";

const [binary, specPath] = process.argv.slice(2);
if (!binary || !specPath) {
  console.error("usage: node check.mjs <chorus binary> <openapi.yaml>");
  process.exit(2);
}

const failures = [];
const validator = new Validator();
const result = await validator.validate(specPath);
if (!result.valid) failures.push(`not a valid OpenAPI document: ${JSON.stringify(result.errors, null, 2)}`);
if (validator.version !== "3.1") failures.push(`expected OpenAPI 3.1, found ${validator.version}`);

const spec = YAML.parse(readFileSync(specPath, "utf8"));
const dir = mkdtempSync(join(tmpdir(), "chorus-openapi-"));
let routes;
try {
  const out = execFileSync(binary, ["routes", "--json", "--data-dir", dir, "--database", `sqlite:${join(dir, "r.db")}`],
                           { encoding: "utf8" });
  routes = JSON.parse(out);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const methods = ["get", "put", "post", "delete", "options", "head", "patch"];
const documented = new Map();
for (const [path, item] of Object.entries(spec.paths ?? {})) {
  for (const method of methods) {
    if (item[method]) documented.set(`${method.toUpperCase()} ${path}`, item[method]);
  }
}
const routed = new Set();
for (const route of routes) {
  const key = `${route.method} ${route.path}`;
  routed.add(key);
  const op = documented.get(key);
  if (!op) {
    failures.push(`route ${key} is missing from ${specPath}`);
    continue;
  }
  const security = op.security ?? spec.security ?? [];
  const isPublic = Array.isArray(security) && (security.length === 0 || security.every((s) => Object.keys(s).length === 0));
  if ((route.access === "public") !== isPublic) {
    failures.push(`route ${key} is ${route.access} but the document says ${isPublic ? "public" : "authenticated"}`);
  }
  if (route.access === "admin" && op["x-chorus-access"] !== "admin") {
    failures.push(`route ${key} is admin-only: mark it x-chorus-access: admin`);
  }
}
for (const key of documented.keys()) {
  if (!routed.has(key)) failures.push(`${specPath} documents ${key}, which the server does not route`);
}

if (failures.length) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
console.log(`ok: ${routes.length} routes, all documented, OpenAPI ${validator.version} valid`);
