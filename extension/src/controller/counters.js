// The popup's counters (pages checked, warnings shown), in storage.local.

const ZERO = { checked: 0, warnings: 0 };

export function createCounters(storage) {
  return {
    async add(name) {
      const values = await storage.get({ [name]: 0 });
      await storage.set({ [name]: values[name] + 1 });
    },
    read: () => storage.get(ZERO),
  };
}
