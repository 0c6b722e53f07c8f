import { formatStamp } from '#shared/sync/hlc';
import { api, createSpace, signUp } from '../tests/support/api-client';
import { median } from './measure';

// What the one merge point costs (docs/spec/sync.md S37): a write to a 100 KB note whose base is
// ten versions old, pushed over HTTP to the real local server, beside the same write on the
// current version (no merge). Medians of `rounds` rounds.

interface PushResult {
  results: { status: string; merged?: Record<string, { s: string }> }[];
}

/** Answers the medians, in ms, of a merged write and of a write on the current version. */
export async function serverMerge(
  baseUrl: string,
  rounds = 15,
): Promise<{ mergedMs: number; currentMs: number }> {
  const user = await signUp(baseUrl);
  const { spaceId } = await createSpace(baseUrl, user.cookie, 'Bench merge');
  let wall = Date.now();
  let counter = 0;
  const stamp = (node: string) => formatStamp({ wall, counter: ++counter, node });
  const push = async (node: string, id: string, body: string, base: string | null) => {
    const at = stamp(node);
    const started = performance.now();
    const res = await api(baseUrl, `/api/spaces/${spaceId}/sync/push`, {
      method: 'POST',
      cookie: user.cookie,
      json: {
        clientId: node,
        mutations: [
          { id, itemId: 'benchnote01', kind: 'note', stamp: at, set: { body: { v: body, b: base } } },
        ],
      },
    });
    if (res.status !== 200) throw new Error(`push: ${res.status} ${await res.text()}`);
    const reply = (await res.json()) as PushResult;
    return { ms: performance.now() - started, reply, stamp: at };
  };
  // 100 KB of lines, each different.
  const lines = Array.from(
    { length: 2_000 },
    (_, i) => `line ${i} of the long note, written for the merge bench`,
  );
  let text = lines.join('\n');
  let last = (await push('writer01', 'create000001', text, null)).stamp;
  const merged: number[] = [];
  const current: number[] = [];
  for (let round = 0; round < rounds; round++) {
    wall += 1_000;
    const base = { stamp: last, text };
    // Ten versions by one writer, each on the one before, near the end of the note.
    for (let i = 0; i < 10; i++) {
      text = `${text}\nappended ${round}.${i}`;
      const written = await push('writer01', `a${round}x${i}`.padStart(8, '0'), text, last);
      if (written.reply.results[0]?.status !== 'applied') throw new Error('a write was not applied');
      last = written.stamp;
    }
    // Another writer's edit near the start, typed on the version ten versions back.
    const theirs = base.text.replace(`line ${round} of`, `line ${round}, edited, of`);
    const { ms, reply } = await push('writer02', `b${String(round).padStart(7, '0')}`, theirs, base.stamp);
    const version = reply.results[0]?.merged?.['body']?.s;
    if (!version) throw new Error(`the write was not merged: ${JSON.stringify(reply).slice(0, 300)}`);
    merged.push(ms);
    last = version;
    text = text.replace(`line ${round} of`, `line ${round}, edited, of`);
    // The same size of write on the current version: no merge.
    text = `${text}\ncurrent ${round}`;
    const plain = await push('writer01', `c${String(round).padStart(7, '0')}`, text, last);
    current.push(plain.ms);
    last = plain.stamp;
  }
  return { mergedMs: median(merged), currentMs: median(current) };
}
