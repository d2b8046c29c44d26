// The popup: this tab's verdict (with Report a mistake and Trust this site when it is
// flagged), the on/off switch (the daemon's own setting, so popup and tray agree), pairing,
// and counts.

import { askAndTell, askBackground } from "../lib/ask-background.js";

const VERDICT_TEXT = {
  warning: "This page looks like phishing.",
  unreachable: "The baitwatch daemon is not reachable: pages are not being checked.",
  unpaired: "Not paired: pages are not being checked. Enter a pairing code below.",
  impostor: "The program on the daemon's port is not the baitwatch daemon: pages are not being checked.",
  unchecked: "Could not check this page.",
  off: "Protection is off.",
  suspicious: "Checked: this address looks a little unusual. Be careful where you type a password.",
  safe: "Checked: no sign of phishing.",
  trusted: "Not checked: you trust this site.",
  popular: "Not checked: a known popular site.",
  idle: "Nothing to check on this page.",
};

const $ = (id) => document.getElementById(id);

async function refresh() {
  const state = await askBackground({ type: "popup-state" });
  $("verdict").textContent = VERDICT_TEXT[state.state];
  $("verdict").dataset.state = state.state;
  $("enabled").checked = state.daemon.enabled;
  $("enabled").disabled = !state.daemon.reachable || !state.daemon.paired;
  $("pair-form").hidden = state.daemon.paired;
  $("counts").textContent = `Pages checked: ${state.checked}. Warnings shown: ${state.warnings}.`;
  $("flagged").hidden = state.state !== "warning";
  if (state.tab.verdict) $("trust").textContent = `Trust ${state.tab.verdict.domain ?? "this site"}`;
}


$("report").addEventListener("click", () => askAndTell({ type: "report-site" }, $("message"), "Thank you: reported as a mistake, for retraining."));
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

$("pair-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("message").textContent = "";
  try {
    await askBackground({ type: "pair", code: $("code").value.trim() });
    $("message").textContent = "";
  } catch (error) {
    $("message").textContent = error.message;
  }
  await refresh();
});

refresh().catch((error) => {
  $("message").textContent = error.message;
});
