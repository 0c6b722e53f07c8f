import type { BatonDatabase, OutboxEntry } from '../db/db';
import { rejectBatch, settlePush, takeBatch } from '../db/sync-store';
import { SyncError, type SyncTransport } from './transport';

/** What pushing a space's outbox needs: where it is, where it goes, and the batch bounds (S2). */
export interface PushOutboxOptions {
  db: BatonDatabase;
  spaceId: string;
  transport: SyncTransport;
  clientId: string;
  maxBatchCount: number;
  maxBatchBytes: number;
  /** True once the engine stopped: no further batch is sent. */
  stopped: () => boolean;
}

/**
 * Pushes the space's waiting edits, in outbox order, one batch at a time. Pipelined: while a
 * batch is on the wire the next one is read from IndexedDB, and while the next one is on the
 * wire the reply to the previous one is written.
 */
export async function pushOutbox(options: PushOutboxOptions): Promise<void> {
  const { db, spaceId, transport, clientId, maxBatchCount, maxBatchBytes } = options;
  const take = (afterSeq?: number) => takeBatch(db, spaceId, maxBatchCount, maxBatchBytes, afterSeq);
  let batch = await take();
  let settling: Promise<void> = Promise.resolve();
  try {
    while (batch.length > 0 && !options.stopped()) {
      const request = transport.push(spaceId, { clientId, mutations: batch.map((entry) => entry.mutation) });
      const nextBatch = take(batch.at(-1)?.seq);
      nextBatch.catch(() => undefined);
      let reply;
      try {
        reply = await request;
      } catch (error) {
        await settling;
        if (!(error instanceof SyncError) || error.reaction !== 'reject') throw error;
        // The server refused the whole batch (S9): send its edits one by one, so only the bad
        // one is kept as rejected and the rest go through.
        if (batch.length === 1) await rejectBatch(db, batch, error.code, error.message);
        else for (const entry of batch) await pushAlone(options, entry);
        batch = await nextBatch;
        continue;
      }
      await settling;
      // The next batch is read and goes out while this reply is written: its edits are on their
      // way, so the reply must not move them (S39).
      const next = await nextBatch;
      settling = settlePush(db, spaceId, batch, reply, Date.now, next);
      settling.catch(() => undefined);
      batch = next;
    }
  } finally {
    await settling;
  }
}

async function pushAlone(options: PushOutboxOptions, entry: OutboxEntry): Promise<void> {
  const { db, spaceId, transport, clientId } = options;
  try {
    const reply = await transport.push(spaceId, { clientId, mutations: [entry.mutation] });
    await settlePush(db, spaceId, [entry], reply);
  } catch (error) {
    if (!(error instanceof SyncError) || error.reaction !== 'reject') throw error;
    await rejectBatch(db, [entry], error.code, error.message);
  }
}
