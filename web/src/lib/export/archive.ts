import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import * as v from 'valibot';
import { hashBytes } from '../blobs/hash-blob';
import { EXPORT_FORMAT, exportToJson, SpaceExportSchema, type SpaceExport } from './format';

/** The name of the export inside a zip; the blobs sit beside it at `blobs/<sha256>`. */
export const ZIP_MANIFEST = 'space.json';

/** Largest import file accepted, so a wrong file cannot exhaust the tab's memory. */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

/** A zip with the export and the bytes of every blob it lists that `blobs` holds. */
export function zipExport(data: SpaceExport, blobs: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const files: Zippable = { [ZIP_MANIFEST]: strToU8(exportToJson(data)) };
  for (const blob of data.blobs) {
    const bytes = blobs.get(blob.sha256);
    // Already-compressed media gains nothing from deflate: store it.
    if (bytes) files[`blobs/${blob.sha256}`] = [bytes, { level: 0 }];
  }
  return zipSync(files, { level: 6 });
}

/** A checked import: the export and the blob bytes it carried (verified against their hashes). */
export type ImportResult =
  { ok: true; data: SpaceExport; blobs: Map<string, Uint8Array> } | { ok: false; message: string };

function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  );
}

function parseExport(text: string): ImportResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The file is not valid JSON.' };
  }
  if (!v.is(v.object({ format: v.literal(EXPORT_FORMAT) }), json)) {
    return { ok: false, message: 'This is not a Baton space export.' };
  }
  const parsed = v.safeParse(SpaceExportSchema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    return {
      ok: false,
      message: `The file is not a valid Baton export: ${issue?.message ?? 'unknown problem'}${path ? ` (at ${path})` : ''}.`,
    };
  }
  return { ok: true, data: parsed.output, blobs: new Map() };
}

/**
 * Reads an export file (JSON, or a zip with `space.json` and `blobs/`), validating everything
 * before anything is written: a bad file is refused with a message and changes nothing.
 */
export async function readImport(bytes: Uint8Array): Promise<ImportResult> {
  if (bytes.length > MAX_IMPORT_BYTES) return { ok: false, message: 'The file is too large to import.' };
  if (!isZip(bytes)) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { ok: false, message: 'The file is neither a Baton JSON export nor a zip.' };
    }
    return parseExport(text);
  }
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch {
    return { ok: false, message: 'The zip file is damaged and cannot be read.' };
  }
  const manifest = files[ZIP_MANIFEST];
  if (!manifest) return { ok: false, message: `The zip has no ${ZIP_MANIFEST}; it is not a Baton export.` };
  let text: string;
  try {
    text = strFromU8(manifest);
  } catch {
    return { ok: false, message: `${ZIP_MANIFEST} is not text.` };
  }
  const result = parseExport(text);
  if (!result.ok) return result;
  for (const blob of result.data.blobs) {
    const data = files[`blobs/${blob.sha256}`];
    if (!data) continue;
    if (data.length !== blob.size || (await hashBytes(new Uint8Array(data))) !== blob.sha256) {
      return {
        ok: false,
        message: `The file for blob ${blob.sha256.slice(0, 12)}… is damaged (its hash does not match).`,
      };
    }
    result.blobs.set(blob.sha256, data);
  }
  return result;
}
