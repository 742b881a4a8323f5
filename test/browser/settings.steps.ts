import type { BrowserStep } from './steps.js';

/** Browser steps for the settings pages. */
export const settingsSteps: BrowserStep[] = [];
