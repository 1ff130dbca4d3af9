// The states a person must be able to read: loading, empty, unknown
// customer (404), upstream down (503). No token or the wrong role (401,
// 403) are in access.spec.ts and admin.spec.ts.
import { expect, test } from "@playwright/test";
import { decisionId, lookUp, offerCards, withToken } from "./lib/pages";
import { Stack } from "./lib/stack";

let stack: Stack;
test.beforeAll(async () => {
  stack = await Stack.start({ customers: 100 });
});
test.afterAll(async () => {
  await stack?.stop();
});
// A relationship manager's desk token in every tab: the server is closed.
test.beforeEach(async ({ context }) => {
  await withToken(context, stack.token("desk"));
});

test("an unknown customer gets a clear message and no decision is made for it", async ({ page }) => {
  await page.goto(stack.url);
  await lookUp(page, "C9999999");
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Not found (404)");
  await expect(alert).toContainText("nbo has no data for customer C9999999");
  await expect(page.getByRole("link", { name: "browse customers" })).toBeVisible();
  await expect(offerCards(page)).toHaveCount(0);
  // Nothing was logged for the mistyped id: the server still knows nothing.
  expect(() =>
    stack.nboctl(["customer", `--server=${stack.grpcAddr}`, "--customer_id=C9999999"], "desk"),
  ).toThrow(/NOT_FOUND|no data/);
});

test("loading states are announced while the server answers", async ({ page }) => {
  await page.route("**/v1/recommend", async (route) => {
    await new Promise((r) => setTimeout(r, 800));
    await route.continue();
  });
  await page.goto(`${stack.url}/#/customers/C0000003`);
  await expect(page.getByRole("status").filter({ hasText: "Loading the offers…" })).toBeVisible();
  await expect(offerCards(page).first()).toBeVisible();
});

test("an empty history says so", async ({ page }) => {
  // C0000004 has never been decided for: only its profile and transactions.
  await page.goto(`${stack.url}/#/customers/C0000004/history`);
  await expect(page.getByText("No decisions logged for this customer yet.")).toBeVisible();
});

test("nbo-server stopped mid-session gives the 503 message, not a blank page", async ({ page }) => {
  await page.goto(`${stack.url}/#/customers/C0000042`);
  const shown = await decisionId(page);
  const card = offerCards(page).first();
  const name = (await card.getByRole("heading", { level: 3 }).textContent()) ?? "";

  await stack.stopServer();

  // An answer now fails upstream: rolled back, with the reason.
  await card.getByRole("button", { name: `Accept ${name}` }).click();
  await expect(card.getByRole("alert")).toContainText("Not recorded");
  await expect(page.getByRole("status").filter({ hasText: "(HTTP 503)" })).toBeVisible();
  await expect(page.locator("section.offers")).toHaveAttribute("data-decision-id", shown);

  // The next lookup says what is wrong.
  await lookUp(page, "C0000007");
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("nbo-server is unavailable (503)");
  await expect(alert).toContainText("Try again in a moment");
  await expect(alert.getByRole("button", { name: "Try again" })).toBeVisible();

  // So do the models.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Models" }).click();
  await expect(page.getByRole("alert")).toContainText("nbo-server is unavailable (503)");
});
