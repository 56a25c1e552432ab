// Lighthouse 12 (mobile preset: emulated phone, simulated slow 4G and 4x CPU) on the phone pages of a
// running demo, logged in as the demo resident and the demo technician; prints one Markdown table
// (LCP, performance, accessibility, KiB transferred on a first load) for docs/performance.md.
//
//   node benchmarks/lighthouse.mjs http://127.0.0.1:8766 [label]
//
// The server should serve as production does (DEBUG off, gunicorn, WhiteNoise for /static/):
// docs/performance.md says how. Chromium is Debian's (/usr/bin/chromium, or $CHROMIUM).
import { spawnSync } from "node:child_process";
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";

const base = (process.argv[2] || "http://127.0.0.1:8766").replace(/\/$/, "");
const label = process.argv[3] || "";
const password = process.env.DEMO_PASSWORD || "guanjia-demo";
const runs = Number(process.env.LH_RUNS || 1);

async function login(username) {
  const page = await fetch(`${base}/login/`);
  const csrf = /csrftoken=([^;]+)/.exec(page.headers.get("set-cookie") || "")[1];
  const html = await page.text();
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)[1];
  const response = await fetch(`${base}/login/`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `csrftoken=${csrf}`, Referer: `${base}/login/` },
    body: new URLSearchParams({ csrfmiddlewaretoken: token, username, password }),
  });
  const session = /sessionid=([^;]+)/.exec(response.headers.get("set-cookie") || "");
  if (!session) throw new Error(`login as ${username} failed (${response.status})`);
  return `sessionid=${session[1]}; csrftoken=${csrf}`;
}

async function firstTicketOf(cookie) {
  const html = await (await fetch(`${base}/portal/`, { headers: { Cookie: cookie } })).text();
  const match = /href="(\/portal\/tickets\/\d+\/)"/.exec(html);
  if (!match) throw new Error("the demo resident has no request on /portal/");
  return match[1];
}

const resident = await login(process.env.DEMO_RESIDENT || "resident");
const technician = await login(process.env.DEMO_TECHNICIAN || "tech");
const pages = [
  ["resident home", "/portal/", resident],
  ["report form", "/portal/report/", resident],
  ["request page", await firstTicketOf(resident), resident],
  ["bills", "/portal/bills/", resident],
  ["technician: my work", "/tickets/mine/", technician],
];

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM || "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = [];
try {
  for (const [name, path, cookie] of pages) {
    const results = [];
    for (let i = 0; i < runs; i += 1) {
      const result = await lighthouse(
        `${base}${path}`,
        { port: chrome.port, output: "json", logLevel: "error", extraHeaders: { Cookie: cookie } },
        { extends: "lighthouse:default", settings: { onlyCategories: ["performance", "accessibility"] } },
      );
      const { audits, categories } = result.lhr;
      results.push({
        lcp: audits["largest-contentful-paint"].numericValue / 1000,
        performance: Math.round(categories.performance.score * 100),
        accessibility: Math.round(categories.accessibility.score * 100),
        kib: audits["total-byte-weight"].numericValue / 1024,
        failed: Object.values(audits)
          .filter((a) => categories.accessibility.auditRefs.some((r) => r.id === a.id && r.weight > 0) && a.score === 0)
          .map((a) => a.id),
      });
    }
    const pick = (key) => median(results.map((r) => r[key]));
    rows.push([name, path, pick("lcp").toFixed(2), pick("performance"), pick("accessibility"), pick("kib").toFixed(0), [...new Set(results.flatMap((r) => r.failed))].join(" ")]);
  }
} finally {
  await chrome.kill();
}
const version = spawnSync("node", ["-e", "console.log(require('lighthouse/package.json').version)"]).stdout.toString().trim();
console.log(`\nLighthouse ${version}, mobile preset${label ? `, ${label}` : ""} (median of ${runs} run(s) per page)\n`);
console.log("| page | path | LCP (s) | performance | accessibility | transferred (KiB) | failed a11y audits |");
console.log("|---|---|---|---|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
