import type { Hlc, Stamp } from '#shared/sync/hlc';
import type { JsonValue } from '#shared/sync/item';
import type { Mutation } from '#shared/sync/mutation';
import { jsonBytes, type MergedField, type PushResponse } from '#shared/sync/protocol';
import { applyOp, inputLength, opBetween, transformOps, type TextOp } from '#shared/sync/text-ops';
import { textOf, withText } from '#shared/sync/versions';
import { withMove } from '#shared/sync/text-moves';
import type { BatonDatabase, LocalItem, OutboxEntry, TextMove } from './db';
import { randomId, toRow } from './row-writes';
import { itemStateOf } from './rows';

// The device's side of the one merge point (S37, S39): the server merged a write of this device
// with a version it had not seen and answered with the merged version and the exact edit from
// the written text to it. The device moves what it typed since onto that version along that
// edit, never along a diff of its own: a diff cannot tell the other person's characters from
// this person's where they are alike.

/** The last answer of each text field of a push: the write and the version the server merged it into. */
interface FieldAnswer {
  entry: OutboxEntry;
  /** The text the write held. */
  written: string;
  merged: MergedField | null;
}

/**
 * Per item and field, what the push's last write of that field became (in batch order). Fields
 * with a write on its way in the next batch are left to that batch's answer: the device moves
 * nothing the server is about to merge in turn.
 */
export function lastAnswers(
  entries: readonly OutboxEntry[],
  reply: PushResponse,
  onTheirWay: readonly OutboxEntry[] = [],
): Map<string, Map<string, FieldAnswer>> {
  const byId = new Map(entries.map((entry) => [entry.mutationId, entry]));
  const busy = new Set(
    onTheirWay.flatMap((entry) =>
      Object.keys(entry.mutation.set).map((name) => `${entry.itemId}\u0000${name}`),
    ),
  );
  const out = new Map<string, Map<string, FieldAnswer>>();
  for (const result of reply.results) {
    const entry = byId.get(result.id);
    if (!entry || result.status !== 'applied') continue;
    let fields = out.get(entry.itemId);
    if (!fields) out.set(entry.itemId, (fields = new Map<string, FieldAnswer>()));
    for (const [name, write] of Object.entries(entry.mutation.set)) {
      const written = textOf(name, write.v);
      if (written === null || busy.has(`${entry.itemId}\u0000${name}`)) continue;
      fields.set(name, { entry, written, merged: result.merged?.[name] ?? null });
    }
  }
  return out;
}

/**
 * Moves each item onto the versions the server merged its writes into, in the push's settling
 * transaction, after the applied writes left the outbox. A field no later edit wrote takes the
 * merged version. A field with later edits waiting takes the merged version with those edits
 * moved onto it, as one new edit based on the merged version that replaces their writes of the
 * field (they named this device's own versions, which the merged one supersedes). Either way the
 * row remembers the exact step (`moves`), so an open editor keeps its caret and unsaved keys.
 */
export async function settleMerges(
  db: BatonDatabase,
  spaceId: string,
  answers: Map<string, Map<string, FieldAnswer>>,
  clock: Hlc,
  now: number,
): Promise<Stamp[]> {
  const observed: Stamp[] = [];
  for (const [itemId, fields] of answers) {
    const merged = [...fields].filter(
      (pair): pair is [string, FieldAnswer & { merged: MergedField }] => pair[1].merged !== null,
    );
    if (merged.length === 0) continue;
    const row = await db.items.get([spaceId, itemId]);
    if (!row) continue;
    const waiting = await db.outbox
      .where('[spaceId+itemId]')
      .equals([spaceId, itemId])
      .filter((other) => other.state === 'pending')
      .sortBy('seq');
    const item = itemStateOf(row);
    const steps: Record<string, TextMove[]> = { ...row.moves };
    let lock: Mutation['lock'];
    const moving: Record<string, { from: Stamp; op: TextOp }> = {};
    const values: Record<string, { v: JsonValue; b: Stamp }> = {};
    for (const [name, answer] of merged) {
      observed.push(answer.merged.s);
      const local = item.fields[name];
      const later = waiting.filter((other) => name in other.mutation.set);
      const mergedText = textOf(name, answer.merged.v);
      if (mergedText === null) continue;
      const moved = exactMove(answer.written, mergedText, answer.merged.moved);
      if (later.length === 0) {
        if (local?.s !== answer.entry.mutation.stamp) continue; // a pulled version came since
        item.fields[name] = { v: answer.merged.v, s: answer.merged.s };
        steps[name] = withMove(steps[name], { from: local.s, to: answer.merged.s, op: moved });
        continue;
      }
      const newest = later.at(-1)!.mutation.set[name]!.v;
      const typed = textOf(name, local?.v) ?? textOf(name, newest) ?? '';
      const both = transformOps(opBetween(answer.written, typed), moved);
      values[name] = { v: withText(local?.v ?? newest, applyOp(mergedText, both.mine)), b: answer.merged.s };
      if (local) moving[name] = { from: local.s, op: both.theirs };
      lock ??= later.at(-1)!.mutation.lock;
      await dropField(db, later, name);
    }
    if (Object.keys(values).length > 0) {
      const mutation: Mutation = { id: randomId(), itemId, kind: item.kind, stamp: clock.now(), set: values };
      // Waiting edits made under a check-out keep their claim (S8).
      if (lock) mutation.lock = lock;
      for (const [name, write] of Object.entries(values))
        item.fields[name] = { v: write.v, s: mutation.stamp };
      // An open editor on the typed version moves onto the new one exactly (S39).
      for (const [name, step] of Object.entries(moving))
        steps[name] = withMove(steps[name], { from: step.from, to: mutation.stamp, op: step.op });
      await db.outbox.add({
        spaceId,
        mutationId: mutation.id,
        itemId,
        mutation,
        bytes: jsonBytes(mutation),
        state: 'pending',
        createdAt: now,
      });
    }
    const next: LocalItem = toRow(spaceId, item);
    if (Object.keys(steps).length > 0) next.moves = steps;
    await db.items.put(next);
  }
  return observed;
}

/** The server's exact edit, or (where it left overlapping changes out) a diff of the two texts. */
function exactMove(written: string, merged: string, op: TextOp | null): TextOp {
  if (op && inputLength(op) === written.length) return op;
  return opBetween(written, merged);
}

/** Takes field `name` out of waiting edits; an edit left with no field goes. */
async function dropField(db: BatonDatabase, waiting: readonly OutboxEntry[], name: string): Promise<void> {
  for (const entry of waiting) {
    if (entry.seq === undefined) continue;
    const set = { ...entry.mutation.set };
    delete set[name];
    if (Object.keys(set).length === 0) await db.outbox.delete(entry.seq);
    else {
      const mutation = { ...entry.mutation, set };
      await db.outbox.update(entry.seq, { mutation, bytes: jsonBytes(mutation) });
    }
  }
}
