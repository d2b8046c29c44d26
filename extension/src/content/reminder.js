// The reminder banner, for a flagged page the person chose to continue to from the warning
// page. It has no buttons (trusting and reporting happen only on the extension's own pages,
// which a page can neither cover nor click for you), and it asks the background for its
// text, so on every other page it sends one message and does nothing else.
//
// A hostile page may try to hide it, so the banner is a plain XHTML <div> (no custom element
// name a page could define first; XHTML so it is an HTML element in XML documents too), sits
// in the top layer as a manual popover (above any z-index, iframe or ::after), goes back on
// top before each frame is painted when the page put something there (a modal dialog, a
// popover), takes the page out of fullscreen, undoes a zoom on <html>, and puts itself back
// if the page removes, moves, closes or restyles it (checked on each change and every half
// second).
// Content scripts run in their own JavaScript world, so a page that replaces DOM methods
// (attachShadow, append) does not change what this script calls.
//
// On a page the daemon found only suspicious, the same script shows a calm notice instead,
// and only once the page asks for a password or a card number: a quiet bar the person can
// dismiss, not a warning.

(() => {
  if (globalThis.baitwatchReminder) return; // injected a second time: once is enough
  globalThis.baitwatchReminder = true;

  const XHTML = "http://www.w3.org/1999/xhtml";
  const REASSERT_MS = 500;
  const HOST_RULES = [
    "all: initial", "display: block", "position: fixed", "inset: 0 0 auto 0", "margin: 0", "padding: 0",
    "border: 0", "width: 100%", "height: auto", "max-width: none", "max-height: none", "overflow: visible",
    "z-index: 2147483647", "visibility: visible", "opacity: 1", "transform: none", "filter: none",
    "clip-path: none", "mask: none", "pointer-events: auto", "background: #8c1d18",
  ];
  const TOP_LAYER = ":modal, :popover-open, :fullscreen";
  const SECRETS = 'input[type="password" i], input[autocomplete^="cc-" i], input[autocomplete="one-time-code" i]';
  const NOTICE_STYLE =
    "all: initial; display: flex; gap: 12px; align-items: center; box-sizing: border-box; width: 100%; padding: 8px 18px; " +
    "background: #fff4d6; color: #3d2e00; border-bottom: 1px solid #c9a227; font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;";
  const TEXT_STYLE =
    "all: initial; display: block; box-sizing: border-box; width: 100%; padding: 12px 18px; background: #8c1d18; " +
    "color: #ffffff; font: 600 16px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; " +
    "box-shadow: 0 2px 10px rgba(0,0,0,.35);";

  let host = null;
  let guard = null;

  const ask = (message) => chrome.runtime.sendMessage(message).catch(() => ({}));

  // An XHTML element whose closed shadow root holds ``content`` (the page can neither read
  // nor restyle it), or holds it directly where the document has no shadow DOM.
  function build(content) {
    const element = document.createElementNS(XHTML, "div");
    let root = element;
    try {
      root = element.attachShadow({ mode: "closed" });
    } catch {
      // no shadow DOM in this document: the content goes in the element itself, styled inline
    }
    root.append(content);
    return element;
  }

  function textBox(text, style, role) {
    const box = document.createElementNS(XHTML, "div");
    box.setAttribute("style", style);
    box.setAttribute("role", role);
    box.append(text);
    return box;
  }

  function toTopOfTopLayer() {
    if (typeof host.showPopover !== "function") return;
    try {
      if (host.matches(":popover-open")) host.hidePopover(); // shown again, it goes above later ones
      host.showPopover();
    } catch {
      // a document without popovers: the fixed position and z-index still hold
    }
  }

  // A zoom on <html> would shrink the banner with the page: undo it.
  function hostStyle() {
    const pageZoom = document.documentElement ? Number.parseFloat(getComputedStyle(document.documentElement).zoom) || 1 : 1;
    return [...HOST_RULES, `zoom: ${1 / pageZoom}`].map((rule) => `${rule} !important`).join("; ");
  }

  // Something of the page's in the top layer (a modal dialog, a popover) would be drawn above
  // the banner: put the banner back above it. Run before each frame is painted.
  function stayOnTop() {
    try {
      if ([...document.querySelectorAll(TOP_LAYER)].some((element) => element !== host)) reassert();
    } catch {
      // a browser without these selectors: the half-second check still runs
    }
    requestAnimationFrame(stayOnTop);
  }

  function reassert() {
    if (!host) return;
    const root = document.documentElement ?? document;
    if (host.parentNode !== root) root.append(host);
    const style = hostStyle();
    if (host.getAttribute("style") !== style) host.setAttribute("style", style);
    if (host.getAttribute("popover") !== "manual") host.setAttribute("popover", "manual");
    for (const name of host.getAttributeNames()) {
      if (name !== "style" && name !== "popover") host.removeAttribute(name);
    }
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    toTopOfTopLayer();
    // Watch only what could take the banner away: the root's children and its own attributes.
    guard.disconnect();
    guard.observe(document, { childList: true });
    if (document.documentElement) guard.observe(document.documentElement, { childList: true });
    guard.observe(host, { attributes: true });
  }

  function show(text) {
    if (host || !text) return;
    host = build(textBox(text, TEXT_STYLE, "alert"));
    guard = new MutationObserver(reassert);
    host.addEventListener("toggle", (event) => {
      if (event.newState === "closed") reassert(); // the page closed the popover
    });
    document.addEventListener("fullscreenchange", reassert, true);
    setInterval(reassert, REASSERT_MS);
    reassert();
    requestAnimationFrame(stayOnTop);
  }

  let noticeAsked = false;

  function showNotice(text) {
    const bar = textBox(text, NOTICE_STYLE, "status");
    const dismiss = document.createElementNS(XHTML, "button");
    dismiss.setAttribute("style", "all: initial; margin-left: auto; cursor: pointer; font: 600 18px/1 system-ui, sans-serif; color: #3d2e00;");
    dismiss.setAttribute("aria-label", "Dismiss");
    dismiss.textContent = "\u00d7";
    bar.append(dismiss);
    const notice = build(bar);
    notice.setAttribute("style", "all: initial; display: block; position: fixed; inset: 0 0 auto 0; z-index: 2147483646;");
    dismiss.addEventListener("click", () => notice.remove());
    (document.documentElement ?? document).append(notice);
  }

  // Waits, without a cost to the page, until it asks for a secret; then shows the notice once.
  function noticeWhenSecretsAsked(text) {
    if (noticeAsked) return;
    noticeAsked = true;
    const asks = () => document.querySelector(SECRETS) !== null;
    if (asks()) return showNotice(text);
    const watcher = new MutationObserver(() => {
      if (!asks()) return;
      watcher.disconnect();
      showNotice(text);
    });
    watcher.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["type", "autocomplete"] });
  }

  async function update() {
    const answer = await ask({ type: "hello" });
    show(answer?.reminder);
    if (answer?.notice) noticeWhenSecretsAsked(answer.notice);
  }

  chrome.runtime.onMessage.addListener((message) => {
    if (message?.type === "show-reminder") update();
  });
  update();
})();
