// What the extension's own pages may ask the background for: the warning page, the popup,
// the welcome page and the options page. Only messages from those pages reach these
// (messages.js); each answers an object or throws an error the page shows.

import { NotTheDaemon } from "../lib/daemon-client.js";
import { explain, siteOf } from "../lib/explain.js";
import * as tabState from "../lib/tab-state.js";
import { toolbarState } from "../lib/toolbar-state.js";
import { hostOf } from "./flagged-pages.js";

const SAFE_PAGES = ["chrome://newtab/", "about:blank"]; // Firefox refuses the first

export function createPageRequests({ platform, daemon, tabs, link, probing, checking, counters, flagged, toolbar }) {
  function warningOf(sender) {
    const warning = tabs.warnings.get(sender.tab?.id);
    if (!warning) throw new Error("This warning is out of date: check the address again by opening it anew.");
    return warning;
  }

  async function goSomewhereSafe(tabId) {
    for (const url of SAFE_PAGES) {
      try {
        await platform.tabs.update(tabId, { url });
        return;
      } catch {
        // this browser does not let extensions open that page; try the next
      }
    }
  }

  async function flaggedFrontTab() {
    const active = await platform.frontTab();
    const tab = active && tabs.states.get(active.id);
    if (!tab || !tabState.isFlagged(tab)) throw new Error("This tab has no warning to act on.");
    return { tabId: active.id, verdict: tab.verdict };
  }

  return {
    // The warning page.
    async "warning-details"(message, sender) {
      if (!tabs.warnings.has(sender.tab?.id)) {
        // The background restarted since the warning was shown: check the address again.
        const url = String(message.url);
        const verdict = await (await link.client()).check(url);
        // Only a web page can be judged again: an inherited warning (about:, data:, blob:) stays.
        if (verdict.verdict !== "phishing" && /^https?:/i.test(url)) {
          await platform.tabs.update(sender.tab.id, { url });
          return { flagged: false };
        }
        tabs.warnings.set(sender.tab.id, { url, verdict, returnTo: url });
      }
      const { url, verdict } = warningOf(sender);
      return { flagged: true, url, ...explain(verdict), paired: daemon.paired };
    },
    async "back-to-safety"(message, sender) {
      await goSomewhereSafe(sender.tab.id);
      return {};
    },
    async continue(message, sender) {
      const { verdict, returnTo } = warningOf(sender);
      // The daemon trusts the address's own scope: its site, or one user's site on a shared platform.
      if (message.trust) await link.withToken((c) => c.allow(verdict.url));
      tabs.continued.set(sender.tab.id, { host: hostOf(returnTo), domains: new Set([siteOf(verdict)]) });
      await platform.tabs.update(sender.tab.id, { url: returnTo });
      return {};
    },
    async report(message, sender) {
      await link.withToken((c) => c.feedback(warningOf(sender).url, "safe"));
      return {};
    },
    // The popup: about the active tab of the last focused browser window.
    async "popup-state"() {
      await probing.probe();
      const active = await platform.frontTab();
      const tab = active ? tabs.stateOf(active.id) : tabState.initialTab();
      const { checked, warnings } = await counters.read();
      if (active) await toolbar.paint(active.id);
      return { tab, daemon, state: toolbarState(tab, daemon), checked, warnings };
    },
    async "trust-site"() {
      const { tabId, verdict } = await flaggedFrontTab();
      await link.withToken((c) => c.allow(verdict.url));
      const warning = tabs.warnings.get(tabId);
      if (warning?.shown && tabs.stateOf(tabId).url.startsWith(flagged.warningPage)) await platform.tabs.update(tabId, { url: warning.returnTo });
      else await platform.tabs.reload(tabId);
      return {};
    },
    // "This is not phishing" on a flagged page: the site stops warning from now on, and the tab
    // goes back to it from the warning page.
    async "report-site"() {
      const { tabId, verdict } = await flaggedFrontTab();
      await link.withToken((c) => c.feedback(verdict.url, "safe"));
      const warning = tabs.warnings.get(tabId);
      if (warning?.shown && tabs.stateOf(tabId).url.startsWith(flagged.warningPage)) await platform.tabs.update(tabId, { url: warning.returnTo });
      else await platform.tabs.reload(tabId);
      return {};
    },
    // "This is phishing" on any page checked or skipped: the site is warned about from the
    // next check on, this tab's first.
    async "report-phishing"() {
      const active = await platform.frontTab();
      const tab = active && tabs.states.get(active.id);
      if (!tab?.url || !/^https?:/i.test(tab.url) || tab.url.startsWith(flagged.warningPage)) throw new Error("There is no web page in this tab to report.");
      await link.withToken((c) => c.feedback(tab.url, "phishing"));
      checking.requestCheck(active.id, 0, tab.url, { newDocument: false });
      return {};
    },
    async "set-enabled"(message) {
      const answer = await link.withToken((c) => c.setEnabled(message.enabled === true));
      daemon.enabled = answer.enabled;
      await toolbar.paintAll();
      return answer;
    },
    async pair(message) {
      const { token } = await (await link.client()).pair(String(message.code));
      await link.save({ token });
      daemon.paired = true;
      checking.recheck(["unchecked", "unreachable"]);
      await toolbar.paintAll();
      return { paired: true };
    },
    // The welcome page: the daemon's state and, once paired, whether it proves who it is.
    async "welcome-state"() {
      await probing.probe();
      if (daemon.reachable && daemon.paired) {
        try {
          await (await link.client()).ensureRealDaemon();
          daemon.genuine = true;
        } catch (error) {
          if (error instanceof NotTheDaemon) daemon.genuine = false;
        }
      }
      const { reachable, paired, genuine, enabled } = daemon;
      return { daemon: { reachable, paired, genuine, enabled }, port: (await link.settings()).daemonPort };
    },
    // The options page.
    async allowlist() {
      return (await link.client()).allowlist();
    },
    async disallow(message) {
      return link.withToken((c) => c.disallow(String(message.domain)));
    },
    async reports() {
      return link.withToken((c) => c.reports());
    },
    async "withdraw-report"(message) {
      return link.withToken((c) => c.withdrawReport(String(message.site)));
    },
    // The popup's Learn from my reports, its progress, and Undo.
    async "retrain-status"() {
      const progress = await link.withToken((c) => c.retrainStatus());
      if (progress.state !== "running") await probing.probe(); // a finished retrain may have switched the model
      return { ...progress, served: daemon.model?.id ?? null };
    },
    async "start-retrain"() {
      return link.withToken((c) => c.startRetrain());
    },
    async "undo-retrain"(message) {
      const rolled = await link.withToken((c) => c.rollBackModel(String(message.model)));
      await probing.probe(); // the popup names the model in use
      return rolled;
    },
    async "familiar-sites"() {
      return { enabled: (await (await link.client()).settings()).familiar_sites };
    },
    async "set-familiar-sites"(message) {
      return { enabled: (await link.withToken((c) => c.setFamiliarSites(message.enabled === true))).familiar_sites };
    },
    async "forget-familiar-sites"() {
      await link.withToken((c) => c.forgetFamiliarSites());
      return {};
    },
    async "get-port"() {
      return { port: (await link.settings()).daemonPort };
    },
    async "set-port"(message) {
      const port = Number(message.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("The port must be a whole number from 1 to 65535.");
      await link.save({ daemonPort: port });
      daemon.genuine = true; // not known yet: the next check asks the new port's daemon for its proof
      await probing.probe();
      return { port };
    },
  };
}
