import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addOpenPixel, decodeEntities, htmlToText, rewriteLinks } from './tracking-html.js';

const tracker = () => {
  const seen: Array<[string, number]> = [];
  const track = (url: string, i: number) => {
    seen.push([url, i]);
    return `https://t.test/c/${i}`;
  };
  return { seen, track };
};

describe('rewriteLinks', () => {
  it('rewrites http(s) links with double, single or no quotes, attributes in any order, any case', () => {
    const { seen, track } = tracker();
    const html =
      '<a href="https://a.test/1">one</a>' +
      "<a class='btn' href='http://b.test/2' target=_blank>two</a>" +
      '<A TARGET="_blank" HREF=https://c.test/3>three</A>' +
      '<a title="x > y" href="https://d.test/4">four</a>';
    assert.equal(
      rewriteLinks(html, track),
      '<a href="https://t.test/c/0">one</a>' +
        '<a class=\'btn\' href="https://t.test/c/1" target=_blank>two</a>' +
        '<A TARGET="_blank" href="https://t.test/c/2">three</A>' +
        '<a title="x > y" href="https://t.test/c/3">four</a>',
    );
    assert.deepEqual(seen, [
      ['https://a.test/1', 0],
      ['http://b.test/2', 1],
      ['https://c.test/3', 2],
      ['https://d.test/4', 3],
    ]);
  });

  it('decodes entities before tracking and attribute-escapes what comes back', () => {
    const seen: string[] = [];
    const out = rewriteLinks('<a href="https://a.test/?x=1&amp;y=2&#38;z=&quot;3&quot;">x</a>', (url) => {
      seen.push(url);
      return `https://t.test/c?u=${url}&"q"`;
    });
    assert.deepEqual(seen, ['https://a.test/?x=1&y=2&z="3"']);
    assert.equal(out, '<a href="https://t.test/c?u=https://a.test/?x=1&amp;y=2&amp;z=&quot;3&quot;&amp;&quot;q&quot;">x</a>');
  });

  it('leaves mailto:, tel:, #anchors, data-no-track, skipped and href-less links alone; the index counts tracked links only', () => {
    const { seen, track } = tracker();
    const html =
      '<a href="mailto:help@shop.test">mail</a><a href="tel:+441234">call</a><a href="#top">top</a>' +
      '<a data-no-track href="https://a.test/keep">keep</a><a name="x">anchor</a>' +
      '<a href="https://t.test/u/abc?x=1&amp;y=2">Unsubscribe</a><a href="https://a.test/go">go</a>';
    const out = rewriteLinks(html, track, { skip: (url) => url.startsWith('https://t.test/u/') });
    assert.equal(out, html.replace('<a href="https://a.test/go">', '<a href="https://t.test/c/0">'));
    assert.deepEqual(seen, [['https://a.test/go', 0]]);
  });

  it('passes the decoded url to skip', () => {
    const asked: string[] = [];
    rewriteLinks('<a href="https://t.test/p?a=1&amp;b=2">prefs</a>', () => 'x', { skip: (url) => (asked.push(url), true) });
    assert.deepEqual(asked, ['https://t.test/p?a=1&b=2']);
  });
});

describe('addOpenPixel', () => {
  const pixel =
    '<img src="https://t.test/o.gif?a=1&amp;b=2" width="1" height="1" alt="" border="0" style="display:block;width:1px;height:1px;max-height:1px;border:0;margin:0;padding:0;overflow:hidden;" />';

  it('goes just before the last </body>, whatever its case', () => {
    assert.equal(addOpenPixel('<html><body><p>x</p></BODY></html>', 'https://t.test/o.gif?a=1&b=2'), `<html><body><p>x</p>${pixel}</BODY></html>`);
  });

  it('is appended when there is no </body>', () => {
    assert.equal(addOpenPixel('<p>x</p>', 'https://t.test/o.gif?a=1&b=2'), `<p>x</p>${pixel}`);
  });
});

describe('htmlToText', () => {
  it('drops head, style, script and hidden preheaders; blocks become lines; at most one blank line', () => {
    const html = `<!doctype html><html><head><title>T</title><style>p { color: red }</style></head>
      <body><div style="display:none;max-height:0">Preview text<div>nested</div></div>
      <script>alert(1)</script><!--[if mso]><table><tr><td>mso</td></tr></table><![endif]-->
      <h1>Welcome</h1>
      <p>First   line<br>second
         line</p>
      <div></div><div></div><div></div>
      <table><tr><td>Cell A</td><td>Cell B</td></tr><tr><td>Next row</td></tr></table>
      <ul><li>One</li><li>Two</li></ul><hr><p>End</p></body></html>`;
    assert.equal(htmlToText(html), 'Welcome\n\nFirst line\nsecond line\n\nCell A Cell B\n\nNext row\n\n- One\n- Two\n\n---\n\nEnd');
  });

  it('writes links as "text (url)", just the url when the text is the url or empty, and an image link by its alt', () => {
    const html =
      '<p><a href="https://a.test/x?y=1&amp;z=2">Read <b>more</b></a></p>' +
      '<p><a href="https://a.test/">https://a.test/</a></p>' +
      '<p><a href="https://a.test/img"><img src="https://a.test/i.png" alt="Our logo"></a></p>' +
      '<p><a href="https://a.test/empty"><img src="https://a.test/i.png" alt=""></a></p>' +
      '<p><a href="mailto:help@shop.test">help@shop.test</a> or <a href="#top">top</a></p>';
    assert.equal(htmlToText(html), 'Read more (https://a.test/x?y=1&z=2)\n\nhttps://a.test/\n\nOur logo (https://a.test/img)\n\nhttps://a.test/empty\n\nmailto:help@shop.test or top');
  });

  it('decodes common entities', () => {
    assert.equal(htmlToText('<p>Tom &amp; Jerry &lt;3 &quot;x&quot; &#39;y&#39; &#x263A; &copy;&nbsp;2026 &mdash; &bogus;</p>'), 'Tom & Jerry <3 "x" \'y\' ☺ © 2026 — &bogus;');
    assert.equal(decodeEntities('a&amp;lt;b'), 'a&lt;b');
  });

  it('keeps markers matched by `keep` from dropped elements and attributes', () => {
    const html = '<head><title>M1 title</title></head><body><div class="M2">x</div><div style="display:none">M3</div>y</body>';
    assert.equal(htmlToText(html, { keep: /M\d/g }), 'M1M2\nx\nM3y');
  });
});
