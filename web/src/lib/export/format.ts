import * as v from 'valibot';
import { Sha256HexSchema } from '#shared/blobs/protocol';
import { ItemStateSchema, type ItemState } from '#shared/sync/item';

/** Marks a Baton space export, so that any other JSON file is refused with a clear message. */
export const EXPORT_FORMAT = 'baton-space-export';
/** The export file version; a reader refuses versions it does not know. */
export const EXPORT_VERSION = 1;

/** A file item's blob as listed in an export; the zip form carries the bytes at `blobs/<sha256>`. */
export const ExportBlobSchema = v.object({
  sha256: Sha256HexSchema,
  size: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
});
/** A blob listed in an export. */
export type ExportBlob = v.InferOutput<typeof ExportBlobSchema>;

/**
 * A whole space: every item with every field and its HLC stamp (deleted items and conflict copies
 * too), and the blobs the file items refer to.
 */
export const SpaceExportSchema = v.pipe(
  v.object({
    format: v.literal(EXPORT_FORMAT, 'This is not a Baton space export.'),
    version: v.literal(EXPORT_VERSION, `Only export version ${EXPORT_VERSION} can be read by this app.`),
    exportedAt: v.number(),
    space: v.object({ name: v.string() }),
    items: v.array(ItemStateSchema),
    blobs: v.array(ExportBlobSchema),
  }),
  v.check(
    (data) => new Set(data.items.map((item) => item.id)).size === data.items.length,
    'Two items share an id.',
  ),
);
/** A space export. */
export type SpaceExport = v.InferOutput<typeof SpaceExportSchema>;

/** Builds the export of a space; items are sorted by id so that the same space gives the same file. */
export function buildExport(
  name: string,
  items: readonly ItemState[],
  blobs: readonly ExportBlob[],
  now: number,
): SpaceExport {
  const byHash = new Map(blobs.map((blob) => [blob.sha256, blob]));
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now,
    space: { name },
    items: [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    blobs: [...byHash.values()].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)),
  };
}

/** The export as pretty JSON text. */
export function exportToJson(data: SpaceExport): string {
  return JSON.stringify(data, null, 2) + '\n';
}
