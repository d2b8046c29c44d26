// Sends what this page shows to the background, for the daemon to judge beside its address:
// a bounded copy of the DOM (content/dom-snapshot.js), never a field's value. It asks the
// background first whether the page is to be read at all: a page whose address is skipped (a
// site you trust, a known popular site, protection off) is never read. It sends once the DOM
// is ready, and again whenever the page adds a form or a field (a sign-in form that appears
// after a delay, a second step that asks for a code): at most once every MIN_INTERVAL_MS, so a
// page that adds fields without end costs one copy a second and a half, and never stops the
// copies that follow. Runs in every frame: a frame's page is judged at its own address.

(() => {
  if (globalThis.baitwatchPageEvidence) return; // injected twice: once is enough
  globalThis.baitwatchPageEvidence = true;

  const MAX_SENDS = 200;
  const SETTLE_MS = 400; // changes within this time are sent together
  const MIN_INTERVAL_MS = 1500;
  // The daemon takes bodies of up to 1 MiB; JSON escapes and UTF-8 can make a copy twice its length.
  const MAX_BODY_BYTES = 900000;
  const ASKING = "form, input, textarea, select, [contenteditable]";
  let sends = 0;
  let lastSent = -Infinity;
  let timer = null;
  let observer = null;
  let document_ = null; // the document number the background gave, which each copy names
  let inFlight = false; // one copy at a time: one that changes come during is sent after it
  let again = false;

  const ask = (message) => chrome.runtime.sendMessage(message).catch(() => ({}));

  async function send() {
    timer = null;
    if (inFlight) {
      again = true;
      return;
    }
    if (sends >= MAX_SENDS) {
      observer?.disconnect();
      return;
    }
    sends += 1;
    lastSent = Date.now();
    inFlight = true;
    await ask({ type: "page-evidence", document: document_, ...copyThatFits() });
    inFlight = false;
    if (again) {
      again = false;
      soon();
    }
  }

  function copyThatFits() {
    const encoder = new TextEncoder();
    for (let maxChars = 400000; ; maxChars = Math.floor(maxChars / 2)) {
      const copy = globalThis.baitwatchDomSnapshot(document, { maxChars });
      if (maxChars < 20000 || encoder.encode(JSON.stringify(copy.html)).length <= MAX_BODY_BYTES) return copy;
    }
  }

  function soon() {
    if (timer === null) timer = setTimeout(send, Math.max(SETTLE_MS, lastSent + MIN_INTERVAL_MS - Date.now()));
  }

  // A change matters when it adds something that can ask for input, or turns a field into
  // another kind (a hidden input made a password field).
  function addsFields(records) {
    return records.some((record) =>
      record.type === "attributes" ||
      Array.from(record.addedNodes).some((node) => node.nodeType === 1 && (node.matches?.(ASKING) || node.querySelector?.(ASKING))),
    );
  }

  async function start() {
    const { wanted, document: number } = await ask({ type: "page-wanted" });
    if (!wanted) return;
    document_ = number ?? null;
    send();
    observer = new MutationObserver((records) => {
      if (addsFields(records)) soon();
    });
    observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["type", "autocomplete"] });
    // A field the person is about to type in, wherever it is (a shadow root the observer cannot
    // see, a field the page made visible by style alone): the page is read again.
    addEventListener("focusin", () => soon(), { capture: true });
  }

  start();
})();
