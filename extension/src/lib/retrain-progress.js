// What the popup says of the daemon's background retrain (GET /v1/retrain, with the model in
// use as `served`), and whether it offers Undo.

export function describeRetrain(progress) {
  if (progress.state === "running") return `Learning from your reports: ${progress.stage}…`;
  return progress.message ?? "";
}

// Only while the model the retrain installed is the one in use: after an Undo, or once the
// person chose another model, a second Undo would roll back further than they meant.
export function canUndo(progress) {
  return progress.state === "installed" && progress.model !== null && progress.model === progress.served;
}
