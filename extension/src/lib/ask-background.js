// How the extension's pages talk to the background: one message, an answer or a thrown error.

export async function askBackground(message) {
  const answer = await chrome.runtime.sendMessage(message);
  if (answer?.error) throw new Error(answer.error);
  return answer;
}

// Asks the background and says in `output` how it went: `done` on success, else the error.
export async function askAndTell(message, output, done = "") {
  output.textContent = "";
  try {
    await askBackground(message);
    output.textContent = done;
  } catch (error) {
    output.textContent = error.message;
  }
}
