import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { lineAt, lineStarts } from './decode';

// A small element tree over fast-xml-parser's output, so format readers can ask for a child
// by local name (namespace prefixes removed) and name the exact element and line in an error.

export interface XNode {
  name: string;
  /** Document/BkToCstmrStmt/Stmt[1]/Ntry[2] */
  path: string;
  line: number;
  text: string;
  attrs: Record<string, string>;
  children: Map<string, XNode[]>;
}

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;
export const MAX_XML_DEPTH = 64;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  alwaysCreateTextNode: true,
  isArray: (_name: string, _jpath: unknown, _isLeaf: boolean, isAttribute: boolean) => !isAttribute,
  captureMetaData: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  maxNestedTags: MAX_XML_DEPTH,
});

export class XmlSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses a whole XML document; throws XmlSyntaxError (with the line) when it is not well formed. */
export function parseXml(text: string): XNode[] {
  const v = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (v !== true) throw new XmlSyntaxError(v.err.line, v.err.msg);
  const raw = parser.parse(text) as Record<string, unknown>;
  const roots: XNode[] = [];
  const starts = lineStarts(text);
  for (const [name, list] of Object.entries(raw)) {
    if (name.startsWith('?') || !Array.isArray(list)) continue;
    list.forEach((o, i) => roots.push(toNode(name, o as Record<string | symbol, unknown>, list.length > 1 ? `${name}[${i + 1}]` : name, starts)));
  }
  return roots;
}

function toNode(name: string, o: Record<string | symbol, unknown>, path: string, starts: readonly number[]): XNode {
  const meta = o[META] as { startIndex?: number } | undefined;
  const node: XNode = { name, path, line: meta?.startIndex !== undefined ? lineAt(starts, meta.startIndex) : 0, text: '', attrs: {}, children: new Map() };
  for (const [k, v] of Object.entries(o)) {
    if (k === '#text') node.text = String(v);
    else if (k.startsWith('@')) node.attrs[k.slice(1).replace(/^.*:/, '')] = String(v);
    else if (Array.isArray(v)) {
      node.children.set(
        k,
        v.map((c, i) => toNode(k, c as Record<string | symbol, unknown>, `${path}/${k}[${i + 1}]`, starts)),
      );
    }
  }
  return node;
}

export function child(n: XNode | undefined, ...names: string[]): XNode | undefined {
  let cur = n;
  for (const name of names) cur = cur?.children.get(name)?.[0];
  return cur;
}

export function children(n: XNode | undefined, name: string): XNode[] {
  return n?.children.get(name) ?? [];
}

export function textOf(n: XNode | undefined, ...names: string[]): string | undefined {
  const c = child(n, ...names);
  return c === undefined ? undefined : c.text;
}

export function where(n: XNode): string {
  return n.line > 0 ? `element ${n.path} (line ${n.line})` : `element ${n.path}`;
}
