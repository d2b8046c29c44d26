// The full-page warning the background sends a tab to when its page is flagged. Everything
// it knows comes from the background (the address in this page's own URL is only used to
// check again if the background restarted); its buttons act on this tab only.

import { askAndTell, askBackground } from "../lib/ask-background.js";

const $ = (id) => document.getElementById(id);


async function show() {
  const url = new URLSearchParams(location.search).get("url") ?? "";
  const warning = await askBackground({ type: "warning-details", url });
  if (!warning.flagged) return; // no longer flagged: the background sends the tab on
  document.title = `Warning: ${warning.site} may be a phishing site`;
  $("site").textContent = warning.site;
  $("why").textContent = warning.why;
  $("address").textContent = warning.url;
  $("details").textContent = warning.details;
  $("back").focus();
}

$("back").addEventListener("click", () => askAndTell({ type: "back-to-safety" }, $("message")));
// A report of "not phishing" stops the warnings at once, so it takes a second, deliberate click.
$("report").addEventListener("click", () => {
  $("confirm-report").hidden = false;
  $("report").setAttribute("aria-expanded", "true");
  $("confirm-report-button").focus();
});
$("cancel-report").addEventListener("click", () => {
  $("confirm-report").hidden = true;
  $("report").setAttribute("aria-expanded", "false");
  $("back").focus();
});
$("confirm-report-button").addEventListener("click", () =>
  askAndTell({ type: "report" }, $("message"), "Reported as not phishing: baitwatch will not warn about this site again (withdraw it on the options page)."),
);
$("continue").addEventListener("click", () => {
  $("confirm").hidden = false;
  $("continue").setAttribute("aria-expanded", "true");
  $("confirm-continue").focus();
});
$("cancel").addEventListener("click", () => {
  $("confirm").hidden = true;
  $("continue").setAttribute("aria-expanded", "false");
  $("back").focus();
});
$("confirm-continue").addEventListener("click", () => askAndTell({ type: "continue", trust: $("trust").checked }, $("message")));

show().catch((error) => {
  $("message").textContent = error.message;
});
