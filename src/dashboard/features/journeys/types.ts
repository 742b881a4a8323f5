import type { z } from 'zod';
import type { JourneyDefinition, JourneyView as JourneyViewSchema } from '../../../contracts/journey.js';
export type { JourneyStats } from '../../../contracts/journey.js';
import type { MessageView as MessageViewSchema, TemplatePreview as TemplatePreviewSchema, TemplateView as TemplateViewSchema } from '../../../contracts/messaging.js';

/** Wire shapes of the journeys, templates and messages API, as the dashboard reads them. */

export type JourneyView = Omit<z.infer<typeof JourneyViewSchema>, 'definition'> & { definition: JourneyDefinition };
export type TemplateView = z.infer<typeof TemplateViewSchema>;
export type TemplatePreview = z.infer<typeof TemplatePreviewSchema>;
export type MessageView = z.infer<typeof MessageViewSchema>;
export type MessageDetail = MessageView & { html: string | null; text: string | null };

/** Badge tones of journey and message statuses. */
export const STATUS_TONE: Record<string, 'neutral' | 'good' | 'bad' | 'warn' | 'info' | 'accent'> = {
  draft: 'neutral',
  live: 'good',
  paused: 'warn',
  archived: 'neutral',
  queued: 'info',
  sending: 'info',
  sent: 'good',
  outboxed: 'neutral',
  delivered: 'good',
  failed: 'bad',
  bounced: 'bad',
  skipped: 'warn',
};
