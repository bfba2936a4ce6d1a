// README's "Try a call", click by click, in Swagger UI in headless Chromium, on
// a new desk: the admin creates a category; the customer opens a ticket, lists
// it, uploads a file, sends it in a message and downloads it at its filePath;
// the admin adds an internal note and reads the ticket. Each step's operation
// is checked against its live answer and photographed into SHOTS.
//
//   BASE_URL=http://127.0.0.1:8080 ADMIN_TOKEN=... CUSTOMER_TOKEN=... SHOTS=dir node walkthrough.js
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { fail, launch, liveJson, liveStatus } = require('./lib');

const base = process.env.BASE_URL || 'http://127.0.0.1:8080';
const adminToken = process.env.ADMIN_TOKEN;
const customerToken = process.env.CUSTOMER_TOKEN;
const shots = process.env.SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-shots-'));
const check = 'walkthrough';

let shot = 0;
async function photograph(target, name) {
  shot += 1;
  const file = path.join(shots, `walkthrough-${String(shot).padStart(2, '0')}-${name}.png`);
  await target.screenshot({ path: file });
  return file;
}

// Opens an operation and clicks "Try it out".
async function tryOut(page, id) {
  const op = page.locator(`#${id}`);
  if (await op.count() !== 1) fail(check, `no operation ${id} in Swagger UI`);
  if (!(await op.getAttribute('class')).includes('is-open')) await op.locator('.opblock-summary').first().click();
  const button = op.locator('button.try-out__btn', { hasText: 'Try it out' });
  if (await button.count() > 0) await button.click();
  return op;
}

// Authorize → (Logout) → paste → Authorize → Close.
async function authorize(page, token) {
  await page.click('.auth-wrapper button.authorize');
  const modal = page.locator('.modal-ux');
  await modal.waitFor();
  const logout = modal.locator('button', { hasText: 'Logout' });
  if (await logout.count() > 0) await logout.first().click();
  await modal.locator('input').first().fill(token);
  await modal.locator('button.authorize', { hasText: 'Authorize' }).first().click();
  await modal.locator('button', { hasText: 'Logout' }).first().waitFor();
  await modal.locator('button.btn-done').click();
}

// Execute, after clearing an earlier answer so that only this one is read.
async function execute(op) {
  const clear = op.locator('button.btn-clear');
  if (await clear.count() > 0) await clear.first().click();
  await op.locator('button.execute').click();
}

(async () => {
  if (!adminToken || !customerToken) fail(check, 'set ADMIN_TOKEN and CUSTOMER_TOKEN');
  fs.mkdirSync(shots, { recursive: true });
  const browser = await launch(chromium);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    // 2. Open Swagger UI, authorize as the admin; the token survives a reload.
    await page.goto(`${base}/swagger-ui/`);
    await page.waitForSelector('.auth-wrapper button.authorize', { timeout: 20000 });
    await authorize(page, adminToken);
    await page.reload();
    await page.waitForSelector('.auth-wrapper button.authorize.locked', { timeout: 20000 })
      .catch(() => fail(check, 'the token was forgotten on reload (persistAuthorization)'));
    await photograph(page, 'authorized');

    // 3. The admin creates a category with the example body.
    let op = await tryOut(page, 'operations-Categories-create_category');
    await execute(op);
    const category = await liveJson(check, op, '201');
    if (category.data.categoryName !== 'Refund' || category.data.id !== 1) fail(check, `category ${JSON.stringify(category)}`);
    await photograph(op, 'category-created');

    // 4. Switch to the customer.
    await authorize(page, customerToken);

    // 5. Open a ticket with the default example, as it stands.
    op = await tryOut(page, 'operations-Support-open_ticket');
    await execute(op);
    const opened = await liveJson(check, op, '201');
    const id = opened.data.id;
    if (!id || opened.data.userId !== 'user01') fail(check, `opened ${JSON.stringify(opened)}`);
    await photograph(op, 'ticket-opened');

    // 6. List the customer's tickets.
    op = await tryOut(page, 'operations-Support-list_tickets');
    await execute(op);
    const list = await liveJson(check, op, '200');
    if (!Array.isArray(list.data) || list.data.length !== 1 || list.data[0].id !== id) fail(check, `list ${JSON.stringify(list)}`);
    await photograph(op, 'tickets-listed');

    // 7. Upload a file; copy its filePath.
    const pdf = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n', 'latin1');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ticketd-ui-')), 'invoice.pdf');
    fs.writeFileSync(file, pdf);
    op = await tryOut(page, 'operations-Messages-upload_files');
    if (await op.locator('input[type=file]').count() === 0) {
      await op.locator('.opblock-section-request-body button', { hasText: /add/i }).first().click();
    }
    await op.locator('input[type=file]').first().setInputFiles(file);
    await execute(op);
    const uploaded = await liveJson(check, op, '201');
    const filePath = uploaded.data && uploaded.data[0] && uploaded.data[0].filePath;
    if (!filePath || uploaded.data[0].size !== pdf.length || uploaded.data[0].contentType !== 'application/pdf') {
      fail(check, `upload ${JSON.stringify(uploaded)}`);
    }
    await photograph(op, 'file-uploaded');

    // 8. The operation right below: a message with the file, from the example.
    const order = await page.locator('#operations-tag-Messages').locator('xpath=ancestor::div[contains(@class,"opblock-tag-section")]')
      .locator('.opblock').evaluateAll((els) => els.map((e) => e.id));
    if (order.join() !== 'operations-Messages-upload_files,operations-Messages-add_message') fail(check, `Messages holds ${order}`);
    op = await tryOut(page, 'operations-Messages-add_message');
    await op.locator('tr[data-param-name="id"] input').fill(String(id));
    await op.locator('.examples-select select').first().selectOption({ label: 'A message with a file uploaded first' });
    const body = op.locator('textarea.body-param__text');
    const example = JSON.parse(await body.inputValue());
    example.attachments[0].filePath = filePath;
    await body.fill(JSON.stringify(example, null, 2));
    await execute(op);
    const added = await liveJson(check, op, '200');
    if (added.data.attachments[0].filePath !== filePath) fail(check, `message ${JSON.stringify(added)}`);
    await photograph(op, 'message-sent');

    // 9. Download it at its filePath.
    op = await tryOut(page, 'operations-Attachments-download_file_at_path');
    await op.locator('tr[data-param-name="key"] input').fill(filePath.replace('/uploads/', ''));
    await execute(op);
    await liveStatus(check, op, '200');
    const headers = (await op.locator('.live-responses-table').first().innerText()).toLowerCase();
    if (!headers.includes(`content-length: ${pdf.length}`) || !headers.includes('content-type: application/pdf')) {
      fail(check, `download headers ${headers}`);
    }
    const link = op.locator('.live-responses-table a[download]');
    await link.first().waitFor({ timeout: 20000 });
    const bytes = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return Array.from(new Uint8Array(await r.arrayBuffer()));
    }, await link.first().getAttribute('href'));
    if (Buffer.compare(Buffer.from(bytes), pdf) !== 0) fail(check, `downloaded ${bytes.length} bytes, not the upload`);
    await photograph(op, 'file-downloaded');

    // 10. Back to the admin: an internal note, then the ticket.
    await authorize(page, adminToken);
    op = await tryOut(page, 'operations-Messages-add_message');
    await op.locator('tr[data-param-name="id"] input').fill(String(id));
    await op.locator('.examples-select select').first().selectOption({ label: 'An internal note (agents and admins)' });
    await execute(op);
    const note = await liveJson(check, op, '200');
    if (note.data.visibility !== 'internal') fail(check, `note ${JSON.stringify(note)}`);
    await photograph(op, 'internal-note');
    op = await tryOut(page, 'operations-Support-get_ticket');
    await op.locator('tr[data-param-name="id"] input').fill(String(id));
    await execute(op);
    const staffView = await liveJson(check, op, '200');
    if (staffView.data.ticketMessage.map((m) => m.visibility).join() !== 'public,internal') {
      fail(check, `staff view ${JSON.stringify(staffView.data.ticketMessage)}`);
    }
    await photograph(op, 'ticket-read');

    // The customer's view never shows the note.
    const customerView = await (await fetch(`${base}/backend/api/support-ticket/${id}`, {
      headers: { Authorization: `Bearer ${customerToken}` },
    })).json();
    if (customerView.data.ticketMessage.length !== 1 || JSON.stringify(customerView).includes('refund approved')) {
      fail(check, `customer view ${JSON.stringify(customerView)}`);
    }
    console.log(`${check}: ok: README's steps in Swagger UI, ${shot} screenshots (ticket ${id}, ${filePath}) in ${shots}`);
  } finally {
    await browser.close();
  }
})().catch((e) => fail(check, e.stack || String(e)));
