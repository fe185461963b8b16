import { caseRefOf } from '@beacon/alerting-domain';
import { totp } from '@beacon/security';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { criticalReport, type ConsoleStack, startConsoleStack } from './console-browser-stack';
import { type Account, createAccount, getJson, login } from './security-accounts';
import { postReport } from './security-stack';

const CHROMIUM = '/usr/bin/chromium';
const artifacts = path.resolve(__dirname, '../../tmp/artifacts/console');
const catalogue = (locale: string) =>
  JSON.parse(
    readFileSync(
      path.resolve(__dirname, `../../services/ops-console/src/web/public/i18n/${locale}.json`),
      'utf8',
    ),
  ) as Record<string, string>;

const PERSON_NAME = 'Rustam Karimov';

/** Signs in through the page: password, then the authenticator code when the role needs one. */
async function signIn(page: Page, account: Account): Promise<void> {
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (account.totpSecret) {
    const code = page.getByLabel('Code from your authenticator app');
    await code.waitFor();
    await code.fill(totp(account.totpSecret, Math.floor(Date.now() / 1000)));
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await page.getByRole('heading', { name: 'Open alerts' }).waitFor();
}

/** The seconds a countdown shows ("14:05" → 845). */
const secondsOf = (text: string) => {
  const [m, s] = text.trim().split(':').map(Number);
  return (m ?? 0) * 60 + (s ?? 0);
};

describe('ops console in a browser', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let officer: Account;
  let ops: Account;
  let context: BrowserContext;
  let page: Page;
  let loads = 0;
  const pageErrors: string[] = [];
  let caseId = '';
  let caseRef = '';

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    stack = await startConsoleStack('console_browser');
    const suffix = randomBytes(3).toString('hex');
    officer = createAccount(stack.consoleEnv, `officer-${suffix}`, 'officer', { regions: ['almaty'] });
    ops = createAccount(stack.consoleEnv, `ops-${suffix}`, 'ops', { regions: ['*'] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    page = await context.newPage();
    page.on('load', () => (loads += 1));
    // A blocked inline script or style (content security policy) shows up as a console error;
    // the 403 of a section the officer may not see is expected (the page then hides it).
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 403/.test(m.text())) pageErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('serves the page with a policy that allows no inline script', async () => {
    const response = await page.goto(`${stack.console.baseUrl}/`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${stack.console.baseUrl}/console`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await page.locator('script:not([src])').count()).toBe(0);
  });

  it('signs an officer in with password and authenticator code', async () => {
    await signIn(page, officer);
    await page.getByRole('status').filter({ hasText: 'Live updates on' }).waitFor();
    await page.getByText('No open alerts.').waitFor();
    // Officers are refused pipeline health by the API, so the page does not offer it.
    await page.getByRole('heading', { name: 'Pipeline health' }).waitFor({ state: 'hidden' });
    await page.screenshot({ path: path.join(artifacts, '01-officer-signed-in.png'), fullPage: true });
  });

  it('shows a new critical alert live, with its countdown and who was paged', async () => {
    const answer = await postReport(stack, criticalReport('almaty', PERSON_NAME));
    caseId = answer.cases[0]?.caseId ?? '';
    caseRef = caseRefOf(caseId);
    const card = page.locator(`[data-case-ref="${caseRef}"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(loads).toBe(1);
    expect(await card.locator('.badge').textContent()).toBe('Critical');
    expect(await card.textContent()).toContain('almaty');
    // The live region tells screen-reader users about it.
    expect(await page.locator('#announcer').textContent()).toContain(`New Critical alert ${caseRef}`);
    const countdown = card.locator('.countdown time');
    await countdown.waitFor();
    const first = secondsOf(await countdown.textContent() ?? '');
    expect(first).toBeGreaterThan(10 * 60);
    expect(first).toBeLessThanOrEqual(15 * 60);
    await page.waitForTimeout(3_200);
    const second = secondsOf(await countdown.textContent() ?? '');
    // Ticks once a second: 3.2 s later it shows 2 to 4 seconds less.
    expect(first - second).toBeGreaterThanOrEqual(2);
    expect(first - second).toBeLessThanOrEqual(4);
    // The on-call officer of Almaty is paged by e-mail (the dispatcher's own record).
    await card.getByText(/by e-mail/).first().waitFor({ timeout: 15_000 });
    expect(await card.locator('.pages li').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^po-almaty-\d by e-mail: (sent|pending)$/)]),
    );
    await page.screenshot({ path: path.join(artifacts, '02-critical-alert-live.png'), fullPage: true });
  });

  it('acknowledges from the keyboard, stops the countdown and records it on the timeline', async () => {
    const card = page.locator(`[data-case-ref="${caseRef}"]`);
    const button = card.getByRole('button', { name: `Acknowledge alert ${caseRef}` });
    await button.focus();
    await page.keyboard.press('Enter');
    await card.locator('.acked').waitFor();
    expect(await card.locator('.acked').textContent()).toMatch(/^Acknowledged by you at .+ \(console\), after \d\d:\d\d$/);
    expect(await card.locator('.countdown').count()).toBe(0);
    expect(await card.getByRole('button', { name: /Acknowledge/ }).count()).toBe(0);
    const stopped = await card.locator('.acked').textContent();
    await page.waitForTimeout(1_500);
    expect(await card.locator('.acked').textContent()).toBe(stopped);

    await card.getByRole('button', { name: `Show the timeline of ${caseRef}` }).click();
    await page.getByRole('heading', { name: `Timeline of ${caseRef}` }).waitFor();
    // The projector records the acknowledgement from the topic; the page follows without a reload.
    await page.locator('#timeline-list li[data-event="alert-acknowledged"]').waitFor({ timeout: 30_000 });
    const names = await Promise.all(
      (await page.locator('#timeline-list li').all()).map((li) => li.getAttribute('data-event')),
    );
    expect(names).toEqual(expect.arrayContaining(['detention-reported', 'alert-raised', 'alert-acknowledged']));
    expect(loads).toBe(1);
    await page.screenshot({ path: path.join(artifacts, '03-acknowledged-timeline.png'), fullPage: true });
  });

  it('filters cases by region, urgency and custody', async () => {
    await page.getByLabel('Urgency').selectOption('critical');
    await page.getByLabel('Custody').selectOption('detained');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator(`#case-list [data-case-id="${caseId}"]`).waitFor();
    await page.getByLabel('Custody').selectOption('released');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No cases match.').waitFor();
    await page.getByLabel('Custody').selectOption('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator(`#case-list [data-case-id="${caseId}"]`).waitFor();
  });

  it('shows time to acknowledge for the region', async () => {
    const row = page.locator('#regions-body tr[data-region="almaty"]');
    await row.waitFor({ timeout: 30_000 });
    // Refreshed every 15 s; the acknowledgement is there by the next refresh at the latest.
    await page.waitForFunction(
      // Evaluated in the page (a string, since the tests are type-checked without the DOM library).
      `document.querySelector('#regions-body tr[data-region="almaty"] td:nth-of-type(2)')?.textContent === '1'`,
      undefined,
      { timeout: 30_000 },
    );
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('1');
    expect(cells[3]).toMatch(/^\d+ (s|min \d+ s)$/);
  });

  it('speaks Russian from its catalogue, and keeps working at phone size', async () => {
    const ru = catalogue('ru');
    await page.getByLabel('Language').selectOption('ru');
    await page.getByRole('heading', { name: ru['alerts.title'] }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    expect(await page.getByRole('heading', { level: 2, name: ru['regions.title'] }).isVisible()).toBe(true);
    expect(await page.locator(`[data-case-ref="${caseRef}"] .acked`).textContent()).toContain('Принял(а) вы');
    await page.screenshot({ path: path.join(artifacts, '04-russian.png'), fullPage: true });

    await page.setViewportSize({ width: 375, height: 812 });
    const card = page.locator(`[data-case-ref="${caseRef}"]`);
    const box = await card.boundingBox();
    expect(box?.width).toBeLessThanOrEqual(375);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(artifacts, '05-phone-375.png'), fullPage: true });
    await page.getByLabel('Язык').selectOption('en');
    expect(pageErrors).toEqual([]);
  });

  it('shows ops the alerts and pipeline health but no case or personal data', async () => {
    const opsContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const opsPage = await opsContext.newPage();
    await opsPage.goto(`${stack.console.baseUrl}/console`);
    await signIn(opsPage, ops);
    await opsPage.locator(`[data-case-ref="${caseRef}"]`).waitFor();
    await opsPage.getByRole('heading', { name: 'Pipeline health' }).waitFor();
    await opsPage.locator('#outbox-body tr[data-service="intake-api"]').waitFor();
    await opsPage.locator('#lag-body tr').first().waitFor({ timeout: 20_000 });
    expect(await opsPage.locator('#pipeline-kafka').isVisible()).toBe(false);
    expect(await opsPage.locator('#deliveries-body tr[data-channel="email"]').count()).toBe(1);
    await opsPage.getByRole('heading', { name: 'Cases', exact: true }).waitFor({ state: 'hidden' });
    expect(await opsPage.getByRole('button', { name: /Acknowledge/ }).count()).toBe(0);
    await opsPage.screenshot({ path: path.join(artifacts, '06-ops.png'), fullPage: true });

    // The server refuses what the page hides, and nothing personal reached the page.
    const session = await login(stack.console.baseUrl, ops);
    const cases = await getJson(`${stack.console.baseUrl}/v1/cases`, session.accessToken);
    expect(cases.status).toBe(403);
    const text = (await opsPage.locator('body').textContent()) ?? '';
    expect(text).not.toContain(PERSON_NAME);
    expect(text).not.toContain(caseId);
    expect(text).not.toMatch(/\bp_[A-Za-z0-9_-]{6,}/);
    await opsContext.close();
  });
});
