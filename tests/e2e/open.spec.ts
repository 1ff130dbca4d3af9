// Open mode (no token configured, the local demo's): every page works
// without a token and the page sends none; the admin controls stay
// disabled, with the reason, until a token is set.
import { expect, test } from "@playwright/test";
import { decisionId, nextDecisionId, offerCards } from "./lib/pages";
import { feedbackOf } from "./lib/records";
import { Stack } from "./lib/stack";

let stack: Stack;
test.beforeAll(async () => {
  stack = await Stack.start({ customers: 100, open: true });
});
test.afterAll(async () => {
  await stack?.stop();
});

test("without a token a lookup shows offers and an answer is recorded", async ({ page }) => {
  const authorization: string[] = [];
  page.on("request", (r) => {
    const value = r.headers()["authorization"];
    if (value !== undefined) authorization.push(value);
  });
  await page.goto(`${stack.url}/#/customers/C0000042`);
  const shown = await decisionId(page);
  const card = offerCards(page).first();
  const productId = (await card.getAttribute("data-product-id")) ?? "";
  const name = (await card.getByRole("heading", { level: 3 }).textContent()) ?? "";
  await card.getByRole("button", { name: `Accept ${name}` }).click();
  await nextDecisionId(page, shown);
  expect(feedbackOf(stack, "C0000042", shown)).toContainEqual(
    expect.objectContaining({ product_id: productId, outcome: "FEEDBACK_OUTCOME_ACCEPTED" }),
  );
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect(authorization).toEqual([]);
});

test("without a token the models view shows, and its admin controls are disabled with the reason", async ({ page }) => {
  await page.goto(`${stack.url}/#/models`);
  const model = page.getByRole("region", { name: "Model nbo" });
  await expect(model.getByTestId("serving")).toContainText("version 1");
  await expect(model.getByText("These controls need an access token with the admin role.")).toBeVisible();
  await expect(model.getByRole("button", { name: "Move label…" })).toBeDisabled();
  await expect(model.getByRole("button", { name: "Apply split…" })).toBeDisabled();
  await expect(model.getByLabel("Label", { exact: true })).toBeDisabled();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page.getByTestId("token-state")).toHaveText("No access token is set.");
});
