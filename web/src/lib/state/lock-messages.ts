import type { LockHolder } from '#shared/locks/schemas';
import type { AcquireAnswer, HeldLock, LockLossReason } from '../locks/lock-client';
import { blockedMessage } from '../locks/lock-blocked';
import { lockHistory } from './lock-history';
import { breakReason, clockTime, lockLabel, personName, sentenceStart } from './lock-words';

// What the lock manager tells people when a lock is not theirs after all: in words, naming people
// ("you", usernames) and items (their titles), never ids.

/** Why an acquire did not take the lock (busy, blocked by a folder, L21; gave up waiting), or '' when nothing needs saying. */
export async function notTakenMessage(spaceId: string, name: string, answer: AcquireAnswer): Promise<string> {
  if (answer.status !== 'busy' && answer.status !== 'timeout') return '';
  const label = await lockLabel(spaceId, name);
  if (answer.status === 'timeout') return `Gave up waiting for “${label}”.`;
  const who = personName(answer.holder);
  const blockedBy = answer.blockedBy;
  if (blockedBy)
    return blockedMessage(
      { name, label },
      { name: blockedBy, label: await lockLabel(spaceId, blockedBy) },
      who,
    );
  return who === 'you'
    ? `You already have “${label}” checked out, in another tab or on another device.`
    : `“${label}” is checked out by ${who}.`;
}

/** Why this tab lost a lock it held: broken (by whom, and why, from the history, L8), run out, or already over. */
export async function lossMessage(spaceId: string, lock: HeldLock, reason: LockLossReason): Promise<string> {
  const label = await lockLabel(spaceId, lock.name);
  if (reason === 'broken') {
    const entry = await lockHistory(spaceId)
      .then((entries) =>
        entries.find((e) => e.lock === lock.name && e.kind === 'broken' && e.token === lock.token),
      )
      .catch(() => undefined);
    if (!entry) return `Your checkout of “${label}” was broken by an owner of the space.`;
    const why = breakReason(entry);
    return `${sentenceStart(personName(entry))} broke your checkout of “${label}”${why ? `: “${why}”` : '.'}`;
  }
  if (reason === 'expired')
    return `Your checkout of “${label}” ran out at ${clockTime(lock.expiresAt ?? Date.now())}. Edits made after that may come back as conflict copies.`;
  return `Your checkout of “${label}” had already ended.`;
}

/** A checkout this device stored ended while the page was closed (L18), and who has the lock now. */
export async function endedWhileClosedMessage(
  spaceId: string,
  name: string,
  holder: LockHolder | null,
): Promise<string> {
  const label = await lockLabel(spaceId, name);
  const now = holder ? `; ${personName(holder)} has it now` : '';
  return `Your checkout of “${label}” ended while this page was closed${now}.`;
}
