// The batchpipe dashboard: plain JavaScript over the public API (/api), refreshed every few seconds. A section whose
// call the service does not have (404) says "not available"; nothing here throws, so the console stays clean.
(() => {
  'use strict';

  const REFRESH_MS = 3000;
  const token = document.getElementById('token');
  token.value = sessionStorage.getItem('batchpipe.token') || '';
  token.addEventListener('change', () => sessionStorage.setItem('batchpipe.token', token.value.trim()));

  /** One API call: {status, data}; status 0 when the service did not answer. */
  async function call(method, path) {
    const headers = {Accept: 'application/json'};
    if (token.value.trim()) {
      headers.Authorization = 'Bearer ' + token.value.trim();
    }
    let response;
    try {
      response = await fetch(path, {method, headers});
    } catch (e) {
      return {status: 0, data: null};
    }
    let data = null;
    if ((response.headers.get('Content-Type') || '').includes('json')) {
      try {
        data = await response.json();
      } catch (e) {
        data = null;
      }
    }
    return {status: response.status, data};
  }

  /** An element with attributes and children (text is always set as text, never parsed as HTML). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v !== null && v !== undefined) {
        e.setAttribute(k, v);
      }
    });
    children.flat().forEach(c => e.append(c instanceof Node ? c : document.createTextNode(c ?? '')));
    return e;
  }

  function body(section) {
    return document.querySelector('#' + section + ' .body');
  }

  function show(section, ...content) {
    body(section).replaceChildren(...content);
  }

  /** A section whose call failed: "not available" for a call the service does not have (404, or 405: no GET). */
  function failed(section, r) {
    const missing = r.status === 404 || r.status === 405;
    const text = missing ? 'not available'
        : r.status === 0 ? 'the service does not answer'
        : r.status === 401 ? 'needs the API token' : 'could not load (HTTP ' + r.status + ')';
    show(section, el('p', {class: missing ? 'unavailable' : 'error'}, text));
  }

  /** The items of a page ({items, next_cursor}). */
  function items(page) {
    return (page && Array.isArray(page.items)) ? page.items : [];
  }

  function money(v) {
    if (v === null || v === undefined || v === '') {
      return '–';
    }
    const n = Number(v);
    return '$' + (Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(4));
  }

  function time(v) {
    return v ? new Date(v).toLocaleString() : '–';
  }

  function pill(state) {
    return el('span', {class: 'pill state-' + String(state).toLowerCase()}, String(state));
  }

  function table(columns, rows) {
    return el('table', {},
        el('thead', {}, el('tr', {}, columns.map(c => el('th', {class: c.num ? 'num' : null}, c.title)))),
        el('tbody', {}, rows.map(r => el('tr', r.attrs || {},
            columns.map(c => el('td', {class: [c.num ? 'num' : '', c.text ? 'text' : '', c.cls || ''].join(' ').trim() || null},
                c.value(r.data)))))));
  }

  function empty(section, text) {
    show(section, el('p', {class: 'empty'}, text));
  }

  // --- jobs -----------------------------------------------------------------------------------------------------

  function progress(job) {
    const p = Math.max(0, Math.min(1, Number(job.progress) || 0));
    const percent = Math.round(p * 100);
    return el('span', {},
        el('span', {class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
          'aria-valuenow': String(percent)}, el('span', {style: 'width:' + percent + '%'})),
        el('span', {class: 'progress-label'}, percent + '%'));
  }

  function replayButton(job) {
    if (!(Number(job.dead) > 0)) {
      return '';
    }
    return el('button', {'data-replay-job': String(job.id)}, 'Replay ' + job.dead + ' dead');
  }

  async function jobs() {
    const r = await call('GET', '/api/jobs?limit=20');
    if (r.status !== 200) {
      return failed('jobs', r);
    }
    const list = items(r.data);
    if (!list.length) {
      return empty('jobs', 'No jobs yet: drop a file into the inbox, or run batchpipe process FILE --task TASK.');
    }
    show('jobs', table([
      {title: 'Job', value: j => '#' + j.id},
      {title: 'Task', value: j => j.task},
      {title: 'Status', value: j => pill(j.status)},
      {title: 'Mode', value: j => j.mode || '–'},
      {title: 'Progress', value: progress, cls: 'progress-cell'},
      {title: 'Items', num: true, value: j => String(j.items ?? '–')},
      {title: 'Done', num: true, value: j => String(j.succeeded ?? '–')},
      {title: 'Dead', num: true, value: j => String(j.dead ?? '–')},
      {title: 'Cost', num: true, value: j => money(j.cost_usd), cls: 'cost'},
      {title: 'Saved', num: true, value: j => money(j.savings_usd)},
      {title: 'Created', value: j => time(j.created_at)},
      {title: 'Finished', value: j => time(j.finished_at)},
      {title: '', value: replayButton},
    ], list.map(j => ({data: j, attrs: {'data-job': String(j.id)}}))));
  }

  // --- batches --------------------------------------------------------------------------------------------------

  async function batches() {
    const r = await call('GET', '/api/batches?limit=500');
    if (r.status !== 200) {
      return failed('batches', r);
    }
    const counts = {};
    items(r.data).forEach(b => counts[b.state] = (counts[b.state] || 0) + 1);
    const states = Object.keys(counts).sort();
    if (!states.length) {
      return empty('batches', 'No batches yet.');
    }
    show('batches', el('div', {class: 'counts'},
        states.map(s => el('div', {'data-state': s}, el('b', {}, String(counts[s])), pill(s)))));
  }

  // --- cost and savings -----------------------------------------------------------------------------------------

  let chart = null;

  async function savings() {
    const [total, report] = await Promise.all([call('GET', '/api/reports/savings'),
      call('GET', '/api/reports?group=day&format=json')]);
    const summary = document.querySelector('#savings .summary');
    if (total.status === 200 && total.data) {
      summary.replaceChildren(...Object.entries(total.data)
          .filter(([k, v]) => k.endsWith('_usd') && typeof v !== 'object')
          .map(([k, v]) => el('div', {'data-total': k}, el('b', {}, money(v)), k.replace(/_usd$/, '').replace(/_/g, ' '))));
    } else {
      summary.replaceChildren();
    }
    if (report.status !== 200) {
      chart = null;
      return failed('savings', report);
    }
    const rows = (items(report.data).length ? items(report.data) : (report.data && report.data.rows) || [])
        .map(row => ({at: Date.parse(row.key || row.day) / 1000, row}))
        .filter(p => !Number.isNaN(p.at))
        .sort((a, b) => a.at - b.at);
    if (!rows.length) {
      chart = null;
      return empty('savings', 'Nothing spent yet.');
    }
    const data = [rows.map(p => p.at), rows.map(p => Number(p.row.cost_usd) || 0),
      rows.map(p => Number(p.row.savings_usd) || 0)];
    const container = body('savings');
    if (chart && container.contains(chart.root)) {
      chart.setData(data);
      return;
    }
    container.replaceChildren();
    chart = new uPlot({
      width: Math.max(300, container.clientWidth - 10), height: 220,
      scales: {x: {time: true}},
      series: [{}, {label: 'cost (batch)', stroke: '#2b6cb0', width: 2, value: (u, v) => money(v)},
        {label: 'saved against realtime', stroke: '#1f8a4c', width: 2, value: (u, v) => money(v)}],
      axes: [{}, {values: (u, vals) => vals.map(v => money(v))}],
    }, data, container);
  }

  // --- dead letters ---------------------------------------------------------------------------------------------

  async function deadLetters() {
    const r = await call('GET', '/api/dead-letters?limit=100');
    if (r.status !== 200) {
      return failed('dead-letters', r);
    }
    const list = items(r.data);
    if (!list.length) {
      return empty('dead-letters', 'No dead letters.');
    }
    show('dead-letters', table([
      {title: 'ID', value: d => String(d.id)},
      {title: 'Job', value: d => '#' + d.job_id},
      {title: 'Task', value: d => d.task},
      {title: 'Item', value: d => d.item ?? '–'},
      {title: 'Reason', text: true, value: d => d.reason},
      {title: 'Since', value: d => time(d.created_at)},
      {title: '', value: d => el('button', {'data-replay-job': String(d.job_id)}, 'Replay job #' + d.job_id)},
    ], list.map(d => ({data: d, attrs: {'data-dead-letter': String(d.id)}}))));
  }

  /** A replay button sends the job's dead letters again (POST /api/dead-letters/replay?job=). */
  document.addEventListener('click', async event => {
    const button = event.target.closest('button[data-replay-job]');
    if (!button) {
      return;
    }
    button.disabled = true;
    const r = await call('POST', '/api/dead-letters/replay?job=' + encodeURIComponent(button.dataset.replayJob));
    button.replaceWith(el('span', {class: r.status === 200 ? 'muted' : 'error', 'data-replayed': button.dataset.replayJob},
        r.status === 200 ? 'replayed ' + (r.data ? r.data.replayed : '') : r.status === 401 ? 'needs the API token'
            : 'replay refused (HTTP ' + r.status + ')'));
    refreshSoon();
  });

  // --- alerts, runs, schedules, health --------------------------------------------------------------------------

  async function alerts() {
    const r = await call('GET', '/api/alerts?limit=20');
    if (r.status !== 200) {
      return failed('alerts', r);
    }
    const list = items(r.data);
    if (!list.length) {
      return empty('alerts', 'No alerts.');
    }
    show('alerts', table([
      {title: 'Raised', value: a => time(a.created_at)},
      {title: 'Severity', value: a => pill(a.severity)},
      {title: 'Rule', value: a => a.rule},
      {title: 'Alert', text: true, value: a => a.message},
      {title: 'Webhook', value: a => a.webhook_state || '–'},
    ], list.map(a => ({data: a}))));
  }

  /** A list shown with the fields it has of those preferred (else its first scalar fields) as columns. */
  async function generic(section, path, none, preferred) {
    const r = await call('GET', path);
    if (r.status !== 200) {
      return failed(section, r);
    }
    const list = items(r.data);
    if (!list.length) {
      return empty(section, none);
    }
    const scalar = Object.keys(list[0]).filter(k => list[0][k] === null || typeof list[0][k] !== 'object');
    const known = preferred.filter(k => scalar.includes(k));
    const keys = known.length ? known : scalar.slice(0, 8);
    show(section, table(keys.map(k => ({
      title: k.replace(/_/g, ' '),
      value: v => k === 'status' || k === 'state' ? pill(v[k]) : k.endsWith('_at') ? time(v[k])
          : k.endsWith('_usd') ? money(v[k]) : String(v[k] ?? '–'),
    })), list.map(v => ({data: v}))));
  }

  async function health() {
    const badge = document.getElementById('health');
    const r = await call('GET', '/api/health');
    const status = r.status === 404 || r.status === 405 ? 'health not available'
        : r.status === 0 ? 'DOWN' : (r.data && r.data.status) || (r.status === 200 ? 'UP' : 'DOWN');
    badge.textContent = status;
    badge.className = 'badge ' + (status === 'UP' ? 'up' : status === 'DOWN' ? 'down' : '');
  }

  // --- refresh --------------------------------------------------------------------------------------------------

  let timer = null;

  async function refresh() {
    clearTimeout(timer);
    const sections = [jobs(), batches(), savings(), deadLetters(), alerts(),
      generic('runs', '/api/runs?limit=20', 'No extraction runs.',
          ['id', 'task', 'status', 'schedule', 'rows_selected', 'succeeded', 'dead', 'created_at', 'finished_at']),
      generic('schedules', '/api/schedules', 'No schedules.',
          ['name', 'task', 'cron', 'state', 'status', 'paused', 'next_fire_at', 'previous_fire_at']), health()];
    // a section that fails to draw says so and leaves the others be
    const ids = ['jobs', 'batches', 'savings', 'dead-letters', 'alerts', 'runs', 'schedules', null];
    (await Promise.allSettled(sections)).forEach((s, i) => {
      if (s.status === 'rejected' && ids[i]) {
        show(ids[i], el('p', {class: 'error'}, 'could not show this: ' + s.reason));
      }
    });
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    timer = setTimeout(refresh, REFRESH_MS);
  }

  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  refresh();
})();
