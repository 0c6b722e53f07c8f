import { FOLDER_FIELD } from '#shared/sync/folders';
import { FIELD } from '../items/item-view';
import { itemsPort } from './items';
import { newItemId } from '../items/items-port';

/** What a `file` item says about its file. */
export interface FileFacts {
  name: string;
  /** The MIME type as the browser reported it; empty when it did not know. */
  type: string;
  size: number;
}

/**
 * Makes the `file` item that points at an uploaded blob: the one way both a fresh upload and an
 * upload resumed after a reload end, so the two give the same item (an upload no item points at
 * is removed after the grace period, B12).
 */
export async function createFileItem(
  spaceId: string,
  file: FileFacts,
  sha256: string,
  folder = '',
): Promise<void> {
  await itemsPort.edit(spaceId, {
    itemId: newItemId(),
    kind: 'file',
    values: {
      [FIELD.title]: file.name,
      [FIELD.name]: file.name,
      [FIELD.type]: file.type || 'application/octet-stream',
      [FIELD.size]: file.size,
      sha256,
      ...(folder === '' ? {} : { [FOLDER_FIELD]: folder }),
    },
  });
}
