// The popup: this tab's verdict (with This is not phishing and Trust this site when it is
// flagged, This is phishing on any other checked or skipped page), the on/off switch (the daemon's own setting, so popup and tray agree), pairing,
// Learn from my reports (learning.js), counts, and a link to the welcome page while baitwatch is not set up.

import { askAndTell, askBackground } from "../lib/ask-background.js";
import { explain } from "../lib/explain.js";
import { HOW_TO_START } from "../lib/how-to-start.js";
import { handlePairForm } from "../lib/pair-form.js";
import { showLearning } from "./learning.js";

const VERDICT_TEXT = {
  warning: "This page looks like phishing.",
  unreachable: `Protection is off: the baitwatch service on this computer is not running, so pages are not being checked. ${HOW_TO_START}`,
  unpaired: "Not paired: pages are not being checked. Enter a pairing code below.",
  impostor: "The program on the daemon's port is not the baitwatch daemon: pages are not being checked.",
  unchecked: "Not checked: the baitwatch service could not check this page, so it is not known to be safe.",
  off: "Protection is off: pages are not being checked. Turn it on with the switch below.",
  suspicious: "Checked: this address looks a little unusual. Be careful where you type a password.",
  safe: "Checked: no sign of phishing.",
  trusted: "Not checked: you trust this site.",
  popular: "Not checked: a known popular site.",
  idle: "Nothing to check on this page.",
};

const NOT_SET_UP = new Set(["unreachable", "unpaired", "impostor"]);
// Pages checked or skipped, which a person may report as phishing: a known-good site too (a real site can be compromised).
const REPORTABLE = new Set(["safe", "suspicious", "trusted", "popular", "unchecked"]);

const $ = (id) => document.getElementById(id);

async function refresh() {
  const state = await askBackground({ type: "popup-state" });
  $("verdict").textContent = VERDICT_TEXT[state.state];
  $("verdict").dataset.state = state.state;
  $("enabled").checked = state.daemon.enabled;
  $("enabled").disabled = !state.daemon.reachable || !state.daemon.paired;
  $("pair-form").hidden = state.daemon.paired;
  $("setup").hidden = !NOT_SET_UP.has(state.state);
  $("counts").textContent = `Pages checked: ${state.checked}. Warnings shown: ${state.warnings}.`;
  $("model").textContent = state.daemon.model ? modelLine(state.daemon.model) : "";
  $("flagged").hidden = state.state !== "warning";
  $("reportable").hidden = !REPORTABLE.has(state.state);
  // Which evidence decided, for a page that was warned about or noticed.
  $("why").textContent = state.tab.verdict && ["warning", "suspicious"].includes(state.state) ? explain(state.tab.verdict).why : "";
  if (state.tab.verdict) $("trust").textContent = `Trust ${state.tab.verdict.domain ?? "this site"}`;
}

function modelLine(model) {
  const day = model.exported ? `, exported ${model.exported.slice(0, 10)}` : "";
  return `Model ${model.id}${day}.`;
}

$("report").addEventListener("click", async () => {
  await askAndTell({ type: "report-site" }, $("message"), "Reported as not phishing: baitwatch will not warn about this site again.");
  await refresh();
});
$("report-phishing").addEventListener("click", async () => {
  await askAndTell({ type: "report-phishing" }, $("message"), "Reported as phishing: baitwatch warns about this site from now on.");
  await refresh();
});
$("trust").addEventListener("click", async () => {
  await askAndTell({ type: "trust-site" }, $("message"), "Trusted: baitwatch will not warn about this site again.");
  await refresh();
});

$("enabled").addEventListener("change", async (event) => {
  $("message").textContent = "";
  try {
    await askBackground({ type: "set-enabled", enabled: event.target.checked });
  } catch (error) {
    $("message").textContent = error.message;
  }
  await refresh();
});

handlePairForm($("pair-form"), $("code"), $("message"), refresh);

const updateLearning = showLearning({ section: $("learning"), learn: $("learn"), undo: $("undo"), status: $("learning-status") }, refresh);

refresh()
  .then(updateLearning)
  .catch((error) => {
    $("message").textContent = error.message;
  });
