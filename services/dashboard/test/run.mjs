// Unit tests of the dashboard's logic (no browser): test/*.test.ts are
// bundled with esbuild for Node.js and run with node:test. ctest runs this
// as dashboard_unit (label dashboard), after `npm ci` in services/dashboard.
//
//   node test/run.mjs
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { build } = await import(join(here, "..", "node_modules", "esbuild", "lib", "main.js"));
const out = mkdtempSync(join(tmpdir(), "nbo-dashboard-test-"));
try {
  const tests = readdirSync(here).filter((f) => f.endsWith(".test.ts"));
  await build({
    entryPoints: tests.map((f) => join(here, f)),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node18",
    outdir: out,
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
  });
  const files = tests.map((f) => join(out, f.replace(/\.ts$/, ".mjs")));
  // Numbers and dates in a fixed locale and zone, whatever the machine's.
  const env = { ...process.env, LANG: "en_GB.UTF-8", LC_ALL: "en_GB.UTF-8", TZ: "UTC" };
  const run = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit", env });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
