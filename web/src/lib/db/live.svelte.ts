import { liveQuery } from 'dexie';

/**
 * Dexie's liveQuery as Svelte state: `current` follows the query's result as IndexedDB changes,
 * in this tab or any other. Create it during component initialisation (it uses `$effect`).
 */
export class LiveQuery<T> {
  current = $state.raw<T | undefined>(undefined);
  isLoading = $state(true);
  error = $state.raw<unknown>(undefined);

  constructor(query: () => T | Promise<T>) {
    $effect(() => {
      const subscription = liveQuery(query).subscribe({
        next: (value) => {
          this.current = value;
          this.isLoading = false;
          this.error = undefined;
        },
        error: (error: unknown) => {
          this.error = error;
          this.isLoading = false;
        },
      });
      return () => subscription.unsubscribe();
    });
  }
}
