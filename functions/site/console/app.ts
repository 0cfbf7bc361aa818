import uPlot from 'uplot';
import { parseJson } from '../../domain/json.ts';

/**
 * The idemlog console: the API's own numbers, refreshed every few seconds. It calls GET /stats and
 * GET /events with the API key the user gave once (kept in this browser's localStorage), and
 * nothing else.
 */

interface Counts {
  received: number;
  unique_processed: number;
  duplicate_dropped: number;
}

interface Stats extends Counts {
  rejected: number;
  topics: Record<string, Counts>;
  topics_next_cursor: string | null;
  queue: { visible: number; in_flight: number; dead_letter: number };
  last_processed_at: string | null;
}

interface StoredEvent {
  topic: string;
  event_id: string;
  timestamp: string;
  source: string;
  payload: Record<string, unknown>;
  stored_at: string;
}

interface EventsPage {
  count: number;
  events: StoredEvent[];
  next_cursor: string | null;
}

const refreshMs = 3000;
const chartWindowS = 600;
const topicsPerPage = 25;
const keyStorage = 'idemlog.apiKey';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const format = (n: number) => n.toLocaleString('en');

// The API lives beside this page: /local/ on the emulator's path-style URL, / behind a domain.
const base = location.pathname.endsWith('/') ? location.pathname : `${location.pathname}/`;

class KeyNeeded extends Error {}

async function call<T>(path: string): Promise<T> {
  const key = localStorage.getItem(keyStorage);
  if (!key) throw new KeyNeeded();
  const response = await fetch(`${base}${path}`, { headers: { 'x-api-key': key } });
  if (response.status === 403) throw new KeyNeeded();
  // Not response.json(): the browser's V8 can rename payload keys written with escapes (domain/json.ts).
  const body = parseJson(await response.text()) as { message?: string };
  if (!response.ok) throw new Error(`${path.split('?')[0]} answered ${response.status}: ${body.message ?? ''}`);
  return body as T;
}

// --- API key ---------------------------------------------------------------------------------

function askForKey(message?: string): void {
  const dialog = $<HTMLDialogElement>('key-dialog');
  $('key-message').textContent = message ?? '';
  if (!dialog.open) dialog.showModal();
  $<HTMLInputElement>('key-input').focus();
}

$<HTMLFormElement>('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $<HTMLInputElement>('key-input').value.trim();
  if (!value) return;
  localStorage.setItem(keyStorage, value);
  $<HTMLDialogElement>('key-dialog').close();
  loadEverything();
});

$('change-key').addEventListener('click', () => askForKey());

function handle(error: unknown): void {
  if (error instanceof KeyNeeded) {
    askForKey(localStorage.getItem(keyStorage) ? 'That key was refused; enter a valid one.' : '');
    return;
  }
  $('status').textContent = `error: ${(error as Error).message}`;
  $('status').className = 'error';
}

// --- totals, queue, rates ----------------------------------------------------------------------

const samples: { t: number; received: number; stored: number }[] = [];
const chartData: [number[], number[], number[]] = [[], [], []];
const chart = new uPlot(
  {
    width: Math.min(960, document.body.clientWidth - 32),
    height: 220,
    scales: { x: { time: true } },
    axes: [{}, { label: 'events/s' }],
    series: [{}, { label: 'received/s', stroke: '#2563eb', width: 2 }, { label: 'stored/s', stroke: '#16a34a', width: 2 }],
  },
  chartData,
  $('rates'),
);

function recordRate(stats: Stats): void {
  const now = Date.now() / 1000;
  const last = samples.at(-1);
  samples.push({ t: now, received: stats.received, stored: stats.unique_processed });
  if (!last || now <= last.t) return;
  const seconds = now - last.t;
  chartData[0].push(now);
  chartData[1].push(Math.max(0, (stats.received - last.received) / seconds));
  chartData[2].push(Math.max(0, (stats.unique_processed - last.stored) / seconds));
  while (chartData[0].length > 0 && chartData[0][0]! < now - chartWindowS) for (const series of chartData) series.shift();
  chart.setData(chartData);
}

function showTotals(stats: Stats): void {
  for (const name of ['received', 'unique_processed', 'duplicate_dropped', 'rejected'] as const) {
    $(`total-${name}`).textContent = format(stats[name]);
  }
  for (const name of ['visible', 'in_flight', 'dead_letter'] as const) $(`queue-${name}`).textContent = format(stats.queue[name]);
  const dead = stats.queue.dead_letter > 0;
  $('dlq').classList.toggle('warning', dead);
  $('dlq-note').textContent = dead ? 'Messages wait in the dead-letter queue: read them, fix the cause, then redrive.' : '';
  $('last-processed').textContent = stats.last_processed_at ?? 'nothing yet';
}

async function refresh(): Promise<void> {
  try {
    const stats = await call<Stats>('stats?topics_limit=0');
    showTotals(stats);
    recordRate(stats);
    $('status').textContent = `refreshed ${new Date().toLocaleTimeString('en-GB')}`;
    $('status').className = '';
  } catch (error) {
    handle(error);
  }
}

// --- topics, paged and sortable ------------------------------------------------------------------

let topicRows: [string, Counts][] = [];
let sortBy: { column: 'topic' | keyof Counts; descending: boolean } = { column: 'topic', descending: false };
const topicCursors: (string | undefined)[] = [undefined];
let topicPage = 0;
let nextTopicCursor: string | null = null;

async function loadTopics(cursor: string | undefined): Promise<void> {
  try {
    const stats = await call<Stats>(`stats?topics_limit=${topicsPerPage}${cursor ? `&topics_cursor=${encodeURIComponent(cursor)}` : ''}`);
    topicRows = Object.entries(stats.topics);
    nextTopicCursor = stats.topics_next_cursor;
    showTopics();
  } catch (error) {
    handle(error);
  }
}

function showTopics(): void {
  const { column, descending } = sortBy;
  const rows = [...topicRows].sort(([a, ca], [b, cb]) => {
    const order = column === 'topic' ? a.localeCompare(b) : ca[column] - cb[column];
    return descending ? -order : order;
  });
  const body = $('topics-body');
  body.replaceChildren(
    ...rows.map(([topic, counts]) => {
      const row = document.createElement('tr');
      const name = document.createElement('td');
      const link = document.createElement('button');
      link.className = 'link';
      link.textContent = topic;
      link.title = `${topic}: browse its events`;
      link.addEventListener('click', () => {
        $<HTMLInputElement>('filter-topic').value = topic;
        void loadEvents(undefined);
      });
      name.append(link);
      row.append(
        name,
        ...(['received', 'unique_processed', 'duplicate_dropped'] as const).map((key) => cell(format(counts[key]), 'number')),
      );
      return row;
    }),
  );
  $('topics-empty').hidden = rows.length > 0;
  $<HTMLButtonElement>('topics-prev').disabled = topicPage === 0;
  $<HTMLButtonElement>('topics-next').disabled = nextTopicCursor === null;
  $('topics-page').textContent = `page ${topicPage + 1}`;
  for (const header of document.querySelectorAll<HTMLElement>('#topics th[data-sort]')) {
    header.dataset.order = header.dataset.sort === column ? (descending ? 'desc' : 'asc') : '';
  }
}

for (const header of document.querySelectorAll<HTMLElement>('#topics th[data-sort]')) {
  header.addEventListener('click', () => {
    const column = header.dataset.sort as typeof sortBy.column;
    sortBy = { column, descending: sortBy.column === column ? !sortBy.descending : column !== 'topic' };
    showTopics();
  });
}
$('topics-next').addEventListener('click', () => {
  if (nextTopicCursor === null) return;
  topicPage++;
  topicCursors[topicPage] = nextTopicCursor;
  void loadTopics(nextTopicCursor);
});
$('topics-prev').addEventListener('click', () => {
  if (topicPage === 0) return;
  topicPage--;
  void loadTopics(topicCursors[topicPage]);
});
$('topics-reload').addEventListener('click', () => void loadTopics(topicCursors[topicPage]));

// --- events browser ----------------------------------------------------------------------------

let nextEventsCursor: string | null = null;

function eventsQuery(cursor: string | undefined): string {
  const params = new URLSearchParams();
  const value = (id: string) => $<HTMLInputElement>(id).value.trim();
  if (value('filter-topic')) params.set('topic', value('filter-topic'));
  if (value('filter-source')) params.set('source', value('filter-source'));
  // datetime-local inputs are local time without a zone: send them as the instants they mean.
  if (value('filter-since')) params.set('since', new Date(value('filter-since')).toISOString());
  if (value('filter-until')) params.set('until', new Date(value('filter-until')).toISOString());
  params.set('order', $<HTMLSelectElement>('filter-order').value);
  params.set('limit', value('filter-limit') || '25');
  if (cursor) params.set('cursor', cursor);
  return `events?${params}`;
}

async function loadEvents(cursor: string | undefined): Promise<void> {
  try {
    const page = await call<EventsPage>(eventsQuery(cursor));
    const body = $('events-body');
    const rows = page.events.flatMap((event) => {
      const row = document.createElement('tr');
      row.className = 'event';
      const payload = document.createElement('tr');
      payload.className = 'payload';
      payload.hidden = true;
      const pre = document.createElement('pre');
      pre.textContent = JSON.stringify(event.payload, null, 2);
      const wide = document.createElement('td');
      wide.colSpan = 4;
      wide.append(pre);
      payload.append(wide);
      row.append(cell(event.timestamp), cell(event.topic), cell(event.event_id), cell(event.source));
      row.title = 'Show or hide the payload';
      row.addEventListener('click', () => {
        payload.hidden = !payload.hidden;
      });
      return [row, payload];
    });
    if (cursor) body.append(...rows);
    else body.replaceChildren(...rows);
    nextEventsCursor = page.next_cursor;
    $<HTMLButtonElement>('events-more').disabled = nextEventsCursor === null;
    $('events-empty').hidden = body.children.length > 0;
  } catch (error) {
    handle(error);
  }
}

$<HTMLFormElement>('events-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void loadEvents(undefined);
});
$('events-more').addEventListener('click', () => {
  if (nextEventsCursor) void loadEvents(nextEventsCursor);
});

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  td.title = text;
  if (className) td.className = className;
  return td;
}

// --- start -------------------------------------------------------------------------------------

function loadEverything(): void {
  void refresh();
  void loadTopics(undefined);
  void loadEvents(undefined);
}

if (localStorage.getItem(keyStorage)) loadEverything();
else askForKey();
setInterval(() => {
  if (localStorage.getItem(keyStorage)) void refresh();
}, refreshMs);
