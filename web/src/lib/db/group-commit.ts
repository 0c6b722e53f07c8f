/**
 * Group commit: requests submitted while a commit is in flight wait and then go together in the
 * next one, so a burst of edits (typing across fields, a paste, an import, a loop in code) costs
 * one IndexedDB transaction instead of one each, while a lone edit still starts at once. Each
 * submitter's promise settles when the commit that holds its request has finished.
 */
export class GroupCommit<Request, Result> {
  readonly #commit: (requests: readonly Request[]) => Promise<Result[]>;
  readonly #maxGroup: number;
  #waiting: { request: Request; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  #running = false;

  /** `commit` writes the requests in one transaction, in order, and answers one result each. */
  constructor(commit: (requests: readonly Request[]) => Promise<Result[]>, maxGroup = 10_000) {
    this.#commit = commit;
    this.#maxGroup = maxGroup;
  }

  /** Queues a request for the next commit; settles when that commit has. */
  submit(request: Request): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ request, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiting.length > 0) {
        const group = this.#waiting.splice(0, this.#maxGroup);
        try {
          const results = await this.#commit(group.map((entry) => entry.request));
          group.forEach((entry, i) => entry.resolve(results[i] as Result));
        } catch {
          // The whole group rolled back. Commit each alone, so only a request that fails by
          // itself is refused and its neighbours still land, in the same order.
          for (const entry of group) {
            await this.#commit([entry.request]).then(
              (results) => entry.resolve(results[0] as Result),
              entry.reject,
            );
          }
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
