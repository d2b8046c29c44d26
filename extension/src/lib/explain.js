// What the warning says, in plain words, from the daemon's answer. Numbers go in `details`
// only, which the warning page keeps behind a disclosure.

const percent = (value) => `${(value * 100).toFixed(1)}%`;

function hostOf(url) {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

// The site a verdict is about: the registrable domain, or the host when there is none.
export function siteOf(verdict) {
  return verdict.domain ?? hostOf(verdict.url);
}

export function explain(verdict) {
  const site = siteOf(verdict);
  const why =
    verdict.reason === "lookalike" && verdict.imitates
      ? `This address imitates ${verdict.imitates}.`
      : "baitwatch's model, on this computer, finds that this address looks like the addresses of phishing sites.";
  const details =
    typeof verdict.score === "number"
      ? `The model rates this address ${percent(verdict.score)} likely phishing; it warns from ${percent(verdict.threshold)}. Model: ${verdict.model ?? "unknown"}.`
      : `Reason given by the daemon: ${verdict.reason}.`;
  return {
    site,
    why,
    details,
    reminder: `Reminder: baitwatch warned that ${site} may be a phishing site. Do not enter passwords, card numbers or codes here.`,
    notice: `baitwatch: this address looks a little unusual. Before you type a password or card number, check that ${site} is the site you meant.`,
  };
}
