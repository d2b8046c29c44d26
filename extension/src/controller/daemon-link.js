// The way to the daemon: its port and the pairing token (kept where web pages cannot reach
// them), one client while they stay the same, and what a refused token means.

import { DaemonError, DEFAULT_PORT } from "../lib/daemon-client.js";
import { oneAtATime } from "../lib/one-at-a-time.js";

const NOT_PAIRED = "baitwatch is not paired with the daemon: open the popup and enter a pairing code.";

export function createDaemonLink({ platform, connect, daemon, paintAll }) {
  const settings = () => platform.privateSettings.read({ daemonPort: DEFAULT_PORT, token: null });
  // Changes to the settings are made in turn, so that dropping a refused token can never
  // remove the one a new pairing has just stored.
  const inTurn = oneAtATime();
  const save = (values) => inTurn(() => platform.privateSettings.write(values));

  // One client while the port and token stay the same, so the daemon proves itself once (and
  // again after a connection error), not before every check.
  let current = null;

  async function client() {
    const { daemonPort, token } = await settings();
    daemon.paired = Boolean(token);
    if (current?.port !== daemonPort || current?.token !== token) current = connect({ port: daemonPort, token });
    return current;
  }

  // Drops the refused token; "replaced" if the person paired again since it was sent.
  const dropToken = (refused) =>
    inTurn(async () => {
      if ((await settings()).token !== refused) return "replaced";
      await platform.privateSettings.remove("token");
      return "dropped";
    });

  // A call that needs the token and is refused with 401 means the pairing is gone, unless
  // the person paired again while it was under way: then it is made again with the new token.
  async function withToken(call) {
    const used = await client();
    try {
      return await call(used);
    } catch (error) {
      if (!(error instanceof DaemonError && error.status === 401)) throw error;
      if ((await dropToken(used.token)) === "replaced") return call(await client());
      daemon.paired = false;
      await paintAll();
      throw new Error(NOT_PAIRED);
    }
  }

  return { settings, save, client, withToken };
}
