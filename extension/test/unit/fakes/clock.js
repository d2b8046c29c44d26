// A clock and timers the test moves by hand, in the shape of the controller's `clock`.

export function fakeClock() {
  let time = 0;
  let nextId = 1;
  const timers = new Map(); // id -> { at, callback }
  return {
    now: () => time,
    setTimer(callback, ms) {
      timers.set(nextId, { at: time + ms, callback });
      return nextId++;
    },
    clearTimer: (id) => timers.delete(id),
    pending: () => timers.size,
    // Moves time on, running the timers that fall due in their order, then lets their work start.
    async advance(ms) {
      const end = time + ms;
      for (;;) {
        const [id, timer] = [...timers].filter(([, { at }]) => at <= end).sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
        if (timer === undefined) break;
        timers.delete(id);
        time = timer.at;
        timer.callback();
      }
      time = end;
      await new Promise((done) => setImmediate(done));
    },
  };
}
