// Look a customer up and see offers with reasons; deep links; browse.
import { expect, test } from "@playwright/test";
import { join } from "node:path";
import { outDir, Stack } from "./lib/stack";
import { lookUp, offerCards, withToken } from "./lib/pages";

let stack: Stack;
test.beforeAll(async () => {
  stack = await Stack.start();
});
test.afterAll(async () => {
  await stack?.stop();
});
// A relationship manager's desk token in every tab: the server is closed.
test.beforeEach(async ({ context }) => {
  await withToken(context, stack.token("desk"));
});

test("looking a customer up shows offers with reasons people read", async ({ page }) => {
  await page.goto(stack.url);
  await lookUp(page, "C0000042");

  await expect(page).toHaveURL(/#\/customers\/C0000042$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Customer C0000042");
  const cards = offerCards(page);
  await expect(cards).toHaveCount(3);
  const first = cards.first();
  // Product name and category, propensity as a percentage, priority and
  // strategy.
  await expect(first.getByRole("heading", { level: 3 })).not.toBeEmpty();
  await expect(first.locator(".propensity-value")).toHaveText(/^\d{1,3}(\.\d)?%$/);
  await expect(first).toContainText("Priority");
  await expect(first).toContainText("personalized");
  // Reason codes as sentences: the customer's own products, the rules met.
  const reasons = first.getByRole("listitem");
  await expect(reasons.filter({ hasText: /^(Holds|Viewed|Applied for|Took) / }).first()).toBeVisible();
  await expect(reasons.filter({ hasText: /^Age 43 ≥ \d+$/ }).first()).toBeVisible();
  await expect(reasons.filter({ hasText: "Know-your-customer checks passed" }).first()).toBeVisible();
  // No raw codes on screen.
  await expect(page.getByText(/CONTRIBUTING_PRODUCT|BUSINESS_PRIORITY|SUPPRESSION_REASON/)).toHaveCount(0);

  // Why not: C0000042 holds the Super Saver Account; is 43, over the
  // Student Checking's maximum age.
  const whyNot = page.getByRole("region", { name: "Why not" });
  await expect(whyNot.getByRole("listitem").filter({ hasText: "Super Saver Account" })).toContainText(
    /Already holds it \(since \d+ \w+ 2023\)/,
  );
  await expect(whyNot.getByRole("listitem").filter({ hasText: "Student Checking" })).toContainText(
    "Age 43 is above the maximum age of 26",
  );

  // Customer 360.
  const profile = page.getByRole("region", { name: "Profile" });
  await expect(profile).toContainText("affluent");
  await expect(profile).toContainText("217,766");
  await expect(page.getByRole("region", { name: "Holdings" })).toContainText("Super Saver Account");
  await expect(page.getByRole("region", { name: "Recent transactions" }).getByRole("listitem").first()).toBeVisible();

  await page.screenshot({ path: join(outDir, "screenshots", "dashboard-customer.png"), fullPage: true });
});

test("a deep link opens the customer on reload and when shared", async ({ page, context }) => {
  await page.goto(`${stack.url}/#/customers/C0000007`);
  await expect(offerCards(page).first()).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Customer C0000007");
  await expect(offerCards(page).first()).toBeVisible();

  const other = await context.newPage();
  await other.goto(`${stack.url}/#/customers/C0000007/history`);
  await expect(other.getByRole("heading", { name: "Decision history" })).toBeVisible();
  await expect(other.getByRole("article").first()).toBeVisible();
});

test("the history shows decisions newest first with their offers and suppressions", async ({ page }) => {
  await page.goto(`${stack.url}/#/customers/C0000042`);
  await expect(offerCards(page).first()).toBeVisible();
  const shown = await page.locator("section.offers").getAttribute("data-decision-id");
  await page.getByRole("link", { name: "Decision history" }).click();
  const entries = page.locator("article.decision");
  await expect(entries.first()).toHaveAttribute("data-decision-id", shown ?? "");
  await expect(entries.first()).toContainText("Offered");
  await expect(entries.first()).toContainText("Held back");
  await expect(entries.first().getByText("impression: ", { exact: false }).first()).toBeVisible();
  // Back to the offers: the same decision, not a new one.
  await page.getByRole("link", { name: "Offers and profile" }).click();
  await expect(page.locator("section.offers")).toHaveAttribute("data-decision-id", shown ?? "");
});
