// How the extension's pages talk to the background: one message, an answer or a thrown error.

export async function askBackground(message) {
  const answer = await chrome.runtime.sendMessage(message);
  if (answer?.error) throw new Error(answer.error);
  return answer;
}
