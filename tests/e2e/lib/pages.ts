// What the specs do on the page, in the words of a person using it.
import { expect, type BrowserContext, type Page } from "@playwright/test";

// The dashboard keeps the tab's access token in sessionStorage under this
// key (services/dashboard/src/session.ts).
export const kTokenKey = "nbo.accessToken";

// Every tab of `context` starts with `token` as its access token, as if it
// had been entered in Settings (unless the tab has one already). Nothing
// on an open stack, whose token is "".
export async function withToken(context: BrowserContext, token: string): Promise<void> {
  if (token === "") return;
  await context.addInitScript(
    ([key, value]) => {
      try {
        if (sessionStorage.getItem(key) === null) sessionStorage.setItem(key, value);
      } catch {
        // about:blank and other opaque origins have no storage.
      }
    },
    [kTokenKey, token] as const,
  );
}

// Enters `token` on the Settings page, the way a person does.
export async function enterToken(page: Page, token: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Save token" }).click();
  await expect(page.getByTestId("token-state")).toHaveText("An access token is set for this tab.");
}

// Types an id into the header's search box and presses Enter.
export async function lookUp(page: Page, customerId: string): Promise<void> {
  const search = page.getByRole("searchbox", { name: "Customer id" });
  await search.fill(customerId);
  await search.press("Enter");
}

// The offer cards of the decision on screen.
export function offerCards(page: Page) {
  return page.getByRole("region", { name: "Next best offers" }).getByRole("article");
}

// Waits until the decision on screen is not `previous` (after an answer,
// the page asks for a fresh one) and returns the new decision id.
export async function nextDecisionId(page: Page, previous: string): Promise<string> {
  const offers = page.locator("section.offers");
  await expect(offers).not.toHaveAttribute("data-decision-id", previous);
  await expect(offers).toHaveAttribute("data-decision-id", /^[0-9a-f]{16,}$/);
  return (await offers.getAttribute("data-decision-id")) ?? "";
}

export async function decisionId(page: Page): Promise<string> {
  const offers = page.locator("section.offers");
  await expect(offers).toHaveAttribute("data-decision-id", /^[0-9a-f]{16,}$/);
  return (await offers.getAttribute("data-decision-id")) ?? "";
}
