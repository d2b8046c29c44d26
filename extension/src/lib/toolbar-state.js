// What the toolbar icon says for a tab, from the tab's verdict and the daemon's state.
// The order is the order of importance: a warning always shows, and a page that could not
// be checked never looks checked.

export const TOOLBAR = {
  warning: { badge: "!", color: "#b3261e", title: "baitwatch: this page looks like phishing" },
  unreachable: { badge: "?", color: "#6b6b6b", title: "baitwatch: the local daemon is not reachable; pages are not being checked" },
  unpaired: { badge: "pair", color: "#8a5a00", title: "baitwatch: not paired with the daemon; pages are not being checked" },
  impostor: { badge: "!?", color: "#6b6b6b", title: "baitwatch: the program on the daemon's port is not the baitwatch daemon; pages are not being checked" },
  unchecked: { badge: "?", color: "#8a5a00", title: "baitwatch: could not check this page" },
  off: { badge: "off", color: "#6b6b6b", title: "baitwatch: protection is off" },
  suspicious: { badge: "~", color: "#8a5a00", title: "baitwatch: checked; this address looks a little unusual, so be careful where you type a password" },
  safe: { badge: "", color: "#1e6b35", title: "baitwatch: checked, no sign of phishing" },
  trusted: { badge: "", color: "#1e6b35", title: "baitwatch: not checked, because you trust this site" },
  popular: { badge: "", color: "#1e6b35", title: "baitwatch: not checked, a known popular site" },
  idle: { badge: "", color: "#1e6b35", title: "baitwatch: protecting you" },
};

const SKIPPED = { "user-allowlist": "trusted", "known-good": "popular", disabled: "off" };

export function toolbarState(tab, daemon) {
  if (tab.status === "phishing") return "warning";
  if (!daemon.reachable || tab.status === "unreachable") return "unreachable";
  if (!daemon.paired) return "unpaired";
  if (!daemon.genuine) return "impostor";
  if (tab.status === "unchecked") return "unchecked";
  if (!daemon.enabled) return "off";
  if (tab.status === "suspicious") return "suspicious";
  if (tab.status === "safe") return "safe";
  // Skipped pages say why they were not checked: "checked" would not be true.
  if (tab.status === "skipped") return SKIPPED[tab.verdict?.reason] ?? "idle";
  return "idle";
}
