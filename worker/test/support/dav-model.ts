/**
 * An in-memory model of one client's WebDAV folder: what each request must answer and what the
 * tree holds after it (RFC 4918 as docs/spec/webdav.md narrows it). Paths are relative to the
 * client's folder, segments joined by `/`; `''` is the folder itself.
 */
export type Node = { type: 'folder' } | { type: 'file'; content: string };

const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const isBelow = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

export class DavModel {
  readonly nodes = new Map<string, Node>([['', { type: 'folder' }]]);

  private parentIsFolder(path: string): boolean {
    return this.nodes.get(parentOf(path))?.type === 'folder';
  }

  private drop(path: string): void {
    for (const key of [...this.nodes.keys()]) if (isBelow(key, path)) this.nodes.delete(key);
  }

  mkcol(path: string): number {
    if (this.nodes.has(path)) return 405;
    if (!this.parentIsFolder(path)) return 409;
    this.nodes.set(path, { type: 'folder' });
    return 201;
  }

  put(path: string, content: string): number {
    const node = this.nodes.get(path);
    if (node?.type === 'folder') return 405;
    if (!node && !this.parentIsFolder(path)) return 409;
    this.nodes.set(path, { type: 'file', content });
    return node ? 204 : 201;
  }

  /** LOCK of a file, or of a missing path (which makes an empty file); folders are not locked here. */
  lock(path: string): number {
    if (this.nodes.has(path)) return 200;
    const made = this.put(path, '');
    return made === 201 ? 201 : made;
  }

  remove(path: string): number {
    if (!this.nodes.has(path)) return 404;
    this.drop(path);
    return 204;
  }

  copyOrMove(from: string, to: string, move: boolean): number {
    const source = this.nodes.get(from);
    if (!source) return 404;
    // Not onto itself, into itself, or over a folder it is in.
    if (isBelow(from, to) || (source.type === 'folder' && isBelow(to, from))) return 403;
    if (!this.nodes.has(to) && !this.parentIsFolder(to)) return 409;
    const existed = this.nodes.has(to);
    const moved = [...this.nodes].filter(([key]) => isBelow(key, from));
    this.drop(to);
    if (move) this.drop(from);
    for (const [key, node] of moved) this.nodes.set(to + key.slice(from.length), node);
    return existed ? 204 : 201;
  }

  /** The names directly in a folder (folders end in `/`), sorted. */
  children(folder: string): string[] {
    return [...this.nodes]
      .filter(([key]) => key !== '' && parentOf(key) === folder)
      .map(([key, node]) => key.slice(key.lastIndexOf('/') + 1) + (node.type === 'folder' ? '/' : ''))
      .sort();
  }

  /** Every file by path, with its content. */
  files(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [key, node] of this.nodes) if (node.type === 'file') out.set(key, node.content);
    return out;
  }
}

/** A small seeded generator (mulberry32), so a failing run can be repeated from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
