/**
 * Email throughput: N personalised ~8 KB html+text emails through createEmailTransport
 * (nodemailer's pool) into a local smtp-server, at most `--inflight` sends outstanding.
 *
 *   node --import tsx bench/email-send.ts [--n 5000] [--connections 5] [--inflight 50] [--max-messages 1000]
 *
 * The SMTP server runs in a child process (this file with --serve), so its parsing does
 * not share the sender's event loop or CPU; it counts messages, bytes and connections, and
 * the run fails unless every message arrived. A warm-up of 200 messages (not timed)
 * opens the pool's connections first. Target: ≥ 500 emails/s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEmailTransport, type EmailMessage } from '../src/server/channels/email-transport.js';
import { machine } from './lib/proc.js';

interface ServerStats {
  messages: number;
  bytes: number;
  connections: number;
  cpuSeconds: number;
}
type ToChild = { cmd: 'stats' } | { cmd: 'stop' };
type FromChild = { port: number } | { stats: ServerStats };

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '5' },
    inflight: { type: 'string', default: '50' },
    'max-messages': { type: 'string', default: '1000' },
    serve: { type: 'boolean', default: false },
  },
});

/** Child: an smtp-server on a free loopback port that counts what it receives. */
async function serve(): Promise<void> {
  const { SMTPServer } = await import('smtp-server');
  const stats: ServerStats = { messages: 0, bytes: 0, connections: 0, cpuSeconds: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onConnect(_session, cb) {
      stats.connections++;
      cb();
    },
    onData(stream, _session, cb) {
      stream.on('data', (c: Buffer) => (stats.bytes += c.length));
      stream.on('end', () => {
        stats.messages++;
        cb(null, `queued as B${stats.messages}`);
      });
    },
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as { port: number }).port } satisfies FromChild));
  process.on('message', (m: ToChild) => {
    if (m.cmd === 'stats') {
      const u = process.cpuUsage();
      process.send!({ stats: { ...stats, cpuSeconds: (u.user + u.system) / 1e6 } } satisfies FromChild);
    } else server.close(() => process.exit(0));
  });
}

/** Parent: start the child, send, report. */
async function run(): Promise<void> {
  const n = Number(values.n);
  const maxConnections = Number(values.connections);
  const inflight = Number(values.inflight);
  const maxMessages = Number(values['max-messages']);
  const cpu = os.cpus();
  console.log(machine());
  console.log(`cpu: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`);
  console.log(
    `settings: ${n.toLocaleString('en-US')} emails, pool maxConnections ${maxConnections}, maxMessages ${maxMessages}, ${inflight} in flight; SMTP server: smtp-server in a child process (own event loop), plain SMTP on 127.0.0.1`,
  );

  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await ask<{ port: number }>(child, null);
    const email = createEmailTransport({ url: `smtp://127.0.0.1:${port}`, from: '"Acme Store" <orders@acme.test>', maxConnections, maxMessages });
    const sample = message(0);
    console.log(`message: ${(Buffer.byteLength(sample.html!) / 1024).toFixed(1)} KB html + ${(Buffer.byteLength(sample.text) / 1024).toFixed(1)} KB text, personalised per recipient`);

    const warm = 200;
    const warmFailures = await sendAll(email, 1_000_000, warm, inflight);
    if (warmFailures.length) throw new Error(`warm-up failed: ${warmFailures[0]}`);
    const before = await ask<{ stats: ServerStats }>(child, { cmd: 'stats' });

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const failures = await sendAll(email, 0, n, inflight);
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = process.cpuUsage(cpu0);
    email.close();

    const after = await ask<{ stats: ServerStats }>(child, { cmd: 'stats' });
    const received = after.stats.messages - before.stats.messages;
    const mb = (after.stats.bytes - before.stats.bytes) / 2 ** 20;
    console.log(
      `sent ${n.toLocaleString('en-US')} in ${seconds.toFixed(2)} s: ${Math.round(n / seconds).toLocaleString('en-US')} emails/s, ${(mb / seconds).toFixed(1)} MB/s on the wire (${mb.toFixed(1)} MB, ${((mb * 1024) / n).toFixed(1)} KB/email)`,
    );
    console.log(
      `  sender CPU ${((cpu1.user + cpu1.system) / 1e6).toFixed(2)} s (${Math.round((100 * (cpu1.user + cpu1.system)) / 1e6 / seconds)}% of one core); server CPU ${(after.stats.cpuSeconds - before.stats.cpuSeconds).toFixed(2)} s; ` +
        `SMTP connections opened: ${after.stats.connections} in all (incl. warm-up); failures: ${failures.length}`,
    );
    if (failures.length || received !== n) {
      throw new Error(`expected ${n} delivered, server received ${received}, ${failures.length} failed${failures[0] ? `: ${failures[0]}` : ''}`);
    }
  } finally {
    child.send({ cmd: 'stop' } satisfies ToChild);
  }
}

/** Send messages from..from+count with at most `inflight` outstanding; the failure reasons. */
async function sendAll(email: ReturnType<typeof createEmailTransport>, from: number, count: number, inflight: number): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const r = await email.send(message(from + next++));
      if (!r.ok) failures.push(r.message);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inflight, count) }, worker));
  return failures;
}

/** Send `cmd` (or nothing) to the child and wait for its next message. */
function ask<T extends FromChild>(child: ChildProcess, cmd: ToChild | null): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`SMTP server child exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
    if (cmd) child.send(cmd);
  });
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Zoë', 'José', 'Margaret', 'Tim', 'Håkon'];
const ITEMS = ['Merino wool sweater', 'Trail running shoes', 'Espresso grinder', 'Linen bed sheets', 'Cast-iron skillet', 'Noise-cancelling headphones'];

/** A realistic order-shipped email for recipient i: table layout, inline styles, links, non-ASCII. */
function message(i: number): EmailMessage {
  const name = FIRST[i % FIRST.length]!;
  const order = `A${(100_000 + i * 7919).toString(36).toUpperCase()}`;
  const lines = Array.from({ length: 6 }, (_, k) => ({ item: ITEMS[(i + k) % ITEMS.length]!, qty: 1 + ((i + k) % 3), price: 19 + ((i * 13 + k * 29) % 180) }));
  const total = lines.reduce((s, l) => s + l.qty * l.price, 0);
  const link = (path: string) => `https://shop.acme.test/${path}?utm_source=tenure&amp;utm_medium=email&amp;utm_campaign=order_shipped&amp;cid=${i}`;
  const rows = lines
    .map(
      (l) =>
        `<tr><td style="padding:8px 12px;border-bottom:1px solid #eee;font-family:Helvetica,Arial,sans-serif;font-size:14px;color:#333">${l.item}</td>` +
        `<td style="padding:8px 12px;border-bottom:1px solid #eee;text-align:center;font-family:Helvetica,Arial,sans-serif;font-size:14px">${l.qty}</td>` +
        `<td style="padding:8px 12px;border-bottom:1px solid #eee;text-align:right;font-family:Helvetica,Arial,sans-serif;font-size:14px">€${(l.qty * l.price).toFixed(2)}</td></tr>`,
    )
    .join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Your order ${order} has shipped</title>
<style>@media (max-width:600px){.container{width:100%!important}.hide-mobile{display:none!important}}a{color:#0b5fff}</style></head>
<body style="margin:0;padding:0;background:#f4f5f7">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" class="container" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="padding:24px 32px;background:#0b5fff;color:#fff;font-family:Helvetica,Arial,sans-serif;font-size:22px;font-weight:bold">Acme Store</td></tr>
<tr><td style="padding:32px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:24px;color:#222">
<p style="margin:0 0 16px">Hi ${name},</p>
<p style="margin:0 0 16px">Good news — your order <strong>${order}</strong> is on its way. It left our warehouse this morning and should arrive within 2–3 business days. You can follow the parcel at any time with the tracking link below.</p>
<p style="margin:0 0 24px"><a href="${link(`track/${order}`)}" style="display:inline-block;padding:12px 24px;background:#0b5fff;color:#fff;text-decoration:none;border-radius:4px;font-weight:bold">Track your parcel</a></p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 24px">
<tr><th align="left" style="padding:8px 12px;border-bottom:2px solid #ddd;font-family:Helvetica,Arial,sans-serif;font-size:13px;color:#666;text-transform:uppercase">Item</th><th style="padding:8px 12px;border-bottom:2px solid #ddd;font-family:Helvetica,Arial,sans-serif;font-size:13px;color:#666;text-transform:uppercase">Qty</th><th align="right" style="padding:8px 12px;border-bottom:2px solid #ddd;font-family:Helvetica,Arial,sans-serif;font-size:13px;color:#666;text-transform:uppercase">Price</th></tr>
${rows}
<tr><td colspan="2" style="padding:12px;text-align:right;font-family:Helvetica,Arial,sans-serif;font-size:15px;font-weight:bold">Total</td><td style="padding:12px;text-align:right;font-family:Helvetica,Arial,sans-serif;font-size:15px;font-weight:bold">€${total.toFixed(2)}</td></tr>
</table>
<p style="margin:0 0 16px">Questions about your delivery? Reply to this email or visit our <a href="${link('help/shipping')}">shipping help page</a>. Returns are free within 30 days — start one from <a href="${link(`orders/${order}/return`)}">your order page</a>.</p>
<p style="margin:0">Thanks for shopping with us,<br>The Acme team</p>
</td></tr>
<tr><td class="hide-mobile" style="padding:16px 32px;background:#fafafa;font-family:Helvetica,Arial,sans-serif;font-size:13px;color:#555">
<strong>You might also like:</strong> <a href="${link('p/wool-socks')}">Wool socks</a> · <a href="${link('p/travel-mug')}">Travel mug</a> · <a href="${link('p/rain-jacket')}">Rain jacket</a>
</td></tr>
<tr><td style="padding:24px 32px;font-family:Helvetica,Arial,sans-serif;font-size:12px;line-height:18px;color:#888;border-top:1px solid #eee">
Acme Store GmbH · Hauptstraße 1 · 10115 Berlin · Germany<br>
You receive this email because you placed an order at shop.acme.test. <a href="${link(`u/${i}`)}" style="color:#888">Unsubscribe</a> from marketing emails · <a href="${link('privacy')}" style="color:#888">Privacy policy</a>
</td></tr></table></td></tr></table></body></html>`;
  const text = `Hi ${name},

Good news — your order ${order} is on its way. It left our warehouse this morning and should arrive within 2–3 business days.

Track your parcel: https://shop.acme.test/track/${order}?utm_source=tenure&utm_medium=email&utm_campaign=order_shipped&cid=${i}

${lines.map((l) => `  ${l.item.padEnd(30)} ${String(l.qty).padStart(3)}  €${(l.qty * l.price).toFixed(2)}`).join('\n')}
  ${'Total'.padEnd(30)}      €${total.toFixed(2)}

Questions about your delivery? Reply to this email or visit https://shop.acme.test/help/shipping
Returns are free within 30 days — start one from https://shop.acme.test/orders/${order}/return

Thanks for shopping with us,
The Acme team

--
Acme Store GmbH · Hauptstraße 1 · 10115 Berlin · Germany
Unsubscribe from marketing emails: https://shop.acme.test/u/${i}
`;
  return {
    to: `${name.toLowerCase()}.${i}@example.test`,
    subject: `Your order ${order} has shipped 📦`,
    html,
    text,
    headers: { 'List-Unsubscribe': `<https://shop.acme.test/u/${i}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    messageId: `bench:order_shipped:${i}`,
  };
}

// Last, so the constants above are initialised before anything runs.
if (values.serve) await serve();
else await run();
