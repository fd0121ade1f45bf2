// The HTML reports in a real browser: headless Chromium (Debian's package),
// driven by playwright-core. Skipped, with how to install it, when Chromium
// is missing; .ci/run installs it.

import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { compareDesigns } from "../tools/compare/compare_designs.ts";
import { renderCompareReport } from "../tools/report/compare_report.ts";
import { renderHtmlReport } from "../tools/report/html_report.ts";
import { replayTrace } from "../tools/replay/replay_trace.ts";
import { assertEquals } from "./_assert.ts";

const CHROMIUM = "/usr/bin/chromium";
const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));
const FIRST_FIT = fileURLToPath(new URL("../examples/first_fit.ts", import.meta.url));
const RAM = 32 * 1024 * 1024;
const PAGES = RAM / 4096;

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

function haveChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

const skip = !haveChromium();
if (skip) {
  console.warn(
    `report_browser_test: skipped, ${CHROMIUM} is missing. ` +
      "Install Debian's Chromium with: apt-get install -y chromium",
  );
}

/**
 * Writes `html` to a file, opens it in Chromium and runs `check` on the
 * page; then asserts that nothing was logged as an error and nothing asked
 * for over the network, and saves a screenshot.
 */
async function inChromium(
  name: string,
  html: string,
  check: (page: Page) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: `pagepile-${name}-test-` });
  const file = `${dir}/${name}.html`;
  await Deno.writeTextFile(file, html);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(String(error)));
    const requests: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) requests.push(request.url());
    });
    await page.goto(`file://${file}`);
    await check(page);

    const screenshot = `${dir}/${name}.png`;
    await page.screenshot({ path: screenshot, fullPage: true });
    const png = await Deno.readFile(screenshot);
    assertEquals([...png.subarray(1, 4)], [0x50, 0x4E, 0x47], "a PNG file");
    console.log(`report_browser_test: screenshot saved to ${screenshot}`);

    assertEquals(errors, [], "console errors");
    assertEquals(requests, [], "the report asked for something over the network");
  } finally {
    await browser.close();
  }
}

/** What a drawn memory map guarantees. */
interface DrawnMap {
  /** Rectangles, and the pages they cover in address order, each where the last ended. */
  rects: number;
  tiled: boolean;
  pages: number;
  /** A cell's side as shown, in CSS pixels. */
  cellPixels: number;
  w: number;
  h: number;
}

/**
 * Reads a map as the page shows it: its rectangles tile RAM (each covers
 * `data-pages` pages from `data-page`; a folded band as many whole rows).
 * (The page-side code is a string: this file is type-checked without the DOM.)
 */
async function drawnMap(page: Page, id: string): Promise<DrawnMap> {
  return await page.evaluate(`(() => {
    const svg = document.getElementById("${id}");
    const rects = [...svg.querySelectorAll("rect")];
    const spans = rects.map((r) => [Number(r.dataset.page), Number(r.dataset.pages)])
      .sort((a, b) => a[0] - b[0]);
    let next = 0, tiled = true;
    for (const [first, pages] of spans) {
      if (first !== next || !(pages > 0)) tiled = false;
      next = first + pages;
    }
    const box = svg.getBoundingClientRect();
    const cellPixels = Number(svg.dataset.cell) * box.width / svg.viewBox.baseVal.width;
    return { rects: rects.length, tiled, pages: next, cellPixels, w: box.width, h: box.height };
  })()`) as DrawnMap;
}

/** Every chart: an SVG with marks in it and a size on the page, and the marks' titles. */
async function drawnCharts(
  page: Page,
): Promise<{ id: string; marks: number; titles: string[]; w: number; h: number }[]> {
  return await page.evaluate(`[...document.querySelectorAll("figure.chart")].map((f) => {
    const plot = [...f.querySelectorAll("svg")].find((s) => s.querySelector("g[aria-label]"));
    const box = plot ? plot.getBoundingClientRect() : { width: 0, height: 0 };
    const shapes = plot ? [...plot.querySelectorAll("path, rect, line, text")] : [];
    const drawn = shapes.filter((s) => {
      const b = s.getBoundingClientRect();
      return b.width > 0 || b.height > 0;
    });
    const titles = drawn.flatMap((s) => [...s.children].filter((c) => c.tagName === "title"))
      .map((t) => t.textContent);
    return { id: f.id, marks: drawn.length, titles, w: box.width, h: box.height };
  })`) as { id: string; marks: number; titles: string[]; w: number; h: number }[];
}

Deno.test({
  name: "the HTML report renders in Chromium: maps, charts, tooltip, no console errors",
  ignore: skip,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const report = await replayTrace(EXCERPT, { ramBytes: RAM, pictures: true });
    await inChromium("report", renderHtmlReport(report), async (page) => {
      // The memory maps: runs of cells tiling RAM, cells large enough to point at.
      const maps = [await drawnMap(page, "map-peak"), await drawnMap(page, "map-end")];
      for (const map of maps) {
        assert(map.rects > 0 && map.w > 0 && map.h > 0, JSON.stringify(map));
        assertEquals([map.tiled, map.pages], [true, PAGES], "the cells tile RAM");
        assert(map.cellPixels >= 8, `cells of ${map.cellPixels} px on a 32 MiB board`);
      }
      assertEquals(maps[0].cellPixels, maps[1].cellPixels, "both maps drawn alike");

      const charts = await drawnCharts(page);
      const ids = charts.map((c) => c.id);
      for (const id of ["chart-memory", "chart-free", "chart-latency-galloc"]) {
        assert(ids.includes(id), `${id} is missing; charts: ${ids.join(", ")}`);
      }
      for (const chart of charts) {
        assert(chart.marks > 0 && chart.w > 0 && chart.h > 0, `empty: ${JSON.stringify(chart)}`);
      }

      // A cell's tooltip: its page's address and holder.
      const firmwareCell = page.locator("#map-end rect").first();
      await firmwareCell.hover({ position: { x: 1, y: 1 } });
      const tip = await page.locator("#tip").textContent();
      assert(tip !== null && /^0x40000000 \(page 0\): firmware/.test(tip), `tooltip: ${tip}`);

      // The legend wraps: nothing to scroll sideways.
      const sideways = await page.evaluate(
        `[...document.querySelectorAll(".legend")].filter((l) => l.scrollWidth > l.clientWidth).length`,
      );
      assertEquals(sideways, 0, "legends that scroll sideways");
    });
  },
});

Deno.test({
  name: "the comparison's HTML report renders in Chromium: every design in every chart, maps",
  ignore: skip,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const comparison = await compareDesigns(EXCERPT, ["pagepile", "koowaldah", FIRST_FIT], {
      ramBytes: RAM,
      check: "light",
      pictures: true,
    });
    const names = comparison.designs.map((d) => d.design);
    assertEquals(names, ["pagepile", "koowaldah", "first-fit"]);
    await inChromium("compare", renderCompareReport(comparison), async (page) => {
      const charts = await drawnCharts(page);
      const ops = new Set(comparison.designs.flatMap((d) => Object.keys(d.report.ops)));
      assertEquals(charts.length, 1 + ops.size, `charts: ${charts.map((c) => c.id).join(", ")}`);
      for (const chart of charts) {
        assert(chart.w > 0 && chart.h > 0, `no size: ${JSON.stringify(chart)}`);
        for (const name of names) {
          // A drawn mark whose title names the design: a bar, a line, or "no calls".
          const marks = chart.titles.filter((t) => t.startsWith(`${name}: `));
          assert(
            marks.length > 0,
            `${chart.id} has no mark of ${name}: ${chart.titles.join(" | ")}`,
          );
        }
      }

      // The designs with a page map: drawn alike, tiling RAM; the other, a sentence.
      const maps = [await drawnMap(page, "map-0"), await drawnMap(page, "map-1")];
      for (const map of maps) {
        assert(map.rects > 0 && map.w > 0 && map.h > 0, JSON.stringify(map));
        assertEquals([map.tiled, map.pages], [true, PAGES], "the cells tile RAM");
      }
      assertEquals(maps[0].cellPixels, maps[1].cellPixels, "the maps drawn alike");
      const sentence = await page.locator('figure[data-design="first-fit"] .no-map').textContent();
      assert(sentence !== null && sentence.includes("gives no page map"), `first-fit: ${sentence}`);

      // Side by side: the maps' tops on one line.
      const tops = await page.evaluate(
        `["map-0", "map-1"].map((id) => document.getElementById(id).getBoundingClientRect().top)`,
      ) as number[];
      assertEquals(tops[0], tops[1], "the maps side by side");

      await page.locator("#map-1 rect").first().hover({ position: { x: 1, y: 1 } });
      const tip = await page.locator("#tip").textContent();
      assert(tip !== null && /^0x40000000 \(page 0\): firmware/.test(tip), `tooltip: ${tip}`);
    });
  },
});
