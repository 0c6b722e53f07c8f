import type { ItemState } from '../sync/item';
import type { FieldVersion } from '../sync/versions';
import type { HistoryEdit, HistoryField } from './protocol';

/** What turns stored versions into edits people read (V1, V2). */
export interface EditsContext {
  /** The item now, to tell which edits still hold. */
  current: ItemState;
  /** The versions the page's versions grew from, to show what each replaced. */
  bases: FieldVersion[];
  /** Names given to versions, by stamp (V8). */
  names: ReadonlyMap<string, string>;
  /** A member's name by user id; the caller says what to call someone who left. */
  authorName(userId: string): string;
  /** The check-outs edits were made under, by stamp (V24). */
  checkouts?: ReadonlyMap<string, { lock: string; holderUserId: string }>;
}

const key = (field: string, stamp: string) => `${field}\u0000${stamp}`;

/**
 * Groups field versions into edits, newest first (V1): one edit is every field written under one
 * stamp (a mutation writes all its fields under one). Each field shows the value it replaced (V2)
 * when the store still holds it. The version that was current when history began (author '',
 * at 0) is shown without an author.
 */
export function historyEdits(versions: readonly FieldVersion[], context: EditsContext): HistoryEdit[] {
  const byStamp = new Map<string, FieldVersion[]>();
  for (const version of versions) {
    const group = byStamp.get(version.stamp);
    if (group) group.push(version);
    else byStamp.set(version.stamp, [version]);
  }
  const bases = new Map<string, FieldVersion>();
  for (const version of [...context.bases, ...versions])
    bases.set(key(version.field, version.stamp), version);
  const edits: HistoryEdit[] = [];
  for (const [stamp, group] of byStamp) {
    const first = group[0];
    if (!first) continue;
    group.sort((a, b) => a.field.localeCompare(b.field));
    const fields = group.map((version): HistoryField => {
      const base = version.base === null ? undefined : bases.get(key(version.field, version.base));
      return base
        ? { field: version.field, value: version.value, before: base.value }
        : { field: version.field, value: version.value };
    });
    const founding = first.author === '' && first.at === 0;
    const checkout = context.checkouts?.get(stamp);
    edits.push({
      stamp,
      at: first.at,
      author: founding ? null : context.authorName(first.author),
      front: first.front,
      name: context.names.get(stamp) ?? null,
      current: group.every((version) => context.current.fields[version.field]?.s === stamp),
      fields,
      checkout: checkout ? { lock: checkout.lock, holder: context.authorName(checkout.holderUserId) } : null,
    });
  }
  return edits.sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
}
