import assert from "node:assert/strict";
import { test } from "node:test";
import { liftOverPopularity, mapAtK, servingShares } from "../src/models";

test("without a split the latest available version serves everything", () => {
  const shares = servingShares({
    versions: [
      { version: "1", state: "VERSION_STATE_AVAILABLE" },
      { version: "3", state: "VERSION_STATE_FAILED" },
      { version: "2", state: "VERSION_STATE_AVAILABLE" },
    ],
  });
  assert.deepEqual(shares, [{ version: "2", share: 1, via: "latest available" }]);
});

test("a split gives each arm its weight's share, labels resolved", () => {
  const shares = servingShares({
    versions: [{ version: "1", state: "VERSION_STATE_AVAILABLE" }, { version: "2", state: "VERSION_STATE_AVAILABLE" }],
    labels: { stable: "1" },
    trafficSplit: [{ label: "stable", weight: 90 }, { version: "2", weight: 10 }],
  });
  assert.deepEqual(shares, [
    { version: "1", share: 0.9, via: "split arm stable" },
    { version: "2", share: 0.1, via: "split arm version 2" },
  ]);
});

test("training metrics: MAP@K and the lift over popularity", () => {
  const v = {
    metadata: {
      metrics: { "map@7": 0.6628, auc: 0.67 },
      labels: { gate_metric: "map@7", score_model: "0.662784", score_popularity: "0.635787" },
    },
  };
  assert.deepEqual(mapAtK(v), { k: "7", value: 0.6628 });
  const lift = liftOverPopularity(v);
  assert.equal(lift?.metric, "map@7");
  assert.ok(Math.abs((lift?.lift ?? 0) - 0.04246) < 1e-4);
  assert.equal(liftOverPopularity({ metadata: { labels: {} } }), undefined);
});
