import * as v from 'valibot';
import { hashBlob } from './hash-blob';

const ReplySchema = v.variant('type', [
  v.object({ id: v.number(), type: v.literal('progress'), loaded: v.number(), total: v.number() }),
  v.object({ id: v.number(), type: v.literal('done'), sha256: v.string() }),
  v.object({ id: v.number(), type: v.literal('error'), message: v.string() }),
]);

let nextId = 1;

/**
 * SHA-256 of a file, hashed in a Web Worker so the page stays responsive. Where there is no
 * `Worker` (Node tests), it hashes on the calling thread with the same code.
 */
export function hashFile(
  file: Blob,
  onProgress?: (loaded: number, total: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  if (typeof Worker === 'undefined') return hashBlob(file, onProgress, signal);
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./hash.worker.ts', import.meta.url), { type: 'module' });
    const id = nextId++;
    const stop = () => {
      worker.terminate();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      stop();
      reject(signal?.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort);
    worker.onmessage = (event: MessageEvent<unknown>) => {
      const reply = v.safeParse(ReplySchema, event.data);
      if (!reply.success || reply.output.id !== id) return;
      const message = reply.output;
      if (message.type === 'progress') onProgress?.(message.loaded, message.total);
      else {
        stop();
        if (message.type === 'done') resolve(message.sha256);
        else reject(new Error(`Hashing failed: ${message.message}`));
      }
    };
    worker.onerror = (event) => {
      stop();
      reject(new Error(`Hashing failed: ${event.message}`));
    };
    worker.postMessage({ id, blob: file });
  });
}
