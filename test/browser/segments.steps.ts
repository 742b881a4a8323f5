import type { BrowserStep } from './steps.js';

/** Browser steps for the segments pages. */
export const segmentsSteps: BrowserStep[] = [];
