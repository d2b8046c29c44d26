// The pairing form of the popup and the welcome page: the 6-digit code from `baitwatch pair`
// goes to the background, which pairs with the daemon and keeps the token out of the page.
import { askBackground } from "./ask-background.js";

// On submit: pairs, says in `message` what went wrong if it did, then calls `after`.
export function handlePairForm(form, code, message, after) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      await askBackground({ type: "pair", code: code.value.trim() });
      code.value = "";
    } catch (error) {
      message.textContent = error.message;
    }
    await after();
  });
}
