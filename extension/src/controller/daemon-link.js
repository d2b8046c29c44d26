// The way to the daemon: its port and the pairing token (kept where web pages cannot reach
// them), one client while they stay the same, and what a refused token means.

import { DaemonError, DEFAULT_PORT } from "../lib/daemon-client.js";

export function createDaemonLink({ browser, connect, daemon, paintAll }) {
  const settings = () => browser.privateSettings.read({ daemonPort: DEFAULT_PORT, token: null });

  // One client while the port and token stay the same, so the daemon proves itself once (and
  // again after a connection error), not before every check.
  let current = null;

  async function client() {
    const { daemonPort, token } = await settings();
    daemon.paired = Boolean(token);
    if (current?.port !== daemonPort || current?.token !== token) current = connect({ port: daemonPort, token });
    return current;
  }

  // A call that needs the token and is refused with 401 means the pairing is gone.
  async function withToken(call) {
    try {
      return await call(await client());
    } catch (error) {
      if (error instanceof DaemonError && error.status === 401) {
        await browser.privateSettings.remove("token");
        daemon.paired = false;
        await paintAll();
        throw new Error("baitwatch is not paired with the daemon: open the popup and enter a pairing code.");
      }
      throw error;
    }
  }

  return { settings, client, withToken };
}
