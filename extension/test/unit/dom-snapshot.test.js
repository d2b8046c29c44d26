// The copy of a page the page script sends: what bears on phishing, never a field's value,
// flattened below a depth and cut at a size. Loaded as the browser loads it, a classic script.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "content", "dom-snapshot.js");
const sandbox = {};
vm.runInNewContext(readFileSync(SCRIPT, "utf8"), { globalThis: sandbox });
const snapshot = sandbox.baitwatchDomSnapshot;

// A DOM of plain objects, with what the script reads of nodes.
const text = (value) => ({ nodeType: 3, nodeValue: value });
function element(tag, attributes = {}, children = [], extra = {}) {
  return { nodeType: 1, localName: tag, attributes: Object.entries(attributes).map(([name, value]) => ({ name, value })), childNodes: children, ...extra };
}
const page = (...body) => ({ documentElement: element("html", { lang: "en" }, [element("head", {}, [element("title", {}, [text("Sign in")])]), element("body", {}, body)]) });

test("fields keep what says what they ask for, and no value, typed or given", () => {
  const { html } = snapshot(page(
    element("form", { action: "/login.php", method: "post", onsubmit: "steal()" }, [
      element("input", { type: "email", name: "user", value: "victim@example.org", placeholder: "Email" }),
      element("input", { type: "password", autocomplete: "current-password", value: "hunter2" }),
      element("textarea", { name: "mnemonic" }, [text("twelve secret words")]),
      element("select", { name: "bank" }, [element("option", {}, [text("Chosen bank")])]),
    ]),
    element("div", { contenteditable: "true" }, [text("typed notes")], { isContentEditable: true }),
  ));
  assert.match(html, /<form action="\/login.php" method="post"><input type="email" name="user" placeholder="Email">/);
  assert.match(html, /<input type="password" autocomplete="current-password">/);
  for (const secret of ["victim@example.org", "hunter2", "twelve secret words", "Chosen bank", "typed notes", "steal()"]) {
    assert.ok(!html.includes(secret), `${secret} is left out`);
  }
  assert.match(html, /<title>Sign in<\/title>/);
});

test("scripts and styles are left out, and text and attributes are escaped", () => {
  const { html } = snapshot(page(
    element("script", {}, [text("var token = 1")]),
    element("style", {}, [text("body{}")]),
    element("p", { title: 'a "quoted" <title>' }, [text("1 < 2 & 3")]),
  ));
  assert.ok(!html.includes("token") && !html.includes("body{}"));
  assert.match(html, /<p title="a &quot;quoted&quot; &lt;title>">1 &lt; 2 &amp; 3<\/p>/);
});

test("nesting deeper than the parser reads is flattened, and forms and fields deep inside are kept", () => {
  let inner = element("form", { action: "x" }, [element("input", { type: "password" })]);
  for (let i = 0; i < 5000; i += 1) inner = element("div", {}, [inner]);
  const { html } = snapshot(page(inner));
  assert.ok((html.match(/<div>/g) ?? []).length < 200, "the wrappers below the depth are not written");
  assert.match(html, /<form action="x"><input type="password"><\/form>/);
});

test("the copy stops at its size", () => {
  const paragraphs = Array.from({ length: 2000 }, () => element("p", {}, [text("x".repeat(500))]));
  const { html, truncated } = snapshot(page(...paragraphs), { maxChars: 100000 });
  assert.ok(truncated && html.length < 101000);
});

test("fields inside a web component's shadow root are copied too", () => {
  const shadowRoot = { childNodes: [element("input", { type: "password", name: "pin" })] };
  const { html } = snapshot(page(element("login-box", {}, [], { shadowRoot })));
  assert.match(html, /<div><input type="password" name="pin"><\/div>/);
});

test("no element can make the parser read the rest as text: unknown and raw-text tags are written as <div>", () => {
  const form = () => element("form", {}, [element("input", { type: "password" })]);
  const { html } = snapshot(page(
    element("plaintext"), element("xmp", {}, [form()]), element("noembed", {}, [form()]), element("title", {}, [form()]),
    element("svg", {}, [element("foreignObject", {}, [form()])]), element("object", {}, [form()]), element("x-kit", {}, [form()]),
  ));
  assert.ok(!/<(plaintext|xmp|noembed|svg|object|x-kit)/.test(html), html);
  assert.equal((html.match(/<title>/g) ?? []).length, 1, "the head's title only");
  assert.equal((html.match(/<input type="password">/g) ?? []).length, 6, "every form is copied, wherever the page put it");
});

test("a same-origin frame's document is copied after an <iframe> marker; a cross-origin one has its own script", () => {
  const inner = { documentElement: element("html", {}, [element("body", {}, [element("input", { type: "password", name: "framed" })])]) };
  const crossOrigin = { nodeType: 1, localName: "iframe", attributes: [], childNodes: [], get contentDocument() { throw new Error("blocked"); } };
  const { html } = snapshot(page(element("iframe", { srcdoc: "..." }, [], { contentDocument: inner }), crossOrigin));
  assert.match(html, /<iframe><\/iframe><div><body><input type="password" name="framed"><\/body><\/div><iframe><\/iframe><div><\/div>/);
});
