// A closed server (tokens file, README "Access control") and the tab's
// access token: without one every page asks for it, and entering it there
// loads the page; a token without the role a call needs is refused with a
// 403 that names the role. Open mode: open.spec.ts.
import { expect, test } from "@playwright/test";
import { decisionId, kTokenKey, offerCards, withToken } from "./lib/pages";
import { decisionsOf } from "./lib/records";
import { kTokens, Stack } from "./lib/stack";

let stack: Stack;
test.beforeAll(async () => {
  stack = await Stack.start({ customers: 100 });
});
test.afterAll(async () => {
  await stack?.stop();
});

test("no token: the customer page asks for one, and entering it loads the page", async ({ page, context }) => {
  await page.goto(`${stack.url}/#/customers/C0000042`);
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("This server needs an access token");
  await expect(alert).toContainText("401");
  await expect(offerCards(page)).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Settings" }).first()).toBeVisible();

  await page.getByLabel("Access token").fill(kTokens.desk.token);
  await page.getByRole("button", { name: "Use this token" }).click();
  await decisionId(page);
  await expect(offerCards(page)).toHaveCount(3);
  await expect(page.getByRole("alert")).toHaveCount(0);
  // Kept in this tab's session storage, nowhere else.
  expect(await page.evaluate((key) => [localStorage.length, sessionStorage.getItem(key)], kTokenKey)).toEqual([
    0,
    kTokens.desk.token,
  ]);
  expect(await context.cookies()).toEqual([]);
  // Settings knows it too.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page.getByTestId("token-state")).toHaveText("An access token is set for this tab.");
});

test("no token: browsing asks for one too; Enter in the field loads the list", async ({ page }) => {
  await page.goto(stack.url);
  await expect(page.getByRole("alert")).toContainText("This server needs an access token");
  await page.getByLabel("Access token").fill(kTokens.desk.token);
  await page.getByLabel("Access token").press("Enter");
  await expect(page.locator("ul.customer-list a").first()).toHaveText("C0000001");
});

test("a token that may look but not answer: Accept is refused with a 403 naming the role act", async ({ page, context }) => {
  // viewer: read,customer, no act.
  await withToken(context, kTokens.viewer.token);
  await page.goto(`${stack.url}/#/customers/C0000042`);
  const shown = await decisionId(page);
  // The impressions of the cards are refused as well, and say why.
  await expect(page.getByText(/impressions? could not be recorded \(the access token lacks the role 'act'/)).toBeVisible();

  const card = offerCards(page).first();
  const name = (await card.getByRole("heading", { level: 3 }).textContent()) ?? "";
  await card.getByRole("button", { name: `Accept ${name}` }).click();
  await expect(card.getByRole("alert")).toContainText("Not recorded: the access token lacks the role 'act'");
  await expect(card.getByRole("alert")).toContainText("this RPC needs a token with role 'act'");
  await expect(page.getByRole("status").filter({ hasText: `Not recorded: the acceptance of ${name} failed` })).toContainText(
    "(HTTP 403)",
  );
  // The card is back as it was, and the server recorded nothing.
  await expect(card.getByRole("button", { name: `Accept ${name}` })).toBeEnabled();
  const decision = decisionsOf(stack, "C0000042").find((d) => d.decision_id === shown);
  expect(decision).toBeDefined();
  expect(decision?.feedback ?? []).toEqual([]);
});

test("the operators' token (admin only) may not open a customer: 403 naming the role customer", async ({ page, context }) => {
  await withToken(context, kTokens.ops.token);
  await page.goto(`${stack.url}/#/customers/C0000042`);
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Not allowed (403): the access token lacks the role 'customer'");
  await expect(alert).toContainText("the customer 360");
  await expect(offerCards(page)).toHaveCount(0);
});
