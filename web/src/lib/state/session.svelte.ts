import type { User } from '#shared/accounts/auth';
import { fetchMe, signOut } from '../api/session';
import { ApiRequestError } from '../api/http';

/**
 * Who is signed in, for every page. `user` is undefined until the first check answers, null
 * when signed out. Pages call `set` after a sign-in and `refresh` when in doubt.
 */
class SessionState {
  user = $state<User | null | undefined>(undefined);
  offline = $state(false);

  async refresh(): Promise<void> {
    try {
      this.user = await fetchMe();
      this.offline = false;
    } catch {
      // Offline or server down: keep what we knew; the app works without an account.
      this.offline = true;
      if (this.user === undefined) this.user = null;
    }
  }

  set(user: User): void {
    this.user = user;
  }

  async signOut(): Promise<void> {
    await signOut();
    this.user = null;
  }
}

/** The app's session state. */
export const session = new SessionState();

/** Where to go after signing in: the `next` query parameter when it is a path of this app. */
export function nextPath(fallback = '/spaces'): string {
  // Read once when a page opens; nothing here needs to react to it.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}

/** A sentence for any failure, with the wait when the server asked for one. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return 'Something went wrong.';
  const retry = error instanceof ApiRequestError ? error.retryAfterMs : undefined;
  if (retry !== undefined && retry > 0 && !error.message.includes('Try again in')) {
    return `${error.message} Try again in ${Math.ceil(retry / 1000)} s.`;
  }
  return error.message;
}
