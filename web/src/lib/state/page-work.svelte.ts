import { router } from '../router.svelte';
import { errorText, session } from './session.svelte';

/**
 * The state of a page's requests: `busy` while an action runs (buttons disable), `problem` with
 * the server's message when one fails. One instance per page.
 */
export class PageWork {
  busy = $state(false);
  problem = $state('');

  /** Runs `action`; a failure becomes `problem`, then `afterFailure` (e.g. a reload) runs. */
  async run(action: () => Promise<void>, afterFailure?: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.problem = '';
    try {
      await action();
    } catch (error) {
      this.problem = errorText(error);
      await afterFailure?.();
    } finally {
      this.busy = false;
    }
  }

  /** Loads data for the page; a failure becomes `problem`. */
  async load(loader: () => Promise<void>): Promise<void> {
    try {
      await loader();
    } catch (error) {
      this.problem = errorText(error);
    }
  }
}

/**
 * Calls `load` once the session is known to be signed in; a signed-out visitor is sent to sign
 * in and brought back to `next` afterwards. Call during component initialisation (uses `$effect`).
 */
export function whenSignedIn(load: () => Promise<void>, next: () => string = () => location.pathname): void {
  $effect(() => {
    if (session.user === undefined) void session.refresh();
    else if (session.user === null)
      router.navigate(`/sign-in?next=${encodeURIComponent(next())}`, { replace: true });
    else void load();
  });
}
