/**
 * Message templates: Liquid everywhere, MJML for email bodies. {@link compileTemplate}
 * runs once when a template is saved (validates, turns MJML into HTML, derives the text
 * part) and yields plain JSON; {@link renderTemplate} runs per message, synchronously,
 * from a cache of parsed templates. User guide: ./TEMPLATES.md.
 */
import mjml2html from 'mjml';
import { Liquid, LiquidError, Tokenizer, TypeGuards, type Template } from 'liquidjs';
import { fail, ok, type Err, type Failure, type Result } from '../lib/result.js';
import { htmlToText } from './tracking-html.js';

/** How a template body is written. */
export type TemplateFormat = 'mjml' | 'html' | 'text';
/** The channels a template can be written for. */
export type TemplateChannel = 'email' | 'sms' | 'webhook' | 'inapp';

/** What a user saves. */
export interface TemplateInput {
  channel: TemplateChannel;
  /** Liquid; required for email, optional elsewhere (e.g. an in-app title). */
  subject?: string;
  body: string;
  /** Hand-written text part of an MJML/HTML email; derived from the HTML when absent. */
  text?: string;
  format: TemplateFormat;
}

/** A compiled template: Liquid sources only, plain JSON (stored in a jsonb column). */
export interface CompiledTemplate {
  /** Shape version of this JSON. */
  v: 1;
  channel: TemplateChannel;
  /** Liquid source of the subject ('' when the channel has none). */
  subject: string;
  /** Liquid source of the HTML part (MJML already compiled); absent for text-only templates. */
  html?: string;
  /** Liquid source of the text part: hand-written, derived from the HTML, or the text body. */
  text: string;
}

/** Where a template is wrong; line and column (1-based) refer to the source as written. */
export type TemplateFailure = Failure<'validation_failed'> & {
  field: 'subject' | 'body' | 'text';
  line: number;
  column: number;
};

export type CompileResult = Result<CompiledTemplate, TemplateFailure>;

/** A rendered message. */
export interface Rendered {
  subject: string;
  html?: string;
  text: string;
}

/** A rendered message, or why rendering failed (e.g. a filter given bad input). */
export type RenderResult = Result<Rendered, Failure<'validation_failed'> & { field: 'subject' | 'html' | 'text' }>;

/**
 * The variables the platform passes to every template (see TEMPLATES.md). Every field is
 * optional: a missing variable renders as an empty string.
 */
export type TemplateContext = {
  customer?: { id?: string; userId?: string | null; traits?: Record<string, unknown>; [key: string]: unknown };
  traits?: Record<string, unknown>;
  stage?: string | null;
  /** Membership flags keyed by segment id: `{% if segments.vip %}`. */
  segments?: Record<string, boolean>;
  /** The event that triggered the message. */
  event?: { name?: string; properties?: Record<string, unknown> } | null;
  journey?: { id?: string; name?: string; variant?: string | null };
  message?: { id?: string };
  unsubscribe_url?: string;
  preferences_url?: string;
  [key: string]: unknown;
};

const liquidOptions = {
  strictFilters: true, // an unknown filter is a compile error
  strictVariables: false, // a missing variable renders as ''
  ownPropertyOnly: true,
  templates: {}, // include/render/layout resolve against nothing: no file-system access
  timezoneOffset: 0, // `date` formats in UTC unless given a zone
  locale: 'en-US', // month and day names, whatever the server's locale
  // Guards against runaway templates. renderLimit is wall-clock per render call, so it is
  // generous: on a busy machine a normal render can be descheduled for a while.
  parseLimit: 2_000_000,
  renderLimit: 5_000,
  memoryLimit: 50_000_000,
};
/** Liquid for HTML parts: every `{{ }}` is HTML-escaped (opt out with `| raw`). */
const htmlLiquid = new Liquid({ ...liquidOptions, outputEscape: 'escape' });
/** Liquid for subject and text parts: no escaping. */
const textLiquid = new Liquid(liquidOptions);
for (const liquid of [htmlLiquid, textLiquid]) {
  for (const name of ['include', 'render', 'layout']) {
    liquid.registerTag(name, {
      parse() {
        throw new Error(`{% ${name} %} is not supported: templates are self-contained`);
      },
      render() {},
    });
  }
}

type Field = TemplateFailure['field'];
const failAt = (field: Field, line: number, column: number, message: string): Err<TemplateFailure> => fail('validation_failed', message, { field, line, column });
const cleanMessage = (message: string) => message.replace(/(, file:[^,]*)?, line:\d+, col:\d+$/, '');

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Parse `source`; a Liquid error becomes a failure at (`line`, `col`) from `where` (default: as reported). */
function liquidCheck(liquid: Liquid, source: string, field: Field, where?: (offset: number) => { line: number; column: number }): Err<TemplateFailure> | null {
  try {
    liquid.parse(source);
    return null;
  } catch (err) {
    if (LiquidError.is(err)) {
      const [line = 1, column = 1] = err.token.getPosition();
      const at = where ? where(err.token.begin) : { line, column };
      return failAt(field, at.line, at.column, cleanMessage(err.message));
    }
    if (err instanceof Error && err.name === 'AssertionError') return failAt(field, 1, 1, err.message);
    throw err;
  }
}

/** One Liquid tag or output (a `{% raw %}` block counts as one output) in a body. */
interface Piece {
  src: string;
  begin: number;
  isTag: boolean;
  placeholder: string;
}

/** Liquid replaced by inert placeholders, so MJML and the text converter cannot mangle it. */
interface Protected {
  pieces: Piece[];
  /** Matches any placeholder; group 1 = piece index. */
  any: RegExp;
  /** Matches tag placeholders only. */
  tags: RegExp;
  /** `source` with each piece replaced by its placeholder plus the piece's newlines (line numbers unchanged). */
  text: string;
}

function protect(source: string): Protected {
  let mark = 'tnrlq';
  while (source.includes(mark)) mark += 'x';
  const tokens = new Tokenizer(source, textLiquid.options.operators).readTopLevelTokens(textLiquid.options);
  const pieces: Piece[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!TypeGuards.isTagToken(token) && !TypeGuards.isOutputToken(token)) continue;
    let end = token.end;
    const raw = TypeGuards.isTagToken(token) && token.name === 'raw';
    if (raw) {
      while (i + 1 < tokens.length && !(TypeGuards.isTagToken(tokens[i]) && (tokens[i] as { name?: string }).name === 'endraw')) i++;
      end = tokens[i]!.end;
    }
    const isTag = TypeGuards.isTagToken(token) && !raw;
    pieces.push({ src: source.slice(token.begin, end), begin: token.begin, isTag, placeholder: `${mark}${isTag ? 't' : 'o'}${pieces.length}q` });
  }
  let text = '';
  let at = 0;
  for (const p of pieces) {
    text += source.slice(at, p.begin) + p.placeholder + '\n'.repeat(p.src.split('\n').length - 1);
    at = p.begin + p.src.length;
  }
  text += source.slice(at);
  return { pieces, text, any: new RegExp(`${mark}[to](\\d+)q`, 'g'), tags: new RegExp(`${mark}t\\d+q`, 'g') };
}

/** Put the Liquid back; `where` maps an offset in the result to a position in `source`. */
function restore(p: Protected, text: string, source: string) {
  const spans: Array<{ at: number; piece: Piece }> = [];
  let out = '';
  let last = 0;
  for (const m of text.matchAll(p.any)) {
    const piece = p.pieces[Number(m[1])]!;
    out += text.slice(last, m.index);
    spans.push({ at: out.length, piece });
    out += piece.src;
    last = m.index + m[0].length;
  }
  out += text.slice(last);
  const where = (offset: number) => {
    const span = spans.find((s) => offset >= s.at && offset < s.at + s.piece.src.length);
    return span ? position(source, span.piece.begin + offset - span.at) : { line: 1, column: 1 };
  };
  return { out, where };
}

/** In derived text, a line holding only Liquid tags joins the next non-blank line, so a false `{% if %}` leaves no blank lines. */
function attachTagLines(text: string, tags: RegExp): string {
  const tagOnly = (line: string) => line.trim() !== '' && line.replace(tags, '').trim() === '';
  const out: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (tagOnly(line)) pending += line.trim();
    else if (pending && line.trim() === '') continue;
    else {
      out.push(pending + line);
      pending = '';
    }
  }
  if (pending) out.push(pending); // closing tags at the end: their line break stays inside the block (e.g. between loop items)
  return out.join('\n');
}

/** The text part derived from a (placeholder-protected) HTML body, with every Liquid tag kept in order. */
function deriveText(p: Protected, html: string, source: string): Result<string, TemplateFailure> {
  const derived = restore(p, attachTagLines(htmlToText(html, { keep: p.tags }), p.tags), source);
  return liquidCheck(textLiquid, derived.out, 'body', derived.where) ?? ok(derived.out);
}

/**
 * Validate and compile a template. Email needs a subject; MJML is email-only; sms and
 * webhook bodies are text. MJML is compiled to HTML here, once, with the Liquid left
 * intact (it is swapped for placeholders while MJML runs; Liquid standing between MJML
 * elements, which MJML would drop, is wrapped in `<mj-raw>`). Every part is parsed with
 * LiquidJS (unknown filters are errors). Errors carry the field and the line/column in
 * the source as written.
 */
export async function compileTemplate(input: TemplateInput): Promise<CompileResult> {
  const { channel, format, body } = input;
  const subject = input.subject ?? '';
  if (channel === 'email' && subject.trim() === '') return failAt('subject', 1, 1, 'an email needs a subject');
  if (format === 'mjml' && channel !== 'email') return failAt('body', 1, 1, 'MJML is only for email');
  if (format === 'html' && (channel === 'sms' || channel === 'webhook')) return failAt('body', 1, 1, `a ${channel} body is text, not HTML`);
  if (format === 'text' && input.text !== undefined) return failAt('text', 1, 1, 'a text body has no separate text part');
  if (body.trim() === '') return failAt('body', 1, 1, 'the body is empty');
  const checks: Array<[Liquid, string, Field]> = [
    [textLiquid, subject, 'subject'],
    [format === 'text' ? textLiquid : htmlLiquid, body, 'body'],
  ];
  if (input.text !== undefined) checks.push([textLiquid, input.text, 'text']);
  for (const [liquid, source, field] of checks) {
    const error = liquidCheck(liquid, source, field);
    if (error) return error;
  }
  if (format === 'text') return ok({ v: 1, channel, subject, text: body });

  const p = protect(body);
  let html = body;
  let protectedHtml = p.text;
  if (format === 'mjml') {
    const compiled = await compileMjml(p, body);
    if (!compiled.ok) return compiled;
    protectedHtml = compiled.value;
    const restored = restore(p, compiled.value, body);
    const error = liquidCheck(htmlLiquid, restored.out, 'body', restored.where);
    if (error) return { ...error, message: `${error.message} (in the HTML compiled from MJML, which puts <mj-head> content first)` };
    html = restored.out;
  }
  let text = input.text;
  if (text === undefined) {
    const derived = deriveText(p, protectedHtml, body);
    if (!derived.ok) return derived;
    text = derived.value;
  }
  return ok({ v: 1, channel, subject, html, text });
}

const MJ_TAG = /<!--[\s\S]*?-->|<(\/?)(mjml|mj-[a-z0-9-]+)\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;

/** MJML's parser forgives unclosed and mismatched tags by silently dropping content; refuse them instead. */
function checkNesting(text: string): { offset: number; message: string } | null {
  const stack: Array<{ name: string; offset: number }> = [];
  for (const m of text.matchAll(MJ_TAG)) {
    if (!m[2]) continue;
    const name = m[2].toLowerCase();
    const top = stack[stack.length - 1];
    if (!m[1]) {
      if (!(m[3] ?? '').trimEnd().endsWith('/')) stack.push({ name, offset: m.index });
    } else if (top?.name === name) stack.pop();
    else if (top && stack.some((s) => s.name === name)) return { offset: top.offset, message: `<${top.name}> is not closed (</${name}> comes first)` };
    else return { offset: m.index, message: `</${name}> has no matching <${name}>` };
  }
  const open = stack[stack.length - 1];
  return open ? { offset: open.offset, message: `<${open.name}> is not closed` } : null;
}

async function runMjml(p: Protected, text: string, source: string): Promise<Result<string, TemplateFailure>> {
  const unprotect = (s: string) => s.replace(p.any, (_m, i: string) => p.pieces[Number(i)]!.src);
  try {
    const result = await mjml2html(text, { validationLevel: 'soft', ignoreIncludes: true });
    const first = result.errors[0];
    if (!first) return ok(result.html);
    const line = Math.max(1, first.line);
    const column = (source.split('\n')[line - 1]?.indexOf(`<${first.tagName}`) ?? -1) + 1 || 1;
    return failAt('body', line, column, unprotect(first.message));
  } catch (err) {
    // MJML throws on documents it cannot parse at all (no <mjml> root) and, for some odd nestings, from its own bugs.
    return failAt('body', 1, 1, `MJML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** MJML → HTML with placeholders in place of Liquid (see compileTemplate). */
async function compileMjml(p: Protected, source: string): Promise<Result<string, TemplateFailure>> {
  const at = (offset: number, message: string) => {
    const { line, column } = position(source, offset);
    return failAt('body', line, column, message);
  };
  const include = /<mj-include\b/i.exec(p.text);
  if (include) return at(include.index, '<mj-include> is not supported: templates are self-contained');
  const nesting = checkNesting(p.text);
  if (nesting) return at(nesting.offset, nesting.message);
  const first = await runMjml(p, p.text, source);
  if (!first.ok) return first;
  const missing = p.pieces.filter((piece) => !first.value.includes(piece.placeholder));
  if (missing.length === 0) return first;

  // Liquid MJML dropped: before/after <mjml> is hoisted around the HTML, between elements wrapped in <mj-raw>.
  const root = /<mjml\b/i.exec(p.text)?.index ?? 0;
  const rootEnd = p.text.search(/<\/mjml\s*>/i);
  const head = [/<mj-head\b/i.exec(p.text)?.index ?? -1, p.text.search(/<\/mj-head\s*>/i)] as const;
  let text = p.text;
  let prefix = '';
  let suffix = '';
  const wrapped: Piece[] = [];
  for (const piece of missing) {
    const offset = p.text.indexOf(piece.placeholder);
    const inTag = p.text.lastIndexOf('<', offset) > p.text.lastIndexOf('>', offset);
    if (inTag) continue; // an attribute of something MJML left out (e.g. an unused mj-class); the final Liquid parse checks the rest
    if (offset > head[0] && offset < head[1]) {
      return at(piece.begin, 'Liquid between <mj-head> elements would be moved by MJML; put it inside an element or before <mjml>');
    }
    let replacement = '';
    if (offset < root) prefix += piece.placeholder;
    else if (rootEnd >= 0 && offset > rootEnd) suffix += piece.placeholder;
    else ((replacement = `<mj-raw>${piece.placeholder}</mj-raw>`), wrapped.push(piece));
    const now = text.indexOf(piece.placeholder);
    text = text.slice(0, now) + replacement + text.slice(now + piece.placeholder.length);
  }
  const second = await runMjml(p, text, source);
  if (!second.ok) return second;
  const lost = wrapped.find((piece) => !second.value.includes(piece.placeholder));
  if (lost) return at(lost.begin, 'MJML drops Liquid in this position; move it inside an element such as <mj-text>');
  return ok(prefix + second.value + suffix);
}

/** Parsed templates by source, most recently used last; the oldest is evicted past the limit. */
class TemplateCache {
  private readonly entries = new Map<string, Template[]>();
  constructor(
    private readonly liquid: Liquid,
    private readonly limit: number,
  ) {}

  get(source: string): Template[] {
    let parsed = this.entries.get(source);
    if (parsed) {
      this.entries.delete(source);
    } else {
      parsed = this.liquid.parse(source);
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(source, parsed);
    return parsed;
  }
}

const htmlCache = new TemplateCache(htmlLiquid, 500);
const textCache = new TemplateCache(textLiquid, 1000);

/**
 * Render a compiled template for one message, synchronously. A variable that is missing
 * from `context` (or a property missing from an object in it) renders as an empty
 * string — use `{{ traits.first_name | default: "there" }}` for a fallback. Output in the
 * HTML part is HTML-escaped (`| raw` opts out); subject and text are not escaped; the
 * subject is folded onto one line. Parsed templates are cached by source, so rendering
 * the same template many times parses it once. A failure while rendering (a filter given
 * input it cannot handle, a render time or memory limit) is returned, not thrown.
 */
export function renderTemplate(compiled: CompiledTemplate, context: Record<string, unknown>): RenderResult {
  let field: 'subject' | 'html' | 'text' = 'subject';
  try {
    const subject = compiled.subject === '' ? '' : String(textLiquid.renderSync(textCache.get(compiled.subject), context));
    field = 'text';
    const text = String(textLiquid.renderSync(textCache.get(compiled.text), context));
    if (compiled.html === undefined) return ok({ subject: foldLine(subject), text });
    field = 'html';
    const html = String(htmlLiquid.renderSync(htmlCache.get(compiled.html), context));
    return ok({ subject: foldLine(subject), html, text });
  } catch (err) {
    if (LiquidError.is(err) || (err instanceof Error && err.name === 'AssertionError')) return fail('validation_failed', err.message, { field });
    throw err;
  }
}

const foldLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
