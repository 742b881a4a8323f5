import type { BrowserStep } from './steps.js';

/** Browser steps for the analytics pages. */
export const analyticsSteps: BrowserStep[] = [];
