// The popup's counters (pages checked, warnings shown), in storage.local. storage has no
// increment, so each change reads and writes: changes are made one after another, or checks
// that end together would each read the same value and all but one increment would be lost.

import { oneAtATime } from "../lib/one-at-a-time.js";

const ZERO = { checked: 0, warnings: 0 };

export function createCounters(storage) {
  const inTurn = oneAtATime();

  return {
    // Never fails and need not be awaited: a count must not hold up a verdict or a warning.
    add: (name) =>
      inTurn(async () => {
        const values = await storage.get({ [name]: 0 });
        await storage.set({ [name]: values[name] + 1 });
      }).catch((error) => console.warn(`baitwatch: could not count ${name}:`, error.message)),
    // After the changes asked for before it.
    read: () => inTurn(() => storage.get(ZERO)),
  };
}
