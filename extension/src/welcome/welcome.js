// The welcome page, opened once on install: what is set up and what is next (start the
// service, pair, protection on, pin the icon), checked again every few seconds and whenever
// the page comes back into view, until it turns green.

import { askAndTell, askBackground } from "../lib/ask-background.js";
import { handlePairForm } from "../lib/pair-form.js";
import { welcomeSteps } from "../lib/welcome-steps.js";

const RECHECK_MS = 3000;

const $ = (id) => document.getElementById(id);

// Shows the parts of `element` meant for `status` (their data-when lists the statuses).
function show(element, status) {
  element.dataset.status = status;
  for (const part of element.querySelectorAll("[data-when]")) part.hidden = !part.dataset.when.split(" ").includes(status);
}

// Chrome and Firefox 118+ say whether the icon is pinned; elsewhere the advice stays.
async function isPinned() {
  const settings = await chrome.action.getUserSettings?.().catch(() => null);
  return settings?.isOnToolbar === true;
}

let refreshing = false;

async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const { daemon, port } = await askBackground({ type: "welcome-state" });
    const { steps, ready } = welcomeSteps(daemon);
    for (const [name, status] of Object.entries(steps)) show($(`step-${name}`), status);
    show($("step-pin"), (await isPinned()) ? "done" : "todo");
    for (const element of document.querySelectorAll(".port")) element.textContent = port;
    show($("summary"), ready ? "ready" : "not-ready");
    document.title = ready ? "baitwatch: you are protected" : "Welcome to baitwatch";
  } catch (error) {
    $("message").textContent = error.message;
  } finally {
    refreshing = false;
  }
}

document.documentElement.dataset.browser = location.protocol === "moz-extension:" ? "firefox" : "chrome";
handlePairForm($("pair-form"), $("code"), $("message"), refresh);
$("turn-on").addEventListener("click", async () => {
  await askAndTell({ type: "set-enabled", enabled: true }, $("message"));
  await refresh();
});
setInterval(() => {
  if (!document.hidden) refresh();
}, RECHECK_MS);
window.addEventListener("focus", refresh);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) refresh();
});
refresh();
