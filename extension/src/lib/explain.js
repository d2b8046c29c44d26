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

// What the page itself showed, in a sentence: "This page presents itself as PayPal, but
// paypal.com is not this site, and asks for a password."
function pageSentence(page) {
  const reasons = page?.reasons ?? [];
  if (!reasons.length) return "";
  const joined = reasons.length === 1 ? reasons[0] : `${reasons.slice(0, -1).join(", ")}, and ${reasons.at(-1)}`;
  return `This page ${joined}.`;
}

// Which evidence decided, in plain words.
function reasonFor(verdict) {
  const page = pageSentence(verdict.page);
  switch (verdict.reason) {
    case "lookalike":
      return verdict.imitates ? `This address imitates ${verdict.imitates}.` : "This address imitates a well-known site.";
    case "reported":
      return "You reported this site as phishing. (Withdraw the report on baitwatch's options page.)";
    case "learnt":
      return "baitwatch's model learnt from your report that this site is phishing. (Withdraw the report on baitwatch's options page, then Learn from my reports, to undo it.)";
    case "page":
      return `The address alone did not give it away, but the page did. ${page}`;
    case "page-asks-nothing":
      return `The address looks unusual, but the page asks for nothing. ${page}`;
    default: {
      const address = "baitwatch's model, on this computer, finds that this address looks like the addresses of phishing sites.";
      return page && verdict.page?.verdict === "phishing" ? `${address} ${page}` : address;
    }
  }
}

export function explain(verdict) {
  const site = siteOf(verdict);
  const why = reasonFor(verdict);
  const address =
    typeof verdict.score === "number"
      ? `The model rates this address ${percent(verdict.score)} likely phishing; it warns from ${percent(verdict.threshold)}. Model: ${verdict.model ?? "unknown"}.`
      : `Reason given by the daemon: ${verdict.reason}.`;
  const page = typeof verdict.page?.score === "number" ? ` The page model rates the page ${percent(verdict.page.score)} like a phishing page.` : "";
  const details = address + page;
  return {
    site,
    why,
    details,
    reminder: `Reminder: baitwatch warned that ${site} may be a phishing site. Do not enter passwords, card numbers or codes here.`,
    notice: `baitwatch: this address looks a little unusual. Before you type a password or card number, check that ${site} is the site you meant.`,
  };
}
