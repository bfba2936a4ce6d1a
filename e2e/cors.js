// A customer portal on another origin than the API, in headless Chromium: a
// page served here at PAGE_ORIGIN (which ticketd's TICKETD_CORS_ORIGINS
// allows) opens a ticket, lists it and uploads a file with the browser's own
// fetch, reading the headers a client needs; the same page at a second origin
// (localhost instead of 127.0.0.1) is refused by the browser, and its POST
// never reaches the server.
//
//   BASE_URL=http://127.0.0.1:8080 PAGE_PORT=... CUSTOMER_TOKEN=... SHOTS=dir node cors.js
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { fail, launch } = require('./lib');

const base = process.env.BASE_URL || 'http://127.0.0.1:8080';
const pagePort = Number(process.env.PAGE_PORT);
const token = process.env.CUSTOMER_TOKEN;
const shots = process.env.SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-shots-'));
const check = 'cors';

// The portal: plain fetch calls, as a web app makes them, each written into
// the page.
const portal = `<!doctype html>
<html><head><meta charset="utf-8"><title>Support portal</title>
<style>body{font:14px sans-serif;margin:2em} pre{background:#f4f4f4;padding:1em;white-space:pre-wrap}</style>
</head><body>
<h1>Support portal</h1>
<p>Calls <code id="api"></code> from <code id="origin"></code></p>
<pre id="log"></pre>
<script>
const api = new URLSearchParams(location.search).get('api');
document.getElementById('api').textContent = api;
document.getElementById('origin').textContent = location.origin;
const say = (line) => { document.getElementById('log').textContent += line + '\\n'; };
async function call(what, url, init) {
  try {
    const r = await fetch(api + url, init);
    const body = await r.json();
    const seen = { status: r.status, location: r.headers.get('location'),
      requestId: r.headers.get('x-request-id'), rateLimit: r.headers.get('x-ratelimit-limit'), body };
    say(what + ': ' + r.status + ' (X-Request-Id ' + seen.requestId + ')');
    return seen;
  } catch (e) {
    say(what + ': refused by the browser: ' + e.message);
    return { refused: String(e) };
  }
}
window.portal = {
  open: (token) => call('open a ticket', '/backend/api/support-ticket', { method: 'POST',
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ subject: 'From the portal', description: 'Opened from another origin', categoryId: 1 }) }),
  list: (token) => call('list my tickets', '/backend/api/support-ticket', {
    headers: { Authorization: 'Bearer ' + token } }),
  upload: (token) => {
    const form = new FormData();
    form.append('files', new Blob(['%PDF-1.7\\n1 0 obj\\n<< /Type /Catalog >>\\nendobj\\n%%EOF\\n'],
      { type: 'application/pdf' }), 'portal.pdf');
    return call('upload a file', '/backend/api/support-ticket/uploads', { method: 'POST',
      headers: { Authorization: 'Bearer ' + token }, body: form });
  },
  health: () => call('health', '/health', {}),
};
</script></body></html>`;

async function customersTickets() {
  const r = await fetch(`${base}/backend/api/support-ticket`, { headers: { Authorization: `Bearer ${token}` } });
  return (await r.json()).data.map((t) => t.subject);
}

(async () => {
  if (!pagePort || !token) fail(check, 'set PAGE_PORT and CUSTOMER_TOKEN');
  fs.mkdirSync(shots, { recursive: true });
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(portal);
  });
  await new Promise((resolve) => server.listen(pagePort, '127.0.0.1', resolve));
  const browser = await launch(chromium);
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 500 } });
    const query = `?api=${encodeURIComponent(base)}`;

    // The allowed origin.
    await page.goto(`http://127.0.0.1:${pagePort}/${query}`);
    const before = (await customersTickets()).length;
    const opened = await page.evaluate((t) => portal.open(t), token);
    if (opened.status !== 201 || !opened.location || !opened.requestId || !opened.body.data.id) {
      fail(check, `open from the allowed origin: ${JSON.stringify(opened)}`);
    }
    const listed = await page.evaluate((t) => portal.list(t), token);
    if (listed.status !== 200 || !listed.body.data.some((t) => t.id === opened.body.data.id) || !listed.rateLimit) {
      fail(check, `list from the allowed origin: ${JSON.stringify(listed)}`);
    }
    const uploaded = await page.evaluate((t) => portal.upload(t), token);
    if (uploaded.status !== 201 || !uploaded.body.data[0].filePath.startsWith('/uploads/')) {
      fail(check, `upload from the allowed origin: ${JSON.stringify(uploaded)}`);
    }
    await page.screenshot({ path: path.join(shots, 'cors-1-allowed-origin.png') });

    // The same page at another origin: the browser refuses, and the POST's
    // preflight keeps it from the server.
    await page.goto(`http://localhost:${pagePort}/${query}`);
    const refused = await page.evaluate((t) => portal.open(t), token);
    const read = await page.evaluate(() => portal.health());
    if (!refused.refused || !read.refused) fail(check, `another origin was let through: ${JSON.stringify({ refused, read })}`);
    await page.screenshot({ path: path.join(shots, 'cors-2-other-origin.png') });
    const after = (await customersTickets()).length;
    if (after !== before + 1) fail(check, `the customer has ${after} tickets, expected ${before + 1}`);

    console.log(`${check}: ok: from http://127.0.0.1:${pagePort} a ticket opened, listed and a file uploaded; `
      + `from http://localhost:${pagePort} refused (nothing written); screenshots in ${shots}`);
  } finally {
    await browser.close();
    server.close();
  }
})().catch((e) => fail(check, e.stack || String(e)));
