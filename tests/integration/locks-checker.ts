/**
 * A checker for lock histories (rules L1 and L3), Jepsen style: it reads what happened and
 * reports every violation it finds. Used by tests/integration/locks-history.test.ts.
 */

/** One write a lock holder made to the guarded resource, in the order the resource saw them. */
export interface ResourceWrite {
  client: string;
  token: number;
  phase: 'begin' | 'end';
  accepted: boolean;
  /** The writer had been paused past its lease (a stale holder). */
  stale: boolean;
}

/** A resource guarded by a lock: with fencing it refuses writes whose token is older than one it saw. */
export class GuardedResource {
  readonly log: ResourceWrite[] = [];
  private highest = 0;
  constructor(readonly fencing: boolean) {}

  write(client: string, token: number, phase: 'begin' | 'end', stale: boolean): boolean {
    const accepted = !this.fencing || token >= this.highest;
    if (accepted) this.highest = Math.max(this.highest, token);
    this.log.push({ client, token, phase, accepted, stale });
    return accepted;
  }
}

/**
 * L1 and L3 as the resource saw them: accepted writes never go back to an older token (a
 * holder never writes after a newer holder started), one token belongs to one client, and only
 * stale holders are ever refused (a holder within its lease never finds the lock granted again).
 */
export function checkResource(log: readonly ResourceWrite[]): string[] {
  const violations: string[] = [];
  const owner = new Map<number, string>();
  let highest = 0;
  for (const [i, w] of log.entries()) {
    const known = owner.get(w.token);
    if (known !== undefined && known !== w.client)
      violations.push(`[L1] write ${i}: token ${w.token} used by ${known} and ${w.client}`);
    owner.set(w.token, w.client);
    if (!w.accepted) {
      if (!w.stale)
        violations.push(
          `[L1] write ${i}: ${w.client} was refused within its lease (token ${w.token} < ${highest})`,
        );
      continue;
    }
    if (w.token < highest)
      violations.push(
        `[L1][L3] write ${i}: ${w.client} wrote with token ${w.token} after token ${highest} had written`,
      );
    highest = Math.max(highest, w.token);
  }
  return violations;
}

/** A line of the server's lock history. */
export interface HistoryLine {
  kind: string;
  token: number | null;
}

/**
 * L1 and L3 on the server's own history: grants come with strictly growing tokens, and each
 * lease ends (release, expiry or break) before the next grant.
 */
export function checkServerHistory(entries: readonly HistoryLine[]): string[] {
  const violations: string[] = [];
  let open: number | null = null;
  let last = 0;
  for (const [i, e] of entries.entries()) {
    if (e.kind === 'granted') {
      if (open !== null) violations.push(`[L1] entry ${i}: token ${e.token} granted while ${open} was held`);
      if (e.token === null || e.token <= last)
        violations.push(`[L3] entry ${i}: token ${e.token} does not grow past ${last}`);
      open = e.token;
      last = Math.max(last, e.token ?? 0);
    } else if (e.kind === 'released' || e.kind === 'expired' || e.kind === 'broken') {
      if (e.token !== open) violations.push(`[L1] entry ${i}: ${e.kind} of ${e.token} but ${open} was held`);
      open = null;
    }
  }
  return violations;
}
