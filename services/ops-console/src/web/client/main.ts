import {
  CATALOGUED,
  type Catalogue,
  caseRefOf,
  clock,
  compareAlerts,
  duration,
  LOCALES,
  pickLocale,
  translate,
} from './format.js';
import { LiveStream, type LiveState } from './live-stream.js';
import { ApiError, Session } from './session.js';
import { type SseMessage } from './sse-parser.js';

// ---- types of what the console API answers (only what the page reads) ----

interface AlertPage {
  recipientId: string;
  channel: string;
  tier: number;
  kind: string;
  status: string;
  sentAt: string | null;
  deliveredAt: string | null;
}

interface Alert {
  alertId: string;
  caseId: string;
  caseRef: string;
  region: string | null;
  urgency: string;
  status: string;
  tier: number;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedVia: string | null;
  deadlineAt?: string | null;
  pages?: AlertPage[];
}

interface CaseSummary {
  caseId: string;
  region: string | null;
  urgency?: string;
  urgencyReasons?: string[];
  state: { custody?: string; locationStatus?: string; access?: string; removalRisk?: string; closed?: boolean };
  updatedAt?: string;
  eventCount?: number;
}

interface TimelineItem {
  eventId: string;
  name: string;
  occurredAt: string;
  recordedAt: string;
  summary: string;
}

interface RegionTimes {
  region: string;
  alerts: number;
  acknowledged: number;
  openUnacknowledged: number;
  timeToAcknowledge: { p50: number | null; p90: number | null };
  actedOn: number;
  timeToFirstAction: { p50: number | null; p90: number | null };
}

interface Pipeline {
  kafka: { configured: boolean; reachable: boolean | null };
  outboxes: { service: string; pending: number; oldestAgeSeconds: number | null }[];
  lag: { service: string; consumer: string; lag: number; updatedAt: string | null }[] | null;
  deadLetters: { topic: string | null; count: number } | null;
  deliveries: { windowHours: number; channels: { channel: string; sent: number; failed: number; failureRate: number | null }[] };
}

type SectionName = 'alerts' | 'cases' | 'regions' | 'pipeline';

// ---- small DOM helpers (text only: nothing from the API is ever parsed as HTML) ----

function $(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  return element;
}

type Child = Node | string | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

// ---- messages ----

const catalogues = new Map<string, Catalogue>();
let locale: string = pickLocale([localStorage.getItem('beacon.locale') ?? '', ...navigator.languages]);

async function loadCatalogue(name: string): Promise<Catalogue> {
  const cached = catalogues.get(name);
  if (cached) return cached;
  const response = await fetch(`/console/i18n/${name}.json`);
  const catalogue = response.ok ? ((await response.json()) as Catalogue) : {};
  catalogues.set(name, catalogue);
  return catalogue;
}

function t(key: string, params: Record<string, string | number> = {}): string {
  return translate(catalogues.get(locale) ?? null, catalogues.get('en') ?? {}, key, params);
}

const timeFormat = () => new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = () => new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
const time = (iso: string) => timeFormat().format(new Date(iso));

async function setLocale(next: string): Promise<void> {
  locale = (LOCALES as readonly string[]).includes(next) ? next : 'en';
  localStorage.setItem('beacon.locale', locale);
  await loadCatalogue('en');
  if (CATALOGUED.includes(locale)) await loadCatalogue(locale);
  document.documentElement.lang = CATALOGUED.includes(locale) ? locale : 'en';
  (document.getElementById('locale') as HTMLSelectElement).value = locale;
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n ?? '');
  }
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    const [attribute, key] = (element.dataset.i18nAttr ?? '').split(':');
    if (attribute && key) element.setAttribute(attribute, t(key));
  }
  document.title = t('app.title');
  renderAll();
}

// ---- state ----

const alerts = new Map<string, Alert>();
let cases: CaseSummary[] = [];
let timelineCase: { caseId: string; caseRef: string } | null = null;
const hiddenSections = new Set<SectionName>();
let liveState: LiveState = 'connecting';
let periodic: number | undefined;

const session = new Session(
  () => live.restart(),
  () => signedOut(t('auth.expired')),
);
const live = new LiveStream(() => session.token, onLiveMessage, (state) => {
  liveState = state;
  renderLiveState();
});

function announce(text: string): void {
  const region = $('announcer');
  region.append(h('p', {}, text));
  // Keep the live region short; screen readers have already read what was added.
  while (region.childElementCount > 5) region.firstElementChild?.remove();
}

function showError(id: string, error: unknown): void {
  const element = $(id);
  element.textContent = t('common.error', { detail: error instanceof ApiError ? error.detail : String(error) });
  element.hidden = false;
}

/** The API refused this section to this user (403): the page does not offer it. */
function refuse(section: SectionName): void {
  hiddenSections.add(section);
  $(section).hidden = true;
  $(`nav-${section}`).hidden = true;
}

async function guarded(section: SectionName, load: () => Promise<void>): Promise<void> {
  if (hiddenSections.has(section)) return;
  try {
    await load();
    $(`${section}-error`).hidden = true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) refuse(section);
    else showError(`${section}-error`, error);
  }
}

// ---- alerts ----

const mayAcknowledge = () => ['officer', 'legal-aid'].includes(session.principal?.role ?? '');

async function loadAlerts(): Promise<void> {
  await guarded('alerts', async () => {
    const answer = await session.api<{ alerts: Alert[] }>('/v1/alerts?status=open&limit=200');
    alerts.clear();
    for (const alert of answer.alerts) alerts.set(alert.alertId, alert);
    renderAlerts();
  });
}

function whoAcknowledged(alert: Alert): string {
  const by = alert.acknowledgedBy ?? '';
  if (session.principal && by === `user:${session.principal.userId}`) return t('alerts.you');
  return by.replace(/^user:/, '');
}

function latestPages(pages: readonly AlertPage[]): AlertPage[] {
  const byRoute = new Map<string, AlertPage>();
  for (const page of pages) byRoute.set(`${page.recipientId}\u0000${page.channel}\u0000${page.tier}`, page);
  return [...byRoute.values()];
}

function alertCard(alert: Alert): HTMLLIElement {
  const titleId = `alert-${alert.alertId}-title`;
  const deadline = alert.deadlineAt ?? null;
  const acked = alert.acknowledgedAt !== null;
  const status = acked
    ? h(
        'p',
        { class: 'acked' },
        t('alerts.acknowledgedBy', {
          who: whoAcknowledged(alert),
          time: time(alert.acknowledgedAt ?? alert.raisedAt),
          via: alert.acknowledgedVia ?? '',
          after: clock(Date.parse(alert.acknowledgedAt ?? alert.raisedAt) - Date.parse(alert.raisedAt)),
        }),
      )
    : deadline
      ? h(
          'p',
          { class: 'countdown', 'data-deadline': deadline },
          h('span', { class: 'countdown-label' }),
          ' ',
          h('time', { datetime: deadline }),
        )
      : h('p', { class: 'note' }, t('alerts.noDeadline'));
  const pages = latestPages(alert.pages ?? []);
  const actions = h('div', { class: 'actions' });
  if (!acked && mayAcknowledge()) {
    const button = h(
      'button',
      { type: 'button', class: 'ack', 'aria-label': t('alerts.acknowledgeLabel', { caseRef: alert.caseRef }) },
      t('alerts.acknowledge'),
    );
    button.addEventListener('click', () => void acknowledge(alert, button));
    actions.append(button);
  }
  if (!hiddenSections.has('cases') && session.principal?.role !== 'ops') {
    const button = h(
      'button',
      { type: 'button', 'aria-label': t('alerts.showTimelineLabel', { caseRef: alert.caseRef }) },
      t('alerts.showTimeline'),
    );
    button.addEventListener('click', () => void openTimeline(alert.caseId, alert.caseRef));
    actions.append(button);
  }
  const card = h(
    'li',
    {
      class: `card urgency-${alert.urgency}${acked ? ' acknowledged' : ''}`,
      'data-alert-id': alert.alertId,
      'data-case-ref': alert.caseRef,
    },
    h(
      'article',
      { 'aria-labelledby': titleId },
      h(
        'h3',
        { id: titleId, tabindex: '-1' },
        h('span', { class: `badge ${alert.urgency}` }, t(`urgency.${alert.urgency}`)),
        h('span', {}, alert.caseRef),
        h('span', { class: 'note' }, alert.region ?? ''),
      ),
      h('p', {}, `${t('alerts.raised', { time: time(alert.raisedAt) })} · ${t('alerts.tier', { tier: alert.tier })}`),
      status,
      h(
        'div',
        { class: 'pages' },
        h('strong', {}, `${t('alerts.pages')}:`),
        pages.length === 0
          ? h('span', {}, ` ${t('alerts.noPages')}`)
          : h(
              'ul',
              {},
              ...pages.map((p) =>
                h(
                  'li',
                  {},
                  t('alerts.page', {
                    recipient: p.recipientId,
                    channel: t(`channel.${p.channel}`),
                    status: t(`page.${p.deliveredAt ? 'delivered' : p.status}`),
                  }),
                ),
              ),
            ),
      ),
      actions,
    ),
  );
  return card;
}

function renderAlerts(): void {
  const list = $('alert-list');
  const focusedId = (document.activeElement?.closest('[data-alert-id]') as HTMLElement | null)?.dataset.alertId;
  const sorted = [...alerts.values()].sort(compareAlerts);
  list.replaceChildren(...sorted.map(alertCard));
  $('alerts-empty').hidden = sorted.length > 0;
  // Keep keyboard users where they were: on the same alert's heading after a redraw.
  if (focusedId) list.querySelector<HTMLElement>(`[data-alert-id="${CSS.escape(focusedId)}"] h3`)?.focus();
  tickCountdowns();
}

function tickCountdowns(): void {
  const now = Date.now();
  for (const element of document.querySelectorAll<HTMLElement>('[data-deadline]')) {
    const remaining = Date.parse(element.dataset.deadline ?? '') - now;
    const label = element.querySelector('.countdown-label');
    const clockElement = element.querySelector('time');
    element.classList.toggle('overdue', remaining < 0);
    if (label) label.textContent = remaining < 0 ? t('alerts.overdue') : t('alerts.escalatesIn');
    if (clockElement) clockElement.textContent = clock(remaining);
  }
}

async function acknowledge(alert: Alert, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    const answer = await session.api<{ acknowledgedAt: string; by: string; via: string }>(
      `/v1/alerts/${encodeURIComponent(alert.alertId)}/acknowledge`,
      { method: 'POST', body: {} },
    );
    alerts.set(alert.alertId, {
      ...alert,
      acknowledgedAt: answer.acknowledgedAt,
      acknowledgedBy: answer.by,
      acknowledgedVia: answer.via,
      deadlineAt: null,
    });
    renderAlerts();
    $('alert-list').querySelector<HTMLElement>(`[data-alert-id="${CSS.escape(alert.alertId)}"] h3`)?.focus();
    announce(t('live.acknowledged', { caseRef: alert.caseRef }));
  } catch (error) {
    button.disabled = false;
    showError('alerts-error', new ApiError(0, t('alerts.ackFailed', { detail: error instanceof ApiError ? error.detail : String(error) })));
  }
}

// ---- cases and timeline ----

function caseFilters(): URLSearchParams {
  const form = $('case-filters') as HTMLFormElement;
  const data = new FormData(form);
  const query = new URLSearchParams({ limit: '50' });
  for (const name of ['region', 'urgency', 'custody']) {
    const entry = data.get(name);
    const value = typeof entry === 'string' ? entry.trim() : '';
    if (value) query.set(name, value);
  }
  return query;
}

async function loadCases(): Promise<void> {
  await guarded('cases', async () => {
    const page = await session.api<{ items: CaseSummary[] }>(`/v1/cases?${caseFilters().toString()}`);
    cases = page.items;
    renderCases();
  });
}

function matchesFilters(item: CaseSummary): boolean {
  const query = caseFilters();
  const region = query.get('region');
  const urgency = query.get('urgency');
  const custody = query.get('custody');
  return (
    (!region || item.region === region) &&
    (!urgency || item.urgency === urgency) &&
    (!custody || item.state.custody === custody)
  );
}

function caseCard(item: CaseSummary): HTMLLIElement {
  const caseRef = caseRefOf(item.caseId);
  const titleId = `case-${item.caseId}-title`;
  const button = h(
    'button',
    { type: 'button', 'aria-label': t('alerts.showTimelineLabel', { caseRef }) },
    t('alerts.showTimeline'),
  );
  button.addEventListener('click', () => void openTimeline(item.caseId, caseRef));
  const state = item.state;
  return h(
    'li',
    { class: `card urgency-${item.urgency ?? 'routine'}`, 'data-case-id': item.caseId },
    h(
      'article',
      { 'aria-labelledby': titleId },
      h(
        'h3',
        { id: titleId },
        item.urgency ? h('span', { class: `badge ${item.urgency}` }, t(`urgency.${item.urgency}`)) : null,
        h('span', {}, caseRef),
        h('span', { class: 'note' }, item.region ?? ''),
      ),
      state.custody ? h('p', {}, t(`custody.${state.custody}`)) : null,
      state.locationStatus ? h('p', {}, t('state.location', { value: state.locationStatus })) : null,
      state.access ? h('p', {}, t('state.access', { value: state.access })) : null,
      state.removalRisk ? h('p', {}, t('state.removal', { value: state.removalRisk })) : null,
      item.urgencyReasons?.length ? h('p', { class: 'note' }, t('cases.reasons', { reasons: item.urgencyReasons.join(', ') })) : null,
      item.updatedAt
        ? h('p', { class: 'note' }, `${t('cases.updated', { time: time(item.updatedAt) })} · ${t('cases.events', { count: item.eventCount ?? 0 })}`)
        : null,
      h('div', { class: 'actions' }, button),
    ),
  );
}

function renderCases(): void {
  $('case-list').replaceChildren(...cases.map(caseCard));
  $('cases-empty').hidden = cases.length > 0;
}

async function openTimeline(caseId: string, caseRef: string): Promise<void> {
  timelineCase = { caseId, caseRef };
  const panel = $('timeline');
  panel.hidden = false;
  $('timeline-title').textContent = t('timeline.title', { caseRef });
  await loadTimeline();
  $('timeline-title').focus();
}

async function loadTimeline(): Promise<void> {
  if (!timelineCase) return;
  const { caseId } = timelineCase;
  try {
    const answer = await session.api<{ items: TimelineItem[] }>(`/v1/cases/${encodeURIComponent(caseId)}/timeline`);
    if (timelineCase?.caseId !== caseId) return;
    $('timeline-error').hidden = true;
    const list = $('timeline-list');
    list.replaceChildren(
      ...(answer.items.length === 0
        ? [h('li', {}, t('timeline.empty'))]
        : answer.items.map((item) =>
            h(
              'li',
              { 'data-event': item.name },
              h('time', { datetime: item.occurredAt }, dateTimeFormat().format(new Date(item.occurredAt))),
              item.summary,
            ),
          )),
    );
  } catch (error) {
    showError('timeline-error', error);
  }
}

// ---- regions and pipeline ----

const cell = (text: string, number = false) => h('td', number ? { class: 'number' } : {}, text);
const seconds = (value: number | null) => duration(value) ?? t('common.none');

async function loadRegions(): Promise<void> {
  await guarded('regions', async () => {
    const answer = await session.api<{ days: number; regions: RegionTimes[] }>('/v1/regions/response-times?days=30');
    $('regions-caption').textContent = t('regions.caption', { days: answer.days });
    $('regions-body').replaceChildren(
      ...(answer.regions.length === 0
        ? [h('tr', {}, h('td', { colspan: '8' }, t('regions.empty')))]
        : answer.regions.map((r) =>
            h(
              'tr',
              { 'data-region': r.region },
              h('th', { scope: 'row' }, r.region || t('common.none')),
              cell(String(r.alerts), true),
              cell(String(r.acknowledged), true),
              cell(String(r.openUnacknowledged), true),
              cell(seconds(r.timeToAcknowledge.p50), true),
              cell(seconds(r.timeToAcknowledge.p90), true),
              cell(String(r.actedOn), true),
              cell(seconds(r.timeToFirstAction.p50), true),
            ),
          )),
    );
  });
}

async function loadPipeline(): Promise<void> {
  await guarded('pipeline', async () => {
    const p = await session.api<Pipeline>('/v1/pipeline');
    const kafkaNote = $('pipeline-kafka');
    kafkaNote.hidden = p.kafka.configured && p.kafka.reachable !== false;
    kafkaNote.textContent = p.kafka.configured ? t('pipeline.kafkaDown') : t('pipeline.noKafka');
    $('outbox-body').replaceChildren(
      ...p.outboxes.map((o) =>
        h('tr', { 'data-service': o.service }, h('th', { scope: 'row' }, o.service), cell(String(o.pending), true), cell(seconds(o.oldestAgeSeconds), true)),
      ),
    );
    $('lag-body').replaceChildren(
      ...(p.lag ?? []).map((l) =>
        h(
          'tr',
          { 'data-consumer': l.consumer },
          h('th', { scope: 'row' }, l.service),
          cell(l.consumer),
          cell(String(l.lag), true),
          cell(l.updatedAt ? time(l.updatedAt) : t('common.none')),
        ),
      ),
    );
    $('dead-letters').textContent =
      p.deadLetters === null
        ? t('common.none')
        : p.deadLetters.count === 0
          ? t('pipeline.noDeadLetters')
          : t('pipeline.deadLetterCount', { count: p.deadLetters.count, topic: p.deadLetters.topic ?? '' });
    $('deliveries-title').textContent = t('pipeline.deliveries', { hours: p.deliveries.windowHours });
    $('deliveries-body').replaceChildren(
      ...(p.deliveries.channels.length === 0
        ? [h('tr', {}, h('td', { colspan: '4' }, t('pipeline.noDeliveries')))]
        : p.deliveries.channels.map((c) =>
            h(
              'tr',
              { 'data-channel': c.channel },
              h('th', { scope: 'row' }, t(`channel.${c.channel}`)),
              cell(String(c.sent), true),
              cell(String(c.failed), true),
              cell(c.failureRate === null ? t('common.none') : `${(c.failureRate * 100).toFixed(1)} %`, true),
            ),
          )),
    );
  });
}

// ---- live updates ----

function onLiveMessage(message: SseMessage): void {
  let data: unknown;
  try {
    data = JSON.parse(message.data) as unknown;
  } catch {
    return;
  }
  switch (message.event) {
    case 'ready':
      // The feed is current from here on: reload what was loaded before it was.
      void loadAlerts();
      void loadCases();
      break;
    case 'alert': {
      const alert = data as Alert;
      const before = alerts.get(alert.alertId);
      alerts.set(alert.alertId, alert);
      if (!before && alert.acknowledgedAt === null) {
        announce(t('live.newAlert', { urgency: t(`urgency.${alert.urgency}`), caseRef: alert.caseRef, region: alert.region ?? '' }));
      } else if (before && before.acknowledgedAt === null && alert.acknowledgedAt !== null) {
        announce(t('live.acknowledged', { caseRef: alert.caseRef }));
      }
      renderAlerts();
      break;
    }
    case 'alert-closed':
      alerts.delete((data as { alertId: string }).alertId);
      renderAlerts();
      break;
    case 'case': {
      const item = data as CaseSummary;
      const index = cases.findIndex((c) => c.caseId === item.caseId);
      if (index >= 0) cases.splice(index, 1);
      if (matchesFilters(item)) cases.unshift(item);
      renderCases();
      if (timelineCase?.caseId === item.caseId) void loadTimeline();
      break;
    }
    default:
      break;
  }
}

function renderLiveState(): void {
  const element = $('live-status');
  element.dataset.state = liveState;
  element.textContent = t(`live.${liveState}`);
}

function renderAll(): void {
  if (!session.principal) return;
  const p = session.principal;
  $('whoami').textContent = t('auth.signedInAs', { username: p.username, role: t(`role.${p.role}`) });
  renderLiveState();
  renderAlerts();
  renderCases();
  if (timelineCase) {
    $('timeline-title').textContent = t('timeline.title', { caseRef: timelineCase.caseRef });
    void loadTimeline();
  }
  void loadRegions();
  void loadPipeline();
}

// ---- signing in and out ----

function signedIn(): void {
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('whoami').hidden = false;
  $('logout').hidden = false;
  hiddenSections.clear();
  for (const section of ['alerts', 'cases', 'regions', 'pipeline'] as const) {
    $(section).hidden = false;
    $(`nav-${section}`).hidden = false;
  }
  live.start();
  renderAll();
  void loadAlerts();
  void loadCases();
  window.clearInterval(periodic);
  periodic = window.setInterval(() => {
    void loadRegions();
    void loadPipeline();
  }, 15_000);
  $('main').focus();
}

function signedOut(message = ''): void {
  live.stop();
  window.clearInterval(periodic);
  alerts.clear();
  cases = [];
  timelineCase = null;
  $('timeline').hidden = true;
  $('app-view').hidden = true;
  $('whoami').hidden = true;
  $('logout').hidden = true;
  $('login-view').hidden = false;
  ($('totp-form') as HTMLFormElement).hidden = true;
  ($('login-form') as HTMLFormElement).hidden = false;
  ($('password') as HTMLInputElement).value = '';
  $('login-error').textContent = message;
  ($('username') as HTMLInputElement).focus();
}

function failed(error: unknown): void {
  $('login-error').textContent = t('auth.failed', { detail: error instanceof ApiError ? error.detail : String(error) });
}

function wire(): void {
  ($('locale') as HTMLSelectElement).addEventListener('change', (event) => {
    void setLocale((event.target as HTMLSelectElement).value);
  });
  ($('login-form') as HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    $('login-error').textContent = '';
    const username = ($('username') as HTMLInputElement).value.trim();
    const password = ($('password') as HTMLInputElement).value;
    session.login(username, password).then((step) => {
      ($('password') as HTMLInputElement).value = '';
      if (step === 'authenticated') return signedIn();
      ($('login-form') as HTMLFormElement).hidden = true;
      ($('totp-form') as HTMLFormElement).hidden = false;
      ($('totp') as HTMLInputElement).focus();
    }, failed);
  });
  ($('totp-form') as HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    $('login-error').textContent = '';
    const input = $('totp') as HTMLInputElement;
    session.totp(input.value.trim()).then(() => {
      input.value = '';
      signedIn();
    }, failed);
  });
  $('logout').addEventListener('click', () => {
    void session.logout().then(() => signedOut());
  });
  ($('case-filters') as HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    void loadCases();
  });
  $('timeline-close').addEventListener('click', () => {
    timelineCase = null;
    $('timeline').hidden = true;
    $('cases-title').focus();
  });
  window.setInterval(tickCountdowns, 1_000);
}

wire();
void setLocale(locale);
