// Delays between attempts to reach a daemon that is down: doubling, capped, reset on success.

export class Backoff {
  constructor({ firstMs = 1000, maxMs = 30000 } = {}) {
    this.firstMs = firstMs;
    this.maxMs = maxMs;
    this.attempts = 0;
  }

  next() {
    const delay = Math.min(this.maxMs, this.firstMs * 2 ** this.attempts);
    this.attempts += 1;
    return delay;
  }

  reset() {
    this.attempts = 0;
  }
}
