// The warning banner. Runs in every http(s) page but does nothing there beyond one message
// to the background, unless the daemon's verdict for this page is "phishing".
// The banner lives in a closed shadow root, so the page can neither read nor restyle it,
// and it puts itself back if the page removes or hides it.

(() => {
  const HOST_TAG = "baitwatch-warning";
  const HOST_STYLE =
    "all: initial !important; position: fixed !important; top: 0 !important; left: 0 !important; " +
    "right: 0 !important; z-index: 2147483647 !important; display: block !important; " +
    "visibility: visible !important; opacity: 1 !important; transform: none !important;";
  const CSS = `
    .banner { box-sizing: border-box; width: 100%; padding: 14px 18px; background: #8c1d18; color: #ffffff;
      font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; box-shadow: 0 2px 10px rgba(0,0,0,.35); }
    h2 { margin: 0 0 4px; font-size: 1.2em; }
    p { margin: 0 0 10px; }
    .why { font-size: .95em; }
    .actions { display: flex; flex-wrap: wrap; gap: 8px; }
    button { font: inherit; font-weight: 600; padding: 7px 14px; border-radius: 6px; border: 2px solid #ffffff;
      background: #ffffff; color: #8c1d18; cursor: pointer; }
    button.secondary { background: transparent; color: #ffffff; }
    button:focus-visible { outline: 3px solid #ffd54f; outline-offset: 2px; }
    .note { margin-top: 8px; font-size: .9em; min-height: 1em; }
  `;

  let host = null;
  let guard = null;

  function send(message) {
    return chrome.runtime.sendMessage(message).catch((error) => ({ error: error.message }));
  }

  function build(verdict) {
    const element = document.createElement(HOST_TAG);
    element.setAttribute("style", HOST_STYLE);
    const root = element.attachShadow({ mode: "closed" });
    const style = document.createElement("style");
    style.textContent = CSS;
    const banner = document.createElement("div");
    banner.className = "banner";
    banner.setAttribute("role", "alert");
    banner.setAttribute("aria-live", "assertive");
    const title = document.createElement("h2");
    title.textContent = "This page may be a phishing site";
    const why = document.createElement("p");
    why.className = "why";
    const percent = (value) => `${(value * 100).toFixed(1)}%`;
    why.textContent =
      `baitwatch's on-device model rates the address of ${verdict.domain} as ${percent(verdict.score)} likely phishing ` +
      `(it warns from ${percent(verdict.threshold)}). Do not enter passwords, card numbers or codes here.`;
    const note = document.createElement("div");
    note.className = "note";
    const actions = document.createElement("div");
    actions.className = "actions";
    const button = (label, className, onClick) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      if (className) b.className = className;
      b.addEventListener("click", onClick);
      actions.append(b);
      return b;
    };
    const leave = button("Leave this site", "", () => {
      if (history.length > 1) history.back();
      else send({ type: "leave" });
    });
    button("Trust this site", "secondary", async () => {
      const answer = await send({ type: "trust" });
      if (answer?.error) note.textContent = answer.error;
      else remove();
    });
    button("Report a mistake", "secondary", async () => {
      const answer = await send({ type: "report" });
      note.textContent = answer?.error ?? "Thank you: reported as a mistake, for retraining.";
    });
    button("Dismiss for this visit", "secondary", () => {
      send({ type: "dismiss" });
      remove();
    });
    banner.append(title, why, actions, note);
    root.append(style, banner);
    return { element, focus: () => leave.focus({ preventScroll: true }) };
  }

  function attach() {
    if (!host) return;
    if (!host.element.isConnected) (document.documentElement ?? document).append(host.element);
    if (host.element.getAttribute("style") !== HOST_STYLE) host.element.setAttribute("style", HOST_STYLE);
    host.element.removeAttribute("hidden");
    // Watch only what could take the banner away: the root's children and the banner's own attributes.
    guard.disconnect();
    guard.observe(document, { childList: true });
    if (document.documentElement) guard.observe(document.documentElement, { childList: true });
    guard.observe(host.element, { attributes: true });
  }

  function show(verdict) {
    if (host) return;
    host = build(verdict);
    guard = new MutationObserver(attach); // puts the banner back if the page removes or hides it
    attach();
    host.focus();
  }

  function remove() {
    guard?.disconnect();
    guard = null;
    host?.element.remove();
    host = null;
  }

  chrome.runtime.onMessage.addListener((message) => {
    if (message?.type === "show-banner") show(message.verdict);
    if (message?.type === "hide-banner") remove();
  });

  send({ type: "hello" }).then((answer) => {
    if (answer?.show) show(answer.show);
  });
})();
