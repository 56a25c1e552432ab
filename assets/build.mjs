// Builds the front-end files Django collects as static files, from the npm packages of
// package-lock.json (node_modules), into build/static/ (not committed; `make setup` runs this):
//
// - vendor/site.css: Bootstrap's CSS and the Bootstrap Icons rules, trimmed by PurgeCSS to the
//   classes the templates, scripts and Python code of guanjia/ use, minified by esbuild, with the
//   icon font cut down to the icons used and inlined (no second render-blocking request);
// - vendor/echarts/echarts-figures.min.js: ECharts with only the parts the figures pages draw (assets/echarts.js).
//
// A class that only appears assembled at run time must be in SAFELIST below. After adding a new
// Bootstrap class or icon to a template, run `make setup` (or `npm run build`) again.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { PurgeCSS } from "purgecss";
import subsetFont from "subset-font";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "static", "vendor");
const modules = join(root, "node_modules");

// Where class names are written: templates, the app's scripts, Python (widget attrs, view data).
const CONTENT = [
  "guanjia/**/*.html",
  "guanjia/**/static/**/*.js",
  "guanjia/**/*.py",
].map((glob) => join(root, glob));

// Classes put together in templates ("text-bg-{% if … %}success{% else %}…") or in data, and what
// Bootstrap's JavaScript sets on the components the templates use (dropdown, collapse, tab, alert).
const COLOURS = "(primary|secondary|success|danger|warning|info|light|dark|body|white|black)";
const SAFELIST = {
  standard: [
    new RegExp(`^(alert|text-bg|border|bg|text|btn|btn-outline|badge|link|table|list-group-item)-${COLOURS}`),
    /^bi-bell-fill$/,
    /^(show|showing|hiding|collapsing|collapsed|fade|active|disabled|dropup|dropend|dropstart|dropdown-menu-end)$/,
  ],
};
const DYNAMIC_ATTRIBUTES = ["data-bs-popper", "aria-expanded", "aria-selected"];

async function purge(css, extra = {}) {
  const [result] = await new PurgeCSS().purge({
    content: CONTENT,
    css: [{ raw: css }],
    safelist: SAFELIST,
    dynamicAttributes: DYNAMIC_ATTRIBUTES,
    keyframes: true,
    fontFace: false,
    ...extra,
  });
  return result.css;
}

async function buildCss() {
  const bootstrap = await readFile(join(modules, "bootstrap/dist/css/bootstrap.css"), "utf8");
  const icons = await readFile(join(modules, "bootstrap-icons/font/bootstrap-icons.css"), "utf8");
  const usedIcons = await purge(icons);
  const codepoints = [...usedIcons.matchAll(/content:\s*"\\([0-9a-f]+)"/g)].map((m) => String.fromCodePoint(parseInt(m[1], 16)));
  const font = await subsetFont(await readFile(join(modules, "bootstrap-icons/font/fonts/bootstrap-icons.woff2")), codepoints.join(""), {
    targetFormat: "woff2",
  });
  const iconCss = usedIcons.replace(
    /src:\s*url\([^)]*\.woff2[^)]*\)\s*format\("woff2"\),\s*url\([^)]*\)\s*format\("woff"\);/,
    `src: url("data:font/woff2;base64,${font.toString("base64")}") format("woff2");`,
  );
  if (!iconCss.includes("data:font/woff2")) throw new Error("bootstrap-icons.css: its @font-face changed; update assets/build.mjs");
  const css = (await purge(bootstrap.replace(/\/\*# sourceMappingURL=.*\*\//, ""))) + "\n" + iconCss;
  const { code } = await esbuild.transform(css, { loader: "css", minify: true, legalComments: "inline" });
  await writeFile(join(out, "site.css"), code);
  return { css: code.length, icons: codepoints.length, font: font.length };
}

async function buildCharts() {
  await esbuild.build({
    entryPoints: [join(root, "assets/echarts.js")],
    outfile: join(out, "echarts/echarts-figures.min.js"),
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2019",
    legalComments: "none",
    logLevel: "error",
  });
}

await mkdir(join(out, "echarts"), { recursive: true });
const [css] = await Promise.all([buildCss(), buildCharts()]);
const chart = (await readFile(join(out, "echarts/echarts-figures.min.js"))).length;
console.log(
  `build/static/vendor: site.css ${(css.css / 1024).toFixed(0)} KiB (${css.icons} icons, font ${(css.font / 1024).toFixed(1)} KiB inlined), ` +
    `echarts/echarts-figures.min.js ${(chart / 1024).toFixed(0)} KiB`,
);
