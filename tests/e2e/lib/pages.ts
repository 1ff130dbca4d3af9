// What the specs do on the page, in the words of a person using it.
import { expect, type Page } from "@playwright/test";

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
