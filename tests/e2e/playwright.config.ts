// Browser tests of the dashboard: Debian's Chromium (/usr/bin/chromium;
// Playwright never downloads a browser here) against real nbo-server and
// nbo-gateway processes that each spec file starts (lib/stack.ts). ctest
// runs them as dashboard_e2e (tests/e2e/CMakeLists.txt); docs/dashboard.md.
import { defineConfig } from "@playwright/test";
import { join } from "node:path";
import { outDir } from "./lib/stack";

export default defineConfig({
  testDir: ".",
  testMatch: /.*\.spec\.ts$/,
  // 2 cores shared with the C++ build: one browser at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: true,
  reporter: [["list"]],
  outputDir: join(outDir, "test-results"),
  use: {
    browserName: "chromium",
    headless: true,
    launchOptions: {
      executablePath: process.env.NBO_E2E_CHROMIUM ?? "/usr/bin/chromium",
      chromiumSandbox: false,
      // The machine's network is closed: no background fetches, no
      // component updates, no sync (docs/dashboard.md).
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    locale: "en-GB",
    timezoneId: "UTC",
    viewport: { width: 1280, height: 900 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
});
