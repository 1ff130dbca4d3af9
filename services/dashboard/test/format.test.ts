// Strategy names as people read them, for every nbo.v1.Strategy the server
// sends (proto/nbo/v1/nbo_service.proto).
import assert from "node:assert/strict";
import { test } from "node:test";
import { strategyName } from "../src/format";

test("every strategy has a name for people", () => {
  assert.equal(strategyName("STRATEGY_PERSONALIZED"), "personalized");
  assert.equal(strategyName("STRATEGY_FOLD_IN"), "fold-in");
  assert.equal(strategyName("STRATEGY_PROFILE"), "profile");
  assert.equal(strategyName("STRATEGY_POPULARITY"), "popularity");
  assert.equal(strategyName("STRATEGY_UNSPECIFIED"), "unknown");
  assert.equal(strategyName(undefined), "unknown");
});
