// The admin console: one ES module, no build step. It talks to the public GraphQL API only
// (modelStatus, modelVersions, trainingRuns, retrainModel, activateModelVersion) with the
// admin's bearer token, and draws charts with the Chart.js UMD global (`Chart`).
// DOM is built with createElement/textContent, never innerHTML, so server text cannot inject markup.

const TOKEN_KEY = 'recommender-admin-token';
const KINDS = ['ITEMS', 'FRIENDS'];
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(TOKEN_KEY);
let charts = [];
let pollTimer = null;

class ApiError extends Error {
  /** kind: network | unauthenticated | forbidden | rate-limited | server */
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('network', 'Cannot reach the server (network error). Check that it is running, then press Refresh.');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('server', `The server answered HTTP ${response.status} without a GraphQL response.`);
  }
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code;
    if (code === 'UNAUTHENTICATED') throw new ApiError('unauthenticated', 'Your token is invalid or has expired: sign in again.');
    if (code === 'FORBIDDEN') throw new ApiError('forbidden', 'This token is not an admin’s: the console needs a token with role ADMIN.');
    if (code === 'RATE_LIMITED') throw new ApiError('rate-limited', 'Too many requests: wait a minute, then press Refresh.');
    throw new ApiError('server', `The server reported an error: ${error.message}`);
  }
  return body.data;
}

// ------------------------------------------------------------------ small DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined).map((c) => (c instanceof Node ? c : String(c))));
  return node;
}

const badge = (text) => el('span', { class: `badge ${text ?? ''}` }, text ?? '—');
const versionNumber = (globalId) => (globalId ? atob(globalId).split(':')[1] : null);
const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');
const fixed = (value, digits = 3) => (typeof value === 'number' ? value.toFixed(digits) : '—');
function duration(ms) {
  if (typeof ms !== 'number') return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

function showBanner(message, kind = 'error') {
  const banner = $('banner');
  banner.textContent = message;
  banner.className = kind === 'info' ? 'info' : '';
  banner.hidden = !message;
}

/** A modal confirmation; resolves true only when the admin presses Confirm. */
function confirmAction(text, okLabel) {
  const dialog = $('confirm');
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

// ------------------------------------------------------------------ signing in

function tokenClaims(value) {
  try {
    return JSON.parse(atob(value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return null;
  }
}

function showSignIn(message) {
  clearTimeout(pollTimer);
  $('console').hidden = true;
  $('sign-in').hidden = false;
  $('sign-out').hidden = true;
  $('refresh').hidden = true;
  $('backend').textContent = '';
  showBanner(message ?? '');
}

async function signIn(value) {
  token = value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  showBanner('');
  const claims = tokenClaims(token);
  if (claims?.exp && claims.exp * 1000 < Date.now()) {
    signOut('This token expired at ' + when(new Date(claims.exp * 1000).toISOString()) + ': mint a new one.');
    return;
  }
  await refresh();
}

function signOut(message) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn(message);
}

async function devSignIn() {
  try {
    const response = await fetch('/admin/dev-token', { method: 'POST' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    await signIn((await response.json()).token);
  } catch (error) {
    showBanner(`Dev sign-in failed: ${error.message}`);
  }
}

// ------------------------------------------------------------------ loading and rendering

const DASHBOARD = `query AdminConsole {
  modelStatus {
    backend
    models {
      kind state source servingSince nextScheduledRun message
      activeVersion { id createdAt }
      lastRun { id state outcome startedAt durationMs error }
    }
  }
  modelVersions(first: 100) {
    edges { node {
      id kind status createdAt activatedAt trainingMs backend artifactBytes
      metrics { ndcgAt10 recallAt10 ndcgAt20 recallAt20 coverageAt10 coverageAt20 users }
      dataSizes { users items interactions edges }
    } }
  }
  trainingRuns(first: 30) {
    edges { node { id kind trigger state outcome error startedAt finishedAt durationMs version { id } } }
  }
}`;

async function refresh() {
  clearTimeout(pollTimer);
  let data;
  try {
    data = await gql(DASHBOARD);
  } catch (error) {
    if (error.kind === 'unauthenticated' || error.kind === 'forbidden') signOut(error.message);
    else showBanner(error.message);
    return;
  }
  $('sign-in').hidden = true;
  $('console').hidden = false;
  $('sign-out').hidden = false;
  $('refresh').hidden = false;
  const claims = tokenClaims(token);
  $('backend').textContent = `TensorFlow.js backend: ${data.modelStatus.backend}` + (claims?.sub ? ` · signed in as user ${claims.sub}` : '');
  const versions = data.modelVersions.edges.map((e) => e.node);
  renderStatus(data.modelStatus.models);
  renderCharts(versions);
  renderVersions(versions);
  renderRuns(data.trainingRuns.edges.map((e) => e.node));
  document.body.dataset.loadedAt = String(Date.now());
  // While a run is in progress, follow it until it finishes.
  if (data.modelStatus.models.some((m) => m.state === 'TRAINING')) pollTimer = setTimeout(refresh, 2000);
  void renderOnlineMetrics();
}

function renderStatus(models) {
  $('status').replaceChildren(
    ...models.map((model) => {
      const active = versionNumber(model.activeVersion?.id);
      const last = model.lastRun;
      return el(
        'div',
        { class: 'card', 'data-kind': model.kind },
        el('h3', {}, model.kind, ' ', badge(model.state), ' ', badge(model.source)),
        el(
          'dl',
          {},
          el('dt', {}, 'Active version'),
          el('dd', { class: 'active-version' }, active ? `#${active}` : 'none'),
          el('dt', {}, 'Serving since'),
          el('dd', {}, when(model.servingSince)),
          el('dt', {}, 'Last run'),
          el('dd', {}, last ? [badge(last.outcome ?? last.state), ` ${when(last.startedAt)} · ${duration(last.durationMs)}`] : 'never'),
          el('dt', {}, 'Next run'),
          el('dd', {}, when(model.nextScheduledRun)),
          el('dt', {}, 'Message'),
          el('dd', { class: 'message' }, model.message ?? '—'),
        ),
        el(
          'button',
          { type: 'button', class: 'retrain', disabled: model.state === 'TRAINING', onclick: () => retrain(model.kind) },
          model.state === 'TRAINING' ? 'Training…' : `Retrain ${model.kind.toLowerCase()}`,
        ),
      );
    }),
  );
}

const PALETTE = ['#3559e0', '#e0803b', '#1f8a4c', '#a23bd1', '#c0362c', '#2aa5b8'];

function lineChart(canvas, labels, series, options = {}) {
  return new Chart(canvas, {
    type: options.type ?? 'line',
    data: {
      labels,
      datasets: series.map(([label, values], i) => ({
        label,
        data: values,
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: PALETTE[i % PALETTE.length] + (options.type === 'bar' ? 'cc' : '33'),
        tension: 0.2,
        spanGaps: true,
      })),
    },
    options: {
      // No animation: charts are complete as soon as they are drawn (screenshots, tests).
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { title: { display: true, text: options.title }, legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      scales: { y: { beginAtZero: true, ...(options.max ? { max: options.max } : {}) } },
    },
  });
}

function renderCharts(versions) {
  for (const chart of charts) chart.destroy();
  charts = [];
  const box = $('charts');
  box.replaceChildren();
  if (typeof Chart === 'undefined') {
    box.append(el('p', { class: 'muted' }, 'Chart.js did not load; the tables below have the same numbers.'));
    return;
  }
  for (const kind of KINDS) {
    // Oldest first: the x axis is training order (version ids grow with time).
    const rows = versions.filter((v) => v.kind === kind).reverse();
    const section = el('div', { class: 'chart-kind', 'data-kind': kind }, el('h3', {}, kind));
    box.append(section);
    if (rows.length === 0) {
      section.append(el('p', { class: 'muted' }, 'No versions yet.'));
      continue;
    }
    const labels = rows.map((v) => [`#${versionNumber(v.id)}`, new Date(v.createdAt).toLocaleDateString()]);
    const metric = (name) => rows.map((v) => v.metrics[name]);
    const size = (name) => rows.map((v) => v.dataSizes[name]);
    const grid = el('div', { class: 'chart-grid' });
    section.append(grid);
    const specs = [
      { title: 'Quality (validation split)', series: [['NDCG@10', metric('ndcgAt10')], ['Recall@10', metric('recallAt10')], ['NDCG@20', metric('ndcgAt20')], ['Recall@20', metric('recallAt20')]] },
      { title: 'Catalogue coverage', series: [['Coverage@10', metric('coverageAt10')], ['Coverage@20', metric('coverageAt20')]], max: 1 },
      { title: 'Training time (s)', series: [['seconds', rows.map((v) => v.trainingMs / 1000)]], type: 'bar' },
      {
        title: 'Data sizes',
        series: [['users', size('users')], ['items', size('items')], ['interactions', size('interactions')], ['edges', size('edges')]],
      },
    ];
    for (const spec of specs) {
      const canvas = el('canvas', { 'aria-label': `${kind} ${spec.title}`, role: 'img' });
      grid.append(el('div', { class: 'chart-box' }, canvas));
      charts.push(lineChart(canvas, labels, spec.series, spec));
    }
  }
}

function table(node, headers, rows) {
  node.replaceChildren(
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: headers.length, class: 'muted' }, 'None yet.'))),
  );
}

function renderVersions(versions) {
  table(
    $('versions'),
    ['Version', 'Kind', 'Status', 'Trained', 'NDCG@10', 'Recall@10', 'NDCG@20', 'Recall@20', 'Cov@10', 'Users eval.', 'Data (u / i / int / edges)', 'Training', ''],
    versions.map((v) =>
      el(
        'tr',
        { 'data-version-id': versionNumber(v.id), 'data-status': v.status },
        el('td', {}, `#${versionNumber(v.id)}`),
        el('td', {}, v.kind),
        el('td', {}, badge(v.status)),
        el('td', {}, when(v.createdAt)),
        ...['ndcgAt10', 'recallAt10', 'ndcgAt20', 'recallAt20', 'coverageAt10'].map((m) => el('td', { class: 'num' }, fixed(v.metrics[m]))),
        el('td', { class: 'num' }, v.metrics.users ?? '—'),
        el('td', { class: 'num' }, `${v.dataSizes.users} / ${v.dataSizes.items} / ${v.dataSizes.interactions} / ${v.dataSizes.edges}`),
        el('td', { class: 'num' }, duration(v.trainingMs)),
        el(
          'td',
          {},
          v.status === 'ACTIVE'
            ? el('span', { class: 'muted' }, 'serving')
            : el('button', { type: 'button', class: 'activate', onclick: () => activate(v) }, v.status === 'RETIRED' ? 'Roll back to this' : 'Activate'),
        ),
      ),
    ),
  );
}

function renderRuns(runs) {
  table(
    $('runs'),
    ['Run', 'Kind', 'Trigger', 'State', 'Outcome', 'Started', 'Duration', 'Version', 'Error'],
    runs.map((r) =>
      el(
        'tr',
        {},
        el('td', {}, `#${versionNumber(r.id)}`),
        el('td', {}, r.kind),
        el('td', {}, r.trigger),
        el('td', {}, badge(r.state)),
        el('td', {}, r.outcome ? badge(r.outcome) : '—'),
        el('td', {}, when(r.startedAt)),
        el('td', { class: 'num' }, duration(r.durationMs)),
        el('td', {}, r.version ? `#${versionNumber(r.version.id)}` : '—'),
        el('td', { class: 'error' }, r.error ?? ''),
      ),
    ),
  );
}

// ------------------------------------------------------------------ actions

async function retrain(kind) {
  if (!(await confirmAction(`Train a new ${kind} version now? It is promoted only if it is not worse than the active one.`, 'Retrain'))) return;
  try {
    const data = await gql(`mutation($kind: ModelKind!) { retrainModel(kind: $kind) { run { id } userErrors { message } } }`, { kind });
    const problem = data.retrainModel.userErrors[0];
    showBanner(problem ? problem.message : `Training ${kind} started (run #${versionNumber(data.retrainModel.run.id)}).`, problem ? 'error' : 'info');
  } catch (error) {
    showBanner(error.message);
  }
  await refresh();
}

async function activate(version) {
  const number = versionNumber(version.id);
  const text = `Serve ${version.kind} version #${number} (trained ${when(version.createdAt)}) instead of the active one? Every server switches to it within its poll interval.`;
  if (!(await confirmAction(text, `Activate #${number}`))) return;
  try {
    const data = await gql(`mutation($id: ID!) { activateModelVersion(id: $id) { version { id } userErrors { message } } }`, { id: version.id });
    const problem = data.activateModelVersion.userErrors[0];
    showBanner(problem ? problem.message : `${version.kind} now serves version #${number}.`, problem ? 'error' : 'info');
  } catch (error) {
    showBanner(error.message);
  }
  await refresh();
}

// ------------------------------------------------------------------ online metrics (when the API has them)

const unwrap = (type) => (type.ofType ? unwrap(type.ofType) : type);
const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';

/**
 * The online-evaluation API may or may not exist on this server: look for
 * ModelVersion.onlineMetrics by introspection and query its scalar fields when it takes no
 * required arguments. Anything else shows a plain "no online metrics yet".
 */
async function renderOnlineMetrics() {
  const box = $('online');
  const say = (text) => box.replaceChildren(el('p', { class: 'muted' }, text));
  try {
    const found = await gql(`{ __type(name: "ModelVersion") { fields { name args { name defaultValue type { kind } } type { ${TYPE_REF} } } } }`);
    const field = found.__type?.fields.find((f) => f.name === 'onlineMetrics');
    if (!field) return say('No online metrics yet: this server does not record impressions.');
    const required = field.args.filter((a) => a.type.kind === 'NON_NULL' && a.defaultValue === null);
    if (required.length) return say(`Online metrics exist but need arguments this console does not know (${required.map((a) => a.name).join(', ')}).`);
    const named = unwrap(field.type);
    const shape = await gql(`query($name: String!) { __type(name: $name) { fields { name type { ${TYPE_REF} } } } }`, { name: named.name });
    const leaves = (shape.__type?.fields ?? []).filter((f) => ['SCALAR', 'ENUM'].includes(unwrap(f.type).kind)).map((f) => f.name);
    if (!leaves.length) return say('Online metrics exist but have no plain values to show.');
    const data = await gql(`{ modelVersions(first: 20) { edges { node { id kind onlineMetrics { ${leaves.join(' ')} } } } } }`);
    const rows = data.modelVersions.edges
      .flatMap(({ node }) => [node.onlineMetrics].flat().filter(Boolean).map((m) => ({ node, m })))
      // A version that never served has all-zero metrics: not worth a row.
      .filter(({ m }) => typeof m.impressions !== 'number' || m.impressions > 0)
      .map(({ node, m }) => el('tr', {}, el('td', {}, `#${versionNumber(node.id)}`), el('td', {}, node.kind), leaves.map((l) => el('td', { class: 'num' }, typeof m[l] === 'number' ? fixed(m[l]) : m[l] ?? '—'))));
    if (!rows.length) return say('No online metrics yet: no impressions recorded for these versions.');
    const tableNode = el('table');
    table(tableNode, ['Version', 'Kind', ...leaves], rows);
    box.replaceChildren(el('div', { class: 'scroll' }, tableNode));
  } catch (error) {
    say(`Online metrics unavailable: ${error.message}`);
  }
}

// ------------------------------------------------------------------ start

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn($('token').value);
});
$('dev-sign-in').addEventListener('click', () => void devSignIn());
$('sign-out').addEventListener('click', () => signOut('Signed out.'));
$('refresh').addEventListener('click', () => void refresh());

fetch('/admin/config.json')
  .then((r) => r.json())
  .then((c) => ($('dev-sign-in').hidden = !c.devSignIn))
  .catch(() => {});
if (token) void refresh();
else showSignIn();
