/**
 * What is typed but not yet stored on this device, across every editor of the tab (S24): while
 * anything is, the sync status says "Saving…", never "Synced".
 */
class Drafts {
  private readonly open = new Set<symbol>();
  count = $state(0);
  /** When (performance.now()) an editor of this tab last stored an edit. */
  writtenAt = $state(-1);

  wrote(): void {
    this.writtenAt = performance.now();
  }

  hold(token: symbol): void {
    this.open.add(token);
    this.count = this.open.size;
  }

  release(token: symbol): void {
    this.open.delete(token);
    this.count = this.open.size;
  }
}

/** The tab's unsaved drafts. */
export const drafts = new Drafts();
