// Accessibility: an axe-core scan of every view (no violation of serious
// or critical impact), the keyboard path through a lookup and an answer,
// and no sideways scrolling at tablet width.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { decisionId, offerCards, withToken } from "./lib/pages";
import { kTokens, Stack } from "./lib/stack";

let stack: Stack;
test.beforeAll(async () => {
  stack = await Stack.start({ customers: 100 });
});
test.afterAll(async () => {
  await stack?.stop();
});

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

// [name, route, ready, token]: the desk token unless the view is about
// having none.
const views: [string, string, (page: Page) => Promise<void>, string?][] = [
  ["find a customer", "#/", async (p) => void (await expect(p.getByRole("heading", { name: "Find a customer" })).toBeVisible())],
  ["customer", "#/customers/C0000042", async (p) => void (await decisionId(p))],
  ["history", "#/customers/C0000042/history", async (p) => void (await expect(p.locator("article.decision").first()).toBeVisible())],
  ["unknown customer", "#/customers/NOPE", async (p) => void (await expect(p.getByRole("alert")).toBeVisible())],
  ["models", "#/models", async (p) => void (await expect(p.getByTestId("serving")).toBeVisible())],
  ["settings", "#/settings", async (p) => void (await expect(p.getByLabel("Access token")).toBeVisible())],
  ["access token prompt", "#/customers/C0000042", async (p) => void (await expect(p.getByLabel("Access token")).toBeVisible()), ""],
  ["403", "#/customers/C0000042", async (p) => void (await expect(p.getByRole("alert")).toContainText("403")), kTokens.ops.token],
];

for (const [name, hash, ready, token] of views) {
  test(`axe finds nothing serious on the ${name} view`, async ({ page, context }) => {
    await withToken(context, token ?? kTokens.desk.token);
    await page.goto(`${stack.url}/${hash}`);
    await ready(page);
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test("axe finds nothing serious on the models view with the admin controls enabled, nor in the confirmation", async ({ page }) => {
  await page.goto(`${stack.url}/#/settings`);
  await page.getByLabel("Access token").fill(kTokens.ops.token);
  await page.getByRole("button", { name: "Save token" }).click();
  await page.goto(`${stack.url}/#/models`);
  await expect(page.getByRole("button", { name: "Move label…" })).toBeEnabled();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole("button", { name: "Move label…" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toBeHidden();
});

test("a lookup and an answer work from the keyboard alone", async ({ page, context }) => {
  await withToken(context, kTokens.desk.token);
  await page.goto(stack.url);
  // The skip link first, then the search box.
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("searchbox", { name: "Customer id" })).toBeFocused();
  await page.keyboard.type("C0000042");
  await page.keyboard.press("Enter");
  const shown = await decisionId(page);
  const first = offerCards(page).first();
  const name = (await first.getByRole("heading", { level: 3 }).textContent()) ?? "";
  // Tab forward until the first card's Decline button has the focus.
  const decline = first.getByRole("button", { name: `Decline ${name}` });
  for (let i = 0; i < 20 && !(await decline.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(decline).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("section.offers")).not.toHaveAttribute("data-decision-id", shown);
});

for (const [width, height] of [
  [1280, 800],
  [768, 1024],
]) {
  test(`readable at ${width} px: no sideways scrolling`, async ({ page, context }) => {
    await withToken(context, kTokens.desk.token);
    await page.setViewportSize({ width, height });
    for (const hash of ["#/customers/C0000042", "#/models", "#/"]) {
      await page.goto(`${stack.url}/${hash}`);
      await expect(page.locator("main h1")).toBeVisible();
      await page.waitForLoadState("networkidle");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${hash} at ${width} px`).toBeLessThanOrEqual(0);
    }
  });
}
