// The HTML report in a real browser: headless Chromium (Debian's package),
// driven by playwright-core. Skipped, with how to install it, when Chromium
// is missing; .ci/run installs it.

import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { renderHtmlReport } from "../tools/report/html_report.ts";
import { replayTrace } from "../tools/replay/replay_trace.ts";
import { assertEquals } from "./_assert.ts";

const CHROMIUM = "/usr/bin/chromium";
const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));

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

Deno.test({
  name: "the HTML report renders in Chromium: maps, charts, tooltip, no console errors",
  ignore: skip,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const report = await replayTrace(EXCERPT, { ramBytes: 32 * 1024 * 1024, pictures: true });
    const dir = await Deno.makeTempDir({ prefix: "pagepile-report-test-" });
    const html = `${dir}/report.html`;
    await Deno.writeTextFile(html, renderHtmlReport(report));

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
      await page.goto(`file://${html}`);

      // The memory maps: a cell per page, drawn as runs, covering RAM. (The
      // page-side code is a string: this file is type-checked without the DOM.)
      for (const id of ["map-peak", "map-end"]) {
        const map = await page.evaluate(`(() => {
          const svg = document.getElementById("${id}");
          const rects = [...svg.querySelectorAll("rect")];
          const cells = rects.reduce((n, r) => n + r.width.baseVal.value / Number(svg.dataset.cell), 0);
          const box = svg.getBoundingClientRect();
          return { rects: rects.length, cells, w: box.width, h: box.height };
        })()`) as { rects: number; cells: number; w: number; h: number };
        assert(map.rects > 0 && map.w > 0 && map.h > 0, `${id}: ${JSON.stringify(map)}`);
        assertEquals(map.cells, 32 * 1024 * 1024 / 4096, `${id} draws one cell per page`);
      }

      // Every chart: an SVG with marks in it, and a size on the page.
      const charts = await page.evaluate(
        `[...document.querySelectorAll("figure.chart")].map((f) => {
        const plot = [...f.querySelectorAll("svg")].find((s) => s.querySelector("g[aria-label]"));
        const box = plot ? plot.getBoundingClientRect() : { width: 0, height: 0 };
        const marks = plot ? plot.querySelectorAll("path, rect, line").length : 0;
        return { id: f.id, marks, w: box.width, h: box.height };
      })`,
      ) as { id: string; marks: number; w: number; h: number }[];
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

      const screenshot = `${dir}/report.png`;
      await page.screenshot({ path: screenshot, fullPage: true });
      const png = await Deno.readFile(screenshot);
      assertEquals([...png.subarray(1, 4)], [0x50, 0x4E, 0x47], "a PNG file");
      console.log(`report_browser_test: screenshot saved to ${screenshot}`);

      assertEquals(errors, [], "console errors");
      assertEquals(requests, [], "the report asked for something over the network");
    } finally {
      await browser.close();
    }
  },
});
