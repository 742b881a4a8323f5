import { z } from 'zod';

/**
 * The in-app inbox's identity verification, as the admin API shows it. The secret is shown
 * to admins so they can configure their backend, which signs each userId with it
 * (HMAC-SHA256, hex) for the page to pass to GET /v1/inbox.
 */
export const InboxSettingsView = z.object({
  verification: z.boolean().describe('Whether GET /v1/inbox and its read/dismiss need a signed userId (X-Tenure-User-Hash or userHash)'),
  secret: z.string().describe("The workspace's inbox secret: keep it on your backend, never in the page"),
});
export type InboxSettingsView = z.infer<typeof InboxSettingsView>;

/** Switch identity verification on or off (off is for development only: anyone with the write key can then read any inbox). */
export const InboxSettingsPatch = z.strictObject({
  verification: z.boolean().describe('true: the inbox needs the signed userId; false: the write key and a userId or anonymousId are enough'),
});
export type InboxSettingsPatch = z.infer<typeof InboxSettingsPatch>;
