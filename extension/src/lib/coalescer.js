// Coalesces the checks of one source (a tab's frame): at most one request in flight and at
// most one started per interval, and the latest value waiting wins. Each key is on its own,
// so a page that changes its URL in a loop delays only its own checks. `restart` begins a
// key afresh (a new document): its value runs at once and is never replaced by a later one.
// `run(key, value, forgotten)` gets an AbortSignal that `forget` aborts: what it finds out
// for a key forgotten meanwhile (a closed tab's) is moot.

export class Coalescer {
  constructor(run, { intervalMs = 300, now = () => Date.now(), setTimer = (callback, ms) => setTimeout(callback, ms) } = {}) {
    this.run = run;
    this.intervalMs = intervalMs;
    this.now = now;
    this.setTimer = setTimer;
    this.keys = new Map();
  }

  request(key, value) {
    const entry = this.keys.get(key) ?? { waiting: undefined, running: false, timer: false, lastStart: -Infinity, forgotten: new AbortController() };
    this.keys.set(key, entry);
    entry.waiting = value;
    this.schedule(key, entry);
  }

  restart(key, value) {
    this.keys.delete(key);
    this.request(key, value);
  }

  // Drops the keys `matches` says yes to; what they have waiting never runs.
  forget(matches) {
    for (const [key, entry] of [...this.keys]) {
      if (!matches(key)) continue;
      this.keys.delete(key);
      entry.forgotten.abort();
    }
  }

  schedule(key, entry) {
    if (entry.running || entry.timer || entry.waiting === undefined) return;
    const delay = entry.lastStart + this.intervalMs - this.now();
    if (delay <= 0) {
      this.start(key, entry);
      return;
    }
    entry.timer = true;
    this.setTimer(() => {
      entry.timer = false;
      this.schedule(key, entry);
    }, delay);
  }

  async start(key, entry) {
    const value = entry.waiting;
    entry.waiting = undefined;
    entry.running = true;
    entry.lastStart = this.now();
    try {
      await this.run(key, value, entry.forgotten.signal);
    } finally {
      entry.running = false;
      if (this.keys.get(key) === entry) this.schedule(key, entry);
    }
  }
}
