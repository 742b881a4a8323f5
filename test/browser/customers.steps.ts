import type { BrowserStep } from './steps.js';

/** Browser steps for the customers pages. */
export const customersSteps: BrowserStep[] = [];
