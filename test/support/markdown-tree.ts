/**
 * Reads Markdown the way GitHub does, to prove untrusted text stays text: a CommonMark + GFM parser
 * (mdast-util-from-markdown with micromark-extension-gfm) gives the tree, and a detector of our own covers what
 * GitHub adds after Markdown and the parser does not know: @mentions, #123 / GH-123 references and autolinked
 * bare URLs, which GitHub finds in the text of the rendered HTML (never inside code).
 */
import type { Nodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { expect } from 'vitest';

export function parseGfm(markdown: string) {
  return fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
}

const HTML_TAG = /<!--[\s\S]*?-->|<\/?[a-zA-Z][^>]*>/g;

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** What GitHub would link or notify in rendered text, outside code. */
const GITHUB_REFERENCES: readonly (readonly [string, RegExp])[] = [
  // A mention after a non-word character, an e-mail autolink after a word character: either way `@` + name.
  ['mention or e-mail', /@[a-z0-9]/gi],
  ['issue reference', /#\d/g],
  ['GH- reference', /\bgh-\d/gi],
  ['bare URL', /\b[a-z][a-z0-9+.-]*:\/\/|\bwww\./gi],
];

export function githubReferences(text: string): string[] {
  return GITHUB_REFERENCES.flatMap(([kind, pattern]) =>
    [...text.matchAll(pattern)].map((match) => `${kind}: ${match[0].trim()}`),
  );
}

export interface MarkdownStructure {
  /** Every node that is not plain text, in document order: its type and what makes it what it is. */
  elements: string[];
  /** Links and notifications GitHub would add to the text outside code. */
  references: string[];
}

/**
 * The structure of `markdown` as GitHub would render it. Two renders of one template, one with hostile text and
 * one with benign text, must have equal structures: then the hostile text added nothing but characters.
 */
export function markdownStructure(markdown: string): MarkdownStructure {
  const elements: string[] = [];
  const texts: string[] = [];
  const visit = (node: Nodes) => {
    switch (node.type) {
      case 'text':
        texts.push(node.value);
        return;
      case 'inlineCode':
        elements.push('inlineCode');
        return;
      case 'code':
        elements.push(`code ${node.lang ?? ''}`);
        return;
      case 'html': {
        // GitHub keeps our tags and renders their text; the tags are structure, the text may hold references.
        // `<br>` is how escapeCell keeps a multi-line value in its cell: a line break, nothing that can link.
        for (const tag of node.value.match(HTML_TAG) ?? []) {
          if (tag !== '<br>') elements.push(`html ${tag.replace(/\s+/g, ' ')}`);
        }
        texts.push(decodeEntities(node.value.replace(HTML_TAG, ' ')));
        return;
      }
      case 'heading':
        elements.push(`heading ${node.depth}`);
        break;
      case 'link':
        elements.push(`link ${node.url}`);
        break;
      case 'image':
        elements.push(`image ${node.url}`);
        return;
      case 'table':
        elements.push(`table ${node.children.length} rows × ${node.children[0]?.children.length ?? 0}`);
        break;
      case 'tableRow':
        elements.push(`tableRow ${node.children.length} cells`);
        break;
      case 'list':
        elements.push(`list ${node.ordered ? 'ordered' : 'bullet'} ${node.children.length}`);
        break;
      case 'definition':
      case 'footnoteDefinition':
      case 'footnoteReference':
      case 'linkReference':
      case 'imageReference':
        elements.push(node.type);
        break;
      default:
        if (node.type !== 'root') elements.push(node.type);
    }
    if ('children' in node) for (const child of node.children) visit(child as Nodes);
  };
  visit(parseGfm(markdown));
  return { elements, references: githubReferences(texts.join('\n')) };
}

/** Fails with the first place where the two renders' structures part, with the hostile render's context. */
export function expectSameStructure(hostile: string, harmless: string, what: string): void {
  const a = markdownStructure(hostile);
  const b = markdownStructure(harmless);
  expect(a.references, `${what}: GitHub references in the hostile render`).toEqual(b.references);
  const index = a.elements.findIndex((element, at) => element !== b.elements[at]);
  const shorter = Math.min(a.elements.length, b.elements.length);
  const where = index !== -1 ? index : a.elements.length === b.elements.length ? -1 : shorter;
  expect(
    where === -1 ? [] : a.elements.slice(Math.max(0, where - 3), where + 4),
    `${what}: elements part at ${where} (benign: ${JSON.stringify(b.elements.slice(Math.max(0, where - 3), where + 4))})`,
  ).toEqual([]);
}
