// GetCustomer started on Enter, before the route changes: the call is on
// the wire while the page switches, instead of after (lookup.ts measures
// from that Enter).

import { getCustomer, type GetCustomerResponse } from "./api";

// What the customer page asks for: the transactions the timeline shows;
// decisions are read by the history tab.
export const kCustomerSizes = { maxTransactions: 20, maxDecisions: 1 };
// An early answer older than this is not used.
const kFreshMs = 3000;

let early: { customerId: string; at: number; answer: Promise<GetCustomerResponse> } | null = null;

export function prefetchCustomer(customerId: string): void {
  const answer = getCustomer(customerId, kCustomerSizes);
  answer.catch(() => undefined); // the page reports it, if it asks
  early = { customerId, at: performance.now(), answer };
}

// The early answer for `customerId` if there is a fresh one (used once),
// else a new call.
export function customerAnswer(customerId: string, signal: AbortSignal): Promise<GetCustomerResponse> {
  if (early !== null && early.customerId === customerId && performance.now() - early.at < kFreshMs) {
    const { answer } = early;
    early = null;
    return answer;
  }
  return getCustomer(customerId, kCustomerSizes, signal);
}
