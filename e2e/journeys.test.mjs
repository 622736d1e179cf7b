// The main journeys in a real browser (Debian's Chromium, headless), against a server that
// scripts/e2e starts with demo data. axe-core checks every page visited: no serious or critical
// violation. Screenshots at 360 px and 1280 px go to $XASO_SCREENSHOTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.XASO_URL;
const PASSWORD = process.env.XASO_DEMO_PASSWORD;
const SHOTS = process.env.XASO_SCREENSHOTS;
assert.ok(BASE && PASSWORD && SHOTS, 'scripts/e2e sets XASO_URL, XASO_DEMO_PASSWORD and XASO_SCREENSHOTS');
mkdirSync(SHOTS, { recursive: true });

let browser;
const checked = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  writeFileSync(`${SHOTS}/axe-pages.txt`, checked.join('\n') + '\n');
  console.log(`screenshots and the list of pages checked by axe-core: ${SHOTS}`);
});

/** Runs axe-core on the page; fails on any serious or critical violation. */
async function accessible(page, label) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script> tag
  // with the source inline would be refused, as it should be).
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  checked.push(`${label}\t${page.url()}\t${bad.length} serious/critical`);
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `axe-core on ${label}`,
  );
}

/** Screenshots of the page at phone and desktop widths. */
async function shots(page, name) {
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function visit(page, path, label) {
  const response = await page.goto(`${BASE}${path}`);
  assert.ok(response.status() < 400, `${path} answered ${response.status()}`);
  await accessible(page, label);
}

/** What the browser refused under the server's Content-Security-Policy, on any page of any journey. */
const cspViolations = [];

async function session(username) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
  });
  if (username) {
    await page.goto(`${BASE}/dang-nhap`);
    await accessible(page, 'đăng nhập');
    await page.fill('#username', username);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit].button')]);
  }
  return { context, page };
}

/** Submits the action form of the staff dossier page whose heading is `label`. */
async function act(page, key, fields = {}) {
  const form = page.locator(`form[aria-labelledby="tt-${key}"]`);
  await form.waitFor();
  for (const [name, value] of Object.entries(fields)) {
    await form.locator(`[name="${name}"]`).fill(value);
  }
  await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
  const ok = await page.locator('.notice-ok').textContent();
  assert.match(ok, /Đã thực hiện/);
}

let code;

test('1. a citizen finds "khai sinh" typed without diacritics and submits online with an attachment', async () => {
  const { context, page } = await session(null);
  await visit(page, '/', 'trang chủ');
  await shots(page, 'trang-chu');
  await page.fill('#q', 'dang ky khai sinh');
  await Promise.all([page.waitForNavigation(), page.click('.search button')]);
  await accessible(page, 'kết quả tìm kiếm');
  const first = page.locator('ol.procedures li a').first();
  assert.equal(await first.textContent(), 'Đăng ký khai sinh');
  await Promise.all([page.waitForNavigation(), first.click()]);
  await accessible(page, 'trang thủ tục');
  await shots(page, 'thu-tuc');
  await Promise.all([page.waitForNavigation(), page.click('text=Nộp trực tuyến')]);
  // Not signed in: the login page comes back to the form.
  assert.match(page.url(), /\/dang-nhap\?tiep=/);
  await page.fill('#username', 'congdan');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit].button')]);
  assert.match(page.url(), /\/thu-tuc\/1\.001193\/nop$/);
  await accessible(page, 'nộp trực tuyến');
  await shots(page, 'nop-truc-tuyen');
  await page.fill('#phone', '0912345678');
  await page.fill('#id_number', '075201001234');
  await page.setInputFiles('#file_0', { name: 'to-khai-khai-sinh.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% to khai\n%%EOF\n') });
  await Promise.all([page.waitForNavigation(), page.click('form[enctype] button[type=submit]')]);
  // A review first: nothing is submitted until the citizen confirms.
  assert.match(await page.locator('main').textContent(), /Kiểm tra lại trước khi nộp[\s\S]*to-khai-khai-sinh\.pdf/);
  await accessible(page, 'kiểm tra trước khi nộp');
  await shots(page, 'kiem-tra-truoc-khi-nop');
  await Promise.all([page.waitForNavigation(), page.click('text=Xác nhận nộp hồ sơ')]);
  assert.match(page.url(), /\/bien-nhan$/);
  code = (await page.locator('#ma-ho-so').textContent()).trim();
  assert.match(code, /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$/);
  assert.equal(await page.locator('.qr svg').count(), 1, 'the receipt has a QR code');
  const pdf = await page.request.get(`${BASE}/ho-so/${code}/bien-nhan.pdf`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal((await pdf.body()).subarray(0, 8).toString(), '%PDF-1.7');
  await accessible(page, 'giấy tiếp nhận');
  await shots(page, 'bien-nhan');
  await context.close();
});

test('2. the counter accepts it, the specialist forwards, the leader approves, the result is returned', async () => {
  assert.ok(code, 'journey 1 made a dossier');
  const counter = await session('motcua');
  await visit(counter.page, '/can-bo', 'hộp hồ sơ một cửa');
  await shots(counter.page, 'hop-ho-so');
  // The filter updates the list in place (htmx), without reloading the page.
  await counter.page.evaluate(() => { window.sameDocument = true; });
  await counter.page.selectOption('#trang-thai', '9');
  await counter.page.waitForURL(/trang-thai=9/);
  await counter.page.waitForFunction(() => !document.querySelector('#hop-ho-so').textContent.includes('Mới đăng ký'));
  assert.equal(await counter.page.evaluate(() => window.sameDocument), true, 'partial update, same document');
  await counter.page.selectOption('#trang-thai', '');
  await counter.page.waitForSelector(`a[href="/can-bo/ho-so/${code}"]`);
  await Promise.all([counter.page.waitForNavigation(), counter.page.click(`a[href="/can-bo/ho-so/${code}"]`)]);
  await accessible(counter.page, 'hồ sơ (một cửa)');
  await shots(counter.page, 'ho-so-can-bo');
  assert.equal(await counter.page.locator('a[href*="/files/"]').count(), 1, 'the attachment is listed');
  await act(counter.page, 'accept');
  await act(counter.page, 'forward');

  const specialist = await session('chuyenvien');
  await visit(specialist.page, `/can-bo/ho-so/${code}`, 'hồ sơ (chuyên viên)');
  await act(specialist.page, 'forward', { note: 'Đủ điều kiện, đề nghị cấp' });
  await specialist.context.close();

  const leader = await session('lanhdao');
  await visit(leader.page, `/can-bo/ho-so/${code}`, 'hồ sơ (lãnh đạo)');
  await act(leader.page, 'approve', { result_number: '125/2026/KS' });
  await leader.context.close();

  await counter.page.reload();
  // The approval produced the signed e-result.
  assert.equal(await counter.page.locator('a[href*="/files/"]', { hasText: 'ket-qua-' }).count(), 1, 'the signed result is attached');
  await act(counter.page, 'return_result');
  assert.match(await counter.page.locator('dl.facts').textContent(), /Đã trả kết quả/);
  await counter.context.close();
});

test('3. the citizen tracks it and rates it', async () => {
  const anonymous = await session(null);
  await visit(anonymous.page, `/tra-cuu?ma=${encodeURIComponent(code)}`, 'tra cứu');
  assert.match(await anonymous.page.locator('article').textContent(), /Đã trả kết quả/);
  assert.doesNotMatch(await anonymous.page.content(), /0912345678|075201001234/, 'no personal data in public');
  await shots(anonymous.page, 'tra-cuu');
  // The QR on the signed result leads anyone to its verification.
  await visit(anonymous.page, `/xac-thuc/${encodeURIComponent(code)}`, 'xác thực kết quả');
  assert.match(await anonymous.page.locator('article').textContent(), /Chữ ký số hợp lệ[\s\S]*Lê Văn Đức[\s\S]*Nguyên vẹn/);
  assert.doesNotMatch(await anonymous.page.content(), /0912345678|075201001234/, 'no personal data in public');
  await shots(anonymous.page, 'xac-thuc');
  await anonymous.context.close();

  const citizen = await session('congdan');
  await visit(citizen.page, '/ho-so-cua-toi', 'hồ sơ của tôi');
  await visit(citizen.page, `/ho-so/${code}`, 'hồ sơ của tôi (chi tiết)');
  await citizen.page.check('#r1');
  await Promise.all([citizen.page.waitForNavigation(), citizen.page.click('form[action$="/danh-gia"] button[type=submit]')]);
  assert.match(await citizen.page.locator('.notice-ok').textContent(), /Rất hài lòng/);
  await accessible(citizen.page, 'sau đánh giá');
  await shots(citizen.page, 'danh-gia');
  await citizen.context.close();
});

test('4. a walk-in dossier received at the counter with a supplement request', async () => {
  const { context, page } = await session('motcua');
  await visit(page, '/can-bo/tiep-nhan?thu-tuc=1.004873', 'tiếp nhận tại quầy');
  await shots(page, 'tiep-nhan');
  await page.fill('#applicant_name', 'Trần Thị Bích');
  await page.fill('#phone', '0987654321');
  await page.check('#d-supplement');
  await page.fill('#items', 'Giấy tờ chứng minh nơi cư trú\nBản sao trích lục ly hôn');
  await page.fill('#reason', 'Thiếu giấy tờ chứng minh tình trạng hôn nhân trước đây');
  // The officer scans the form the citizen brought.
  await page.setInputFiles('#file_0', { name: 'to-khai.png', mimeType: 'image/png', buffer: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') });
  await Promise.all([page.waitForNavigation(), page.click('form[method=post] button[type=submit].button')]);
  assert.match(page.url(), /\/bien-nhan$/);
  assert.match(await page.locator('dl.facts').textContent(), /Yêu cầu bổ sung giấy tờ/);
  await accessible(page, 'giấy tiếp nhận (bổ sung)');
  const walkIn = (await page.locator('#ma-ho-so').textContent()).trim();
  await visit(page, `/can-bo/ho-so/${walkIn}`, 'hồ sơ tiếp nhận tại quầy');
  assert.equal(await page.locator('a[href*="/files/"]').count(), 1, 'the scan is attached');
  await context.close();
});

test('5. the administrator changes the one-time password, then sees agencies, users, procedures and the calendar', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/dang-nhap?tiep=/quan-tri`);
  await page.fill('#username', 'admin');
  await page.fill('#password', process.env.XASO_ADMIN_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit].button')]);
  // A one-time password leads to the change form first.
  assert.match(page.url(), /\/doi-mat-khau\?tiep=/);
  await accessible(page, 'đổi mật khẩu');
  await page.fill('#current_password', process.env.XASO_ADMIN_PASSWORD);
  await page.fill('#new_password', 'mat-khau-quan-tri-moi');
  await page.fill('#confirm_password', 'mat-khau-quan-tri-moi');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit].button')]);
  assert.match(page.url(), /\/quan-tri$/);
  await accessible(page, 'quản trị');
  const text = await page.locator('main').textContent();
  assert.match(text, /UBND xã Minh Đức/);
  assert.match(text, /motcua/);
  assert.match(text, /Đăng ký khai sinh/);
  await shots(page, 'quan-tri');
  await visit(page, '/quan-tri/lich/2026', 'lịch làm việc 2026');
  assert.match(await page.locator('main').textContent(), /Tết Nguyên đán/);
  await shots(page, 'lich-2026');
  await context.close();
});

test('6. the leader certifies an electronic copy from an original, and anyone checks it by its QR', async () => {
  const { context, page } = await session('lanhdao');
  await visit(page, '/can-bo/chung-thuc', 'chứng thực bản sao');
  await shots(page, 'chung-thuc');
  await page.fill('#requester', 'Trần Thị Bình');
  await page.fill('#document', 'Giấy khai sinh số 125/2010, UBND xã Minh Đức cấp ngày 02/03/2010');
  await page.fill('#copies', '2');
  await page.setInputFiles('#file_1', new URL('./fixtures/ban-chinh-trang-1.png', import.meta.url).pathname);
  // The certifier must confirm having compared the scan with the original: the browser insists.
  assert.equal(await page.locator('#compared').evaluate((box) => box.required), true);
  await page.check('#compared');
  await Promise.all([page.waitForNavigation(), page.click('form[enctype] button[type=submit]')]);
  const done = await page.locator('.notice-ok').textContent();
  assert.match(done, /Số chứng thực \d{2,}, quyển số 01\/\d{4}-SCT\/BS/);
  assert.match(done, /2 bản sao, 1 trang; phí 4\.000 đ/);
  await accessible(page, 'sau chứng thực');
  await shots(page, 'da-chung-thuc');
  const href = await page.locator('.notice-ok a').getAttribute('href');
  const copy = await page.request.get(`${BASE}${href}`);
  assert.equal(copy.status(), 200);
  assert.equal(copy.headers()['content-type'], 'application/pdf');
  const id = href.split('/')[3];
  await context.close();

  const anonymous = await session(null);
  await visit(anonymous.page, `/xac-thuc/chung-thuc/${id}`, 'xác thực bản sao chứng thực');
  assert.match(await anonymous.page.locator('article').textContent(), /Chữ ký số hợp lệ[\s\S]*SCT\/BS[\s\S]*Lê Văn Đức/);
  assert.doesNotMatch(await anonymous.page.content(), /Trần Thị Bình/, 'no personal data in public');
  await shots(anonymous.page, 'xac-thuc-ban-sao');
  await anonymous.context.close();
});

test('7. the leader reads the targets, the QĐ 766 index and report II.06a, and downloads the workbook', async () => {
  const { context, page } = await session('lanhdao');
  const year = new Date().getFullYear();
  await visit(page, `/can-bo/bao-cao?tu=${year}-01-01&den=${year}-12-31`, 'báo cáo, chỉ tiêu');
  const text = await page.locator('main').textContent();
  assert.match(text, /Tỷ lệ giải quyết hồ sơ đúng hạn/);
  assert.match(text, /Chưa có dữ liệu/, 'metrics without data say so');
  assert.match(text, /QĐ 766/);
  assert.match(text, /mẫu II\.06a/);
  assert.ok((await page.locator('svg.chart').count()) >= 3, 'charts drawn on the server');
  await shots(page, 'bao-cao');
  const href = await page.locator('a[href^="/can-bo/bao-cao/bao-cao.xlsx"]').getAttribute('href');
  const workbook = await page.request.get(`${BASE}${href}`);
  assert.equal(workbook.status(), 200);
  assert.equal((await workbook.body()).subarray(0, 2).toString(), 'PK');
  await context.close();

  const province = await session('tinh');
  await visit(province.page, `/can-bo/bao-cao?tu=${year}-01-01&den=${year}-12-31&don-vi=tinh`, 'báo cáo toàn tỉnh');
  assert.match(await province.page.locator('main').textContent(), /Xếp hạng các xã/);
  await shots(province.page, 'bao-cao-tinh');
  await province.context.close();
});

test('8. the leader follows the reform plan and reports progress on a task', async () => {
  const { context, page } = await session('lanhdao');
  await visit(page, '/can-bo/ke-hoach', 'kế hoạch cải cách hành chính');
  await Promise.all([page.waitForNavigation(), page.click('a[href="/can-bo/ke-hoach/ke-hoach-09-2025"]')]);
  await accessible(page, 'kế hoạch 09/KH-UBND');
  assert.match(await page.locator('main').textContent(), /Tiến độ theo lĩnh vực[\s\S]*Cải cách thủ tục hành chính[\s\S]*Tỷ lệ giải quyết hồ sơ đúng hạn đạt tối thiểu 98%/);
  await shots(page, 'ke-hoach');
  await Promise.all([page.waitForNavigation(), page.click('a[href="/can-bo/ke-hoach/ke-hoach-09-2025/nhiem-vu/L528-1"]')]);
  await accessible(page, 'nhiệm vụ kế hoạch');
  await page.selectOption('#quarter', '3');
  await page.selectOption('#status', 'done');
  await page.fill('#percent', '100');
  await page.fill('#narrative', 'Đã hoàn thành trong quý III');
  await page.setInputFiles('#file_1', { name: 'ke-hoach-da-ban-hanh.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% ke hoach\n%%EOF\n') });
  await Promise.all([page.waitForNavigation(), page.click('form[action*="/nhiem-vu/"] button[type=submit]')]);
  assert.match(await page.locator('main').textContent(), /Quý 3\/2025[\s\S]*Hoàn thành[\s\S]*Đã hoàn thành trong quý III[\s\S]*ke-hoach-da-ban-hanh\.pdf/);
  await shots(page, 'nhiem-vu');

  // The target board, and a target kept by hand entered with its evidence.
  await visit(page, '/can-bo/ke-hoach/ke-hoach-09-2025/chi-tieu', 'bảng chỉ tiêu');
  assert.match(await page.locator('main').textContent(), /Đạt \d+ · Chưa đạt \d+ · Chưa có số liệu \d+/);
  await shots(page, 'chi-tieu');
  await visit(page, '/can-bo/ke-hoach/ke-hoach-09-2025/chi-tieu/T44-2', 'chỉ tiêu nhập tay');
  await page.fill('#value', '100');
  await page.fill('#note', 'Báo cáo rà soát văn bản quý III');
  await page.setInputFiles('#file_1', { name: 'ra-soat.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% ra soat\n%%EOF\n') });
  await Promise.all([page.waitForNavigation(), page.click('form[action*="/chi-tieu/"] button[type=submit]')]);
  assert.match(await page.locator('main').textContent(), /● Đạt[\s\S]*ra-soat\.pdf/);
  await accessible(page, 'chỉ tiêu đã nhập');

  // Inspections: the demo's two, then a new one planned and its page.
  await visit(page, '/can-bo/ke-hoach/ke-hoach-09-2025/kiem-tra', 'kiểm tra cải cách hành chính');
  assert.match(await page.locator('main').textContent(), /Đơn vị được kiểm tra[\s\S]*\(2\/5\)/);
  await shots(page, 'kiem-tra');
  await page.fill('#planned_on', '2025-12-10');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/kiem-tra"] button[type=submit]')]);
  await accessible(page, 'một cuộc kiểm tra');
  assert.match(await page.locator('main').textContent(), /Chưa kiểm tra/);
  await shots(page, 'kiem-tra-don-vi');
  await context.close();
});

test('9. a paper scanned at the counter is reused online with consent, and the citizen sees who used her data', async () => {
  // The demo citizen Võ Thị Mai (account congdan) is linked to 075190012345.
  const counter = await session('motcua');
  await visit(counter.page, '/can-bo/tiep-nhan?thu-tuc=1.001193&so=075190012345', 'tiếp nhận tại quầy (tra kho công dân)');
  assert.equal(await counter.page.inputValue('#applicant_name'), 'Võ Thị Mai', 'the profile fills the form');
  await counter.page.selectOption('#comp_0', 'original');
  await counter.page.selectOption('#comp_1', 'original');
  await counter.page.selectOption('#comp_5', 'present');
  await counter.page.setInputFiles('#file_5', { name: 'the-can-cuoc.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% the can cuoc Vo Thi Mai\n%%EOF\n') });
  await Promise.all([counter.page.waitForNavigation(), counter.page.click('form[method=post] button[type=submit].button')]);
  assert.match(counter.page.url(), /\/bien-nhan$/);
  await visit(counter.page, '/can-bo/cong-dan?so=075190012345', 'kho dữ liệu công dân (cán bộ)');
  assert.match(await counter.page.locator('main').textContent(), /Giấy tờ tùy thân[\s\S]*Số hóa tại Bộ phận một cửa/);
  await shots(counter.page, 'kho-cong-dan-can-bo');
  await counter.context.close();

  const { context, page } = await session('congdan');
  await visit(page, '/thu-tuc/1.000894/nop', 'nộp trực tuyến (dùng lại giấy tờ)');
  assert.notEqual(await page.inputValue('#reuse_1'), '', 'the card is offered for the identity papers');
  assert.ok(await page.isChecked('#reuse_consent'));
  await shots(page, 'nop-dung-lai-giay-to');
  await page.fill('#phone', '0912345678');
  await Promise.all([page.waitForNavigation(), page.click('form[enctype] button[type=submit]')]);
  assert.match(await page.locator('main').textContent(), /Dùng lại từ kho dữ liệu của bạn[\s\S]*Giấy tờ tùy thân/);
  await Promise.all([page.waitForNavigation(), page.click('text=Xác nhận nộp hồ sơ')]);
  assert.match(page.url(), /\/bien-nhan$/);
  const reused = (await page.locator('#ma-ho-so').textContent()).trim();
  await visit(page, '/du-lieu-cua-toi', 'dữ liệu của tôi');
  const mine = await page.locator('main').textContent();
  assert.match(mine, /Ai đã dùng dữ liệu của tôi/);
  assert.match(mine, /Xem thông tin cá nhân/);
  assert.ok(mine.includes('Dùng lại giấy tờ cho hồ sơ') && mine.includes(reused), mine);
  await shots(page, 'du-lieu-cua-toi');
  await context.close();
});

test('10. the counter asks the fee, the citizen pays online through the sandbox gateway and gets a receipt', async () => {
  // Online request for two copies of a civil-status extract (2.000635: 8.000 đ per copy).
  const citizen = await session('congdan');
  await visit(citizen.page, '/thu-tuc/2.000635/nop', 'nộp trực tuyến (trích lục)');
  await citizen.page.setInputFiles('#file_0', { name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% to khai trich luc\n%%EOF\n') });
  await Promise.all([citizen.page.waitForNavigation(), citizen.page.click('form[enctype] button[type=submit]')]);
  await Promise.all([citizen.page.waitForNavigation(), citizen.page.click('text=Xác nhận nộp hồ sơ')]);
  const feeCode = (await citizen.page.locator('#ma-ho-so').textContent()).trim();

  const counter = await session('motcua');
  await visit(counter.page, `/can-bo/ho-so/${feeCode}`, 'hồ sơ trực tuyến chờ tiếp nhận');
  await act(counter.page, 'accept');
  const ask = counter.page.locator('form[aria-labelledby="tt-request_payment"]');
  await ask.locator('[name="copies"]').fill('2');
  await Promise.all([counter.page.waitForNavigation(), ask.locator('button[type=submit]').click()]);
  assert.match(await counter.page.locator('.notice-ok').textContent(), /Đã yêu cầu nộp 16\.000 đ/);
  await accessible(counter.page, 'hồ sơ chờ nộp phí');
  await counter.context.close();

  const { page } = citizen;
  await visit(page, `/ho-so/${feeCode}`, 'hồ sơ của tôi (nộp phí)');
  assert.equal((await page.locator('#so-phai-nop').textContent()).trim(), '16.000 đ');
  await shots(page, 'nop-phi');
  await Promise.all([page.waitForNavigation(), page.click('text=Thanh toán trực tuyến')]);
  assert.match(page.url(), /\/cong-thanh-toan-thu\/pay\?/);
  assert.equal((await page.locator('#so-tien').textContent()).trim(), '16.000 đ');
  await accessible(page, 'cổng thanh toán thử nghiệm');
  await shots(page, 'cong-thanh-toan-thu');
  await Promise.all([page.waitForNavigation(), page.click('button[value=pay]')]);
  assert.match(page.url(), /\/thanh-toan\/ket-qua\?/);
  assert.match(await page.locator('main').textContent(), /Thanh toán thành công[\s\S]*biên lai số BL/);
  await accessible(page, 'kết quả thanh toán');
  await visit(page, `/ho-so/${feeCode}`, 'hồ sơ đã nộp phí');
  const receipt = await page.request.get(`${BASE}${await page.locator('a[href*="/bien-lai/"]').getAttribute('href')}`);
  assert.equal(receipt.status(), 200);
  assert.equal(receipt.headers()['content-type'], 'application/pdf');
  await citizen.context.close();
});

test('11. a citizen sends feedback, the commune answers and publishes, the citizen rates the answer', async () => {
  const citizen = await session('congdan');
  await visit(citizen.page, '/phan-anh', 'gửi phản ánh, kiến nghị');
  await citizen.page.selectOption('#service_code', 'ha-tang');
  await citizen.page.fill('#description', 'Đèn chiếu sáng đường vào ấp 3 hỏng đã một tuần');
  await citizen.page.fill('#address', 'Ấp 3, xã Minh Đức');
  await Promise.all([citizen.page.waitForNavigation(), citizen.page.click('form[action="/phan-anh"] button[type=submit]')]);
  assert.match(citizen.page.url(), /\/phan-anh\/PAKN-\d{4}-/);
  const item = new URL(citizen.page.url()).pathname;
  assert.equal((await citizen.page.locator('#trang-thai').textContent()).trim(), 'Đã tiếp nhận');
  await accessible(citizen.page, 'phản ánh đã gửi');

  const officer = await session('chuyenvien');
  await visit(officer.page, '/phan-anh', 'sổ tiếp nhận phản ánh');
  await visit(officer.page, item, 'phản ánh (cán bộ)');
  const submit = async (page, key, fill) => {
    const form = page.locator(`form[aria-labelledby="pa-${key}"]`);
    if (fill) await form.locator('[name="text"]').fill(fill);
    await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
  };
  await submit(officer.page, 'classify');
  await submit(officer.page, 'answer', 'Ngày 17/4 xã đã thay bóng đèn, đường đã sáng lại.');
  assert.equal((await officer.page.locator('#trang-thai').textContent()).trim(), 'Đã trả lời');
  await officer.context.close();
  const leader = await session('lanhdao');
  await visit(leader.page, item, 'phản ánh (lãnh đạo)');
  await submit(leader.page, 'publish');
  await leader.context.close();

  // The citizen was told in the portal inbox, and the message leads to the answer.
  await visit(citizen.page, '/thong-bao', 'thông báo');
  const message = citizen.page.locator('.inbox li', { hasText: item.split('/').pop() });
  assert.match(await message.textContent(), /đã được trả lời/);
  assert.match(await message.textContent(), /mới/);
  await shots(citizen.page, 'thong-bao');
  await visit(citizen.page, item, 'phản ánh đã trả lời');
  assert.match(await citizen.page.locator('#tra-loi').textContent(), /thay bóng đèn/);
  await shots(citizen.page, 'phan-anh');
  await citizen.page.check('#r2');
  await Promise.all([citizen.page.waitForNavigation(), citizen.page.locator('form[aria-labelledby="pa-rate"] button[type=submit]').click()]);
  assert.match(await citizen.page.locator('main').textContent(), /Người gửi đánh giá: Hài lòng/);
  // Open311 shows the same item, closed.
  const open311 = await citizen.page.request.get(`${BASE}/open311/v2/requests/${item.split('/').pop()}.json`);
  assert.equal((await open311.json())[0].status, 'closed');
  await citizen.context.close();
});

test('12. the counter records feedback given in person, a specialist is assigned, it is forwarded to the commune responsible', async () => {
  const counter = await session('motcua');
  await visit(counter.page, '/phan-anh', 'sổ phản ánh (một cửa)');
  await counter.page.fill('#author_name', 'Bùi Văn Hùng');
  await counter.page.fill('#author_contact', '0903123456');
  await counter.page.selectOption('#counter_service_code', 'ha-tang');
  await counter.page.fill('#counter_description', 'Rác thải đổ trộm ở đầu cầu, phía bên kia sông thuộc xã Tân Khai');
  await Promise.all([counter.page.waitForNavigation(), counter.page.click('form[action="/phan-anh/quay"] button[type=submit]')]);
  assert.match(counter.page.url(), /\/phan-anh\/PAKN-\d{4}-/);
  const item = new URL(counter.page.url()).pathname;
  await accessible(counter.page, 'phản ánh ghi tại quầy');
  // Assigned to the commune's specialist.
  const assign = counter.page.locator('form[aria-labelledby="pa-assign"]');
  await Promise.all([counter.page.waitForNavigation(), assign.locator('button[type=submit]').click()]);
  assert.ok((await counter.page.locator('#chuyen-vien').textContent()).trim().length > 0);
  await counter.context.close();

  // The specialist sees it is Tân Khai's and forwards it there inside the system.
  const specialist = await session('chuyenvien');
  await visit(specialist.page, item, 'phản ánh được giao');
  const forward = specialist.page.locator('form[aria-labelledby="pa-forward_agency"]');
  const options = await forward.locator('select[name="agency_code"] option').allTextContents();
  const tanKhai = options.findIndex((o) => /Tân Khai/.test(o));
  assert.ok(tanKhai >= 0, `Tân Khai among ${options}`);
  await forward.locator('select[name="agency_code"]').selectOption({ index: tanKhai });
  await Promise.all([specialist.page.waitForNavigation(), forward.locator('button[type=submit]').click()]);
  await specialist.context.close();

  // Tân Khai's officers now have it in their register, with the deadline counted from the transfer.
  const other = await session('chuyenvien.tk');
  await visit(other.page, '/phan-anh', 'sổ phản ánh (Tân Khai)');
  assert.match(await other.page.locator('main').textContent(), new RegExp(item.split('/').pop()));
  await visit(other.page, item, 'phản ánh được chuyển đến');
  assert.match(await other.page.locator('main').textContent(), /Tân Khai/);
  await shots(other.page, 'phan-anh-chuyen');
  await other.context.close();
});

test('13. no page of the journeys broke the Content-Security-Policy (no inline script or style)', () => {
  assert.deepEqual(cspViolations, []);
});
