// Label and split changes on a closed server: no token, no models view
// (the 401 prompt); a wrong token is refused with 401; the desk's token
// (no admin role) is refused with a 403 that names the role; with the ops
// token they work, each after a confirmation, and the server (asked over
// gRPC) agrees. Disabled controls without a token: open.spec.ts.
import { expect, test } from "@playwright/test";
import { enterToken, kTokenKey } from "./lib/pages";
import { kTokens, Stack } from "./lib/stack";

const kToken = kTokens.ops.token;
let stack: Stack;

interface Status {
  model: {
    labels?: Record<string, string>;
    traffic_split?: { label?: string; version?: string; weight: number }[];
  };
}
const status = () =>
  stack.nboctlJson<Status>(["models", "status", `--server=${stack.grpcAddr}`], "ops").model;

test.beforeAll(async () => {
  stack = await Stack.start({ customers: 100 });
  stack.publishAnotherVersion();
  stack.nboctl(["models", "label", "--label=stable", "--version=2", `--server=${stack.grpcAddr}`], "ops");
});
test.afterAll(async () => {
  await stack?.stop();
});

test("without a token the models view asks for one instead of the controls", async ({ page }) => {
  await page.goto(`${stack.url}/#/models`);
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("This server needs an access token");
  await expect(page.getByLabel("Access token")).toBeVisible();
  await expect(page.getByRole("button", { name: "Move label…" })).toHaveCount(0);
});

test("a wrong token is refused with the 401 message; the right one entered there loads the page", async ({ page }) => {
  await page.goto(`${stack.url}/#/models`);
  await enterToken(page, "not-the-token");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Models" }).click();
  await expect(page.getByRole("alert")).toContainText("The access token was not accepted (401)");
  await expect(page.getByRole("region", { name: "Model nbo" })).toHaveCount(0);

  await page.getByLabel("Access token").fill(kToken);
  await page.getByRole("button", { name: "Use this token" }).click();
  const model = page.getByRole("region", { name: "Model nbo" });
  await expect(model.getByTestId("serving")).toBeVisible();
  await expect(model.getByRole("button", { name: "Move label…" })).toBeEnabled();
  expect(await page.evaluate((key) => sessionStorage.getItem(key), kTokenKey)).toBe(kToken);
});

test("a token without the admin role is refused visibly, with the role it lacks", async ({ page }) => {
  await page.goto(`${stack.url}/#/models`);
  await enterToken(page, kTokens.desk.token);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Models" }).click();
  const model = page.getByRole("region", { name: "Model nbo" });
  // The desk may read the models view (role read) ...
  await expect(model.getByTestId("serving")).toBeVisible();
  await model.getByLabel("Version").selectOption("1");
  await model.getByRole("button", { name: "Move label…" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Move label" }).click();
  // ... but not move a label.
  const alert = model.getByRole("alert");
  await expect(alert).toContainText("Not allowed (403): the access token lacks the role 'admin'");
  await expect(alert).toContainText("this RPC needs a token with role 'admin'");
  expect(status().labels?.["stable"]).toBe("2");
});

test("with the ops token: roll the stable label back and change the split, each confirmed", async ({ page, context }) => {
  await page.goto(`${stack.url}/#/models`);
  await enterToken(page, kToken);
  // The token lives in this tab's session storage, nowhere else.
  expect(await page.evaluate((key) => [localStorage.length, sessionStorage.getItem(key)], kTokenKey)).toEqual([0, kToken]);
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

  // Another tab has no token: this server asks it for one.
  const other = await context.newPage();
  await other.goto(`${stack.url}/#/models`);
  await expect(other.getByRole("alert")).toContainText("This server needs an access token");
  await other.close();

  // Clear it again.
  await split.getByRole("button", { name: "Clear split…" }).click();
  await page.getByRole("dialog", { name: "Clear the traffic split?" }).getByRole("button", { name: "Clear split" }).click();
  await expect(model.getByRole("status").filter({ hasText: "The split is cleared." })).toBeVisible();
  expect(status().traffic_split ?? []).toEqual([]);
});
