import type { z } from 'zod';
import type { JourneyDefinition, JourneyView as JourneyViewSchema } from '../../../contracts/journey.js';
import type { MessageView as MessageViewSchema, TemplatePreview as TemplatePreviewSchema, TemplateView as TemplateViewSchema } from '../../../contracts/messaging.js';

/** Wire shapes of the journeys, templates and messages API, as the dashboard reads them. */

export type JourneyView = Omit<z.infer<typeof JourneyViewSchema>, 'definition'> & { definition: JourneyDefinition };
export type TemplateView = z.infer<typeof TemplateViewSchema>;
export type TemplatePreview = z.infer<typeof TemplatePreviewSchema>;
export type MessageView = z.infer<typeof MessageViewSchema>;
export type MessageDetail = MessageView & { html: string | null; text: string | null };

/** GET /api/journeys/:id/stats. */
export interface JourneyStats {
  entered: number;
  active: number;
  converted: number;
  completed: number;
  exited: number;
  failed: number;
  activeByStep: Record<string, number>;
  endedByReason: Record<string, number>;
  messages: Record<string, Record<string, number>>;
  skippedByReason: Record<string, number>;
  variants: Array<{ variant: string; entered: number; converted: number; rate: number | null; liftVsHoldout: number | null; pValue: number | null }>;
}

/** Badge tones of journey and message statuses. */
export const STATUS_TONE: Record<string, 'neutral' | 'good' | 'bad' | 'warn' | 'info' | 'accent'> = {
  draft: 'neutral',
  live: 'good',
  paused: 'warn',
  archived: 'neutral',
  queued: 'info',
  sending: 'info',
  sent: 'good',
  delivered: 'good',
  failed: 'bad',
  bounced: 'bad',
  skipped: 'warn',
};
