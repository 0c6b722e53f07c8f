import type { SpaceLockHistoryEntry } from '#shared/locks/schemas';
import { toView } from '../items/item-view';
import { itemsPort } from './items';
import { session } from './session.svelte';

/** A person as a message names them: "you" for the signed-in user, their name for anyone else. */
export function personName(person: { userId: string | null; username: string | null }): string {
  if (person.userId !== null && person.userId === session.user?.userId) return 'you';
  return person.username ?? 'someone';
}

/** A message part at the start of a sentence ("you" becomes "You"; names keep their case). */
export function sentenceStart(text: string): string {
  return text === 'you' ? 'You' : text;
}

/** What a lock guards, as people know it: the item's title, or the lock's name (a path) when it is no item here. */
export async function lockLabel(spaceId: string, name: string): Promise<string> {
  const item = await itemsPort.get(spaceId, name).catch(() => undefined);
  return item ? toView(item).title : name;
}

/** "ana and li", "ana, li and bob", "ana, li and 3 others". */
export function nameList(names: readonly string[], total: number): string {
  const shown = names.slice(0, 3);
  const rest = total - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} ${rest === 1 ? 'other' : 'others'}`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

/** The reason a break gave, read from its history line ("broke the lease of bob: gone home"; usernames have no colon). */
export function breakReason(entry: SpaceLockHistoryEntry): string {
  const at = entry.detail.indexOf(': ');
  return at >= 0 ? entry.detail.slice(at + 2) : '';
}

/** A time of day for "ran out at 14:05". */
export function clockTime(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
