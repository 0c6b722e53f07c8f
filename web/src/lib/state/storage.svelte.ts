/** Storage used by this origin and whether the browser promised to keep it (persistent storage). */
export class DeviceStorage {
  usage = $state<number | undefined>(undefined);
  quota = $state<number | undefined>(undefined);
  persisted = $state<boolean | undefined>(undefined);
  supported = typeof navigator !== 'undefined' && 'storage' in navigator;

  async refresh(): Promise<void> {
    if (!this.supported) return;
    const [estimate, persisted] = await Promise.all([
      navigator.storage.estimate(),
      navigator.storage.persisted?.() ?? Promise.resolve(false),
    ]);
    this.usage = estimate.usage;
    this.quota = estimate.quota;
    this.persisted = persisted;
  }

  /** Asks the browser to keep this origin's data under storage pressure. */
  async persist(): Promise<boolean> {
    if (!this.supported || !navigator.storage.persist) return false;
    const granted = await navigator.storage.persist();
    await this.refresh();
    return granted;
  }
}
