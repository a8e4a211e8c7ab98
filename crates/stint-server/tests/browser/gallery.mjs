// Headless Chromium (Debian's, through playwright-core) against the real server that
// tests/screenshots.rs started and filled. Exits non-zero with a message on any failure.

import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env("STINT_BASE");
const DATE = env("STINT_DATE");
/** "01:05:09 PM" -> "13:05:09". */
const to24 = (t) => {
  const [clock, half] = t.split(" ");
  let [h, m, s] = clock.split(":").map(Number);
  if (half === "PM" && h < 12) h += 12;
  if (half === "AM" && h === 12) h = 0;
  return [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
};
const check = (ok, message) => {
  if (!ok) throw new Error(message);
};

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "stint-chromium-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  // The admin signs in with a password and switches screenshots on.
  const admin = await browser.newPage();
  await admin.goto(`${BASE}/web/sign-in`);
  await admin.fill("#email", env("STINT_ADMIN_EMAIL"));
  await admin.fill("#password", env("STINT_ADMIN_PASSWORD"));
  await admin.click("#sign-in");
  await admin.waitForSelector("#welcome");
  await admin.goto(`${BASE}/web/settings`);
  await admin.check("#screenshots-enabled");
  await admin.check("#audit-enabled");
  await admin.click("#save");
  check((await admin.textContent("#note")).includes("Saved"), "the settings were not saved");
  // Sign out: the admin's cookie must not serve the member below.
  await admin.click("#sign-out");
  await admin.waitForSelector("#sign-in");

  // The member signs in with an API key and sees the notice.
  const member = await browser.newPage();
  await member.goto(`${BASE}/web/sign-in`);
  await member.fill("#api-key", env("STINT_MEMBER_KEY"));
  await member.click("#sign-in");
  await member.waitForSelector("#welcome");
  const notice = await member.textContent("#notices");
  check(/screenshots/i.test(notice ?? ""), `no screenshot notice on the member's page: ${notice}`);

  // The gallery: the member's day, thumbnails, stepping through the pictures.
  await member.goto(`${BASE}/web/screenshots?date=${DATE}`);
  const members = await member.$$("a.member");
  check(members.length === 1, `a member sees ${members.length} people, not only themselves`);
  // Followed as a user's click would, but waited for: a click returns before the next
  // page is there, and under load the old page was still being read.
  const day = await members[0].getAttribute("href");
  await member.goto(new URL(day, member.url()).toString());
  await member.waitForSelector("#thumbnails");
  const thumbs = await member.$$("#thumbnails img");
  const expected = Number(env("STINT_EXPECTED_PICTURES"));
  check(thumbs.length === expected, `${thumbs.length} thumbnails, expected ${expected}`);
  // Every thumbnail loads (waited for: under load the pictures arrive after the page).
  const loaded = await member
    .waitForFunction(() => [...document.querySelectorAll("#thumbnails img")].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 15000 })
    .then(() => true, () => false);
  check(loaded, "a thumbnail did not load");
  await member.click("#thumbnails a >> nth=0");
  check((await member.textContent("h1")).includes(`1 of ${expected}`), "the gallery did not open at the first picture");
  await member.click("#next");
  check((await member.textContent("h1")).includes(`2 of ${expected}`), "next did not step");
  await member.click("#previous");
  check((await member.textContent("h1")).includes(`1 of ${expected}`), "previous did not step back");

  // Delete from the page: the running entry's picture is refused with the rule's message;
  // a stopped entry's middle picture is deleted and time is cut.
  await member.goto(`${BASE}/web/screenshots?date=${env("STINT_RUNNING_DATE")}&user=${env("STINT_MEMBER_ID")}`);
  await member.click(`form.delete:has(input[value="${env("STINT_RUNNING_SET")}"]) button`);
  check((await member.textContent("#message")).includes("still running"), "deleting during a running timer was not refused");
  await member.goto(`${BASE}/web/screenshots?date=${DATE}&user=${env("STINT_MEMBER_ID")}`);
  await member.click(`form.delete:has(input[value="${env("STINT_MIDDLE_SET")}"]) button`);
  const note = await member.textContent("#note");
  check(note.includes("taken out of the time entry"), `no cut message: ${note}`);
  const left = await member.$$("#thumbnails img");
  check(left.length === expected - 1, `${left.length} thumbnails left after one delete`);

  // The detailed report: the CSV export holds what the API returns.
  const from = env("STINT_REPORT_START");
  await member.goto(`${BASE}/web/reports?start=${from}&end=${DATE}`);
  const href = await member.getAttribute("#csv", "href");
  const csv = await (await member.request.get(`${BASE}${href}`)).text();
  const lines = csv.trim().split("\r\n").map((l) => l.slice(1, -1).split('","'));
  const header = lines.shift();
  check(header.join("|") === "Project|Client|Description|Task|User|Group|Email|Tags|Billable|Start Date|Start Time|End Date|End Time|Duration (h)|Duration (decimal)|Billable Rate (USD)|Billable Amount (USD)", `CSV header: ${header}`);
  const api = await (
    await member.request.get(
      `${BASE}/api/v1/workspaces/${env("STINT_WORKSPACE")}/user/${env("STINT_MEMBER_ID")}/time-entries?start=${from}T00:00:00Z&end=${DATE}T23:59:59.999Z&page-size=100`,
      { headers: { "X-Api-Key": env("STINT_MEMBER_KEY") } },
    )
  ).json();
  check(api.length === lines.length, `CSV has ${lines.length} rows, the API ${api.length}`);
  const col = (name) => header.indexOf(name);
  for (const entry of api) {
    const row = lines.find((r) => r[col("Description")] === entry.description && r[col("Start Time")] !== undefined
      && new Date(entry.timeInterval.start).toISOString().slice(11, 19) === to24(r[col("Start Time")]));
    check(row !== undefined, `no CSV row for ${entry.description} at ${entry.timeInterval.start}`);
    check(row[col("Email")] === env("STINT_MEMBER_EMAIL"), `email column: ${row[col("Email")]}`);
    if (entry.timeInterval.duration) {
      const seconds = (Date.parse(entry.timeInterval.end) - Date.parse(entry.timeInterval.start)) / 1000;
      const [h, m, sec] = row[col("Duration (h)")].split(":").map(Number);
      check(h * 3600 + m * 60 + sec === seconds, `duration ${row[col("Duration (h)")]} vs ${seconds} s`);
      check(row[col("Duration (decimal)")] === (seconds / 3600).toFixed(2), `decimal ${row[col("Duration (decimal)")]}`);
    }
  }

  // Someone else's pages and pictures, by direct URL.
  const other = await member.goto(`${BASE}/web/images/${env("STINT_ADMIN_IMAGE")}`);
  check(other.status() === 404, `another user's image answered ${other.status()}`);
  const otherDay = await member.goto(`${BASE}/web/screenshots?date=${DATE}&user=${env("STINT_ADMIN_ID")}`);
  check(otherDay.status() === 404, `another user's day answered ${otherDay.status()}`);
  const settings = await member.goto(`${BASE}/web/settings`);
  check(settings.status() === 403, `a member reached the settings (${settings.status()})`);
  // The admin's audit log shows the member's cut as an update with previous and new end.
  await member.goto(`${BASE}/web`);
  await member.click("#sign-out");
  const auditor = await browser.newPage();
  await auditor.goto(`${BASE}/web/sign-in`);
  await auditor.fill("#email", env("STINT_ADMIN_EMAIL"));
  await auditor.fill("#password", env("STINT_ADMIN_PASSWORD"));
  await auditor.click("#sign-in");
  await auditor.waitForSelector("#welcome");
  await auditor.goto(`${BASE}/web/audit?action=time_entry.updated`);
  const rows = await auditor.$$("tr.record");
  check(rows.length >= 1, "no update in the audit log");
  await auditor.click("tr.record >> nth=0 >> summary");
  const field = await auditor.textContent("tr.record >> nth=0 >> td.field");
  const previous = await auditor.textContent("tr.record >> nth=0 >> td.previous");
  const next = await auditor.textContent("tr.record >> nth=0 >> td.new");
  check(field === "end" && previous !== next && previous.length > 0 && next.length > 0,
    `the update does not show previous and new values: ${field} ${previous} -> ${next}`);
  check((await auditor.textContent("tr.record >> nth=0 >> td.author")).includes("bo@acme.test"), "the author is not the member");
  console.log("browser checks passed");
} finally {
  await browser.close();
}
