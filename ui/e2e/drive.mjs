// drive.mjs plays the person at the browser for the Go tests
// (backend/cmd/bulkhead/ui_test.go): Debian's Chromium driven by
// playwright-core, never a downloaded browser. It runs one step and prints
// what it saw as one JSON line.
//
//   node drive.mjs URL STEP [ARGS...]   (URL carries #token=...)
//     start SERVER                  click Start, wait for "running"
//     decide TEXT DECISION click|key  act on the held call showing TEXT
//     expired TEXT                  read the held call showing TEXT, expired
//     diff SERVER NAME              read a withheld definition's diff, approve it
//     themes                        the catalog in light and dark
//     detail SERVER                 a server's grants, log and egress
//     client ID                     a client's entry, written to its file
//     outage SERVER READY_FILE      see SERVER running, touch READY_FILE, then
//                                   watch the catalog through an engine restart
//
// Environment: CHROMIUM (default /usr/bin/chromium), SHOTS (a folder for
// screenshots; default none).
import { writeFile } from "node:fs/promises";
import { chromium } from "playwright-core";

const [url, step, ...args] = process.argv.slice(2);
const shots = process.env.SHOTS;
const keys = { allow_once: "a", allow_session: "s", allow_always: "l", deny: "d" };
const labels = { allow_once: "Allow once", allow_session: "Allow for session", allow_always: "Always allow", deny: "Deny" };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // No sandbox: CI runs as root, where Chromium refuses one. The rest keep
  // it off a network it cannot reach.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const open = async (tab, colorScheme = "light") => {
  const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  const u = new URL(url);
  if (tab) u.searchParams.set("tab", tab);
  await page.goto(u.toString());
  return { page, problems };
};
const shot = async (page, name) => shots && (await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true }));

let out;
try {
  switch (step) {
    case "outage": {
      const [server, ready] = args;
      const { page, problems } = await open();
      const state = page.getByTestId(`server-${server}`).getByTestId("state");
      await state.filter({ hasText: "running" }).waitFor({ timeout: 60_000 });
      await writeFile(ready, "");
      const stale = page.getByTestId("stale");
      await stale.waitFor({ timeout: 120_000 });
      const away = await stale.innerText();
      await stale.waitFor({ state: "hidden", timeout: 180_000 });
      await state.filter({ hasText: "running" }).waitFor({ timeout: 120_000 });
      // The browser logs each refused fetch; those are the outage itself.
      out = { away, state: await state.innerText(), problems: problems.filter((p) => !p.includes("status of 503")) };
      break;
    }
    case "start": {
      const [server] = args;
      const { page, problems } = await open();
      const row = page.getByTestId(`server-${server}`);
      await row.getByRole("button", { name: "Start" }).click();
      await row.getByTestId("state").filter({ hasText: "running" }).waitFor({ timeout: 120_000 });
      await shot(page, "catalog");
      out = { state: await row.getByTestId("state").innerText(), problems };
      break;
    }
    case "decide": {
      const [text, decision, via] = args;
      const { page, problems } = await open("approvals");
      const card = page.locator("[data-testid^=held-]").filter({ hasText: text });
      await card.waitFor({ timeout: 30_000 });
      const shown = await card.getByTestId("arguments").innerText();
      const warnings = await card.getByTestId("argument-warnings").allInnerTexts();
      await shot(page, `approvals-${decision}`);
      if (via === "key") await page.keyboard.press(keys[decision]);
      else await card.getByRole("button", { name: labels[decision] }).click();
      await card.waitFor({ state: "detached", timeout: 30_000 });
      out = { arguments: shown, warnings: warnings.join("\n"), problems };
      break;
    }
    case "expired": {
      const [text] = args;
      const { page, problems } = await open("approvals");
      const card = page.locator("[data-testid^=held-]").filter({ hasText: text });
      await card.getByTestId("expired").waitFor({ timeout: 30_000 });
      out = { state: await card.getByTestId("state").innerText(), buttons: await card.getByRole("button").count(), problems };
      break;
    }
    case "diff": {
      const [server, name] = args;
      const { page, problems } = await open("changes");
      const card = page.getByTestId(`change-${server}-${name}`);
      await card.waitFor({ timeout: 30_000 });
      const before = await card.getByTestId("old").allInnerTexts();
      const after = await card.getByTestId("new").allInnerTexts();
      await shot(page, "changes");
      await card.getByRole("button", { name: "Approve this version" }).click();
      await card.waitFor({ state: "detached", timeout: 30_000 });
      out = { old: before, new: after, problems };
      break;
    }
    case "detail": {
      const [server] = args;
      const { page, problems } = await open();
      await page.getByTestId(`server-${server}`).getByRole("button", { name: /./ }).first().click();
      const dialog = page.getByRole("dialog");
      const grants = await dialog.getByRole("table", { name: "grants" }).innerText();
      await page.waitForFunction(() => getComputedStyle(document.querySelector(".MuiDialog-container")).opacity === "1");
      await shot(page, "server-detail");
      await dialog.getByRole("tab", { name: "Logs" }).click();
      await dialog.getByTestId("server-log").or(dialog.getByRole("alert")).first().waitFor();
      const log = await dialog.getByTestId("server-log").or(dialog.getByRole("alert")).first().innerText();
      await dialog.getByRole("tab", { name: "Egress" }).click();
      await dialog.getByText(/No connection attempted|Destination/).first().waitFor();
      out = { grants, log, problems };
      break;
    }
    case "client": {
      const [id] = args;
      const { page, problems } = await open("settings");
      await page.getByRole("combobox", { name: "Client" }).click();
      await page.getByRole("option", { name: id }).click();
      const entry = await page.getByTestId("client-entry").innerText();
      await page.getByRole("button", { name: /^Write to / }).click();
      const result = await page.getByRole("alert").filter({ hasText: /Written to|cannot/ }).innerText();
      // No screenshot: the entry shows the gateway's token.
      out = { entry, result, problems };
      break;
    }
    case "themes": {
      out = { problems: [] };
      for (const scheme of ["light", "dark"]) {
        const { page, problems } = await open("", scheme);
        await page.getByRole("table", { name: "catalog" }).waitFor();
        out[scheme] = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        out.problems.push(...problems);
        await shot(page, `catalog-${scheme}`);
      }
      break;
    }
    default:
      throw new Error(`unknown step ${step}`);
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
