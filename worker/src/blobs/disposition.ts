/**
 * Content-Type and Content-Disposition of user content (B16). The name and type come from the
 * caller (the item that points at the blob), so both are cleaned: a name can never carry a
 * path, quotes or control characters into a header, and only types a browser renders without
 * running code are ever shown inline; everything else is an `application/octet-stream`
 * attachment.
 */

/** Types that are safe to show inline (no script, no HTML, no SVG). */
export const INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'text/plain',
  'application/pdf',
]);

const MAX_NAME_LENGTH = 180;
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

/** A file name safe for a header: no path, no control or quote characters, bounded length. */
export function safeFileName(name: string | null | undefined): string {
  const base = (name ?? '').normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    // Control characters (C0, DEL, C1), quotes, and characters Windows forbids in names.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f"*:<>?|;]/g, '_')
    // Bidirectional overrides can disguise an extension (e.g. "gpj.exe" shown as "exe.jpg").
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '')
    .trim()
    .replace(/^\.+/, '');
  const bounded = [...cleaned].slice(0, MAX_NAME_LENGTH).join('');
  return bounded === '' ? 'download' : bounded;
}

/**
 * The content type to serve for an asked type: the type itself if it is in
 * {@link INLINE_TYPES}, otherwise `application/octet-stream`, so that no HTML, SVG or script
 * type is ever served from the app's origin.
 */
export function servedContentType(asked: string | null | undefined): string {
  const lowered = (asked ?? '').trim().toLowerCase();
  return MIME.test(lowered) && INLINE_TYPES.has(lowered) ? lowered : 'application/octet-stream';
}

/**
 * The `Content-Disposition` header: `inline` only when asked and the type is in
 * {@link INLINE_TYPES}; an ASCII `filename` fallback plus the exact UTF-8 name in `filename*`
 * (RFC 6266, RFC 8187).
 */
export function contentDisposition(
  name: string | null | undefined,
  type: string,
  wantInline: boolean,
): string {
  const safe = safeFileName(name);
  const disposition = wantInline && INLINE_TYPES.has(type) ? 'inline' : 'attachment';
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_').replace(/[\\%]/g, '_');
  const encoded = encodeURIComponent(safe).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
