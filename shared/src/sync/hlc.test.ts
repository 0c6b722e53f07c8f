import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import {
  compareStamps,
  formatStamp,
  Hlc,
  isTooFarAhead,
  MAX_CLOCK_SKEW_MS,
  parseStamp,
  StampSchema,
} from './hlc';

describe('hybrid logical clock', () => {
  it('[S4] stamps of one clock strictly increase even when the wall clock stands still or goes back', () => {
    let wall = 1_000;
    const clock = new Hlc('nodeA', () => wall);
    const a = clock.now();
    const b = clock.now();
    wall = 500;
    const c = clock.now();
    wall = 2_000;
    const d = clock.now();
    expect([a, b, c, d]).toEqual([...new Set([a, b, c, d])].sort());
    expect(parseStamp(d)).toEqual({ wall: 2_000, counter: 0, node: 'nodeA' });
  });

  it('[S4] a stamp made after observing a remote stamp is newer than it', () => {
    const local = new Hlc('nodeA', () => 1_000);
    const remote = formatStamp({ wall: 90_000, counter: 7, node: 'nodeB' });
    local.observe(remote);
    const next = local.now();
    expect(compareStamps(next, remote)).toBe(1);
    expect(parseStamp(next)).toEqual({ wall: 90_000, counter: 8, node: 'nodeA' });
  });

  it('[S4] equal wall time and counter are ordered by client id', () => {
    const a = formatStamp({ wall: 5, counter: 1, node: 'aaaa' });
    const b = formatStamp({ wall: 5, counter: 1, node: 'bbbb' });
    expect(compareStamps(a, b)).toBe(-1);
    expect(compareStamps(b, a)).toBe(1);
    expect(compareStamps(a, a)).toBe(0);
  });

  it('moves the logical wall on when the counter runs out within one millisecond', () => {
    const clock = new Hlc('nodeA', () => 7, formatStamp({ wall: 7, counter: 999_999, node: 'nodeA' }));
    expect(parseStamp(clock.now())).toEqual({ wall: 8, counter: 0, node: 'nodeA' });
  });

  it('restores from its last stamp so a restarted client never reuses a stamp', () => {
    const first = new Hlc('nodeA', () => 100);
    const made = [first.now(), first.now()];
    const second = new Hlc('nodeA', () => 100, first.last());
    expect(compareStamps(second.now(), made[1]!)).toBe(1);
  });

  it('stamps validate against the wire schema', () => {
    expect(v.is(StampSchema, new Hlc('client_1', () => Date.now()).now())).toBe(true);
    expect(v.is(StampSchema, '12-000000-nodeA')).toBe(false);
  });

  it('[S9] a stamp more than the skew bound ahead of the server is too far ahead', () => {
    const now = 1_764_300_000_000;
    expect(
      isTooFarAhead(formatStamp({ wall: now + MAX_CLOCK_SKEW_MS, counter: 0, node: 'nodeA' }), now),
    ).toBe(false);
    expect(
      isTooFarAhead(formatStamp({ wall: now + MAX_CLOCK_SKEW_MS + 1, counter: 0, node: 'nodeA' }), now),
    ).toBe(true);
  });
});
