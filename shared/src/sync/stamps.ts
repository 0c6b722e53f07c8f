// Stamps as text, without the wire schemas or the clock: what screens read (hlc.ts has both).

/**
 * Hybrid logical clock stamps (Kulkarni et al., 2014), written as fixed-width strings so that
 * plain string comparison is the total order: wall time first, then the logical counter, then
 * the node (client id) that breaks ties. `000001764300000000-000000-k3Jd9aQ2` reads as
 * "wall ms 1764300000000, counter 0, client k3Jd9aQ2".
 */
export type Stamp = string;

export const WALL_DIGITS = 15;
export const COUNTER_DIGITS = 6;

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
