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

export function explain(verdict) {
  const site = verdict.domain ?? hostOf(verdict.url);
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
  };
}
