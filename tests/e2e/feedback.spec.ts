// Accept and Decline: recorded against the decision shown (checked over
// gRPC with nboctl, not through the page), optimistic with a visible
// rollback, and a declined product resting under the contact policy.
import { expect, test } from "@playwright/test";
import { decisionId, nextDecisionId, offerCards, withToken } from "./lib/pages";
import { feedbackOf } from "./lib/records";
import { Stack } from "./lib/stack";

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

test("Accept records the feedback against the decision shown, then asks for a fresh decision", async ({ page }) => {
  await page.goto(`${stack.url}/#/customers/C0000042`);
  const shown = await decisionId(page);
  const card = offerCards(page).first();
  const productId = (await card.getAttribute("data-product-id")) ?? "";
  const name = (await card.getByRole("heading", { level: 3 }).textContent()) ?? "";

  await card.getByRole("button", { name: `Accept ${name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Recorded: the customer accepted ${name}.` })).toBeVisible();
  await nextDecisionId(page, shown);

  // Over gRPC: the acceptance, on that decision, from the dashboard; and
  // one impression per card of it (the impression rule).
  const feedback = feedbackOf(stack, "C0000042", shown);
  expect(feedback).toContainEqual(
    expect.objectContaining({ product_id: productId, outcome: "FEEDBACK_OUTCOME_ACCEPTED", channel: "rm_dashboard" }),
  );
  const impressions = feedback.filter((f) => f.outcome === "FEEDBACK_OUTCOME_IMPRESSION");
  expect(impressions.map((f) => f.product_id).sort()).toEqual(
    expect.arrayContaining([productId]),
  );
  expect(impressions).toHaveLength(3);
});

test("a failed answer is rolled back visibly and nothing is recorded", async ({ page }) => {
  await page.goto(`${stack.url}/#/customers/C0000011`);
  const shown = await decisionId(page);
  const card = offerCards(page).first();
  const productId = (await card.getAttribute("data-product-id")) ?? "";
  const name = (await card.getByRole("heading", { level: 3 }).textContent()) ?? "";
  // The gateway refuses the acceptance (impressions still go through).
  await page.route("**/v1/feedback", async (route) => {
    if (!(route.request().postData() ?? "").includes("FEEDBACK_OUTCOME_ACCEPTED")) return route.continue();
    await new Promise((r) => setTimeout(r, 400));
    await route.fulfill({
      status: 503,
      contentType: "application/json",
      body: JSON.stringify({ code: 14, message: "upstream connect error", details: [] }),
    });
  });

  await card.getByRole("button", { name: `Accept ${name}` }).click();
  // Optimistic: the answer shows at once...
  await expect(card.getByText("Accepted (recording…)")).toBeVisible();
  // ...and is rolled back, with a message, when the call fails.
  await expect(card.getByRole("alert")).toContainText("Not recorded: upstream connect error");
  await expect(card.getByRole("button", { name: `Accept ${name}` })).toBeEnabled();
  await expect(page.getByRole("status").filter({ hasText: `Not recorded: the acceptance of ${name} failed` })).toBeVisible();
  await expect(page.locator("section.offers")).toHaveAttribute("data-decision-id", shown);
  expect(feedbackOf(stack, "C0000011", shown).filter((f) => f.outcome === "FEEDBACK_OUTCOME_ACCEPTED")).toEqual([]);
  expect(productId).not.toBe("");
});

test("declining the same product until the contact policy rests it moves it under Why not, fatigued", async ({ page }) => {
  await page.goto(`${stack.url}/#/customers/C0000007`);
  let shown = await decisionId(page);
  const first = offerCards(page).first();
  const productId = (await first.getAttribute("data-product-id")) ?? "";
  const name = (await first.getByRole("heading", { level: 3 }).textContent()) ?? "";

  // The server's default policy: 2 declines within 30 days rest a product.
  for (let decline = 1; decline <= 2; decline++) {
    const card = page.locator(`article.offer-card[data-product-id="${productId}"]`);
    await expect(card, `still offered before decline ${decline}`).toBeVisible();
    await card.getByRole("button", { name: `Decline ${name}` }).click();
    const declinedIn = shown;
    shown = await nextDecisionId(page, shown);
    const feedback = feedbackOf(stack, "C0000007", declinedIn);
    expect(feedback).toContainEqual(
      expect.objectContaining({ product_id: productId, outcome: "FEEDBACK_OUTCOME_DECLINED" }),
    );
  }

  await expect(page.locator(`article.offer-card[data-product-id="${productId}"]`)).toHaveCount(0);
  const whyNot = page.getByRole("region", { name: "Why not" }).locator(`li[data-product-id="${productId}"]`);
  await expect(whyNot).toContainText(name);
  await expect(whyNot).toContainText("fatigued");
  // In the page's own locale formatting (the browser's ICU, not Node's).
  const until = await page.evaluate(() =>
    new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(Date.now() + 30 * 86400e3),
  );
  await expect(whyNot).toContainText(`Resting until ${until}`);
  await expect(whyNot).toContainText("declined 2 times within 30 days (contact policy)");

  // C0000007 (84, income 13,876) is eligible for nothing else: no action,
  // and the page says why.
  await expect(page.locator("section.offers")).toContainText("No offer for this customer right now");
  await expect(page.getByRole("region", { name: "Why not" }).getByRole("note")).toHaveText(
    "Nothing can be offered right now: 6 of 8 products are not eligible.",
  );
});
