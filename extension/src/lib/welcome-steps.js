// The welcome page's checklist, from the daemon's state as the background knows it: each
// step is "done", "todo" (the person's next step), "waiting" (on an earlier step) or
// "impostor" (another program holds the daemon's port). Ready means pages are being checked.

export function welcomeSteps({ reachable, paired, genuine, enabled }) {
  const running = reachable && (!paired || genuine);
  const steps = {
    daemon: !reachable ? "todo" : running ? "done" : "impostor",
    pair: paired ? "done" : reachable ? "todo" : "waiting",
    protection: !running || !paired ? "waiting" : enabled ? "done" : "todo",
  };
  return { steps, ready: Object.values(steps).every((status) => status === "done") };
}
