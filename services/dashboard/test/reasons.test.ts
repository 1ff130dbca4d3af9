// The sentences people read, from the codes and details nbo-server writes
// (lib/serving/recommender.cc, lib/decision/decision_engine.cc).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Offer, Suppression } from "../src/api";
import {
  customerFacts,
  noActionSentence,
  reasonSentence,
  suppressionLabel,
  suppressionSentence,
} from "../src/reasons";

const names = new Map([
  ["P01", "Super Saver Account"],
  ["P02", "Gold Credit Card"],
  ["P03", "Platinum Miles Card"],
]);
const facts = customerFacts({
  holdings: [{ productId: "P01", since: "2023-05-21T05:45:16Z" }],
  transactions: [
    { productId: "P02", event: "TRANSACTION_EVENT_VIEW", timestamp: "2023-12-07T15:18:07Z" },
    { productId: "P03", event: "TRANSACTION_EVENT_APPLY", timestamp: "2023-09-29T06:53:53Z" },
    { productId: "P02", event: "TRANSACTION_EVENT_APPLY", timestamp: "2023-01-01T00:00:00Z" },
  ],
});
const offer: Offer = { productId: "P03", name: "Platinum Miles Card", score: 0.5 };

test("a contributing product says what the customer did with it and its part of the score", () => {
  assert.equal(
    reasonSentence({ code: "CONTRIBUTING_PRODUCT", productId: "P01", weight: 0.1 }, offer, names, facts),
    "Holds Super Saver Account (20% of the model score)",
  );
  // The newest transaction of the product decides the verb.
  assert.equal(
    reasonSentence({ code: "CONTRIBUTING_PRODUCT", productId: "P02", weight: 0.25 }, offer, names, facts),
    "Viewed Gold Credit Card (50% of the model score)",
  );
  assert.equal(
    reasonSentence({ code: "CONTRIBUTING_PRODUCT", productId: "P03", weight: -0.1 }, offer, names, facts),
    "Applied for Platinum Miles Card",
  );
  assert.equal(
    reasonSentence({ code: "CONTRIBUTING_PRODUCT", productId: "P09", weight: 0.1 }, offer, names, facts),
    "Has a history with P09 (20% of the model score)",
  );
});

test("eligibility details read as comparisons", () => {
  const say = (detail: string) => reasonSentence({ code: "ELIGIBLE", detail }, offer, names, facts);
  assert.equal(say("age 43 >= 21"), "Age 43 ≥ 21");
  assert.equal(say("age 43 <= 67"), "Age 43 ≤ 67");
  assert.equal(say("income 217766 >= 60000"), "Income 217,766 ≥ 60,000");
  assert.equal(say("credit score 726 >= 700"), "Credit score 726 ≥ 700");
  assert.equal(say("segment affluent in affluent;private;sme"), "Segment affluent is one of affluent, private, sme");
  assert.equal(say("know-your-customer checks passed"), "Know-your-customer checks passed");
});

test("business priority, popularity and unknown codes", () => {
  const say = (code: string, detail: string) => reasonSentence({ code, detail }, offer, names, facts);
  assert.equal(say("BUSINESS_PRIORITY", "business value 3 x lever 1"), "Business value 3");
  assert.equal(say("BUSINESS_PRIORITY", "business value 2.5 x lever 1.5"), "Business value 2.5, weighted × 1.5 by the bank");
  assert.equal(say("POPULAR", "ranked by the version's popularity"), "Among the most popular products (nothing personal to go on yet)");
  assert.equal(say("NEW_CODE", "something new"), "NEW_CODE: something new");
});

test("suppressions name the rule, the holding or the end of the rest", () => {
  const say = (s: Suppression) => suppressionSentence(s, facts);
  assert.equal(say({ productId: "P01", reason: "SUPPRESSION_REASON_OWNED" }), "Already holds it (since 21 May 2023)");
  assert.equal(
    say({ productId: "P08", reason: "SUPPRESSION_REASON_INELIGIBLE", rule: "MAX_AGE", detail: "age 43 > MAX_AGE 26" }),
    "Age 43 is above the maximum age of 26",
  );
  assert.equal(
    say({ productId: "P02", reason: "SUPPRESSION_REASON_INELIGIBLE", rule: "MIN_INCOME", detail: "income 13876 < MIN_INCOME 15000" }),
    "Income 13,876 is below the minimum income of 15,000",
  );
  assert.equal(
    say({ productId: "P02", reason: "SUPPRESSION_REASON_INELIGIBLE", rule: "MIN_AGE", detail: "age unknown; MIN_AGE requires >= 18" }),
    "Age unknown; the minimum age is 18",
  );
  assert.equal(
    say({ productId: "P03", reason: "SUPPRESSION_REASON_INELIGIBLE", rule: "SEGMENT", detail: "segment 'mass' not in SEGMENT affluent;private;sme" }),
    "Segment mass is not one of affluent, private, sme",
  );
  assert.equal(
    say({ productId: "P03", reason: "SUPPRESSION_REASON_INELIGIBLE", rule: "KYC", detail: "KYC not verified; KYC requires verified" }),
    "Know-your-customer checks not passed",
  );
  assert.equal(
    say({
      productId: "P06",
      reason: "SUPPRESSION_REASON_FATIGUED",
      rule: "DECLINES",
      detail: "2 declines within 30 days; suppressed until 2027-01-03T17:07:00Z",
      until: "2027-01-03T17:07:00Z",
    }),
    "Resting until 3 Jan 2027, 17:07: declined 2 times within 30 days (contact policy)",
  );
  assert.equal(
    say({
      productId: "P02",
      reason: "SUPPRESSION_REASON_FATIGUED",
      rule: "IMPRESSIONS",
      detail: "5 impressions of cards within 30 days; suppressed until 2027-01-03T17:07:00Z",
      until: "2027-01-03T17:07:00Z",
    }),
    "Resting until 3 Jan 2027, 17:07: shown 5 times of cards products within 30 days (contact policy)",
  );
  // Without explain the server sends no detail: the rule still tells.
  assert.equal(
    say({ productId: "P02", reason: "SUPPRESSION_REASON_FATIGUED", rule: "IMPRESSIONS", until: "2027-01-03T17:07:00Z" }),
    "Resting until 3 Jan 2027, 17:07: shown too often (contact policy)",
  );
  assert.equal(say({ productId: "P04", reason: "SUPPRESSION_REASON_FILTERED_BY_REQUEST" }), "Excluded by the request");
  assert.equal(suppressionLabel({ reason: "SUPPRESSION_REASON_FATIGUED" }), "fatigued");
});

test("no action says how many products and why", () => {
  assert.equal(
    noActionSentence({ reason: "INELIGIBLE", count: 6, message: "no product can be offered: 6 of 8 are INELIGIBLE" }),
    "Nothing can be offered right now: 6 of 8 products are not eligible.",
  );
  assert.equal(noActionSentence({ reason: "NO_CANDIDATES", message: "the model scored no products" }), "Nothing to offer: the model scored no products.");
});
