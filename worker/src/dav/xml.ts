import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * XML of WebDAV request bodies (PROPFIND, PROPPATCH, LOCK), parsed with fast-xml-parser — a
 * well-kept parser with no network access — configured so that no entity is ever expanded
 * (`processEntities: false`, `htmlEntities: false`); a body with a DOCTYPE (where entities and
 * external references are declared) is refused before parsing. Namespaces are resolved here,
 * since the parser does not: every element carries its namespace URI and local name.
 */
export interface XmlElement {
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

/** A child: an element, or text as it appeared (entity references left unexpanded). */
export type XmlNode = XmlElement | { text: string } | { cdata: string };

/** The namespace of WebDAV (RFC 4918 §21). */
export const DAV_NS = 'DAV:';

/** Why a body cannot be read: answered as 400 by the routes. */
export class XmlProblem extends Error {}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  commentPropName: false,
});

type Raw = Record<string, unknown>;

function resolve(raw: Raw, scope: Map<string, string>): XmlNode | null {
  if ('#text' in raw) return { text: String(raw['#text']) };
  const tag = Object.keys(raw).find((key) => key !== ':@');
  if (tag === undefined) return null;
  if (tag === '#cdata') {
    const inner = raw['#cdata'];
    const parts = Array.isArray(inner)
      ? inner.map((part: Raw) => (typeof part['#text'] === 'string' ? part['#text'] : ''))
      : [];
    return { cdata: parts.join('') };
  }
  const rawAttrs = (raw[':@'] ?? {}) as Record<string, string>;
  const inner = new Map(scope);
  const attrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns') inner.set('', value);
    else if (name.startsWith('xmlns:')) {
      // Namespaces in XML 1.0 §3: a prefix cannot be bound to the empty name.
      if (value === '')
        throw new XmlProblem(`The XML prefix "${name.slice(6)}" is bound to an empty namespace.`);
      inner.set(name.slice(6), value);
    } else attrs[name] = value;
  }
  const colon = tag.indexOf(':');
  const prefix = colon < 0 ? '' : tag.slice(0, colon);
  const ns = inner.get(prefix);
  if (ns === undefined && prefix !== '') throw new XmlProblem(`The XML prefix "${prefix}" is not declared.`);
  const children = ((raw[tag] ?? []) as Raw[])
    .map((child) => resolve(child, inner))
    .filter((c) => c !== null);
  return { ns: ns ?? '', local: colon < 0 ? tag : tag.slice(colon + 1), attrs, children };
}

/** Parses a request body; null for an empty body. Throws {@link XmlProblem} for anything malformed. */
export function parseXml(body: string): XmlElement | null {
  if (body.trim() === '') return null;
  if (/<!DOCTYPE|<!ENTITY/i.test(body))
    throw new XmlProblem('XML with a DOCTYPE or entity declarations is not accepted.');
  const valid = XMLValidator.validate(body, { allowBooleanAttributes: false });
  if (valid !== true)
    throw new XmlProblem(`The XML body is malformed: ${valid.err.msg} (line ${valid.err.line}).`);
  const nodes = (parser.parse(body) as Raw[]).map((raw) =>
    resolve(raw, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']])),
  );
  const roots = nodes.filter((node): node is XmlElement => node !== null && 'local' in node);
  if (roots.length !== 1) throw new XmlProblem('The XML body must have exactly one root element.');
  return roots[0] ?? null;
}

/** The child elements of an element. */
export function elements(el: XmlElement): XmlElement[] {
  return el.children.filter((child): child is XmlElement => 'local' in child);
}

/** The first child element `DAV:<local>`, if any. */
export function davChild(el: XmlElement, local: string): XmlElement | undefined {
  return elements(el).find((child) => child.ns === DAV_NS && child.local === local);
}

/** The text of an element and its descendants, entity references as written. */
export function textOf(el: XmlElement): string {
  return el.children.map((c) => ('text' in c ? c.text : 'cdata' in c ? c.cdata : textOf(c))).join('');
}

/** A property's Clark name: `{namespace}local`. */
export function clark(el: { ns: string; local: string }): string {
  return `{${el.ns}}${el.local}`;
}

/** Splits a Clark name back into namespace and local name. */
export function fromClark(name: string): { ns: string; local: string } {
  const end = name.indexOf('}');
  return { ns: name.slice(1, end), local: name.slice(end + 1) };
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/**
 * Writes an element back as XML that stands alone: each element whose namespace differs from
 * its parent's declares it as the default namespace. Text is written as it was read (it was
 * valid, escaped XML text then), so a dead property comes back exactly as it was set.
 */
export function serialize(el: XmlElement, parentNs: string | null = null): string {
  const decl = el.ns === parentNs ? '' : ` xmlns="${escapeXml(el.ns)}"`;
  const attrs = Object.entries(el.attrs)
    .filter(([name]) => !name.includes(':'))
    .map(([name, value]) => ` ${name}="${value}"`)
    .join('');
  const inner = el.children
    .map((c) => ('text' in c ? c.text : 'cdata' in c ? `<![CDATA[${c.cdata}]]>` : serialize(c, el.ns)))
    .join('');
  return inner === ''
    ? `<${el.local}${decl}${attrs}/>`
    : `<${el.local}${decl}${attrs}>${inner}</${el.local}>`;
}
