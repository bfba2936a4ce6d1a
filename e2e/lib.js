// What the browser checks share: failing loudly, starting Chromium, and
// reading an operation's live answer in Swagger UI.

function fail(check, message) {
  console.error(`${check}: FAILED: ${message}`);
  process.exit(1);
}

function launch(chromium) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

// Waits for the operation's live response to have `code`.
async function liveStatus(check, op, code) {
  const cell = op.locator('.live-responses-table tbody .response-col_status').first();
  try {
    await cell.waitFor({ timeout: 20000 });
    await op.page().waitForFunction(
      ([el, want]) => el.innerText.trim() === want,
      [await cell.elementHandle(), code], { timeout: 20000 });
  } catch (e) {
    const got = await cell.innerText().catch(() => 'nothing');
    const body = await op.locator('.live-responses-table .microlight').first().innerText().catch(() => '');
    fail(check, `expected ${code}, got ${got}: ${body}`);
  }
}

// The operation's live JSON response, once it has `code`.
async function liveJson(check, op, code) {
  await liveStatus(check, op, code);
  return JSON.parse(await op.locator('.live-responses-table .microlight').first().innerText());
}

module.exports = { fail, launch, liveJson, liveStatus };
