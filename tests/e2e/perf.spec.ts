// The dashboard's numbers (README, "Dashboard"), measured in the browser
// with the Performance API: over 50 lookups of different customers, the
// time from Enter in the search box to the offers rendered (the page's own
// "nbo:lookup" measure, src/lookup.ts), p50 and p95; the JavaScript and CSS
// transferred, and gzipped; the first paint of /. A benchmark, not a test:
// it runs only with NBO_E2E_PERF=1 (tests/bench/dashboard_bench.sh) and
// asserts no time; it writes perf.json next to the test results.
import { expect, test } from "@playwright/test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { lookUp, withToken } from "./lib/pages";
import { dashboardDir, outDir, Stack } from "./lib/stack";

test.skip(process.env.NBO_E2E_PERF !== "1", "a benchmark: NBO_E2E_PERF=1 (tests/bench/dashboard_bench.sh)");

const kLookups = 50;
const kColdLoads = 5;

let stack: Stack;
test.beforeAll(async () => {
  stack = await Stack.start({ customers: 300 });
});
test.afterAll(async () => {
  await stack?.stop();
});

function quantile(sorted: number[], q: number): number {
  // Nearest rank.
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? NaN;
}

const round = (x: number) => Math.round(x * 10) / 10;

test("50 lookups, transfer sizes and first paint", async ({ browser }) => {
  test.setTimeout(180_000);

  // Cold loads of /: a new context each, so nothing is cached.
  const paints: number[] = [];
  const fcps: number[] = [];
  let resources: { name: string; transferSize: number; encodedBodySize: number; decodedBodySize: number }[] = [];
  for (let i = 0; i < kColdLoads; i++) {
    const context = await browser.newContext();
    await withToken(context, stack.token("desk"));
    const page = await context.newPage();
    await page.goto(stack.url);
    await expect(page.getByRole("heading", { name: "Find a customer" })).toBeVisible();
    const timing = await page.evaluate(() => ({
      paint: performance.getEntriesByName("first-paint")[0]?.startTime ?? NaN,
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
      resources: performance
        .getEntriesByType("resource")
        .map((r) => r as PerformanceResourceTiming)
        .filter((r) => /\.(js|css)$/.test(r.name))
        .map((r) => ({
          name: new URL(r.name).pathname,
          transferSize: r.transferSize,
          encodedBodySize: r.encodedBodySize,
          decodedBodySize: r.decodedBodySize,
        })),
    }));
    paints.push(timing.paint);
    fcps.push(timing.fcp);
    resources = timing.resources;
    await context.close();
  }

  // 50 lookups of different customers in one session, as an RM works.
  const context = await browser.newContext();
  await withToken(context, stack.token("desk"));
  const page = await context.newPage();
  await page.goto(stack.url);
  await expect(page.getByRole("heading", { name: "Find a customer" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  // Five or so calls per lookup: keep every entry (the default keeps 250).
  await page.evaluate(() => performance.setResourceTimingBufferSize(5000));
  const lookups: number[] = [];
  const steps: object[] = [];
  for (let i = 0; i < kLookups; i++) {
    const customerId = `C${String(101 + i).padStart(7, "0")}`;
    await lookUp(page, customerId);
    await page.waitForFunction((n) => performance.getEntriesByName("nbo:lookup").length === n, i + 1);
    const entry = await page.evaluate(() => {
      const all = performance.getEntriesByName("nbo:lookup") as PerformanceMeasure[];
      const last = all[all.length - 1];
      const start = last?.startTime ?? NaN;
      // The page's own steps (src/lookup.ts), relative to Enter.
      const at = (name: string) =>
        Math.round(((performance.getEntriesByName(name).slice(-1)[0]?.startTime ?? NaN) - start) * 10) / 10;
      const call = (part: string) => {
        const r = performance
          .getEntriesByType("resource")
          .map((e) => e as PerformanceResourceTiming)
          .filter((e) => e.name.includes(part) && e.startTime >= start - 1)[0];
        return r === undefined ? null : [Math.round(r.startTime - start), Math.round(r.responseEnd - start)];
      };
      return {
        duration: last?.duration ?? NaN,
        customer: String(last?.detail),
        steps: {
          get_customer: call("/v1/customers/"),
          customer_answered: at("nbo:customer"),
          recommend: call("/v1/recommend"),
          decision_answered: at("nbo:decision"),
          committed: at("nbo:committed"),
        },
      };
    });
    expect(entry.customer).toBe(customerId);
    await expect(page.locator("section.offers")).toBeVisible();
    lookups.push(entry.duration);
    steps.push({ customer: customerId, total: round(entry.duration), ...entry.steps });
  }
  await context.close();

  // The models view loads uPlot's chunk on top of what / loads.
  const models = await browser.newContext();
  const modelsPage = await models.newPage();
  await modelsPage.goto(`${stack.url}/#/models`);
  await expect(modelsPage.getByTestId("serving")).toBeVisible();
  await modelsPage.waitForLoadState("networkidle");
  const modelsTransferred = await modelsPage.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((r) => r as PerformanceResourceTiming)
      .filter((r) => /\.(js|css)$/.test(r.name))
      .reduce((sum, r) => sum + r.transferSize, 0),
  );
  await models.close();

  const sorted = [...lookups].sort((a, b) => a - b);
  const gzip = (file: string) => gzipSync(readFileSync(join(dashboardDir, file)), { level: 9 }).length;
  const raw = (file: string) => readFileSync(join(dashboardDir, file)).length;
  const all = readdirSync(dashboardDir).filter((f) => /\.(js|css)$/.test(f));
  const report = {
    lookups: kLookups,
    enter_to_offers_ms: {
      p50: round(quantile(sorted, 0.5)),
      p95: round(quantile(sorted, 0.95)),
      mean: round(lookups.reduce((a, b) => a + b, 0) / lookups.length),
      min: round(sorted[0] ?? NaN),
      max: round(sorted[sorted.length - 1] ?? NaN),
    },
    js_css_bytes: {
      // What a cold load of / fetched (nbo-gateway does not compress).
      transferred_first_load: resources.reduce((a, r) => a + r.transferSize, 0),
      // The same files gzipped (-9), as a compressing proxy would send them.
      gzip_first_load: gzip("app.js") + gzip("app.css"),
      raw_first_load: raw("app.js") + raw("app.css"),
      // The models view adds uPlot's chunk.
      transferred_with_models_view: modelsTransferred,
      gzip_all: all.reduce((a, f) => a + gzip(f), 0),
      raw_all: all.reduce((a, f) => a + raw(f), 0),
      resources,
    },
    first_paint_ms: {
      cold_loads: kColdLoads,
      median_first_paint: round([...paints].sort((a, b) => a - b)[Math.floor(kColdLoads / 2)] ?? NaN),
      median_first_contentful_paint: round([...fcps].sort((a, b) => a - b)[Math.floor(kColdLoads / 2)] ?? NaN),
      all_first_paint: paints.map(round),
    },
    all_lookups_ms: lookups.map(round),
    // Per lookup, ms after Enter: each call's [start, end], and when the
    // page had the answers and committed the offers.
    steps,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "perf.json"), JSON.stringify(report, null, 2) + "\n");
  console.log(JSON.stringify({ ...report, all_lookups_ms: undefined, steps: undefined }, null, 2));
});
