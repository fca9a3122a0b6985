/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (The DOM lib types the functions run inside the page by page.evaluate.)
// The web console in a real Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against the whole local stack: wrangler dev serving the console and the API, the
// ProjectDO, Postgres, the runner with the real Claude Code engine and the model simulator.
// Screenshots of every page go to test-output/console/ (gitignored).
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_ADMIN_TOKEN } from "../../scripts/dev-secrets.ts";
import { signinLink } from "../../scripts/signin-link.ts";
import { startStack } from "../../scripts/stack.ts";
import type { Stack } from "../../scripts/stack.ts";
import type { VersionView } from "../../src/domain/views.ts";
import { signBearer } from "../support/stack-api.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = join(import.meta.dirname, "../../test-output/console");
const JOB_TIMEOUT = 120_000;

let stack: Stack;
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  profile = await mkdtemp(join(tmpdir(), "console-chromium-"));
  [stack, context] = await Promise.all([
    // Resume whenever allowed (SESSION_POLICY=always): the words checked below are that rule's.
    startStack({ latencyScale: 0.1, vars: { DEV_SIGNIN: "true", SESSION_POLICY: "always" } }),
    chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      viewport: { width: 1200, height: 900 },
    }),
  ]);
}, 240_000);

afterAll(async () => {
  await context?.close();
  await stack?.stop();
  if (profile !== undefined) await rm(profile, { recursive: true, force: true });
});

async function userToken(userId: string): Promise<string> {
  return signBearer(stack, userId);
}

/** A fresh tab (its own sessionStorage: nobody is signed in) that fails the test on page errors. */
async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  return { page, errors };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const usd = (value: number): string => (value < 1 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`);

describe("the console in Chromium", () => {
  it("signs in from the dev link, creates a project, sends an update, follows it live, and shows its cost on the savings page", async () => {
    const user = `console-${randomUUID()}`;
    const { page, errors } = await newPage();

    // The dev sign-in link carries a single-use code in the fragment, never a token.
    const link = await signinLink(stack.url, user, stack.authSecret);
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(link);
    await page.getByRole("heading", { level: 1, name: "Projects" }).waitFor();
    expect(page.url()).toBe(`${stack.url}/`);
    await page.getByText("No projects yet.").waitFor();
    await page.getByText(`Signed in as ${user}`).waitFor();
    await shot(page, "projects-empty");

    // Create a project from the page.
    await page.getByLabel("Project name").fill("groceries");
    await page.getByLabel("What should the AI build?").fill("create notes/todo.md with # Todo");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("heading", { level: 1, name: "groceries" }).waitFor();
    const projectId = /\/projects\/(prj_[a-z0-9]{24})$/.exec(page.url())?.[1] ?? "";
    expect(projectId).not.toBe("");
    const chain = page.getByRole("list", { name: "Versions and their session chain, oldest first" });
    await chain.getByRole("heading", { name: "v1 · create · succeeded" }).waitFor({ timeout: JOB_TIMEOUT });
    const build = page.locator('[data-testid="chain-node"][data-version="1"][data-operation="build"]');
    await build.getByText("Fresh session: the project had no session yet").waitFor();

    // Measure layout shifts from here on: live data must not move the page.
    await page.evaluate(() => {
      const w = window as unknown as { shift: number; batches: number };
      w.shift = 0;
      w.batches = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) if (!entry.hadRecentInput) w.shift += entry.value;
      }).observe({ type: "layout-shift", buffered: false });
      const log = document.querySelector('[data-testid="job-log"]');
      if (log !== null) new MutationObserver(() => { w.batches += 1; }).observe(log, { childList: true });
    });

    // Send an update and watch it run.
    await page.getByLabel("What should change?").fill("append to notes/todo.md: - buy milk");
    await page.getByRole("button", { name: "Send update" }).click();
    const log = page.getByTestId("job-log");
    await log.getByText("Queued as version 2.").waitFor({ timeout: JOB_TIMEOUT });
    await log.getByText(/^Decision: resume session /).waitFor({ timeout: JOB_TIMEOUT });
    await log.getByText(/^Update step started from session /).waitFor({ timeout: JOB_TIMEOUT });
    await log.getByText(/^Succeeded: \$/).waitFor({ timeout: JOB_TIMEOUT });
    expect(await page.getByTestId("stream-status").textContent()).toBe("Finished");
    // The log grew in several steps while the job ran: events streamed, not one final dump.
    expect(await page.evaluate(() => (window as unknown as { batches: number }).batches)).toBeGreaterThan(2);

    // The chain gained the update's nodes, each with its decision in words.
    const update = page.locator('[data-testid="chain-node"][data-version="2"][data-operation="update"]');
    await update.getByText("Resumed: the previous session was resumable.").waitFor({ timeout: 30_000 });
    await update.getByText("forked", { exact: true }).waitFor();
    const metadata = page.locator('[data-testid="chain-node"][data-version="2"][data-operation="metadata"]');
    await metadata.getByText("Resumed: continues the update step's session.").waitFor({ timeout: 30_000 });
    await chain.getByRole("heading", { name: "v2 · update · succeeded" }).waitFor({ timeout: 30_000 });
    expect(await update.getByText("Cost").count()).toBe(1);
    const shift = await page.evaluate(() => (window as unknown as { shift: number }).shift);
    expect(shift).toBeLessThan(0.1);
    await shot(page, "project");

    // Readable at 400 px: nothing wider than the screen.
    await page.setViewportSize({ width: 400, height: 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    await shot(page, "project-400px");
    await page.setViewportSize({ width: 1200, height: 900 });

    // The update's cost, as the API has it.
    const versions = (await (await fetch(`${stack.url}/v1/projects/${projectId}/versions`, { headers: { authorization: `Bearer ${await userToken(user)}` } })).json()) as { versions: VersionView[] };
    const cost = versions.versions.find((v) => v.versionNumber === 2)?.usage.costUsd ?? 0;
    expect(cost).toBeGreaterThan(0);

    // Savings: the cost chart has the update; its number is one hover (or key press) away.
    await page.getByRole("link", { name: "Savings" }).click();
    await page.getByRole("heading", { level: 1, name: "Savings" }).waitFor();
    const chart = page.getByTestId("chart-cost");
    await chart.locator("canvas").first().waitFor();
    await chart.focus();
    await page.keyboard.press("End");
    const tip = page.getByTestId("tip-cost");
    await tip.getByText(`Cost ${usd(cost)}`, { exact: false }).waitFor();
    expect(await tip.textContent()).toContain("groceries v2 · resumed");
    // The mouse shows the same numbers.
    await page.keyboard.press("Escape");
    const box = await chart.locator(".u-over").boundingBox();
    if (box === null) throw new Error("chart has no plotting area");
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    await tip.getByText(`Cost ${usd(cost)}`, { exact: false }).waitFor();
    await page.getByText("Resume success").waitFor();
    await shot(page, "savings");

    // What the policy saved: the update's actual cost beside always-fresh, predicted (the
    // policy resumed, so always-resume is the actual cost).
    const saved = page.getByTestId("chart-saved");
    await saved.focus();
    await page.keyboard.press("End");
    const savedTip = page.getByTestId("tip-saved");
    await savedTip.getByText(`Actual ${usd(cost)}`).waitFor();
    const savedText = await savedTip.textContent();
    expect(savedText).toMatch(/Always fresh \$[0-9.]+ \(predicted\)/);
    expect(savedText).toContain(`Always resume ${usd(cost)} (actual)`);
    await page.keyboard.press("Escape");
    await page.getByText("Policy vs always fresh").waitFor();

    // At 1280 px every chart's axis labels fit: time labels apart from each other, y labels
    // inside the chart's box. uPlot draws on a canvas, so each chart publishes where its
    // labels went (console/src/charts/axes.ts labelBoxes) relative to its plotting area.
    await page.setViewportSize({ width: 1280, height: 900 });
    const layout = (): Promise<string[]> => page.evaluate(() => {
      const problems: string[] = [];
      for (const canvas of document.querySelectorAll<HTMLElement>(".chart-canvas")) {
        const id = canvas.dataset["testid"] ?? "?";
        const over = canvas.querySelector(".u-over")?.getBoundingClientRect();
        const raw = canvas.querySelector<HTMLElement>(".uplot")?.dataset["axisLabels"];
        if (over === undefined || raw === undefined) { problems.push(`${id}: not drawn`); continue; }
        const box = canvas.getBoundingClientRect();
        const labels = JSON.parse(raw) as { x: { text: string; left: number; right: number }[]; y: { text: string; left: number; right: number }[] };
        const xs = labels.x.map((l) => ({ ...l, left: over.left + l.left, right: over.left + l.right })).sort((a, b) => a.left - b.left);
        xs.forEach((l, i) => {
          const next = xs[i + 1];
          if (next !== undefined && l.right + 4 > next.left) problems.push(`${id}: x labels ${JSON.stringify(l.text)} and ${JSON.stringify(next.text)} overlap`);
          if (l.left < box.left || l.right > box.right) problems.push(`${id}: x label ${JSON.stringify(l.text)} outside the chart`);
        });
        if (labels.y.length === 0) problems.push(`${id}: no y labels`);
        for (const l of labels.y) if (over.left + l.left < box.left) problems.push(`${id}: y label ${JSON.stringify(l.text)} clipped (${Math.round(box.left - over.left - l.left)} px)`);
      }
      return problems;
    });
    await expect.poll(layout, { timeout: 10_000 }).toEqual([]);
    expect(await page.locator(".chart-canvas").count()).toBeGreaterThanOrEqual(6);
    await shot(page, "savings-1280px");
    await page.setViewportSize({ width: 1200, height: 900 });

    // Projects: the project's latest version, resume success and cost so far; an update
    // can be sent from the list too.
    await page.getByRole("link", { name: "Projects" }).click();
    const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "groceries" }) });
    await card.getByText("v2 · update · succeeded").waitFor();
    const total = versions.versions.reduce((sum, v) => sum + v.usage.costUsd, 0);
    await card.getByText(usd(total), { exact: true }).waitFor();
    await card.getByText(/^100% of \d+$/).waitFor();
    await shot(page, "projects");
    await card.getByRole("button", { name: "Send an update" }).click();
    await page.getByLabel("Update for groceries").fill("append to notes/todo.md: - eggs");
    await card.getByRole("button", { name: "Send update" }).click();
    await card.getByText("Queued as v3").waitFor();

    // The bearer token never appeared in a URL.
    expect(requests.filter((url) => url.includes("eyJ") || /token=/i.test(url))).toEqual([]);
    expect(errors).toEqual([]);
  }, 400_000);

  it("signs in by pasting a token, refuses bad ones, and opens the admin view with the admin token", async () => {
    const user = `console-${randomUUID()}`;
    const { page, errors } = await newPage();
    await page.goto(`${stack.url}/`);
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await shot(page, "signin");

    const field = page.getByLabel("Bearer token");
    await field.fill("not a token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("A token has no spaces or line breaks.").waitFor();
    const forged = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(user).setExpirationTime("1h").sign(new TextEncoder().encode("another-secret-0123456789abcdef0123"));
    await field.fill(forged);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(/The server refused this token/).waitFor();

    await field.fill(await userToken(user));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Projects" }).waitFor();
    await page.getByText("No projects yet.").waitFor();

    // Admin: a user token is not the admin token; the admin token shows every project.
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("heading", { level: 1, name: "Admin" }).waitFor();
    await page.getByLabel("Admin token").fill(await userToken(user));
    await page.getByRole("button", { name: "Open the admin view" }).click();
    await page.getByText("This is a user token, not the admin token.").waitFor();
    await page.getByLabel("Admin token").fill(process.env.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN);
    await page.getByRole("button", { name: "Open the admin view" }).click();
    await page.getByRole("heading", { level: 1, name: "Savings across all projects" }).waitFor();
    await page.getByTestId("chart-cost").locator("canvas").first().waitFor();
    await shot(page, "admin");

    // A token the server stops accepting signs the user out, with a word why.
    await page.evaluate(() => {
      const auth = JSON.parse(sessionStorage.getItem("session-chain.auth") ?? "{}") as { user: { token: string } };
      auth.user.token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad";
      sessionStorage.setItem("session-chain.auth", JSON.stringify(auth));
    });
    await page.goto(`${stack.url}/`);
    await page.getByText("Your sign-in was refused (expired or invalid token). Sign in again.").waitFor();
    expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
  }, 120_000);

  it("works from the keyboard, with visible focus", async () => {
    const { page } = await newPage();
    await page.goto(`${stack.url}/signin`);
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await page.keyboard.press("Tab");
    const skip = await page.evaluate(() => ({ text: document.activeElement?.textContent, outline: getComputedStyle(document.activeElement ?? document.body).outlineStyle }));
    expect(skip).toEqual({ text: "Skip to content", outline: "solid" });
    // Sign in by keyboard alone.
    await page.getByLabel("Bearer token").focus();
    await page.keyboard.type(await userToken(`console-${randomUUID()}`));
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Projects" }).waitFor();
    // Every form control has a label.
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, textarea, select")].filter((el) => (el as HTMLInputElement).labels?.length === 0).length);
    expect(unlabelled).toBe(0);
    // Links work with Enter, and focus moves to the new page's heading.
    await page.getByRole("link", { name: "Savings" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Savings" }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("page-title");
    await page.getByText("No updates yet.").waitFor();
    await shot(page, "savings-empty");
  }, 120_000);

  it("serves the console for page paths and leaves the API to the Worker", async () => {
    const page = await fetch(`${stack.url}/projects/prj_0123456789abcdefghijklmn`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<div id="app">');
    const api = await fetch(`${stack.url}/v1/projects`, { headers: { accept: "text/html" } });
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ error: { code: "unauthorized", message: "missing bearer token" } });
    const unknown = await fetch(`${stack.url}/v1/nope`, { headers: { accept: "text/html" } });
    expect(unknown.status).toBe(404);
    expect((await fetch(`${stack.url}/openapi.json`, { headers: { accept: "text/html" } })).headers.get("content-type")).toContain("application/json");
  });
});
