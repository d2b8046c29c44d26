// The options page: the daemon's allowlist with remove buttons, the familiar-sites switch,
// and the daemon's port.

import { askBackground } from "../lib/ask-background.js";

const $ = (id) => document.getElementById(id);

function render(domains) {
  const list = $("allowlist");
  list.replaceChildren(
    ...domains.map((domain) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = domain;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove ${domain}`);
      remove.addEventListener("click", () => act(() => askBackground({ type: "disallow", domain }), showAllowlist));
      item.append(name, remove);
      return item;
    }),
  );
  $("empty").hidden = domains.length > 0;
}

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
