import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, renderTemplate, type CompiledTemplate, type TemplateInput } from './templates.js';

/** An MJML email body: `inner` goes inside the one column. */
const mjml = (inner: string, head = '') => `<mjml>
  <mj-head>${head}</mj-head>
  <mj-body>
    <mj-section>
      <mj-column>
${inner}
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

async function compiled(input: Partial<TemplateInput> & { body: string }): Promise<CompiledTemplate> {
  const r = await compileTemplate({ channel: 'email', subject: 'Hello', format: 'mjml', ...input });
  if (!r.ok) assert.fail(`compile failed: ${JSON.stringify(r)}`);
  return r.value;
}

function render(c: CompiledTemplate, context: Record<string, unknown>) {
  const r = renderTemplate(c, context);
  if (!r.ok) assert.fail(`render failed: ${r.message}`);
  return r.value;
}

async function compileError(input: Partial<TemplateInput> & { body: string }) {
  const r = await compileTemplate({ channel: 'email', subject: 'Hello', format: 'mjml', ...input });
  if (r.ok) assert.fail('expected a compile error');
  const { ok: _ok, code, ...where } = r;
  assert.equal(code, 'validation_failed');
  return where;
}

describe('compileTemplate + renderTemplate: MJML email', () => {
  const greeting = mjml('        <mj-text>Hi {{ traits.first_name | default: "there" }}</mj-text>');

  it('renders the default filter: "Hi Ada" with a first name, "Hi there" without', async () => {
    const c = await compiled({ body: greeting, subject: 'Welcome, {{ traits.first_name | default: "friend" }}' });
    const ada = render(c, { traits: { first_name: 'Ada' } });
    assert.match(ada.html!, />Hi Ada</);
    assert.equal(ada.text, 'Hi Ada');
    assert.equal(ada.subject, 'Welcome, Ada');
    const anon = render(c, {});
    assert.match(anon.html!, />Hi there</);
    assert.equal(anon.text, 'Hi there');
    assert.equal(anon.subject, 'Welcome, friend');
  });

  it('compiles MJML once, leaving the Liquid intact in text and in attributes (double quotes included)', async () => {
    const c = await compiled({
      body: mjml(
        '        <mj-text>Hi {{ traits.first_name | default: "there" }}</mj-text>\n' +
          '        <mj-button href="https://shop.test/?n={{ traits.first_name | default: "anon" }}&amp;x=1">Shop</mj-button>',
      ),
    });
    assert.ok(c.html!.startsWith('<!doctype html>'));
    assert.ok(c.html!.includes('>Hi {{ traits.first_name | default: "there" }}</div>'));
    assert.ok(c.html!.includes('href="https://shop.test/?n={{ traits.first_name | default: "anon" }}&amp;x=1"'));
    assert.ok(!c.html!.includes('<mj-'));
    const out = render(c, { traits: { first_name: 'Ada' } });
    assert.ok(out.html!.includes('href="https://shop.test/?n=Ada&amp;x=1"'));
  });

  it('keeps {% if segments.vip %} around MJML elements (MJML alone would drop the tags)', async () => {
    const c = await compiled({
      body: mjml(
        '        <mj-text>Hello</mj-text>\n' +
          '        {% if segments.vip %}\n' +
          '        <mj-text>VIP perks inside</mj-text>\n' +
          '        {% else %}\n' +
          '        <mj-text>Join the club</mj-text>\n' +
          '        {% endif %}\n' +
          '        <mj-text>Bye{% if segments.vip %}, star{% endif %}</mj-text>',
      ),
    });
    const vip = render(c, { segments: { vip: true } });
    assert.ok(vip.html!.includes('VIP perks inside'));
    assert.ok(!vip.html!.includes('Join the club'));
    assert.equal(vip.text, 'Hello\n\nVIP perks inside\n\nBye, star');
    const other = render(c, { segments: { other: true } });
    assert.ok(!other.html!.includes('VIP perks inside'));
    assert.ok(other.html!.includes('Join the club'));
    assert.equal(other.text, 'Hello\n\nJoin the club\n\nBye');
  });

  it('repeats whole sections with {% for %}, in the HTML and the text', async () => {
    const body =
      '<mjml><mj-body>\n{% for p in event.properties.products %}\n<mj-section><mj-column><mj-text>{{ p.name }}: {{ p.price }}</mj-text></mj-column></mj-section>\n{% endfor %}\n</mj-body></mjml>';
    const c = await compiled({ body });
    const out = render(c, {
      event: {
        name: 'Cart Viewed',
        properties: {
          products: [
            { name: 'Shirt', price: '$49' },
            { name: 'Tote', price: '$29' },
          ],
        },
      },
    });
    assert.deepEqual(out.html!.match(/>[^<>]+: \$\d+</g), ['>Shirt: $49<', '>Tote: $29<']);
    assert.equal(out.text.trim(), 'Shirt: $49\n\nTote: $29');
  });

  it('keeps Liquid written before <mjml> (e.g. an assign) and Liquid in the title and preview', async () => {
    const body =
      '{% assign name = traits.first_name | default: "there" %}\n' +
      mjml('        <mj-text>Hi {{ name }}</mj-text>', '<mj-title>For {{ name }}</mj-title><mj-preview>Hi {{ name }}, news</mj-preview>');
    const c = await compiled({ body });
    const out = render(c, { traits: { first_name: 'Ada' } });
    assert.match(out.html!, /<title>For Ada<\/title>/);
    assert.ok(out.html!.includes('Hi Ada, news'));
    assert.equal(out.text, 'Hi Ada'); // title and hidden preview are not part of the text
  });

  it('escapes customer data in the HTML, not in the subject or text', async () => {
    const c = await compiled({ body: greeting, subject: 'For {{ traits.first_name }}' });
    const out = render(c, { traits: { first_name: '<script>alert(1)</script>' } });
    assert.ok(out.html!.includes('Hi &lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!out.html!.includes('<script>alert'));
    assert.equal(out.text, 'Hi <script>alert(1)</script>');
    assert.equal(out.subject, 'For <script>alert(1)</script>');
  });

  it('derives a text part with links as "text (url)" and entities decoded', async () => {
    const c = await compiled({
      body: mjml(
        '        <mj-text><h1>Your order</h1><p>Thanks, {{ traits.first_name }} &amp; co.</p></mj-text>\n' +
          '        <mj-button href="https://shop.test/o/{{ event.properties.order_id }}">See order</mj-button>\n' +
          '        <mj-text><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>',
      ),
    });
    const out = render(c, { traits: { first_name: 'Ada' }, event: { name: 'Order Completed', properties: { order_id: 'A7' } }, unsubscribe_url: 'https://t.test/u/1' });
    assert.equal(out.text, 'Your order\n\nThanks, Ada & co.\n\nSee order (https://shop.test/o/A7)\n\nUnsubscribe (https://t.test/u/1)');
  });

  it('uses a hand-written text part as written', async () => {
    const c = await compiled({ body: greeting, text: 'Hi {{ traits.first_name | default: "there" }}!\n\nPlain words.' });
    assert.equal(render(c, { traits: { first_name: 'Ada' } }).text, 'Hi Ada!\n\nPlain words.');
  });

  it('renders missing variables, however deep, as empty strings', async () => {
    const c = await compiled({ body: mjml('        <mj-text>[{{ nope }}|{{ customer.traits.plan.name }}|{{ event.properties.x }}]</mj-text>') });
    const out = render(c, { customer: { id: 'c1' } });
    assert.equal(out.text, '[||]');
  });

  it('yields plain JSON that renders the same after a round trip through JSON', async () => {
    const c = await compiled({ body: greeting });
    const stored = JSON.parse(JSON.stringify(c)) as CompiledTemplate;
    assert.deepEqual(stored, c);
    assert.deepEqual(renderTemplate(stored, { traits: { first_name: 'Ada' } }), renderTemplate(c, { traits: { first_name: 'Ada' } }));
  });
});

describe('compileTemplate: errors point at the source as written', () => {
  it('an unclosed {% if %} on line 3 of the body', async () => {
    const e = await compileError({ format: 'html', body: '<p>one</p>\n<p>two</p>\n  <p>{% if traits.vip %}three</p>' });
    assert.deepEqual(e, { field: 'body', line: 3, column: 6, message: 'tag {% if traits.vip %} not closed' });
  });

  it('an unknown filter on line 3 of an MJML body (strict filters)', async () => {
    const body = '<mjml>\n  <mj-body><mj-section><mj-column>\n    <mj-text>{{ x | nosuchfilter }}</mj-text>\n  </mj-column></mj-section></mj-body>\n</mjml>';
    const e = await compileError({ body });
    assert.deepEqual(e, { field: 'body', line: 3, column: 14, message: 'undefined filter: nosuchfilter' });
  });

  it('an {% if %} with no condition', async () => {
    const e = await compileError({ format: 'html', body: 'a\nb\nc {% if %}x{% endif %}' });
    assert.equal(e.field, 'body');
    assert.equal(e.line, 3);
    assert.equal(e.column, 8);
  });

  it('an error in the subject, and a missing subject', async () => {
    assert.deepEqual(await compileError({ subject: 'Hi {{ name | shout }}', body: mjml('<mj-text>x</mj-text>') }), {
      field: 'subject',
      line: 1,
      column: 4,
      message: 'undefined filter: shout',
    });
    const missing = await compileError({ subject: '  ', body: mjml('<mj-text>x</mj-text>') });
    assert.equal(missing.field, 'subject');
  });

  it('an error in the hand-written text part', async () => {
    const e = await compileError({ body: mjml('<mj-text>x</mj-text>'), text: 'line one\n{{ a | nope }}' });
    assert.deepEqual([e.field, e.line, e.column], ['text', 2, 1]);
  });

  it('an unclosed MJML tag (MJML itself would silently drop the content)', async () => {
    const body = '<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text>Hi\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>';
    const e = await compileError({ body });
    assert.deepEqual(e, { field: 'body', line: 5, column: 9, message: '<mj-text> is not closed (</mj-column> comes first)' });
  });

  it("MJML's own validation errors, with MJML's line", async () => {
    const e = await compileError({ body: mjml('        <mj-text>ok</mj-text>\n        <mj-bogus>x</mj-bogus>') });
    assert.equal(e.field, 'body');
    assert.equal(e.line, 7);
    assert.equal(e.column, 9);
    assert.match(e.message, /mj-bogus/);
  });

  it('a document without an <mjml> root', async () => {
    const e = await compileError({ body: '<p>just html</p>' });
    assert.deepEqual([e.field, e.line], ['body', 1]);
    assert.match(e.message, /MJML/);
  });

  it('refuses file access: mj-include and {% include %}', async () => {
    const inc = await compileError({ body: mjml('        <mj-include path="/etc/passwd" />') });
    assert.deepEqual([inc.line, inc.column], [6, 9]);
    const liquid = await compileError({ channel: 'sms', subject: undefined, format: 'text', body: 'x\n {% include "/etc/passwd" %}' });
    assert.deepEqual([liquid.field, liquid.line, liquid.column], ['body', 2, 2]);
  });

  it('refuses Liquid between <mj-head> elements, which MJML would move', async () => {
    const e = await compileError({ body: mjml('<mj-text>x</mj-text>', '\n{% if a %}<mj-title>A</mj-title>{% endif %}') });
    assert.deepEqual([e.line, e.column], [3, 1]);
  });

  it('an error that only appears in the compiled HTML still points at the source', async () => {
    const body = '<mjml>\n  <mj-body><mj-section><mj-column><mj-text>{% if a %}x</mj-text></mj-column></mj-section></mj-body>\n  <mj-head><mj-title>t {% endif %}</mj-title></mj-head>\n</mjml>';
    const e = await compileError({ body });
    assert.deepEqual([e.field, e.line, e.column], ['body', 3, 24]);
    assert.match(e.message, /^tag "endif" not found \(in the HTML compiled from MJML/);
  });

  it('channel and format rules', async () => {
    assert.equal((await compileError({ channel: 'sms', format: 'mjml', body: mjml('x') })).field, 'body');
    assert.equal((await compileError({ channel: 'webhook', format: 'html', body: '<p>x</p>' })).field, 'body');
    assert.equal((await compileError({ format: 'text', body: 'x', text: 'y' })).field, 'text');
    assert.equal((await compileError({ body: '   ' })).field, 'body');
  });
});

describe('renderTemplate: other channels and runtime failures', () => {
  it('an SMS body is text: no escaping, no html', async () => {
    const c = await compiled({ channel: 'sms', subject: undefined, format: 'text', body: 'Hi {{ traits.first_name }} & co <3' });
    assert.deepEqual(renderTemplate(c, { traits: { first_name: 'A&B' } }), { ok: true, value: { subject: '', text: 'Hi A&B & co <3' } });
  });

  it('an HTML email derives its text part; the subject is folded onto one line', async () => {
    const c = await compiled({
      format: 'html',
      subject: 'Hi\n{{ traits.title }}',
      body: '<html><head><style>p{}</style></head><body><p>Hello {{ traits.first_name }}</p><ul><li>One</li><li>Two</li></ul></body></html>',
    });
    const out = render(c, { traits: { first_name: 'Ada', title: 'Ada\r\nBcc: x@y.test' } });
    assert.equal(out.subject, 'Hi Ada Bcc: x@y.test');
    assert.equal(out.text, 'Hello Ada\n\n- One\n- Two');
  });

  it('a failure while rendering is returned, not thrown', async () => {
    const c = await compiled({ channel: 'sms', subject: undefined, format: 'text', body: '{{ traits.a | append }}' });
    const r = renderTemplate(c, { traits: { a: 'x' } });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.field === 'text' && /append/.test(r.message));
    const bomb = await compiled({ format: 'html', body: '<p>{% for i in (1..100000000) %}{% endfor %}</p>' });
    const b = renderTemplate(bomb, {});
    assert.ok(!b.ok && b.field === 'text' && /memory/.test(b.message));
  });
});
