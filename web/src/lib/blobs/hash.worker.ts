import * as v from 'valibot';
import { hashBlob } from './hash-blob';

/** What the page asks: hash this file. */
const HashRequestSchema = v.object({ id: v.number(), blob: v.instance(Blob) });

/** What the worker answers, several `progress` then one `done` or `error`. */
export type HashWorkerMessage =
  | { id: number; type: 'progress'; loaded: number; total: number }
  | { id: number; type: 'done'; sha256: string }
  | { id: number; type: 'error'; message: string };

// The app's tsconfig has DOM types, not WebWorker ones; this is the worker's global scope.
const scope = self as unknown as {
  postMessage(message: HashWorkerMessage): void;
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
};
const post = (message: HashWorkerMessage) => scope.postMessage(message);

// Hashing runs here so that a multi-gigabyte file never blocks the page.
async function handle(event: MessageEvent<unknown>): Promise<void> {
  const request = v.safeParse(HashRequestSchema, event.data);
  if (!request.success) return;
  const { id, blob } = request.output;
  try {
    let last = 0;
    const sha256 = await hashBlob(blob, (loaded, total) => {
      const now = Date.now();
      if (now - last > 50 || loaded === total) {
        last = now;
        post({ id, type: 'progress', loaded, total });
      }
    });
    post({ id, type: 'done', sha256 });
  } catch (error) {
    post({ id, type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}

scope.onmessage = (event) => void handle(event);
