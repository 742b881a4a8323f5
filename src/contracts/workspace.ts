import { z } from 'zod';

/** The workspace an admin key belongs to (what the dashboard's sign-in checks and its switcher lists). */
export const WorkspaceView = z.object({
  id: z.number().int(),
  slug: z.string(),
  name: z.string(),
  timezone: z.string().describe('IANA timezone: days, periods and local dates are cut in it'),
});
export type WorkspaceView = z.infer<typeof WorkspaceView>;
