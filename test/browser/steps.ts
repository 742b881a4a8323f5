import type { Page } from 'playwright-core';
import type { BrowserSession, DashboardEnv } from '../../src/test-support/browser.js';

/** What a browser step gets: the signed-in page (1280×800), the server with demo data, screenshots. */
export interface StepContext {
  env: DashboardEnv;
  b: BrowserSession;
  page: Page;
  /** Go to a dashboard path in the signed-in tab (client-side, like clicking a link, via a full load). */
  open(path: string): Promise<void>;
  /** Screenshot at 1280×800 as NAME.png and at phone width (390×844) as NAME-phone.png; the viewport is restored. */
  shots(name: string): Promise<void>;
}

/** One `it` of the dashboard browser test; each area of the dashboard exports a list of them. */
export interface BrowserStep {
  name: string;
  run(ctx: StepContext): Promise<void>;
}
