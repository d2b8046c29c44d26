// The options page: the daemon's allowlist with remove buttons, and the daemon's port.

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
  await act(async () => {
    await askBackground({ type: "set-port", port: Number($("port").value) });
    return askBackground({ type: "allowlist" });
  });
});

askBackground({ type: "get-port" }).then(({ port }) => {
  $("port").value = port;
});
act(() => askBackground({ type: "allowlist" }));
