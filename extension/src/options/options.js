// The options page: the daemon's allowlist with remove buttons, and the daemon's port.

import { askBackground } from "../lib/ask-background.js";
import { DEFAULT_PORT } from "../lib/daemon-client.js";

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
      remove.addEventListener("click", () => act(() => askBackground({ type: "disallow", domain })));
      item.append(name, remove);
      return item;
    }),
  );
  $("empty").hidden = domains.length > 0;
}

async function act(call) {
  $("message").textContent = "";
  try {
    render((await call()).domains);
  } catch (error) {
    $("message").textContent = error.message;
  }
}

$("port-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  await askBackground({ type: "set-port", port: Number($("port").value) });
  await act(() => askBackground({ type: "allowlist" }));
});

chrome.storage.local.get({ daemonPort: DEFAULT_PORT }).then(({ daemonPort }) => {
  $("port").value = daemonPort;
});
act(() => askBackground({ type: "allowlist" }));
