import assert from "node:assert/strict";
import { test } from "node:test";
import { missingRole, roleUse } from "../src/roles";

test("the role a 403 names is read from the server's message", () => {
  assert.equal(missingRole("this RPC needs a token with role 'act'"), "act");
  assert.equal(missingRole("this RPC needs a token with role 'customer'"), "customer");
  assert.equal(missingRole("permission denied"), undefined);
  assert.equal(missingRole(""), undefined);
});

test("each role the pages need says what it is for", () => {
  for (const role of ["read", "act", "customer", "admin"]) assert.ok(roleUse(role));
  assert.equal(roleUse("nope"), undefined);
});
