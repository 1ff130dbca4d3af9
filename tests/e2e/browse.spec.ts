// Browsing customers a page at a time by segment and id prefix
// (ListCustomers), checked against the bank data the stack loaded.
import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decisionId, withToken } from "./lib/pages";
import { Stack } from "./lib/stack";

let stack: Stack;
let customers: { id: string; segment: string }[];
test.beforeAll(async () => {
  stack = await Stack.start();
  const [header, ...rows] = readFileSync(join(stack.dir, "bank", "customers.csv"), "utf8").trim().split("\n");
  const columns = (header ?? "").split(",");
  customers = rows
    .map((row) => row.split(","))
    .map((cells) => ({ id: cells[columns.indexOf("customer_id")] ?? "", segment: cells[columns.indexOf("segment")] ?? "" }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
});
test.afterAll(async () => {
  await stack?.stop();
});
// A relationship manager's desk token in every tab: the server is closed.
test.beforeEach(async ({ context }) => {
  await withToken(context, stack.token("desk"));
});

// The listed customers' links; toHaveText retries until the list shows the
// page asked for (reading allTextContents once raced the render).
const customerLinks = (page: import("@playwright/test").Page) =>
  page.locator("ul.customer-list a");

test("filters by segment, pages forward and back, and opens a customer", async ({ page }) => {
  const affluent = customers.filter((c) => c.segment === "affluent").map((c) => c.id);
  expect(affluent.length).toBeGreaterThan(20);

  await page.goto(stack.url);
  await page.getByLabel("Segment").fill("affluent");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/#\/customers\?segment=affluent$/);
  await expect(page.getByText("Page 1: 20 customers in segment affluent.")).toBeVisible();
  await expect(customerLinks(page)).toHaveText(affluent.slice(0, 20));

  await page.getByRole("button", { name: "Next page" }).click();
  await expect(page.getByText(/^Page 2: /)).toBeVisible();
  await expect(customerLinks(page)).toHaveText(affluent.slice(20, 40));
  await page.getByRole("button", { name: "Previous page" }).click();
  await expect(page.getByText(/^Page 1: /)).toBeVisible();
  await expect(customerLinks(page)).toHaveText(affluent.slice(0, 20));

  await page.getByRole("link", { name: affluent[3] ?? "" }).click();
  await expect(page).toHaveURL(new RegExp(`#/customers/${affluent[3]}$`));
  await decisionId(page);
  await expect(page.getByRole("region", { name: "Profile" })).toContainText("affluent");
});

test("filters by id prefix, keeps the filter in a shareable link, and says when nothing matches", async ({ page }) => {
  const prefixed = customers.filter((c) => c.id.startsWith("C00001") && c.segment === "mass").map((c) => c.id);
  await page.goto(`${stack.url}/#/customers?segment=mass&prefix=C00001`);
  await expect(page.getByLabel("Id starts with")).toHaveValue("C00001");
  await expect(page.getByLabel("Segment")).toHaveValue("mass");
  await expect(customerLinks(page)).toHaveText(prefixed.slice(0, 20));

  await page.getByLabel("Segment").fill("");
  await page.getByLabel("Id starts with").fill("X");
  await page.getByLabel("Id starts with").press("Enter");
  await expect(page.getByText("No customers match with ids starting “X”.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Next page" })).toBeDisabled();
});
