import { importedConflict } from '../db/imported-conflict';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Hlc } from '#shared/sync/hlc';
import { DELETED_FIELD, type ItemState, type JsonValue } from '#shared/sync/item';
import { localEdit } from '#shared/sync/replica';
import { readImport, zipExport, ZIP_MANIFEST } from './archive';
import { buildExport, exportToJson } from './format';
import { planImport, spaceContent } from './import-plan';
import { recordsToCsv } from './records-csv';

const PDF = strToU8('%PDF-1.4 not really a pdf, but bytes all the same');
const PDF_HASH = createHash('sha256').update(PDF).digest('hex');

/** A small replica: items built through the same pure edit functions the sync engine uses. */
function replica(node: string) {
  let time = 1_764_300_000_000;
  const hlc = new Hlc(node, () => (time += 7));
  const items = new Map<string, ItemState>();
  let made = 0;
  return {
    items,
    edit(itemId: string, kind: ItemState['kind'], values: Record<string, JsonValue>) {
      made += 1;
      const id = `mut${node}${String(made).padStart(5, '0')}`;
      const { item } = localEdit(items.get(itemId) ?? null, { id, itemId, kind, stamp: hlc.now(), values });
      items.set(itemId, item);
    },
  };
}

function sampleSpace(): ItemState[] {
  const r = replica('nodeA');
  r.edit('note0001', 'note', { title: 'Plan, "quoted"', body: '# Heading\n\nLine one\r\nLine two' });
  r.edit('note0001', 'note', { body: 'edited body' });
  r.edit('rec00001', 'record', {
    title: 'Invoice 7',
    order: ['amount', 'due', 'paid', 'notes'],
    'r:amount': { t: 'number', v: 12.5 },
    'r:due': { t: 'date', v: '2026-12-01' },
    'r:paid': { t: 'boolean', v: false },
    'r:notes': { t: 'text', v: 'a, b\nc "d"' },
  });
  r.edit('rec00002', 'record', { title: 'Other shape', 'r:colour': { t: 'text', v: '=SUM(A1)' } });
  r.edit('file0001', 'file', {
    title: 'spec.pdf',
    name: 'spec.pdf',
    sha256: PDF_HASH,
    size: PDF.length,
    type: 'application/pdf',
  });
  r.edit('gone0001', 'note', { title: 'deleted one' });
  r.edit('gone0001', 'note', { [DELETED_FIELD]: true });
  const items = [...r.items.values()];
  // A conflict copy as the server makes it.
  const copy = r.items.get('note0001')!;
  items.push({
    ...copy,
    id: 'mutnodeB00001~l',
    conflict: { of: 'note0001', reason: 'lost', mutationId: 'mutnodeB00001', stamp: copy.fields['body']!.s },
  });
  return items;
}

describe('space export', () => {
  it('JSON export reads back exactly, stamps included', async () => {
    const data = buildExport('Team', sampleSpace(), [{ sha256: PDF_HASH, size: PDF.length }], 1);
    const result = await readImport(strToU8(exportToJson(data)));
    expect(result.ok && result.data).toEqual(data);
  });

  it('zip export carries the blob bytes and reads back exactly', async () => {
    const data = buildExport('Team', sampleSpace(), [{ sha256: PDF_HASH, size: PDF.length }], 1);
    const zip = zipExport(data, new Map([[PDF_HASH, PDF]]));
    const result = await readImport(zip);
    if (!result.ok) throw new Error(result.message);
    expect(result.data).toEqual(data);
    expect(result.blobs.get(PDF_HASH)).toEqual(PDF);
  });

  it('[S18] import into a new space reproduces every item, field, value and tombstone, conflict labels included', () => {
    const original = sampleSpace();
    const data = buildExport('Team', original, [], 1);
    const target = replica('nodeC');
    for (const write of planImport(data)) target.edit(write.itemId, write.kind, write.values);
    const again = buildExport('Team', [...target.items.values()], [], 2);
    expect(spaceContent(again.items)).toEqual(spaceContent(original));
    // [S18] The conflict copy survives under a client-made id, still labelled as a copy of the note.
    const copy = target.items.get('mutnodeB00001_l');
    expect(copy?.fields['body']?.v).toBe('edited body');
    expect(copy && importedConflict(copy)).toMatchObject({ of: 'note0001', reason: 'lost' });
    expect(importedConflict(target.items.get('note0001')!)).toBeUndefined();
  });

  it.each([
    ['not JSON', strToU8('{"format": "baton-space-export", '), /not valid JSON/],
    ['another JSON file', strToU8('{"hello": 1}'), /not a Baton space export/],
    ['a future version', strToU8(JSON.stringify({ format: 'baton-space-export', version: 9 })), /version 1/],
    ['binary junk', new Uint8Array([0xff, 0xfe, 0x00, 0x81]), /neither/],
    ['a truncated zip', zipSync({ [ZIP_MANIFEST]: strToU8('{}') }).slice(0, 30), /damaged/],
    ['a zip without space.json', zipSync({ 'other.txt': strToU8('x') }), /no space.json/],
  ])('refuses %s with a clear message', async (_name, bytes, message) => {
    const result = await readImport(bytes);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });

  it('refuses an export with a malformed item, naming where', async () => {
    const data = buildExport('Team', sampleSpace(), [], 1);
    const json = JSON.parse(exportToJson(data)) as { items: { kind: string }[] };
    json.items[1]!.kind = 'spreadsheet';
    const result = await readImport(strToU8(JSON.stringify(json)));
    expect(!result.ok && result.message).toMatch(/Unknown item kind.*items\.1\.kind/);
  });

  it('refuses a zip whose blob bytes do not match their hash', async () => {
    const data = buildExport('Team', sampleSpace(), [{ sha256: PDF_HASH, size: PDF.length }], 1);
    const files = unzipSync(zipExport(data, new Map([[PDF_HASH, PDF]])));
    const tampered = PDF.slice();
    tampered[0] = 0x41;
    files[`blobs/${PDF_HASH}`] = tampered;
    const result = await readImport(zipSync(files));
    expect(!result.ok && result.message).toMatch(/damaged/);
  });
});

describe('records CSV', () => {
  it('writes one RFC 4180 file per record shape', () => {
    const files = recordsToCsv(sampleSpace());
    expect(files.map((f) => f.name)).toEqual(['records-1-amount-due-paid-notes.csv', 'records-2-colour.csv']);
    expect(files[0]!.csv).toBe(
      'id,title,amount (number),due (date),paid (boolean),notes (text)\r\n' +
        'rec00001,Invoice 7,12.5,2026-12-01,false,"a, b\nc ""d"""\r\n',
    );
    // A value a spreadsheet would run as a formula is defused.
    expect(files[1]!.csv).toBe("id,title,colour (text)\r\nrec00002,Other shape,'=SUM(A1)\r\n");
  });
});
