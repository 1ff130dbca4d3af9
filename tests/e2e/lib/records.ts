// The customer's decision log as nboctl (gRPC, not the page) reports it.
import type { Stack } from "./stack";

export interface FeedbackRecord {
  product_id: string;
  outcome: string;
  channel?: string;
  timestamp?: string;
}

export interface DecisionRecord {
  decision_id: string;
  offers?: { product_id: string }[];
  suppressions?: { product_id: string; reason: string; rule?: string; until?: string }[];
  feedback?: FeedbackRecord[];
}

// `nboctl customer --json` for `customerId`: its recent decisions (with the
// desk token: GetCustomer needs the role customer).
export function decisionsOf(stack: Stack, customerId: string): DecisionRecord[] {
  const answer = stack.nboctlJson<{ decisions?: DecisionRecord[] }>([
    "customer",
    `--server=${stack.grpcAddr}`,
    `--customer_id=${customerId}`,
    "--max_decisions=50",
    "--max_transactions=1",
  ], "desk");
  return answer.decisions ?? [];
}

export function feedbackOf(stack: Stack, customerId: string, decisionId: string): FeedbackRecord[] {
  const decision = decisionsOf(stack, customerId).find((d) => d.decision_id === decisionId);
  if (decision === undefined) throw new Error(`decision ${decisionId} of ${customerId} is not logged`);
  return decision.feedback ?? [];
}
