import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Write an events CSV of about `bytes`: 20,000 customers, half of their first events anonymous. */
export async function generate(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  const names = ['Product Viewed', 'Product Added', 'Order Completed', 'Signed Up', 'Email Opened'];
  let written = 0;
  let rows = 0;
  const write = async (line: string) => {
    written += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  };
  await write('event,user_id,anonymous_id,timestamp,properties.revenue:number,properties.sku,context.campaign.source\n');
  const t0 = Date.UTC(2024, 0, 1);
  while (written < bytes) {
    const c = rows % 20_000;
    const anonymous = rows < 20_000 && c % 2 === 0;
    const name = names[rows % names.length]!;
    const ts = new Date(t0 + rows * 7_000).toISOString();
    const revenue = name === 'Order Completed' ? ((rows % 97) + 0.99).toFixed(2) : '';
    await write(`${name},${anonymous ? '' : `user-${c}`},anon-${c},${ts},${revenue},SKU-${rows % 500},${rows % 3 === 0 ? 'newsletter' : ''}\n`);
    rows++;
  }
  out.end();
  await once(out, 'finish');
  return rows;
}
