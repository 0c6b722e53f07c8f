import * as v from 'valibot';
import { formatStamp } from '#shared/sync/hlc';
import type { Mutation } from '#shared/sync/mutation';
import {
  PullResponseSchema,
  PushResponseSchema,
  type Change,
  type PushResponse,
} from '#shared/sync/protocol';
import { api } from './accounts';

let made = 0;

/** A fresh client id for a test device. */
export function clientId(): string {
  made += 1;
  return `client${made}x${Math.random().toString(36).slice(2, 8)}`;
}

/** A mutation stamped now by `client`, writing `values` with no base. */
export function mutation(
  client: string,
  itemId: string,
  values: Record<string, unknown>,
  extra: Partial<Mutation> = {},
): Mutation {
  made += 1;
  return {
    id: `mut${made}x${Math.random().toString(36).slice(2, 10)}`,
    itemId,
    kind: 'note',
    stamp: formatStamp({ wall: Date.now(), counter: made % 1000, node: client }),
    set: Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { v: value as never, b: null }])),
    ...extra,
  };
}

/** Pushes raw JSON to the space. */
export function pushRaw(cookie: string, spaceId: string, json: unknown): Promise<Response> {
  return api(`/api/spaces/${spaceId}/sync/push`, { method: 'POST', cookie, json });
}

/** Pushes a batch and expects 200. */
export async function push(
  cookie: string,
  spaceId: string,
  client: string,
  mutations: Mutation[],
): Promise<PushResponse> {
  const res = await pushRaw(cookie, spaceId, { clientId: client, mutations });
  if (res.status !== 200) throw new Error(`push: ${res.status} ${await res.text()}`);
  return v.parse(PushResponseSchema, await res.json());
}

/** Pulls every page after `after` (page size `limit`) and answers all changes in order. */
export async function pullAll(
  cookie: string,
  spaceId: string,
  after = 0,
  limit?: number,
): Promise<{ changes: Change[]; pages: number; next: number }> {
  const changes: Change[] = [];
  let cursor = after;
  let pages = 0;
  for (;;) {
    const query = `after=${cursor}${limit ? `&limit=${limit}` : ''}`;
    const res = await api(`/api/spaces/${spaceId}/sync/pull?${query}`, { cookie });
    if (res.status !== 200) throw new Error(`pull: ${res.status} ${await res.text()}`);
    const page = v.parse(PullResponseSchema, await res.json());
    pages += 1;
    changes.push(...page.changes);
    cursor = page.next;
    if (!page.more) return { changes, pages, next: cursor };
  }
}
