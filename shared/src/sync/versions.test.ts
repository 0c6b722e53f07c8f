import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyBatch } from './apply';
import { formatStamp } from './hlc';
import type { ItemState } from './item';
import { MemorySyncStore } from './memory-store';
import type { Mutation } from './mutation';
import type { MutationResult } from './protocol';
import { applyOp, composeOps, movePosition, opBetween, transformOps } from './text-ops';
import { mergeTextWrite } from './versions';

const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\n', ' '), maxLength: 24 });

/** A random edit of `base`: a few replacements at random places. */
const editOf = (base: string) =>
  fc.array(fc.tuple(fc.nat(base.length), fc.nat(4), text), { maxLength: 3 }).map((changes) => {
    let out = base;
    for (const [at, remove, insert] of changes) {
      const start = Math.min(at, out.length);
      out = out.slice(0, start) + insert + out.slice(Math.min(out.length, start + remove));
    }
    return out;
  });

const threeTexts = text.chain((base) => fc.tuple(fc.constant(base), editOf(base), editOf(base)));

describe('text edits (S37)', () => {
  it('an edit between two texts turns one into the other, and two edits compose', () => {
    fc.assert(
      fc.property(text, text, text, (a, b, c) => {
        expect(applyOp(a, opBetween(a, b))).toBe(b);
        expect(applyOp(a, composeOps(opBetween(a, b), opBetween(b, c)))).toBe(c);
      }),
    );
  });

  it('two edits of one text moved past each other end in the same text', () => {
    fc.assert(
      fc.property(threeTexts, ([base, x, y]) => {
        const moved = transformOps(opBetween(base, x), opBetween(base, y));
        expect(applyOp(y, moved.mine)).toBe(applyOp(x, moved.theirs));
      }),
    );
  });
});

describe('the server merge of a text written on an older version (S37)', () => {
  it('[S37] keeps every character either side inserted: in the result, or (on an overlap) in the copy', () => {
    fc.assert(
      fc.property(threeTexts, ([base, mine, theirs]) => {
        const result = mergeTextWrite(base, mine, opBetween(base, theirs), theirs);
        // Everything the current text holds that the base did not, the merge holds too.
        for (const part of opBetween(base, theirs))
          if (typeof part === 'string') expect(result.text).toContain(part);
        if (result.conflict) return; // mine is kept whole in the conflict copy
        for (const part of opBetween(base, mine, true))
          if (typeof part === 'string') expect(result.text).toContain(part);
        expect(applyOp(theirs, result.fromCurrent)).toBe(result.text);
        if (result.fromWritten) expect(applyOp(mine, result.fromWritten)).toBe(result.text);
      }),
      { numRuns: 2_000 },
    );
  });

  it('[S37] edits at different places give the same text whichever reaches the server first', () => {
    const halves = fc
      .tuple(text, text)
      .chain(([left, right]) => fc.tuple(fc.constant(left), fc.constant(right), editOf(left), editOf(right)));
    fc.assert(
      fc.property(halves, ([left, right, leftEdit, rightEdit]) => {
        // A line between the two halves that neither touches keeps their changes apart.
        const base = `${left}\n|\n${right}`;
        const one = `${leftEdit}\n|\n${right}`;
        const two = `${left}\n|\n${rightEdit}`;
        const oneFirst = mergeTextWrite(base, two, opBetween(base, one), one);
        const twoFirst = mergeTextWrite(base, one, opBetween(base, two), two);
        expect(oneFirst.conflict).toBe(false);
        expect(oneFirst.text).toBe(twoFirst.text);
        expect(oneFirst.text).toBe(`${leftEdit}\n|\n${rightEdit}`);
      }),
    );
  });

  it('[S37] two people changing one word: one change stays, the other is an overlap', () => {
    const base = 'the cat sat';
    const result = mergeTextWrite(base, 'the cow sat', opBetween(base, 'the dog sat'), 'the dog sat');
    expect(result).toMatchObject({ text: 'the dog sat', conflict: true });
    const words = mergeTextWrite(base, 'the cat ran', opBetween(base, 'a cat sat'), 'a cat sat');
    expect(words).toMatchObject({ text: 'a cat ran', conflict: false });
  });
});

// Devices as the app runs them: one write of the field on its way at a time, each naming the
// version it was typed on; the answer's merged version is what the device types on next.
class Typist {
  text: string;
  base: string;
  caret: number;
  private sent: { text: string; stamp: string } | null = null;
  private count = 0;

  constructor(
    readonly node: string,
    start: { text: string; stamp: string },
  ) {
    this.text = start.text;
    this.base = start.stamp;
    this.caret = start.text.length;
  }

  type(key: string): void {
    this.text = this.text.slice(0, this.caret) + key + this.text.slice(this.caret);
    this.caret += key.length;
  }

  /** The next write, when none is on its way and something was typed. */
  write(wall: number): Mutation | null {
    if (this.sent) return null;
    this.count += 1;
    const stamp = formatStamp({ wall, counter: this.count, node: this.node });
    this.sent = { text: this.text, stamp };
    return {
      id: `m-${this.node}-${this.count}`,
      itemId: 'note0001',
      kind: 'note',
      stamp,
      set: { body: { v: this.text, b: this.base } },
    };
  }

  /**
   * The server answered: what was typed since moves onto the version the write made, along the
   * exact edit the answer names (a diff could mistake their characters for this person's).
   */
  answered(item: ItemState, result: MutationResult | undefined): void {
    const sent = this.sent!;
    const entry = item.fields.body!;
    const since = opBetween(sent.text, this.text);
    const merged = entry.v as string;
    const exact = result?.status === 'applied' ? result.merged?.body?.moved : undefined;
    const moved = transformOps(since, exact ?? opBetween(sent.text, merged));
    this.text = applyOp(merged, moved.mine);
    this.caret = movePosition(moved.theirs, this.caret);
    this.base = entry.s;
    this.sent = null;
  }
}

describe('two people typing new lines at the end of one note (S37)', () => {
  it('[S37] both lines stay whole, in one note, with no conflict copy, whatever the rhythm', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 60, maxLength: 120 }), fc.nat(1_000), (turns, seed) => {
        const store = new MemorySyncStore();
        const start = 'Shared note\nfirst line';
        const created: Mutation = {
          id: 'm-create',
          itemId: 'note0001',
          kind: 'note',
          stamp: formatStamp({ wall: 1, counter: 0, node: 'origin' }),
          set: { body: { v: start, b: null } },
        };
        applyBatch(store, [created], () => null, { author: 'a', front: 'app', now: 1 });
        const lines = ['\nLine from alice', '\nLine from bob'];
        const people = [
          new Typist('alice', { text: start, stamp: created.stamp }),
          new Typist('bob', { text: start, stamp: created.stamp }),
        ];
        const typed = [0, 0];
        const answer = (next: { who: number; mutation: Mutation }, now: number) => {
          const [result] = applyBatch(store, [next.mutation], () => null, {
            author: String(next.who),
            front: 'app',
            now,
          });
          expect(result?.status).toBe('applied');
          people[next.who]!.answered(store.getItem('note0001')!, result);
        };
        const inFlight: { who: number; mutation: Mutation }[] = [];
        let wall = 10 + seed;
        for (const turn of [...turns, ...Array<boolean>(80).fill(true)]) {
          wall += 1;
          const who = turn ? 0 : 1;
          const person = people[who]!;
          const line = lines[who]!;
          if (typed[who]! < line.length) person.type(line[typed[who]!++]!);
          const mutation = person.write(wall);
          if (mutation) inFlight.push({ who, mutation });
          // The server answers the oldest write on its way now and then.
          if (inFlight.length > 0 && (wall + seed) % 3 !== 0) answer(inFlight.shift()!, wall);
        }
        while (inFlight.length > 0) answer(inFlight.shift()!, ++wall);
        for (const person of people) {
          for (;;) {
            const mutation = person.write(++wall);
            if (!mutation) break;
            const [result] = applyBatch(store, [mutation], () => null, {
              author: person.node,
              front: 'app',
              now: wall,
            });
            person.answered(store.getItem('note0001')!, result);
            if (person.text === store.getItem('note0001')!.fields.body!.v) break;
          }
        }
        const body = store.getItem('note0001')!.fields.body!.v as string;
        expect(body.startsWith(start)).toBe(true);
        for (const line of lines) expect(body).toContain(line);
        expect(body.length).toBe(start.length + lines[0]!.length + lines[1]!.length);
        expect(store.allItems().size).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
