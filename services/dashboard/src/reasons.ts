// Reason codes, suppressions and no-action answers as sentences people
// read. The codes and detail strings are the server's (lib/serving/
// recommender.cc, lib/decision/decision_engine.cc):
//
//   CONTRIBUTING_PRODUCT  productId, weight (its part of the raw score)
//   ELIGIBLE              attribute; detail "age 43 >= 21",
//                         "income 217766 >= 60000", "segment affluent in
//                         affluent;private;sme", "credit score 726 >= 700",
//                         "know-your-customer checks passed"
//   BUSINESS_PRIORITY     detail "business value 3 x lever 1"
//   POPULAR               detail "ranked by the version's popularity"
//
// Suppressions: OWNED; INELIGIBLE with rule MIN_AGE | MAX_AGE | MIN_INCOME |
// SEGMENT | MIN_CREDIT_SCORE | KYC and detail "age 43 > MAX_AGE 26",
// "age unknown; MIN_AGE requires >= 18", "segment 'mass' not in SEGMENT
// affluent;private;sme", "KYC not verified; KYC requires verified";
// FATIGUED with rule DECLINES | IMPRESSIONS, until, and detail "2 declines
// within 30 days; suppressed until 2027-01-03T16:45:00Z" (" of cards" after
// the count with a category-wide policy); FILTERED_BY_REQUEST;
// NOT_IN_CATALOG. A detail the page does not recognise is shown as it is.

import type {
  GetCustomerResponse,
  NoAction,
  Offer,
  Reason,
  Suppression,
} from "./api";
import {
  formatDate,
  formatDateTime,
  formatDecimal,
  formatInteger,
  formatPercent,
} from "./format";

// Product id -> name, from the catalog; ids stand in for unknown names.
export type ProductNames = ReadonlyMap<string, string>;

export function productName(names: ProductNames, id: string | undefined): string {
  if (id === undefined || id === "") return "a product";
  return names.get(id) ?? id;
}

// What the customer has done with each product, for "holds X" / "viewed X".
export interface CustomerFacts {
  holdings: ReadonlyMap<string, string>; // product id -> since (RFC 3339)
  lastEvent: ReadonlyMap<string, string>; // product id -> TRANSACTION_EVENT_*
}

export function customerFacts(customer: GetCustomerResponse | undefined): CustomerFacts {
  const holdings = new Map<string, string>();
  const lastEvent = new Map<string, string>();
  for (const h of customer?.holdings ?? []) {
    if (h.productId !== undefined) holdings.set(h.productId, h.since ?? "");
  }
  // Transactions come newest first: keep each product's first.
  for (const t of customer?.transactions ?? []) {
    if (t.productId !== undefined && !lastEvent.has(t.productId)) {
      lastEvent.set(t.productId, t.event ?? "");
    }
  }
  return { holdings, lastEvent };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function relationTo(product: string, id: string, facts: CustomerFacts): string {
  if (facts.holdings.has(id)) return `holds ${product}`;
  switch (facts.lastEvent.get(id)) {
    case "TRANSACTION_EVENT_VIEW":
      return `viewed ${product}`;
    case "TRANSACTION_EVENT_APPLY":
      return `applied for ${product}`;
    case "TRANSACTION_EVENT_PURCHASE":
    case "TRANSACTION_EVENT_OPEN":
      return `took ${product}`;
    case "TRANSACTION_EVENT_CLOSE":
      return `used to hold ${product}`;
    default:
      return `has a history with ${product}`;
  }
}

const kComparison: Record<string, string> = { ">=": "≥", "<=": "≤", ">": ">", "<": "<" };

function number(text: string): string {
  return formatInteger(Number(text));
}

// An ELIGIBLE reason's detail, for people: "age 43 >= 21" -> "age 43 ≥ 21".
function eligibleSentence(detail: string): string {
  const bound = /^(age|income|credit score) ([0-9.e+-]+) (>=|<=) ([0-9.e+-]+)$/.exec(detail);
  if (bound !== null) {
    const [, attribute, value, op, limit] = bound;
    return `${attribute} ${number(value)} ${kComparison[op] ?? op} ${number(limit)}`;
  }
  const segment = /^segment (\S+) in (\S+)$/.exec(detail);
  if (segment !== null) {
    const [, value, list] = segment;
    return `segment ${value} is one of ${list.split(";").join(", ")}`;
  }
  return detail;
}

// One offer reason as a sentence; `offer` gives the score a contributing
// product's weight is a part of.
export function reasonSentence(
  reason: Reason,
  offer: Offer,
  names: ProductNames,
  facts: CustomerFacts,
): string {
  const detail = reason.detail ?? "";
  switch (reason.code) {
    case "CONTRIBUTING_PRODUCT": {
      const id = reason.productId ?? "";
      const text = capitalize(relationTo(productName(names, id), id, facts));
      const weight = reason.weight ?? 0;
      const score = offer.score ?? 0;
      if (weight > 0 && score > 0) {
        return `${text} (${formatPercent(Math.min(1, weight / score))} of the model score)`;
      }
      return text;
    }
    case "ELIGIBLE":
      return capitalize(eligibleSentence(detail));
    case "BUSINESS_PRIORITY": {
      const m = /^business value ([0-9.e+-]+) x lever ([0-9.e+-]+)$/.exec(detail);
      if (m === null) return capitalize(detail);
      const [, value, lever] = m;
      return Number(lever) === 1
        ? `Business value ${formatDecimal(Number(value))}`
        : `Business value ${formatDecimal(Number(value))}, weighted × ${formatDecimal(Number(lever))} by the bank`;
    }
    case "POPULAR":
      return "Among the most popular products (nothing personal to go on yet)";
    default:
      return detail === "" ? (reason.code ?? "") : `${reason.code ?? ""}: ${detail}`;
  }
}

const kRuleNames: Record<string, string> = {
  MIN_AGE: "minimum age",
  MAX_AGE: "maximum age",
  MIN_INCOME: "minimum income",
  SEGMENT: "segment",
  MIN_CREDIT_SCORE: "minimum credit score",
  KYC: "know-your-customer check",
};

export function ruleName(rule: string | undefined): string {
  return kRuleNames[rule ?? ""] ?? (rule === undefined || rule === "" ? "a rule" : rule);
}

// An INELIGIBLE detail, for people.
function ineligibleSentence(rule: string, detail: string): string {
  const failed = /^(age|income|credit score) ([0-9.e+-]+) ([<>]) [A-Z_]+ ([0-9.e+-]+)$/.exec(detail);
  if (failed !== null) {
    const [, attribute, value, op, limit] = failed;
    return `${attribute} ${number(value)} is ${op === "<" ? "below" : "above"} the ${ruleName(rule)} of ${number(limit)}`;
  }
  const unknown = /^(age|income|credit score|segment) unknown; [A-Z_]+ requires (>=|<=|one of) (.+)$/.exec(detail);
  if (unknown !== null) {
    const [, attribute, , limit] = unknown;
    const shown = rule === "SEGMENT" ? limit.split(";").join(", ") : number(limit);
    return `${attribute} unknown; the ${ruleName(rule)} is ${shown}`;
  }
  const segment = /^segment '([^']*)' not in SEGMENT (\S+)$/.exec(detail);
  if (segment !== null) {
    const [, value, list] = segment;
    return `segment ${value} is not one of ${list.split(";").join(", ")}`;
  }
  if (detail.startsWith("KYC not verified")) return "know-your-customer checks not passed";
  if (detail.startsWith("KYC status unknown")) return "know-your-customer status unknown";
  return detail === "" ? `fails the ${ruleName(rule)} rule` : detail;
}

// A FATIGUED suppression, for people: when it may be offered again and why.
function fatiguedSentence(s: Suppression): string {
  const until = s.until === undefined ? "" : ` until ${formatDateTime(s.until)}`;
  const m = /^(\d+) (declines|impressions)( of (\S+))? within (\d+) days/.exec(s.detail ?? "");
  if (m !== null) {
    const [, count, what, , , days] = m;
    const category: string | undefined = m[4];
    const scope = category === undefined ? "" : ` of ${category} products`;
    const contacts = what === "declines" ? `declined ${count} times${scope}` : `shown ${count} times${scope}`;
    return `Resting${until}: ${contacts} within ${days} days (contact policy)`;
  }
  const cause = s.rule === "IMPRESSIONS" ? "shown too often" : "declined too often";
  return `Resting${until}: ${cause} (contact policy)`;
}

export function suppressionSentence(s: Suppression, facts: CustomerFacts): string {
  switch (s.reason) {
    case "SUPPRESSION_REASON_OWNED": {
      const since = facts.holdings.get(s.productId ?? "");
      return since === undefined || since === ""
        ? "Already holds it"
        : `Already holds it (since ${formatDate(since)})`;
    }
    case "SUPPRESSION_REASON_INELIGIBLE":
      // The sentence names the rule: "age 43 is above the maximum age of 26".
      return capitalize(ineligibleSentence(s.rule ?? "", s.detail ?? ""));
    case "SUPPRESSION_REASON_FATIGUED":
      return fatiguedSentence(s);
    case "SUPPRESSION_REASON_FILTERED_BY_REQUEST":
      return "Excluded by the request";
    case "SUPPRESSION_REASON_NOT_IN_CATALOG":
      return "No longer in the catalog";
    default:
      return s.detail !== undefined && s.detail !== "" ? s.detail : "Not offered";
  }
}

// Short label of a suppression reason, for badges.
export function suppressionLabel(s: Suppression): string {
  switch (s.reason) {
    case "SUPPRESSION_REASON_OWNED":
      return "owned";
    case "SUPPRESSION_REASON_INELIGIBLE":
      return "not eligible";
    case "SUPPRESSION_REASON_FATIGUED":
      return "fatigued";
    case "SUPPRESSION_REASON_FILTERED_BY_REQUEST":
      return "excluded";
    case "SUPPRESSION_REASON_NOT_IN_CATALOG":
      return "not in catalog";
    default:
      return "suppressed";
  }
}

const kNoActionWords: Record<string, string> = {
  INELIGIBLE: "not eligible",
  OWNED: "already held",
  FATIGUED: "resting under the contact policy",
  FILTERED_BY_REQUEST: "excluded by the request",
  NOT_IN_CATALOG: "no longer in the catalog",
};

export function noActionSentence(n: NoAction): string {
  if (n.reason === "NO_CANDIDATES") return "Nothing to offer: the model scored no products.";
  const m = /(\d+) of (\d+) are/.exec(n.message ?? "");
  const words = kNoActionWords[n.reason ?? ""];
  if (m !== null && words !== undefined) {
    return `Nothing can be offered right now: ${m[1]} of ${m[2]} products are ${words}.`;
  }
  return n.message ?? "Nothing can be offered right now.";
}
