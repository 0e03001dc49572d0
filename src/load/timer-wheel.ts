/**
 * A hashed timer wheel for many short protocol timers (RFC 3261 Timers A, B, E, F, G, H): one interval timer for
 * the whole engine instead of a setTimeout per call. Arming is an array push; cancelling or re-arming bumps the
 * owner's sequence number, and stale entries are dropped when their slot comes round. Resolution is `tickMs`.
 */

export interface WheelOwner {
  /** Incremented on every arm/cancel: an entry fires only if it still carries the current value. */
  timerSeq: number;
  /** Absolute deadline (performance.now() ms) of the armed timer. */
  deadline: number;
}

export class TimerWheel<T extends WheelOwner> {
  private readonly slots: Array<Array<T | number>>;
  private readonly size: number;
  private cursor: number;
  private readonly interval: NodeJS.Timeout;

  constructor(
    private readonly onFire: (owner: T, now: number) => void,
    private readonly tickMs = 10,
    size = 4096,
  ) {
    this.size = size;
    this.slots = Array.from({ length: size }, () => []);
    this.cursor = Math.floor(performance.now() / tickMs);
    this.interval = setInterval(() => this.advance(performance.now()), tickMs);
  }

  arm(owner: T, delayMs: number, now = performance.now()): void {
    owner.timerSeq++;
    owner.deadline = now + delayMs;
    let slot = Math.ceil(owner.deadline / this.tickMs);
    if (slot <= this.cursor) slot = this.cursor + 1;
    this.slots[slot % this.size]!.push(owner, owner.timerSeq);
  }

  cancel(owner: T): void {
    owner.timerSeq++;
    owner.deadline = Infinity;
  }

  /** Fires every timer due by `now`. */
  advance(now: number): void {
    const target = Math.floor(now / this.tickMs);
    while (this.cursor < target) {
      this.cursor++;
      const idx = this.cursor % this.size;
      const list = this.slots[idx]!;
      if (list.length === 0) continue;
      this.slots[idx] = [];
      for (let i = 0; i < list.length; i += 2) {
        const owner = list[i] as T;
        if (owner.timerSeq !== list[i + 1]) continue;
        if (owner.deadline <= now + this.tickMs / 2) {
          owner.deadline = Infinity;
          this.onFire(owner, now);
        } else this.slots[idx]!.push(owner, owner.timerSeq); // a deadline more than one turn of the wheel away
      }
    }
  }

  stop(): void {
    clearInterval(this.interval);
  }
}
