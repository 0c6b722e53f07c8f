import * as v from 'valibot';

/**
 * Hybrid logical clock stamps (Kulkarni et al., 2014), written as fixed-width strings so that
 * plain string comparison is the total order: wall time first, then the logical counter, then
 * the node (client id) that breaks ties. `000001764300000000-000000-k3Jd9aQ2` reads as
 * "wall ms 1764300000000, counter 0, client k3Jd9aQ2".
 */
export type Stamp = string;

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;

/** How far ahead of the server's clock a stamp may be before the server refuses the batch (S9). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** A client id: the HLC node of one device's database. URL-safe, 4–64 characters. */
export const NodeIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{4,64}$/, 'Invalid client id'));

/** A stamp on the wire: `<15-digit wall ms>-<6-digit counter>-<client id>`. */
export const StampSchema = v.pipe(
  v.string(),
  v.regex(/^\d{15}-\d{6}-[A-Za-z0-9_-]{4,64}$/, 'Invalid HLC stamp'),
);

/** The parts of a stamp. */
export interface StampParts {
  wall: number;
  counter: number;
  node: string;
}

/** Writes a stamp from its parts. */
export function formatStamp(parts: StampParts): Stamp {
  return `${String(parts.wall).padStart(WALL_DIGITS, '0')}-${String(parts.counter).padStart(COUNTER_DIGITS, '0')}-${parts.node}`;
}

/** Reads a stamp's parts (the stamp must already be valid, see {@link StampSchema}). */
export function parseStamp(stamp: Stamp): StampParts {
  return {
    wall: Number(stamp.slice(0, WALL_DIGITS)),
    counter: Number(stamp.slice(WALL_DIGITS + 1, WALL_DIGITS + 1 + COUNTER_DIGITS)),
    node: stamp.slice(WALL_DIGITS + COUNTER_DIGITS + 2),
  };
}

/** The node (client id) that made a stamp. */
export function stampNode(stamp: Stamp): string {
  return stamp.slice(WALL_DIGITS + COUNTER_DIGITS + 2);
}

/** The wall-clock part of a stamp, in ms since the epoch. */
export function stampWall(stamp: Stamp): number {
  return Number(stamp.slice(0, WALL_DIGITS));
}

/** Orders two stamps: negative when `a` is older, 0 when equal, positive when `a` is newer. */
export function compareStamps(a: Stamp, b: Stamp): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A hybrid logical clock for one node. `now()` returns a stamp greater than every stamp this
 * clock made or observed before; `observe()` folds in a stamp seen from elsewhere, so that an
 * edit made after seeing a value always wins over that value.
 */
export class Hlc {
  readonly node: string;
  private wall: number;
  private counter: number;
  private readonly physical: () => number;

  /** `physical` is the wall clock in ms (injected, so tests use a fake clock). */
  constructor(node: string, physical: () => number, last: Stamp | null = null) {
    this.node = node;
    this.physical = physical;
    const parts = last ? parseStamp(last) : { wall: 0, counter: 0 };
    this.wall = parts.wall;
    this.counter = parts.counter;
  }

  /** A new stamp for a local event. */
  now(): Stamp {
    const pt = Math.floor(this.physical());
    if (pt > this.wall) {
      this.wall = pt;
      this.counter = 0;
    } else if (this.counter < MAX_COUNTER) {
      this.counter += 1;
    } else {
      // Counter exhausted within one millisecond: move the logical wall on instead.
      this.wall += 1;
      this.counter = 0;
    }
    return formatStamp({ wall: this.wall, counter: this.counter, node: this.node });
  }

  /** Folds in a stamp received from another node. */
  observe(stamp: Stamp): void {
    const { wall, counter } = parseStamp(stamp);
    if (wall > this.wall || (wall === this.wall && counter > this.counter)) {
      this.wall = wall;
      this.counter = counter;
    }
  }

  /** The last stamp made or observed, to persist and restore the clock across restarts. */
  last(): Stamp {
    return formatStamp({ wall: this.wall, counter: this.counter, node: this.node });
  }
}

/** True when `stamp` is further ahead of `serverNow` than {@link MAX_CLOCK_SKEW_MS} allows. */
export function isTooFarAhead(stamp: Stamp, serverNow: number): boolean {
  return stampWall(stamp) > serverNow + MAX_CLOCK_SKEW_MS;
}
