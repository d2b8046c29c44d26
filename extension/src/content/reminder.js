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
  const TEXT_STYLE =
    "all: initial; display: block; box-sizing: border-box; width: 100%; padding: 12px 18px; background: #8c1d18; " +
    "color: #ffffff; font: 600 16px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; " +
    "box-shadow: 0 2px 10px rgba(0,0,0,.35);";

  let host = null;
  let guard = null;

  const ask = (message) => chrome.runtime.sendMessage(message).catch(() => ({}));

  function build(text) {
    const element = document.createElementNS(XHTML, "div");
    let root = element;
    try {
      root = element.attachShadow({ mode: "closed" }); // the page can neither read nor restyle the text
    } catch {
      // no shadow DOM in this document: the text goes in the element itself, styled inline
    }
    const banner = document.createElementNS(XHTML, "div");
    banner.setAttribute("style", TEXT_STYLE);
    banner.setAttribute("role", "alert");
    banner.textContent = text;
    root.append(banner);
    return element;
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
    host = build(text);
    guard = new MutationObserver(reassert);
    host.addEventListener("toggle", (event) => {
      if (event.newState === "closed") reassert(); // the page closed the popover
    });
    document.addEventListener("fullscreenchange", reassert, true);
    setInterval(reassert, REASSERT_MS);
    reassert();
    requestAnimationFrame(stayOnTop);
  }

  async function update() {
    show((await ask({ type: "hello" }))?.reminder);
  }

  chrome.runtime.onMessage.addListener((message) => {
    if (message?.type === "show-reminder") update();
  });
  update();
})();
