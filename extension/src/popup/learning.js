// Learn from my reports, in the popup: it starts the daemon's background retrain, shows what
// the retrain does while it runs and its result in words after, and offers Undo
// (lib/retrain-progress.js says what and when).

import { askBackground } from "../lib/ask-background.js";
import { canUndo, describeRetrain } from "../lib/retrain-progress.js";

const POLL_MS = 1000;

export function showLearning({ section, learn, undo, status }, onModelChanged) {
  let timer;
  let lastState;
  let installed; // the model an Undo undoes

  async function update() {
    clearTimeout(timer);
    let progress;
    try {
      progress = await askBackground({ type: "retrain-status" });
    } catch {
      section.hidden = true; // not paired, or the daemon is away: the popup says so above
      return;
    }
    section.hidden = false;
    learn.disabled = progress.state === "running";
    undo.hidden = !canUndo(progress);
    installed = progress.model;
    status.textContent = describeRetrain(progress);
    if (progress.state === "running") timer = setTimeout(update, POLL_MS);
    else if (lastState === "running") await onModelChanged();
    lastState = progress.state;
  }

  learn.addEventListener("click", async () => {
    try {
      await askBackground({ type: "start-retrain" });
    } catch (error) {
      status.textContent = error.message;
      return;
    }
    await update();
  });
  undo.addEventListener("click", async () => {
    undo.disabled = true; // one Undo: the daemon also refuses one for a model no longer in use
    try {
      const rolled = await askBackground({ type: "undo-retrain", model: installed });
      undo.hidden = true;
      status.textContent = `Undone: the model ${rolled.active} is in use again.`;
      await onModelChanged();
    } catch (error) {
      status.textContent = error.message;
    }
    undo.disabled = false;
  });
  return update;
}
