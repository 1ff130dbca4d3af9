// The impression rule (README, "Dashboard"): one IMPRESSION per decision
// and product, recorded when that decision's offer card is first rendered
// on the customer page. Showing the same decision again (switching between
// the customer's tabs) records nothing more; the history tab and the why-not
// list never record impressions; an Accept or Decline is not preceded by an
// extra impression (the server counts an answered offer as shown). Every new
// decision (opening a customer, reloading, the fresh decision after an
// answer) shows new cards and so records new impressions: they count toward
// the contact policy (by default 5 impressions within 30 days rest a product).
//
// The server also ignores the same (decision, product, outcome) twice, so a
// retry can never count double.

import { ApiError, recordFeedback } from "./api";

const recorded = new Set<string>();

// Records the impressions of `productIds` in `decisionId` not recorded
// before. Resolves to the number that failed (0 when all were recorded) and
// the first failure's error, if any.
export async function recordImpressions(
  decisionId: string,
  customerId: string,
  productIds: readonly string[],
): Promise<{ failed: number; error?: ApiError }> {
  const fresh = productIds.filter((p) => !recorded.has(`${decisionId}/${p}`));
  for (const p of fresh) recorded.add(`${decisionId}/${p}`);
  const results = await Promise.allSettled(
    fresh.map((p) =>
      recordFeedback(decisionId, customerId, p, "FEEDBACK_OUTCOME_IMPRESSION"),
    ),
  );
  let failed = 0;
  let error: ApiError | undefined;
  results.forEach((r, i) => {
    if (r.status === "rejected") {
      failed++;
      if (error === undefined && r.reason instanceof ApiError) error = r.reason;
      recorded.delete(`${decisionId}/${fresh[i] ?? ""}`);
    }
  });
  return { failed, error };
}
