/** The simulator's notion of "now". Real time by default; tests drive a virtual one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const realClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to, so a simulated day can pass in a test in
 * milliseconds and every answer that depends on time (settling, retention, rate-limit
 * windows) is reproducible.
 */
export class VirtualClock implements Clock {
  #nowMs: number;

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  set(ms: number): void {
    this.#nowMs = ms;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError("a virtual clock does not run backwards");
    this.#nowMs += ms;
  }
}
