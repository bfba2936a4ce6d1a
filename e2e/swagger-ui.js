// Loads Swagger UI in headless Chromium, authorizes with a token from
// `ticketd token`, runs "Get Support Tickets" and checks the live response.
//
//   BASE_URL=http://127.0.0.1:8080 TOKEN=... node swagger-ui.js [screenshot.png]
const { chromium } = require('playwright-core');

const base = process.env.BASE_URL || 'http://127.0.0.1:8080';
const token = process.env.TOKEN;
const shot = process.argv[2];

function fail(message) {
  console.error(`swagger-ui: FAILED: ${message}`);
  process.exit(1);
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
    if (shot) await page.screenshot({ path: shot });
    console.log(`swagger-ui: ok: authorized call returned ${body.data.length} ticket(s)`);
  } finally {
    await browser.close();
  }
})().catch((e) => fail(e.stack || String(e)));
