import assert from 'node:assert/strict';
import { startSmtpSink } from '../../src/test-support/smtp-sink.js';
import type { BrowserStep } from './steps.js';

/**
 * Browser steps for connecting a provider in Settings: SMTP pointed at a real SMTP server
 * (smtp-server, login required) started here, a test send that arrives there, and the
 * Outbox banner that goes away once email can be sent (and comes back on disconnect).
 */

const PASSWORD = 'browser-Step-pw-5521';

interface Providers {
  providers: Array<{ channel: string; connected: boolean; sends: boolean; secretSet: boolean; settings: Record<string, unknown> | null }>;
}

export const providersSteps: BrowserStep[] = [
  {
    name: 'connects SMTP in Settings, sends a test that arrives at a real SMTP server, and the Outbox banner goes away',
    async run({ page, open, shots, env, b }) {
      const sink = await startSmtpSink({ auth: { user: 'mailer', pass: PASSWORD } });
      const port = new URL(sink.url).port;
      const banner = page.getByRole('note', { name: 'No email provider' });
      /** Open a page and wait for its provider status to arrive, so an absent banner means something. */
      const openWithProviders = async (path: string) => {
        const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/providers' && r.ok());
        await open(path);
        await answered;
        await page.waitForTimeout(150);
      };
      try {
        const before = await env.api<Providers>('/api/providers');
        assert.equal(before.providers.find((p) => p.channel === 'email')!.sends, false, 'the test server starts without an email provider');

        await openWithProviders('/outbox');
        await banner.waitFor();
        assert.match(await banner.innerText(), /^Messages are kept in the outbox: no email provider is connected\. Connect one in Settings\.$/);
        await banner.getByRole('link', { name: 'Connect one in Settings.' }).click();
        await page.waitForURL((u) => u.pathname === '/settings' && u.searchParams.get('tab') === 'messaging');

        const form = page.getByRole('form', { name: 'Email (SMTP) provider' });
        await form.waitFor();
        await form.getByLabel('SMTP host', { exact: true }).fill('127.0.0.1');
        await form.getByLabel('Security', { exact: true }).selectOption('none');
        await form.getByLabel('User name', { exact: true }).fill('mailer');
        await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await form.getByLabel('From', { exact: true }).fill('Brewline <hello@brewline.test>');

        // A port out of range: the server's words under the field, nothing saved.
        await form.getByLabel('Port', { exact: true }).fill('99999');
        const refused = await b.expecting4xx(async () => {
          await form.getByRole('button', { name: 'Save email provider' }).click();
          await form.getByRole('alert').filter({ hasText: 'a port number from 1 to 65535' }).waitFor();
        });
        assert.equal(refused.length, 1, 'one refused save');
        assert.equal((await env.api<Providers>('/api/providers')).providers[0]!.connected, false);

        await form.getByLabel('Port', { exact: true }).fill(port);
        await form.getByRole('button', { name: 'Save email provider' }).click();
        await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
        const password = form.getByLabel('Password', { exact: true });
        assert.equal(await password.inputValue(), '', 'the password is not shown again');
        assert.equal(await password.getAttribute('placeholder'), 'saved — leave blank to keep');
        await form.getByText('connected', { exact: true }).waitFor();
        const after = await env.api<Providers>('/api/providers');
        const email = after.providers.find((p) => p.channel === 'email')!;
        assert.deepEqual(
          [email.connected, email.sends, email.secretSet, email.settings],
          [true, true, true, { host: '127.0.0.1', port: Number(port), security: 'none', username: 'mailer', from: 'Brewline <hello@brewline.test>' }],
        );
        assert.ok(!JSON.stringify(after).includes(PASSWORD), 'the API never returns the password');

        // Send test: the message arrives at the SMTP server, and the page says so.
        await form.getByLabel('Send a test to (email)', { exact: true }).fill('owner@brewline.test');
        await form.getByRole('button', { name: 'Send test' }).click();
        await form
          .getByRole('status')
          .filter({ hasText: `Sent to owner@brewline.test through 127.0.0.1:${port}` })
          .waitFor({ timeout: 20_000 });
        assert.equal(sink.mails.length, 1);
        assert.deepEqual([sink.mails[0]!.to, sink.mails[0]!.from, sink.mails[0]!.subject], [['owner@brewline.test'], 'hello@brewline.test', 'Tenure test message']);
        const row = page.getByRole('table', { name: 'Channels' }).locator('tr[data-channel="email"]');
        await page.getByRole('table', { name: 'Channels' }).locator('tr[data-channel="email"][data-transport="smtp"]').waitFor();
        assert.match(await row.innerText(), /sends/);
        await shots('settings-providers');

        // The Outbox and the journeys list no longer say messages are kept.
        await openWithProviders('/outbox');
        assert.equal(await banner.count(), 0, 'no banner on the Outbox once email is connected');
        await openWithProviders('/journeys');
        assert.equal(await banner.count(), 0, 'no banner on the journeys list');

        // Disconnect: the banner is back.
        await open('/settings?tab=messaging');
        await form.getByRole('button', { name: 'Disconnect' }).click();
        await form.getByRole('status').filter({ hasText: 'Disconnected.' }).waitFor();
        assert.equal((await env.api<Providers>('/api/providers')).providers[0]!.connected, false);
        await openWithProviders('/outbox');
        await banner.waitFor();
      } finally {
        await sink.close();
      }
    },
  },
];
