import * as v from 'valibot';
import { FOLDER_FIELD, joinPath, nameProblem } from '#shared/sync/folders';
import { DELETED_FIELD, ItemStateSchema } from '#shared/sync/item';
import { randomToken } from '../kernel/crypto';
import { ApiError } from '../http/api-error';
import type { ServerEdit } from '../space/server-edit';
import type { DavEntry } from '../space/dav-entry';
import type { DavTreeChange } from '../space/dav-store';
import { needRole, segmentsOf, type DavContext, type OpenSpace } from './context';
import { checkFolderTreeWrite, checkFolderWrite } from './folder-locks';
import { edit, placeValues, resolveTarget, type Target } from './target';
import { lockClaim, submittedTokens } from './write-claims';

/*
 * The namespace operations of WebDAV (RFC 4918 §9.6–9.9): DELETE to the trash, MKCOL, COPY and
 * MOVE. Each is one server edit through the change log, under the same lock checks as a PUT.
 */

/** The edits that put every item of a folder (or one item) in the trash. */
async function trashEdits(c: DavContext, target: Target, tokens: string[]): Promise<ServerEdit[]> {
  if (target.kind === 'item') {
    const folderClaim = await checkFolderWrite(c, target.space, target.entry.folder, tokens);
    return [
      {
        itemId: target.entry.id,
        kind: target.entry.kind,
        values: { [DELETED_FIELD]: true },
        ...(await lockClaim(c, target.space, target.entry, tokens, folderClaim)),
      },
    ];
  }
  if (target.kind !== 'folder') return [];
  const folderClaim = await checkFolderTreeWrite(c, target.space, target.path, tokens);
  const edits: ServerEdit[] = [];
  for (const entry of await target.space.stub.davItemsBelow(target.path)) {
    edits.push({
      itemId: entry.id,
      kind: entry.kind,
      values: { [DELETED_FIELD]: true },
      ...(await lockClaim(c, target.space, entry, tokens, folderClaim)),
    });
  }
  return edits;
}

/** DELETE: to the trash (restorable in the app); a folder with everything in it. */
export async function remove(c: DavContext, target: Target): Promise<Response> {
  if (target.kind === 'root' || (target.kind === 'folder' && target.path === ''))
    throw new ApiError('FORBIDDEN', 'Spaces are deleted in the app.');
  if (target.kind === 'missing') throw new ApiError('NOT_FOUND', 'Nothing is at this path.');
  needRole(target.space, 'editor');
  const tokens = await submittedTokens(
    c,
    target.space,
    target.kind === 'item' ? target.entry : null,
    target.kind === 'item' ? target.entry.folder : target.path,
  );
  const then: DavTreeChange =
    target.kind === 'folder'
      ? { op: 'removeFolders', path: target.path }
      : { op: 'dropProps', target: target.entry.id };
  await edit(c, target.space, await trashEdits(c, target, tokens), [then]);
  return c.body(null, 204);
}

/** MKCOL: an empty folder. */
export async function mkcol(c: DavContext, target: Target): Promise<Response> {
  if ((c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding'))
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'MKCOL takes no body.');
  if (target.kind === 'root' || (target.kind === 'folder' && target.segments.length === 1))
    throw new ApiError('FORBIDDEN', 'Spaces are made in the app.');
  if (target.kind !== 'missing')
    throw new ApiError('METHOD_NOT_ALLOWED', 'Something already exists at this path.');
  needRole(target.space, 'editor');
  if (target.parent === null) throw new ApiError('CONFLICT', 'The parent folder does not exist.');
  const problem = nameProblem(target.name);
  if (problem) throw new ApiError('BAD_REQUEST', problem);
  const tokens = await submittedTokens(c, target.space, null, target.parent);
  await checkFolderWrite(c, target.space, target.parent, tokens);
  await edit(c, target.space, [], [{ op: 'addFolder', path: joinPath(target.parent, target.name) }]);
  return c.body(null, 201);
}

/** COPY: new items that share the blob. */
export function copy(c: DavContext, source: Target): Promise<Response> {
  return copyOrMove(c, source, 'copy');
}

/** MOVE: renames or moves items (never their bytes). */
export function move(c: DavContext, source: Target): Promise<Response> {
  return copyOrMove(c, source, 'move');
}

async function copyOrMove(c: DavContext, source: Target, operation: 'copy' | 'move'): Promise<Response> {
  const move = operation === 'move';
  if (source.kind === 'root' || source.kind === 'missing')
    throw new ApiError('NOT_FOUND', 'Nothing is at this path.');
  if (source.kind === 'folder' && source.path === '')
    throw new ApiError('FORBIDDEN', 'A whole space cannot be copied or moved.');
  const space = source.space;
  needRole(space, 'editor');
  const destination = destinationOf(c);
  if (destination[0] !== source.segments[0])
    throw new ApiError('BAD_DESTINATION', 'Copy or move within one space.');
  const dest = await resolveTarget(c, destination);
  if (dest.kind === 'root' || (dest.kind === 'folder' && dest.path === ''))
    throw new ApiError('FORBIDDEN', 'That destination is a space.');
  if (destination.join('/') === source.segments.join('/'))
    throw new ApiError('FORBIDDEN', 'Source and destination are the same.');
  if (source.kind === 'folder' && `${destination.join('/')}/`.startsWith(`${source.segments.join('/')}/`))
    throw new ApiError('FORBIDDEN', 'A folder cannot go inside itself.');
  // Overwriting a folder the source is in would put the source in the trash with it.
  if (`${source.segments.join('/')}/`.startsWith(`${destination.join('/')}/`))
    throw new ApiError('FORBIDDEN', 'A file or folder cannot replace a folder it is in.');
  const overwrite = (c.req.header('overwrite') ?? 'T').toUpperCase() !== 'F';
  const sourceFolder = source.kind === 'item' ? source.entry.folder : source.path;
  const tokens = await submittedTokens(c, space, source.kind === 'item' ? source.entry : null, sourceFolder);
  const existed = dest.kind !== 'missing';
  if (existed && !overwrite)
    throw new ApiError('PRECONDITION_FAILED', 'The destination exists and Overwrite is F.');
  if (dest.kind === 'missing' && dest.parent === null)
    throw new ApiError('CONFLICT', 'The destination folder does not exist.');
  const [destFolder, destName] =
    dest.kind === 'missing' ? [dest.parent ?? '', dest.name] : splitDest(destination);
  const problem = nameProblem(destName);
  if (problem) throw new ApiError('BAD_REQUEST', problem);
  // A move takes things out of their folder and a copy or move puts them in another (L23).
  const sourceClaim = !move
    ? null
    : source.kind === 'item'
      ? await checkFolderWrite(c, space, sourceFolder, tokens)
      : await checkFolderTreeWrite(c, space, sourceFolder, tokens);
  const destClaim = await checkFolderWrite(c, space, destFolder, tokens);
  const folderClaim = sourceClaim ?? destClaim;
  const edits: ServerEdit[] = existed ? await trashEdits(c, dest, tokens) : [];
  const then: DavTreeChange[] = dest.kind === 'folder' ? [{ op: 'removeFolders', path: dest.path }] : [];
  const depth = c.req.header('depth') ?? 'infinity';
  if (source.kind === 'item') {
    edits.push(
      move
        ? {
            itemId: source.entry.id,
            kind: source.entry.kind,
            values: placeValues(source.entry, destName, destFolder),
            ...(await lockClaim(c, space, source.entry, tokens, folderClaim)),
          }
        : await copyEdit(space, source.entry, destName, destFolder),
    );
    if (!move) then.push({ op: 'copyProps', from: source.entry.id, to: edits.at(-1)?.itemId ?? '' });
    await edit(c, space, edits, then);
    return c.body(null, existed ? 204 : 201);
  }
  const from = source.path;
  const to = joinPath(destFolder, destName);
  const below = move || depth !== '0' ? await space.stub.davItemsBelow(from) : [];
  for (const entry of below) {
    const folder = to + entry.folder.slice(from.length);
    const name =
      entry.kind === 'file' ? entry.name : entry.kind === 'note' ? `${entry.name}.md` : `${entry.name}.json`;
    edits.push(
      move
        ? {
            itemId: entry.id,
            kind: entry.kind,
            values: { [FOLDER_FIELD]: folder },
            ...(await lockClaim(c, space, entry, tokens, folderClaim)),
          }
        : await copyEdit(space, entry, name, folder),
    );
  }
  if (move)
    then.push(
      { op: 'moveFolders', from, to },
      { op: 'removeFolders', path: from },
      { op: 'addFolder', path: to },
    );
  else if (depth === '0') then.push({ op: 'addFolder', path: to });
  else then.push({ op: 'copyFolders', from, to });
  await edit(c, space, edits, then);
  return c.body(null, existed ? 204 : 201);
}

async function copyEdit(
  space: OpenSpace,
  entry: DavEntry,
  name: string,
  folder: string,
): Promise<ServerEdit> {
  const json = await space.stub.davItem(entry.id);
  const item = json === null ? null : v.parse(ItemStateSchema, JSON.parse(json));
  const values: ServerEdit['values'] = {};
  for (const [field, value] of Object.entries(item?.fields ?? {}))
    if (field !== DELETED_FIELD) values[field] = value.v;
  return {
    itemId: randomToken(),
    kind: entry.kind,
    values: { ...values, ...placeValues(entry, name, folder) },
  };
}

function splitDest(segments: string[]): [string, string] {
  return [segments.slice(1, -1).join('/'), segments.at(-1) ?? ''];
}

/** The Destination header's path segments; another host is `502` (RFC 4918 §9.8.4). */
function destinationOf(c: DavContext): string[] {
  const header = c.req.header('destination');
  if (!header) throw new ApiError('BAD_REQUEST', 'A Destination header is required.');
  // The URL parser would resolve these silently; a Destination that has them is refused.
  if (/(^|\/)(\.|%2e){2}(\/|$)/i.test(header.split(/[?#]/)[0] ?? ''))
    throw new ApiError('BAD_REQUEST', 'Paths may not contain . or .. segments.');
  let url: URL;
  try {
    url = new URL(header, c.req.url);
  } catch {
    throw new ApiError('BAD_REQUEST', 'The Destination is not a URL.');
  }
  if (url.host !== new URL(c.req.url).host)
    throw new ApiError('BAD_DESTINATION', 'The Destination is on another server.');
  return segmentsOf(url.pathname);
}
