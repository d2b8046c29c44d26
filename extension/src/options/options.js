// The options page: the daemon's allowlist with remove buttons, your reports with withdraw
// buttons, the familiar-sites switch, and the daemon's port.

import { askBackground } from "../lib/ask-background.js";

const $ = (id) => document.getElementById(id);

// A list of entries, each with one button that acts on it.
function renderList(list, empty, entries, { label, button, act: onClick }) {
  list.replaceChildren(
    ...entries.map((entry) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = label(entry);
      const action = document.createElement("button");
      action.type = "button";
      action.textContent = button;
      action.setAttribute("aria-label", `${button} ${label(entry)}`);
      action.addEventListener("click", () => onClick(entry));
      item.append(name, action);
      return item;
    }),
  );
  empty.hidden = entries.length > 0;
}

const render = (domains) =>
  renderList($("allowlist"), $("empty"), domains, {
    label: (domain) => domain,
    button: "Remove",
    act: (domain) => act(() => askBackground({ type: "disallow", domain }), showAllowlist),
  });

const showReports = (answer) =>
  renderList($("reports"), $("no-reports"), answer.reports, {
    label: (report) => `${report.site}: ${report.label === "phishing" ? "phishing" : "not phishing"}`,
    button: "Withdraw",
    act: (report) => act(() => askBackground({ type: "withdraw-report", site: report.site }), showReports),
  });

// Runs one request to the background; `show` puts its answer on the page, or the error is said.
async function act(call, show) {
  $("message").textContent = "";
  try {
    show(await call());
  } catch (error) {
    $("message").textContent = error.message;
  }
}

const showAllowlist = (answer) => render(answer.domains);
const showFamiliar = (answer) => {
  if ("enabled" in answer) $("familiar").checked = answer.enabled;
};

$("port-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  await act(async () => {
    await askBackground({ type: "set-port", port: Number($("port").value) });
    return askBackground({ type: "allowlist" });
  }, showAllowlist);
});

$("familiar").addEventListener("change", (event) =>
  act(() => askBackground({ type: "set-familiar-sites", enabled: event.target.checked }), showFamiliar),
);
$("forget").addEventListener("click", () =>
  act(() => askBackground({ type: "forget-familiar-sites" }), () => {
    $("message").textContent = "Forgot every familiar site.";
  }),
);
act(() => askBackground({ type: "familiar-sites" }), showFamiliar);

askBackground({ type: "get-port" }).then(({ port }) => {
  $("port").value = port;
});
act(() => askBackground({ type: "allowlist" }), showAllowlist);
act(() => askBackground({ type: "reports" }), showReports);
