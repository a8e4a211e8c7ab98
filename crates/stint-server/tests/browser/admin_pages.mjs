// Headless Chromium (Debian's, through playwright-core) on the admin pages of the real
// server that tests/web_browser.rs started: clients, projects with a task, tags and members
// round trips, the invitation flow for a new member, a role change seen by that member, and
// the dashboard's chart, the summary's CSV and PDF downloads and its filters. Saves a screenshot of every page under STINT_ARTIFACTS. Exits
// non-zero with a message on any failure.

import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env("STINT_BASE");
const ARTIFACTS = env("STINT_ARTIFACTS");
mkdirSync(ARTIFACTS, { recursive: true });
const check = (ok, message) => {
  if (!ok) throw new Error(message);
};
const shot = (page, name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

// Two people at once: each has a context of their own, so their session cookies stay apart.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const admin = await (await browser.newContext()).newPage();
  await admin.goto(`${BASE}/web/sign-in`);
  await admin.fill("#api-key", env("STINT_ADMIN_KEY"));
  await admin.click("#sign-in");
  await admin.waitForSelector("#welcome");
  // The dashboard: one bar per day with time.
  const bars = await admin.locator("#week-chart rect.bar").count();
  check(bars === Number(env("STINT_BARS")), `${bars} bars, expected ${env("STINT_BARS")}`);
  check((await admin.locator("#project-ring circle.share").count()) > 0, "no ring");
  await shot(admin, "home");
  // The summary report page: its chart has a bar per group.
  await admin.click("nav >> text=Summary");
  check((await admin.locator("#summary-chart rect.group-bar").count()) > 0, "no summary chart");
  await shot(admin, "summary");
  // Its CSV and PDF downloads, as a browser saves them, opened and checked.
  for (const [link, head] of [["#summary-csv", '"Group 1"'], ["#summary-pdf", "%PDF-"]]) {
    const [download] = await Promise.all([admin.waitForEvent("download"), admin.click(link)]);
    const path = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(path);
    const start = readFileSync(path).subarray(0, 16).toString("latin1");
    check(start.startsWith(head), `${link}: the download starts ${JSON.stringify(start)}`);
  }
  // The filters: billable only, shown again as chosen.
  await admin.selectOption("#billable", "true");
  await admin.click("#show");
  check((await admin.inputValue("#billable")) === "true", "the billable filter was not kept");
  await shot(admin, "summary-filtered");

  // Clients.
  await admin.click("nav >> text=Clients");
  await admin.fill("#client-name", "Acme");
  await admin.click("#create-client");
  check((await admin.textContent("#note")).includes("Acme"), "the client was not created");
  await shot(admin, "clients");

  // A project of that client, with a task; archived, then deleted.
  await admin.click("nav >> text=Projects");
  await admin.fill("#project-name", "Website");
  await admin.selectOption("#project-client", { label: "Acme" });
  await admin.check("#project-billable");
  await admin.fill("#project-rate", "50");
  await admin.click("#create-project");
  check((await admin.textContent("#note")).includes("Website"), "the project was not created");
  // A refused form says why, beside the form, and keeps what was typed.
  await admin.fill("#project-name", "website");
  await admin.click("#create-project");
  check((await admin.textContent("#problem")).includes("already exists"), "no reason for a duplicate");
  check((await admin.inputValue("#project-name")) === "website", "the typed name was lost");
  await shot(admin, "projects");
  await admin.goto(`${BASE}/web/projects`);
  await admin.click("#projects >> text=Edit");
  await admin.fill("#task-name", "Design");
  await admin.click("#create-task");
  check((await admin.textContent("#tasks")).includes("Design"), "no task");
  await admin.click("#tasks >> text=Mark done");
  check((await admin.textContent("#tasks")).includes("Done"), "the task is not done");
  await shot(admin, "project");
  await admin.click("#archive-project");
  await admin.click("#delete-project");
  check((await admin.textContent("#note")).includes("deleted"), "the project was not deleted");

  // Tags: create, rename on the row, archive, restore, delete.
  await admin.click("nav >> text=Tags");
  await admin.fill("#tag-name", "urgnet");
  await admin.click("#create-tag");
  await admin.fill("#tags input[name=name]", "urgent");
  await admin.click("#tags >> text=Rename");
  check((await admin.textContent("#note")).includes("urgent"), "the tag was not renamed");
  await admin.click("#tags >> text=Archive");
  await admin.click("#tags >> text=Restore");
  await shot(admin, "tags");
  await admin.click("#tags >> text=Delete");
  check((await admin.textContent("#note")).includes("deleted"), "the tag was not deleted");

  // Members: an invitation for a new member, who sets a password and signs in.
  await admin.click("nav >> text=Members");
  await admin.fill("#member-email", "new@acme.test");
  await admin.fill("#member-name", "Newcomer");
  await admin.click("#add");
  const note = await admin.textContent("#note");
  const link = note.match(/https?:\/\/\S+\/web\/invite\/[0-9a-f]+/)?.[0];
  check(link, `no invitation link in ${note}`);
  check((await admin.textContent("#secret-value")).length === 48, "no API key shown");
  await shot(admin, "members");
  const newcomer = await (await browser.newContext()).newPage();
  await newcomer.goto(link);
  await newcomer.fill("#password", "the newcomer's password");
  await newcomer.fill("#repeat", "the newcomer's password");
  await newcomer.click("#set-password");
  await newcomer.waitForSelector("#sign-in");
  await newcomer.fill("#email", "new@acme.test");
  await newcomer.fill("#password", "the newcomer's password");
  await newcomer.click("#sign-in");
  await newcomer.waitForSelector("#welcome");
  check((await newcomer.locator("nav >> text=Members").count()) === 0, "a member sees the admin pages");
  // Made an admin: seen at the newcomer's next page.
  await admin.goto(`${BASE}/web/members`);
  await admin.selectOption('select[aria-label="Role of Newcomer"]', "admin");
  await admin.click('tr:has-text("Newcomer") >> text=Change role');
  check((await admin.textContent("#note")).includes("an admin"), "the role did not change");
  await newcomer.reload();
  check((await newcomer.locator("nav >> text=Members").count()) === 1, "the new admin does not see the admin pages");
  console.log(`screenshots in ${ARTIFACTS}`);
} finally {
  await browser.close();
}
