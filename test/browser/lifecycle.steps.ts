import type { BrowserStep } from './steps.js';

/** Browser steps for the lifecycle pages. */
export const lifecycleSteps: BrowserStep[] = [];
