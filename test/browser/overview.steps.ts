import type { BrowserStep } from './steps.js';

/** Browser steps for the overview pages. */
export const overviewSteps: BrowserStep[] = [];
