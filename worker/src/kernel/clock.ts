/** The injected clock of domain code. */
export interface Clock {
  now(): number;
}

/** The real clock. In a Durable Object, `Date.now()` only moves after I/O, which is enough here. */
export const systemClock: Clock = { now: () => Date.now() };
