/**
 * A small path router over the History API. Paths are real URLs (`/join/<token>`), served by
 * the Worker's single-page-application fallback and by the service worker offline.
 */
class Router {
  path = $state(location.pathname);

  constructor() {
    addEventListener('popstate', () => {
      this.path = location.pathname;
    });
    // Same-origin links navigate inside the app without a page load.
    addEventListener('click', (event) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
        return;
      const anchor = event.target instanceof Element ? event.target.closest('a') : null;
      if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== location.origin)
        return;
      if (anchor.pathname.startsWith('/api/')) return;
      event.preventDefault();
      this.navigate(anchor.pathname + anchor.search + anchor.hash);
    });
  }

  navigate(to: string, options: { replace?: boolean } = {}): void {
    if (options.replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    this.path = location.pathname;
  }
}

/** The app's router. */
export const router = new Router();

/** Matches `path` against a pattern like `/spaces/:spaceId`; returns the params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = have[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(actual);
    else if (part !== actual) return null;
  }
  return params;
}
