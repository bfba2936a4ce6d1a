// Loads Swagger UI in headless Chromium, authorizes with a token from
// `ticketd token`, runs "Get Support Tickets" and checks the live response;
// then uploads a file through the upload form, attaches it to ticket 1 with
// the message call, and downloads it back, all from Swagger UI.
//
//   BASE_URL=http://127.0.0.1:8080 TOKEN=... node swagger-ui.js [screenshot.png]
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const base = process.env.BASE_URL || 'http://127.0.0.1:8080';
const token = process.env.TOKEN;
const shot = process.argv[2];

function fail(message) {
  console.error(`swagger-ui: FAILED: ${message}`);
  process.exit(1);
}

// Waits for the operation's live response to have `code`.
async function liveStatus(op, code) {
  const cell = op.locator('.live-responses-table tbody .response-col_status').first();
  try {
    await cell.waitFor({ timeout: 20000 });
    await op.page().waitForFunction(
      ([el, want]) => el.innerText.trim() === want,
      [await cell.elementHandle(), code], { timeout: 20000 });
  } catch (e) {
    const got = await cell.innerText().catch(() => 'nothing');
    const body = await op.locator('.live-responses-table .microlight').first().innerText().catch(() => '');
    fail(`expected ${code}, got ${got}: ${body}`);
  }
}

// The operation's live JSON response, once it has `code`.
async function liveJson(op, code) {
  await liveStatus(op, code);
  return JSON.parse(await op.locator('.live-responses-table .microlight').first().innerText());
}

(async () => {
  if (!token) fail('set TOKEN');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(`${base}/swagger-ui`);
    await page.waitForSelector('button.authorize', { timeout: 20000 });
    const title = await page.locator('h2.title').first().innerText();
    if (!title.includes('ticketd')) fail(`unexpected title ${title}`);

    // Unauthorized first: the call answers 401 in the error envelope.
    const op = page.locator('#operations-Support-list_tickets');
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 20000 });
    if ((await status.innerText()).trim() !== '401') fail(`without a token: ${await status.innerText()}`);

    await page.click('button.authorize');
    await page.fill('.modal-ux input', token);
    await page.click('.modal-ux button.authorize');
    await page.click('.modal-ux button.btn-done');
    await op.locator('button.execute').click();
    await page.waitForFunction(
      () => document.querySelector('#operations-Support-list_tickets .live-responses-table tbody .response-col_status')?.innerText.trim() === '200',
      null, { timeout: 20000 });
    const body = JSON.parse(await op.locator('.live-responses-table .microlight').first().innerText());
    // The server holds exactly one ticket of this customer: "Try it out" with
    // the form as it comes must find it.
    if (body.status !== '1' || body.message !== 'Support tickets retrieved successfully'
        || !Array.isArray(body.data) || body.data.length !== 1) {
      fail(`unexpected body ${JSON.stringify(body)}`);
    }
    console.log(`swagger-ui: ok: authorized call returned ${body.data.length} ticket(s)`);

    // Upload a file through the multipart form.
    const pdf = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n', 'latin1');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-ui-')), 'invoice.pdf');
    fs.writeFileSync(file, pdf);
    const upload = page.locator('#operations-Attachments-upload_files');
    await upload.locator('.opblock-summary').click();
    await upload.locator('button.try-out__btn').click();
    if (await upload.locator('input[type=file]').count() === 0) {
      await upload.locator('.opblock-section-request-body button', { hasText: /add/i }).first().click();
    }
    await upload.locator('input[type=file]').first().setInputFiles(file);
    await upload.locator('button.execute').click();
    const uploaded = await liveJson(upload, '201');
    const filePath = uploaded.data && uploaded.data[0] && uploaded.data[0].filePath;
    if (!filePath || uploaded.data[0].size !== pdf.length || uploaded.data[0].contentType !== 'application/pdf') {
      fail(`unexpected upload answer ${JSON.stringify(uploaded)}`);
    }

    // Attach it to ticket 1 with the documented message call.
    const add = page.locator('#operations-Support-add_message');
    await add.locator('.opblock-summary').click();
    await add.locator('button.try-out__btn').click();
    await add.locator('tr[data-param-name="id"] input').fill('1');
    await add.locator('textarea.body-param__text').fill(JSON.stringify({
      message: 'The invoice, from Swagger UI',
      attachments: [{ fileName: 'invoice.pdf', filePath }],
    }));
    await add.locator('button.execute').click();
    const added = await liveJson(add, '200');
    if (added.data.attachments[0].filePath !== filePath) fail(`unexpected message answer ${JSON.stringify(added)}`);

    // Download it back.
    const download = page.locator('#operations-Attachments-download_file');
    await download.locator('.opblock-summary').click();
    await download.locator('button.try-out__btn').click();
    await download.locator('tr[data-param-name="key"] input').fill(filePath.replace('/uploads/', ''));
    await download.locator('button.execute').click();
    await liveStatus(download, '200');
    const headers = (await download.locator('.live-responses-table').first().innerText()).toLowerCase();
    if (!headers.includes(`content-length: ${pdf.length}`) || !headers.includes('content-type: application/pdf')
        || !headers.includes('content-disposition: attachment')) {
      fail(`unexpected download headers ${headers}`);
    }
    const link = download.locator('.live-responses-table a[download]');
    await link.first().waitFor({ timeout: 20000 });
    const bytes = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return Array.from(new Uint8Array(await r.arrayBuffer()));
    }, await link.first().getAttribute('href'));
    if (Buffer.compare(Buffer.from(bytes), pdf) !== 0) fail(`downloaded ${bytes.length} bytes, not the upload`);
    if (shot) await page.screenshot({ path: shot, fullPage: true });
    console.log(`swagger-ui: ok: uploaded ${filePath}, attached it to ticket 1 and downloaded ${bytes.length} bytes back`);
  } finally {
    await browser.close();
  }
})().catch((e) => fail(e.stack || String(e)));
