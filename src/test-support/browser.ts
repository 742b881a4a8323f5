import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Db } from '../server/db/client.js';
import type { Wiring } from '../server/roles/wiring.js';
import { seedDemo } from '../server/demo/demo.js';
import { DASHBOARD_DIR } from '../server/http/dashboard.js';
import { existsSync } from 'node:fs';
import { dbTargets, makeWorkspace, startServer } from './harness.js';

/** Where browser tests leave their screenshots (git-ignored). */
export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots');

/** Debian's Chromium, as the machine has it; CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep headless Chromium off the (closed) network and quiet. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/**
 * Why browser tests cannot run here, or null when they can. With REQUIRE_BROWSER=1 (CI sets
 * it) a missing browser or build is an error, never a silent skip.
 */
export function browserUnavailable(): string | null {
  const why = missing();
  if (why && process.env.REQUIRE_BROWSER === '1') throw new Error(`browser tests are required (REQUIRE_BROWSER=1) but ${why}`);
  return why;
}

function missing(): string | null {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  const dir = process.env.TEST_DASHBOARD_DIR ?? DASHBOARD_DIR;
  if (!existsSync(join(dir, 'index.html'))) return `the dashboard is not built in ${dir} (npm run build:dashboard)`;
  return null;
}

export interface DashboardEnv {
  url: string;
  adminKey: string;
  writeKey: string;
  workspaceId: number;
  db: Db;
  /** The server's background parts (workers), for steps that wait for them (e.g. `wiring.loyalty?.drainNow()`). */
  wiring: Wiring;
  /** Admin API GET/POST with the workspace's key, JSON in and out; throws on non-2xx. */
  api<T = any>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  close(): Promise<void>;
}

/**
 * A real server with demo data: PostgreSQL when TEST_DATABASE_URL is set (faster to seed),
 * PGlite otherwise. The demo ends now, so "the last 30 days" has data.
 */
export async function startDashboardServer(opts: { customers?: number } = {}): Promise<DashboardEnv> {
  const targets = dbTargets();
  const target = targets.find((t) => t.name === 'postgres') ?? targets[0]!;
  const db = await target.open();
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    ws = await makeWorkspace(db, 'default');
    // No demo loyalty programme: the loyalty steps configure one from nothing, as a new user would.
    await seedDemo(db, ws.workspace.id, { customers: opts.customers ?? 600, seed: 11, loyalty: false });
    server = await startServer(db, { dashboardDir: process.env.TEST_DASHBOARD_DIR });
  } catch (err) {
    // An open pool would keep the test process alive after the failure.
    await db.close();
    throw err;
  }
  const api = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
    const res = await fetch(server.url + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${ws.adminKey}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  return {
    url: server.url,
    adminKey: ws.adminKey,
    writeKey: ws.writeKey,
    workspaceId: ws.workspace.id,
    db,
    wiring: server.app.wiring,
    api,
    close: async () => {
      await server.close();
      await db.close();
    },
  };
}

/** What went wrong in the page: console errors, uncaught exceptions, failed API calls. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  /** Save a full-page screenshot as test-output/screenshots/NAME.png. */
  shot(name: string, page?: Page): Promise<string>;
  /**
   * Run `fn`, during which 4xx answers are expected (a refused input the page shows in words):
   * the console's "status of 4xx" lines go to the returned list instead of the problems.
   */
  expecting4xx(fn: () => Promise<void>): Promise<string[]>;
  close(): Promise<void>;
}

/** Headless Chromium at 1280×800, recording every console error and failed request. */
export async function openBrowser(viewport = { width: 1280, height: 800 }): Promise<BrowserSession> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [] };
  let expected: string[] | null = null;
  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() !== 'error') return;
      const line = `${p.url()}: ${m.text()}`;
      if (expected && /status of 4\d\d\b/.test(m.text())) expected.push(line);
      else problems.consoleErrors.push(line);
    });
    p.on('pageerror', (e) => problems.pageErrors.push(`${p.url()}: ${e.message}`));
    p.on('response', (r) => {
      if (r.status() >= 500) problems.failedRequests.push(`${r.request().method()} ${r.url()} → ${r.status()}`);
    });
  };
  context.on('page', watch);
  const page = await context.newPage();
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    context,
    page,
    problems,
    shot: async (name, p = page) => {
      const path = join(SCREENSHOTS, `${name}.png`);
      await p.screenshot({ path, fullPage: true });
      return path;
    },
    expecting4xx: async (fn) => {
      const seen: string[] = [];
      expected = seen;
      try {
        await fn();
        // Console messages arrive a moment after the response.
        await page.waitForTimeout(100);
      } finally {
        expected = null;
      }
      return seen;
    },
    close: () => browser.close(),
  };
}

/** Sign in with a workspace's admin key through the form ("Sign in with an API key"), as a person would. */
export async function signIn(page: Page, url: string, adminKey: string): Promise<void> {
  await page.goto(url + '/');
  await useApiKeyForm(page);
  await page.getByLabel('Admin key').fill(adminKey);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** On the sign-in page, switch from email and password to the admin key form. */
export async function useApiKeyForm(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign in with an API key' }).click();
  await page.getByLabel('Admin key').waitFor();
}

/** Sign in with email and password through the form; the page lands in the dashboard. */
export async function signInWithPassword(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(url + '/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}
