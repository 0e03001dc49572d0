/**
 * Bounded expectations. An Inbox queues what an agent receives; `expect` takes the first item that matches within
 * a time bound, and on failure says what arrived instead — the harness never waits without a bound.
 */

export class ExpectationError extends Error {
  constructor(
    message: string,
    /** Short descriptions of what arrived instead (or during the wait). */
    readonly arrived: string[] = [],
  ) {
    super(message);
    this.name = 'ExpectationError';
  }
}

interface Waiter<T> {
  match: (item: T) => boolean;
  resolve: (item: T) => void;
  /** Ends the wait early (the agent closed): clears the timer and rejects. */
  cancel: (reason: string) => void;
}

export class Inbox<T> {
  private readonly items: T[] = [];
  /** Everything ever pushed, for "what arrived instead" messages. */
  private readonly history: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();

  constructor(private readonly label: (item: T) => string) {}

  push(item: T): void {
    this.history.push(item);
    for (const w of this.waiters) {
      if (w.match(item)) {
        this.waiters.delete(w);
        w.resolve(item);
        return;
      }
    }
    this.items.push(item);
  }

  /** Items received and not yet taken by an expectation. */
  pending(): readonly T[] {
    return this.items;
  }

  all(): readonly T[] {
    return this.history;
  }

  /** Takes the first queued item that matches, without waiting. */
  take(match: (item: T) => boolean): T | undefined {
    const idx = this.items.findIndex(match);
    if (idx < 0) return undefined;
    return this.items.splice(idx, 1)[0];
  }

  /**
   * The first item (queued or arriving) that matches, within `withinMs`. Rejects with an ExpectationError whose
   * message is `what` plus what arrived instead.
   */
  expect(match: (item: T) => boolean, withinMs: number, what: string): Promise<T> {
    const queued = this.take(match);
    if (queued !== undefined) return Promise.resolve(queued);
    const startIdx = this.history.length;
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        match,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
        cancel: (reason) => {
          clearTimeout(timer);
          reject(new ExpectationError(`${what}: ${reason}`));
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const during = this.history.slice(startIdx).map(this.label);
        const before = this.items.filter((i) => !this.history.slice(startIdx).includes(i)).map(this.label);
        const arrived = [...before, ...during];
        const instead = arrived.length ? `; received instead: ${arrived.join(', ')}` : '; nothing else arrived';
        reject(new ExpectationError(`${what} within ${withinMs} ms${instead}`, arrived));
      }, withinMs);
      this.waiters.add(waiter);
    });
  }

  /** Resolves when nothing matching arrives for `ms`; rejects (naming it) as soon as something does. */
  expectNone(match: (item: T) => boolean, ms: number, what: string): Promise<void> {
    const queued = this.items.find(match);
    if (queued !== undefined)
      return Promise.reject(new ExpectationError(`${what}, but received ${this.label(queued)}`, [this.label(queued)]));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter<T> = {
        match,
        resolve: (item) => {
          clearTimeout(timer);
          this.items.push(item);
          reject(new ExpectationError(`${what}, but received ${this.label(item)}`, [this.label(item)]));
        },
        cancel: (reason) => {
          clearTimeout(timer);
          reject(new ExpectationError(`${what}: ${reason}`));
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve();
      }, ms);
      this.waiters.add(waiter);
    });
  }

  /** Stops every pending wait (used when the agent closes); pending expectations reject. */
  clear(reason = 'the agent was closed'): void {
    for (const w of this.waiters) w.cancel(reason);
    this.waiters.clear();
    this.items.length = 0;
  }
}
