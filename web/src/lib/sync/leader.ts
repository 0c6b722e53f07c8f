/**
 * Runs `lead` in one tab per space at a time (S13), using the Web Locks API: the other tabs
 * wait in line and the next one takes over when the leader's tab closes. `lead` holds the
 * lock until it resolves. Where Web Locks are missing (old browsers, Node) this tab leads.
 * https://developer.mozilla.org/docs/Web/API/Web_Locks_API
 */
export function runAsLeader(name: string, lead: () => Promise<void>, signal: AbortSignal): Promise<void> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (!locks) return lead();
  return locks.request(name, { mode: 'exclusive', signal }, lead).catch((error: unknown) => {
    if (error instanceof DOMException && error.name === 'AbortError') return;
    throw error;
  });
}
