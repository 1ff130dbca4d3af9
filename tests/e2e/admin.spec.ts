// Label and split changes: disabled with the reason until an admin token
// is entered in Settings (kept in sessionStorage only); 401 with a wrong
// token; with the right one they work, each after a confirmation, and the
// server (asked over gRPC) agrees.
import { expect, test, type Page } from "@playwright/test";
import { Stack } from "./lib/stack";

const kToken = "e2e-admin-token";
let stack: Stack;

interface Status {
  model: {
    labels?: Record<string, string>;
    traffic_split?: { label?: string; version?: string; weight: number }[];
  };
}
const status = () =>
  stack.nboctlJson<Status>(["models", "status", `--server=${stack.grpcAddr}`]).model;

test.beforeAll(async () => {
  stack = await Stack.start({ customers: 100, adminToken: kToken });
  stack.publishAnotherVersion();
  stack.nboctl(["models", "label", "--label=stable", "--version=2", `--server=${stack.grpcAddr}`, ...stack.tokenArgs()]);
});
test.afterAll(async () => {
  await stack?.stop();
});

async function enterToken(page: Page, token: string) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Save token" }).click();
  await expect(page.getByTestId("token-state")).toHaveText("An admin token is set for this tab.");
}

test("without a token the controls are disabled, with the reason", async ({ page }) => {
  await page.goto(`${stack.url}/#/models`);
  const model = page.getByRole("region", { name: "Model nbo" });
  await expect(model.getByText("These controls need the admin token.")).toBeVisible();
  await expect(model.getByRole("button", { name: "Move label…" })).toBeDisabled();
  await expect(model.getByRole("button", { name: "Apply split…" })).toBeDisabled();
  await expect(model.getByLabel("Label", { exact: true })).toBeDisabled();
});

test("a wrong token is refused with the 401 message", async ({ page }) => {
  await page.goto(`${stack.url}/#/models`);
  await enterToken(page, "not-the-token");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Models" }).click();
  const model = page.getByRole("region", { name: "Model nbo" });
  await model.getByRole("button", { name: "Move label…" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Move label" }).click();
  await expect(model.getByRole("alert")).toContainText("Unauthorised (401)");
  expect(status().labels?.["stable"]).toBe("2");
});

test("with the token: roll the stable label back and change the split, each confirmed", async ({ page, context }) => {
  await page.goto(`${stack.url}/#/models`);
  await enterToken(page, kToken);
  // The token lives in this tab's session storage, nowhere else.
  expect(await page.evaluate(() => [localStorage.length, sessionStorage.getItem("nbo.adminToken")])).toEqual([0, kToken]);
  expect(await context.cookies()).toEqual([]);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Models" }).click();
  const model = page.getByRole("region", { name: "Model nbo" });

  // Rollback: stable from version 2 to version 1. Cancel first: nothing moves.
  await expect(model.getByLabel("Label", { exact: true })).toHaveValue("stable");
  await model.getByLabel("Version").selectOption("1");
  await model.getByRole("button", { name: "Move label…" }).click();
  const dialog = page.getByRole("dialog", { name: "Point stable at version 1?" });
  await expect(dialog).toContainText("Moves stable of nbo from version 2 to version 1.");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  expect(status().labels?.["stable"]).toBe("2");

  await model.getByRole("button", { name: "Move label…" }).click();
  await dialog.getByRole("button", { name: "Move label" }).click();
  await expect(model.getByRole("status").filter({ hasText: "Label stable now points at version 1." })).toBeVisible();
  expect(status().labels?.["stable"]).toBe("1");
  await expect(model.locator('table.versions tr[data-version="1"]')).toContainText("stable");

  // A split: stable 90, version 2 10.
  const split = model.getByRole("group", { name: "Traffic split" });
  await split.getByLabel("Arm 1 target").selectOption("label:stable");
  await split.getByLabel("Arm 1 weight").fill("90");
  await split.getByLabel("Arm 2 target").selectOption("version:2");
  await split.getByLabel("Arm 2 weight").fill("10");
  await split.getByRole("button", { name: "Apply split…" }).click();
  const confirm = page.getByRole("dialog", { name: "Apply this traffic split?" });
  await expect(confirm).toContainText("stable 90%, version 2 10%");
  await confirm.getByRole("button", { name: "Apply split" }).click();
  await expect(model.getByRole("status").filter({ hasText: "The new split is in effect." })).toBeVisible();
  expect(status().traffic_split).toEqual([
    expect.objectContaining({ label: "stable", weight: 90 }),
    expect.objectContaining({ version: "2", weight: 10 }),
  ]);
  await expect(model.getByTestId("serving")).toContainText("version 1 · 90% of traffic · split arm stable");

  // Another tab has no token: the controls are locked there.
  const other = await context.newPage();
  await other.goto(`${stack.url}/#/models`);
  await expect(other.getByText("These controls need the admin token.")).toBeVisible();
  await other.close();

  // Clear it again.
  await split.getByRole("button", { name: "Clear split…" }).click();
  await page.getByRole("dialog", { name: "Clear the traffic split?" }).getByRole("button", { name: "Clear split" }).click();
  await expect(model.getByRole("status").filter({ hasText: "The split is cleared." })).toBeVisible();
  expect(status().traffic_split ?? []).toEqual([]);
});
