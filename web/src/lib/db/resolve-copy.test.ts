import { describe, expect, it } from 'vitest';
import type { ItemState } from '#shared/sync/item';
import type { EditBase } from './db';
import { keepsEveryLine, resolveCopy } from './copy-merge';

// How a conflict copy the server made of this device's text edit settles (S22, S23): merged and
// dismissed only when no line either side typed can go with it.

const ME = 'me000000000000000000AA';
const THEM = 'them0000000000000000BB';
const START = 'line one\nline two\nline three\nline four\nline five';
const OWNER = START.replace('line three', 'line three OWNER');
const EDITOR = START.replace('line three', 'line three EDITOR');
const stamp = (ms: number, node: string) => `${String(ms).padStart(15, '0')}-000000-${node}`;

function row(mutationId: string, ms: number, fields: Record<string, string>, wrote: string): EditBase {
  return {
    mutationId,
    spaceId: 's',
    itemId: 'note0001',
    stamp: stamp(ms, ME),
    fields,
    wrote: { body: wrote },
  };
}

// This device made the note (START), then edited line three offline; the editor's edit of the
// same line reached the server first, so this device's edit lost: the run's base is '' (the
// note was new), and the copy holds OWNER.
const created = row('created000000000000000', 1000, { body: '' }, START);
const lostEdit = row('lostedit00000000000000', 2000, { body: '' }, OWNER);
const current: ItemState = {
  id: 'note0001',
  kind: 'note',
  fields: { body: { v: EDITOR, s: stamp(3000, THEM) } },
};
const copy: ItemState = {
  id: `${lostEdit.mutationId}~l`,
  kind: 'note',
  fields: { body: { v: OWNER, s: lostEdit.stamp } },
  conflict: { of: 'note0001', reason: 'lost', mutationId: lostEdit.mutationId, stamp: lostEdit.stamp },
};

describe('settling a conflict copy of this device', () => {
  it('[S23][S30] one line edited on both sides (this side offline): the copy stays whatever order the device reads its edits in', () => {
    // The edit's own text is never the version the other side started from.
    expect(resolveCopy(lostEdit, [lostEdit, created], current, copy, ME)).toBeNull();
    expect(resolveCopy(lostEdit, [created, lostEdit], current, copy, ME)).toBeNull();
  });

  it('[S23][S30] an overwritten copy of the same overlap stays too', () => {
    const mine: ItemState = { ...current, fields: { body: { v: OWNER, s: stamp(4000, ME) } } };
    const theirs: ItemState = {
      ...copy,
      id: `${lostEdit.mutationId}~o`,
      fields: { body: { v: EDITOR, s: stamp(3000, THEM) } },
      conflict: { ...copy.conflict!, reason: 'overwritten' },
    };
    const won = { ...lostEdit, stamp: stamp(4000, ME) };
    expect(resolveCopy(won, [won, created], mine, theirs, ME)).toBeNull();
  });

  it('[S22][S30] different lines on both sides still merge and dismiss the copy', () => {
    const mineText = START.replace('line one', 'line one OWNER');
    const mineCopy: ItemState = { ...copy, fields: { body: { v: mineText, s: lostEdit.stamp } } };
    const edit = { ...lostEdit, wrote: { body: mineText } };
    const values = resolveCopy(edit, [edit, created], current, mineCopy, ME);
    expect(values).toEqual({ body: EDITOR.replace('line one', 'line one OWNER') });
  });

  it('[S30] a copy is not merged against an own earlier edit the overwritten text did not grow from', () => {
    // This device typed "the ed", then took a version from the other side that lacked the "d"
    // and typed "i" on it: its write "the ei" grew from their "the e", not from its own "the ed".
    const line = (tail: string) => START.replace('line five', `line five the ${tail}`);
    const theirStamp = stamp(2500, THEM);
    const typedD = {
      ...row('typedd0000000000000000', 2000, { body: START }, line('ed')),
      seen: { body: null },
    };
    const typedI = {
      ...row('typedi0000000000000000', 3000, { body: line('e') }, line('ei')),
      seen: { body: theirStamp },
    };
    const now: ItemState = {
      id: 'note0001',
      kind: 'note',
      fields: { body: { v: line('eit'), s: stamp(3100, ME) } },
    };
    const theirs: ItemState = {
      id: `${typedI.mutationId}~o`,
      kind: 'note',
      fields: { body: { v: line('ed'), s: stamp(2900, THEM) } },
      conflict: { of: 'note0001', reason: 'overwritten', mutationId: typedI.mutationId, stamp: typedI.stamp },
    };
    // "the ed" and "the eit" both grew from "the e": they overlap, so the copy stays.
    expect(resolveCopy(typedI, [typedD, typedI], now, theirs, ME)).toBeNull();
  });

  it('[S31] a merge that would drop a typed line is refused', () => {
    expect(keepsEveryLine(EDITOR, OWNER, EDITOR, START)).toBe(false);
    expect(keepsEveryLine(`${START} typed on`, START, START, '')).toBe(true);
    // A line this side deleted may go; one only the other side lacks may not.
    expect(keepsEveryLine('a\nc', 'a\nc', 'a\nb\nc', 'a\nb\nc')).toBe(true);
    expect(keepsEveryLine('a\nc', 'a\nb\nc', 'a\nc', 'a\nb\nc')).toBe(false);
  });
});
