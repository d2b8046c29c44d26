import assert from "node:assert/strict";
import { test } from "node:test";

import { isCheckable } from "../../src/lib/checkable.js";

test("http and https pages are checked", () => {
  assert.equal(isCheckable("https://example.com/login", 47821), true);
  assert.equal(isCheckable("http://paypal.com.account-verify.example/", 47821), true);
  assert.equal(isCheckable("http://127.0.0.1:8080/", 47821), true); // the daemon says private-address
});

test("browser pages, other schemes and nonsense are not", () => {
  for (const url of ["chrome://settings/", "about:blank", "moz-extension://abc/popup.html", "file:///etc/passwd", "data:text/html,hi", "javascript:void(0)", "", "not a url"]) {
    assert.equal(isCheckable(url, 47821), false, url);
  }
});

test("the daemon itself is never checked", () => {
  assert.equal(isCheckable("http://127.0.0.1:47821/v1/status", 47821), false);
  assert.equal(isCheckable("http://localhost:47821/", 47821), false);
  assert.equal(isCheckable("http://127.0.0.1:47821/", 5000), true);
});
