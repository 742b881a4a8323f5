import type { BrowserStep } from './steps.js';

/** Browser steps for the journeys pages. */
export const journeysSteps: BrowserStep[] = [];
