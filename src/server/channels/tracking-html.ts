/**
 * HTML post-processing for outgoing email: click tracking (link rewriting), the open
 * pixel, and the plain-text part. Works on the string with small, attribute-aware regular
 * expressions (no DOM), so it is cheap enough to run on every message.
 */

/** An `<a …>` start tag; attribute values may contain `>` inside quotes. */
const A_TAG = /<a\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
/** One attribute: name, then an optional double-quoted, single-quoted or bare value. */
const ATTR = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

interface Attr {
  name: string;
  value: string | undefined;
  /** Offsets of the whole `name="value"` text inside the attribute string. */
  start: number;
  end: number;
}

function parseAttrs(text: string): Attr[] {
  const attrs: Attr[] = [];
  for (const m of text.matchAll(ATTR)) {
    const name = m[1];
    if (name === undefined) continue;
    attrs.push({ name: name.toLowerCase(), value: m[2] ?? m[3] ?? m[4], start: m.index, end: m.index + m[0].length });
  }
  return attrs;
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  bull: '•',
  middot: '·',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  times: '×',
  zwnj: '',
  zwj: '',
  shy: '',
};

/** Decode named (common ones) and numeric character references; unknown names stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** Escape a value for use inside a double-quoted HTML attribute. */
export function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Options for {@link rewriteLinks}. */
export interface RewriteOptions {
  /** Return true to leave a link untouched (e.g. the unsubscribe and preferences URLs). Gets the decoded URL. */
  skip?: (url: string) => boolean;
}

/**
 * Rewrite the `href` of every `<a>` whose (entity-decoded) URL is http(s) to
 * `track(url, index)`, index counting the rewritten links from 0 in document order.
 * Left untouched: `mailto:`, `tel:`, `#anchors` and every other scheme, links carrying a
 * `data-no-track` attribute, and links for which `options.skip(url)` is true. The new
 * value is written back double-quoted and attribute-escaped; the rest of the tag is kept
 * byte for byte.
 */
export function rewriteLinks(html: string, track: (url: string, index: number) => string, options: RewriteOptions = {}): string {
  let index = 0;
  return html.replace(A_TAG, (tag, attrText: string) => {
    const attrs = parseAttrs(attrText);
    if (attrs.some((a) => a.name === 'data-no-track')) return tag;
    const href = attrs.find((a) => a.name === 'href');
    if (href?.value === undefined) return tag;
    const url = decodeEntities(href.value).trim();
    if (!/^https?:\/\//i.test(url) || options.skip?.(url)) return tag;
    const replaced = `href="${escapeAttr(track(url, index++))}"`;
    return `${tag.slice(0, 2)}${attrText.slice(0, href.start)}${replaced}${attrText.slice(href.end)}>`;
  });
}

/**
 * Add a 1×1 open-tracking image just before the last `</body>`, or at the end when the
 * document has none. Empty alt text so clients that block images show nothing, and a
 * block style with zero border/margin so it adds no visible gap.
 */
export function addOpenPixel(html: string, pixelUrl: string): string {
  const img =
    `<img src="${escapeAttr(pixelUrl)}" width="1" height="1" alt="" border="0" ` + 'style="display:block;width:1px;height:1px;max-height:1px;border:0;margin:0;padding:0;overflow:hidden;" />';
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? html + img : html.slice(0, at) + img + html.slice(at);
}

const DROPPED = /<(head|style|script|title|noscript|template)\b/i;
const HIDDEN = /<([a-z][a-z0-9]*)\b(?:[^>"']|"[^"]*"|'[^']*')*?\bstyle\s*=\s*(?:"[^"]*display\s*:\s*none[^"]*"|'[^']*display\s*:\s*none[^']*')(?:[^>"']|"[^"]*"|'[^']*')*>/i;
const SOFT_LINE = '\u0002';
const SOFT_PARA = '\u0003';
/** Paragraph-level boundaries; `tr` too, since email layouts put each block in its own table row. */
const PARAGRAPH = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'blockquote', 'table', 'tr']);
const LINE = new Set(['div', 'section', 'article', 'header', 'footer', 'center', 'dl', 'dt', 'dd', 'pre', 'address', 'tbody', 'thead', 'tfoot']);
const TAG = /<(\/?)([a-z][a-z0-9]*)\b(?:[^>"']|"[^"]*"|'[^']*')*>/gi;

/** Options for {@link htmlToText}. */
export interface HtmlToTextOptions {
  /**
   * A global pattern for markers that must survive even where their surroundings are
   * dropped (inside removed elements, comments or tag attributes); the template compiler
   * uses it to keep Liquid tags in the derived text part.
   */
  keep?: RegExp;
}

type Keep = (removed: string) => string;

/** Remove `<name …>…</name>` from `start` (a `<name` offset), counting nested same-name elements. */
function removeElement(html: string, start: number, name: string, keep: Keep): string {
  const re = new RegExp(`<(/?)${name}\\b(?:[^>"']|"[^"]*"|'[^']*')*>`, 'gi');
  re.lastIndex = start;
  let depth = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    depth += m[1] ? -1 : m[0].endsWith('/>') ? 0 : 1;
    if (depth <= 0) {
      const end = m.index + m[0].length;
      return html.slice(0, start) + keep(html.slice(start, end)) + html.slice(end);
    }
  }
  return html.slice(0, start) + keep(html.slice(start));
}

/** Drop every element matched by `open` (group 1 = its name) together with its content. */
function dropAll(html: string, open: RegExp, keep: Keep): string {
  for (let m = open.exec(html); m?.[1]; m = open.exec(html)) html = removeElement(html, m.index, m[1], keep);
  return html;
}

function linkText(attrText: string, inner: string, keep: Keep): string {
  const href = parseAttrs(attrText).find((a) => a.name === 'href');
  const kept = keep(href ? attrText.slice(0, href.start) + attrText.slice(href.end) : attrText);
  const url = href?.value === undefined ? '' : decodeEntities(href.value).trim();
  const text = inner.replace(/<img\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi, (tag, attrs: string) => keep(tag) + (parseAttrs(attrs).find((a) => a.name === 'alt')?.value ?? '')).replace(/<[^>]*>/g, keep);
  const plain = text.trim();
  if (!url || url.startsWith('#') || /^javascript:/i.test(url)) return kept + text;
  if (!plain || plain === url || plain === url.replace(/^(?:mailto|tel):/i, '')) return `${kept} ${url} `;
  return `${kept}${text} (${url})`;
}

/**
 * A readable plain-text version of an HTML email: head, style, script and hidden
 * (`display:none`, e.g. MJML's preheader) elements dropped; block elements become line
 * breaks (paragraphs, headings, lists and tables a blank line); links become
 * `text (url)` — an image link uses the image's alt text — or just the url when the text
 * is the url or empty; list items get `- `; common entities are decoded; runs of spaces
 * collapse and there is never more than one blank line.
 */
export function htmlToText(html: string, options: HtmlToTextOptions = {}): string {
  const pattern = options.keep;
  const keep: Keep = pattern ? (removed) => (removed.match(pattern) ?? []).join('') : () => '';
  let s = html.replace(/[\u0002\u0003]/g, '').replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<![^>]*>/g, keep);
  s = dropAll(dropAll(s, DROPPED, keep), HIDDEN, keep).replace(/\s+/g, ' ');
  s = s.replace(/<a\b((?:[^>"']|"[^"]*"|'[^']*')*)>([\s\S]*?)<\/a\s*>/gi, (_m, attrs: string, inner: string) => linkText(attrs, inner, keep));
  s = s.replace(TAG, (tag, close: string, rawName: string) => {
    const name = rawName.toLowerCase();
    const kept = keep(tag);
    if (name === 'br') return `${kept}\n`;
    if (name === 'li') return close ? `${kept}${SOFT_LINE}` : `${kept}${SOFT_LINE}- `;
    if (name === 'hr') return `${kept}${SOFT_PARA}---${SOFT_PARA}`;
    if (PARAGRAPH.has(name)) return `${kept}${SOFT_PARA}`;
    if (LINE.has(name)) return `${kept}${SOFT_LINE}`;
    if ((name === 'td' || name === 'th') && close) return `${kept} `;
    return kept;
  });
  // A run of block boundaries is one line break, or one blank line if any of them is a paragraph's.
  s = s.replace(/[ \u0002\u0003]*[\u0002\u0003][ \u0002\u0003]*/g, (run) => (run.includes(SOFT_PARA) ? '\n\n' : '\n'));
  s = decodeEntities(s.replace(/<[^>]*>/g, keep)).replace(/\u00a0/g, ' ');
  return s
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\r]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
