// The models view: the serving versions, training metrics, labels and
// split, and the experiment chart once a split has collected feedback.
import { expect, test } from "@playwright/test";
import { join } from "node:path";
import { withToken } from "./lib/pages";
import { outDir, Stack } from "./lib/stack";

let stack: Stack;

test.beforeAll(async () => {
  stack = await Stack.start();
});
test.afterAll(async () => {
  await stack?.stop();
});
// The models view is for anyone with `read`: the desk token will do.
test.beforeEach(async ({ context }) => {
  await withToken(context, stack.token("desk"));
});

test("shows the serving version and its training metrics", async ({ page }) => {
  await page.goto(`${stack.url}/#/models`);
  const model = page.getByRole("region", { name: "Model nbo" });
  await expect(model.getByTestId("serving")).toContainText("version 1 · 100% of traffic · latest available");
  const row = model.locator('table.versions tr[data-version="1"]');
  await expect(row).toContainText("available");
  // MAP@7 and the lift over popularity that nbo-trainer stored.
  await expect(row.locator("td").nth(4)).toHaveText(/^0\.\d{3} \(K=7\)$/);
  await expect(row.locator("td").nth(5)).toHaveText(/^[+-]?\d+(\.\d)?% \(map@7\)$/);
  await expect(model.getByText("No feedback yet")).toBeVisible();
});

test("after a traffic split collects feedback, the experiment chart shows each arm", async ({ page, request }) => {
  // Operator steps over gRPC: a second version, labels, a 50/50 split.
  stack.publishAnotherVersion();
  const ctl = (args: string[]) => stack.nboctl([...args, `--server=${stack.grpcAddr}`], "ops");
  ctl(["models", "label", "--label=stable", "--version=1"]);
  ctl(["models", "label", "--label=canary", "--version=2"]);
  ctl(["models", "split", "--arms=stable:50,canary:50"]);

  // Decisions and answers through the gateway: canary's offers are taken
  // more often than stable's; with the desk token, as the page sends it.
  const headers = stack.open ? {} : { Authorization: `Bearer ${stack.token("desk")}` };
  for (let i = 1; i <= 60; i++) {
    const customerId = `C${String(i).padStart(7, "0")}`;
    const decision = await (
      await request.post(`${stack.url}/v1/recommend`, { headers, data: { customerId, channel: "branch" } })
    ).json();
    const offer = decision.offers?.[0];
    if (offer === undefined) continue;
    const take = decision.experimentArm === "canary" ? i % 3 !== 0 : i % 4 === 0;
    const answer = await request.post(`${stack.url}/v1/feedback`, {
      headers,
      data: {
        decisionId: decision.decisionId,
        customerId,
        productId: offer.productId,
        outcome: take ? "FEEDBACK_OUTCOME_ACCEPTED" : "FEEDBACK_OUTCOME_DECLINED",
      },
    });
    expect(answer.ok()).toBeTruthy();
  }

  await page.goto(`${stack.url}/#/models`);
  const model = page.getByRole("region", { name: "Model nbo" });
  const serving = model.getByTestId("serving");
  await expect(serving).toContainText("version 1 · 50% of traffic · split arm stable");
  await expect(serving).toContainText("version 2 · 50% of traffic · split arm canary");
  await expect(model.locator('table.versions tr[data-version="2"]')).toContainText("canary");
  await expect(model.locator('table.versions tr[data-version="2"]')).toContainText("gate forced");

  const chart = model.getByTestId("experiment-chart");
  await expect(chart.locator("canvas")).toBeVisible();
  await expect(chart.locator("figcaption")).toContainText("95% confidence intervals");
  for (const arm of ["stable", "canary"]) {
    const row = model.locator(`table.arms tr[data-arm="${arm}"]`);
    await expect(row).toBeVisible();
    await expect(row.locator("td").nth(3)).toHaveText(/^\d+(\.\d)?%$/);
    await expect(row.locator("td").nth(4)).toHaveText(/^\d+(\.\d)?% – \d+(\.\d)?%$/);
  }
  await page.screenshot({ path: join(outDir, "screenshots", "dashboard-models.png"), fullPage: true });
});
