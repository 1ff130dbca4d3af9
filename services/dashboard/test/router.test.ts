import assert from "node:assert/strict";
import { test } from "node:test";
import { browseHref, customerHref, parseRoute } from "../src/router";

test("hash routes parse to views", () => {
  assert.deepEqual(parseRoute(""), { page: "home" });
  assert.deepEqual(parseRoute("#/"), { page: "home" });
  assert.deepEqual(parseRoute("#/customers/C0000042"), { page: "customer", customerId: "C0000042", tab: "overview" });
  assert.deepEqual(parseRoute("#/customers/C0000042/history"), { page: "customer", customerId: "C0000042", tab: "history" });
  assert.deepEqual(parseRoute("#/customers?segment=mass&prefix=C00001"), { page: "browse", segment: "mass", prefix: "C00001" });
  assert.deepEqual(parseRoute("#/models"), { page: "models" });
  assert.deepEqual(parseRoute("#/settings"), { page: "settings" });
  assert.deepEqual(parseRoute("#/nope"), { page: "not_found", path: "/nope" });
  assert.deepEqual(parseRoute("#/customers/C1/other"), { page: "not_found", path: "/customers/C1/other" });
});

test("customer ids survive the round trip through a link", () => {
  for (const id of ["C0000042", "NEW-0001", "a b/c?d#e", "ü"]) {
    const route = parseRoute(customerHref(id));
    assert.deepEqual(route, { page: "customer", customerId: id, tab: "overview" });
  }
  assert.equal(browseHref("", ""), "#/customers");
  assert.deepEqual(parseRoute(browseHref("mass", "C0")), { page: "browse", segment: "mass", prefix: "C0" });
});
