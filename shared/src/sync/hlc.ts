import * as v from 'valibot';
import { COUNTER_DIGITS, formatStamp, parseStamp, stampWall, type Stamp } from './stamps';

export {
  compareStamps,
  formatStamp,
  parseStamp,
  stampNode,
  stampWall,
  type Stamp,
  type StampParts,
} from './stamps';

// The hybrid logical clock and the stamps' wire schemas (the stamps themselves: stamps.ts).

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
