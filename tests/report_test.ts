// What the HTML report is made of: the page map, the memory timeline, the
// cycle histograms, the rendered file, and the replay/report commands.

import { fileURLToPath } from "node:url";
import { Board } from "../hw/board.ts";
import { boot } from "../core/pagepile/boot.ts";
import { GFP_KERNEL } from "../core/gfp.ts";
import type { PageMap } from "../core/firmware.ts";
import { CycleStats } from "../tools/replay/cycle_stats.ts";
import { cycleChart } from "../tools/report/cycle_chart.ts";
import { renderHtmlReport } from "../tools/report/html_report.ts";
import { mapGeometry, mapLayout } from "../tools/report/map_layout.ts";
import { holderColour, memoryMapSvg } from "../tools/report/memory_map_svg.ts";
import { kib, peakMapCaption } from "../tools/report/_page.ts";
import { replayTrace } from "../tools/replay/replay_trace.ts";
import { assertEquals } from "./_assert.ts";
import { type DenoRun, runDeno } from "./_helpers.ts";

const MiB = 1024 * 1024;
const EXCERPT = fileURLToPath(new URL("./fixtures/boot_excerpt.trace.gz", import.meta.url));

/** Pages per holder label, and a check that the runs tile RAM in order. */
function pagesByLabel(map: PageMap): Map<string, number> {
  const pages = new Map<string, number>();
  let next = 0;
  for (let r = 0; r < map.runs.length; r += 3) {
    assertEquals(map.runs[r], next, `run ${r / 3} starts where the last ended`);
    next += map.runs[r + 1];
    const label = map.holders[map.runs[r + 2]].label;
    pages.set(label, (pages.get(label) ?? 0) + map.runs[r + 1]);
  }
  assertEquals(next, map.pages, "the runs cover RAM");
  return pages;
}

async function nativeTrace(lines: string[]): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  await Deno.writeTextFile(path, ["# pagepile trace 1", ...lines].join("\n") + "\n");
  return path;
}

Deno.test("the page map names every holder, tiles RAM, and costs no cycles nor changes RAM", () => {
  const k = boot(new Board({ ramBytes: 4 * MiB }));
  const pool = k.slice_pool_create(GFP_KERNEL, 600, { name: "inode" })!;
  k.slice_alloc(pool);
  k.galloc(GFP_KERNEL, 64);
  k.galloc(GFP_KERNEL, 5 * 4096 - 100);
  const pile = k.alloc_pages(GFP_KERNEL, 2);
  k.vmalloc(3 * 4096);
  const before = k.board.snapshot();
  const cycles = k.board.cycles;
  const map = k.pageMap();
  assertEquals(k.board.cycles, cycles, "no bus cycles");
  assertEquals(k.board.snapshot(), before, "RAM unchanged");

  const pages = pagesByLabel(map);
  assertEquals(pages.get("alloc_pages, order 2"), 4);
  assertEquals(pages.get("large galloc block, 5 pages"), 5);
  assertEquals(pages.get("vmalloc backing page"), 3);
  assertEquals(pages.get("MMU page table or directory"), 2);
  // Four sparse pools' first slabs: chunks of one page, named in chunk order.
  assertEquals(
    pages.get("chunk page: slabs of 'pool-of-pools', 'inode', 'galloc-64', 'vmap-area'"),
    1,
  );
  const firmware = k.stats().pages.reserved;
  assertEquals(pages.get("firmware: kernel globals and mem_map"), firmware);
  const free = [...pages].filter(([l]) => l.startsWith("free")).reduce((n, [, p]) => n + p, 0);
  assertEquals(free, k.stats().pages.free, "free pages, as the zones count them");

  // The alloc_pages pile is where the allocator said.
  const index = (k.page_to_addr(pile) - map.ramBase) / map.pageSize;
  const run = map.runs.findIndex((first, r) => r % 3 === 0 && first === index);
  assertEquals(map.holders[map.runs[run + 2]].kind, "pages");

  // A busy class has page slabs of its own: 501 blocks, 240 of them in its
  // 16 chunks (four page slabs' worth), the others in 5 page slabs of 63.
  for (let i = 0; i < 500; i++) k.galloc(GFP_KERNEL, 64);
  const busy = pagesByLabel(k.pageMap());
  assertEquals(busy.get("galloc class 'galloc-64' (64-byte blocks)"), 5);
});

Deno.test("the report's peak map is the map at the footprint's peak, not at the end", async () => {
  const path = await nativeTrace([
    "alloc_pages 0x1 0 3", // 8 pages
    "alloc_pages 0x2 0 2", // 12: the peak
    "free_pages 0x1", // 4
    "alloc_pages 0x3 0 0", // 5
  ]);
  const report = await replayTrace(path, { ramBytes: MiB, pictures: true });
  const pictures = report.pictures!;
  assertEquals(pictures.peak, { line: 3, footprintBytes: 12 * 4096 });
  const peak = pagesByLabel(pictures.peakMap!);
  assertEquals([peak.get("alloc_pages, order 3"), peak.get("alloc_pages, order 2")], [8, 4]);
  const end = pagesByLabel(pictures.endMap!);
  assertEquals([end.get("alloc_pages, order 3"), end.get("alloc_pages, order 2")], [undefined, 4]);
  assertEquals(end.get("alloc_pages, order 0"), 1);
  // Every event sampled (a short trace), footprint included.
  assertEquals(pictures.series.every, 1);
  assertEquals(pictures.series.event, [1, 2, 3, 4]);
  assertEquals(pictures.series.footprintBytes.map((b) => b / 4096), [8, 12, 4, 5]);
  assertEquals(pictures.series.requestedBytes.map((b) => b / 4096), [8, 12, 4, 5]);
  await Deno.remove(path);
});

Deno.test("the peak's map is read again only when the footprint grew by a 256th of RAM", async () => {
  // 4 MiB of RAM: a step of 16 KiB, four pages. Line 1 is the header.
  const lines = [
    "alloc_pages 0x1 0 3", // a peak of 8 pages: the map is read before the next free
    "free_pages 0x1",
    "alloc_pages 0x2 0 3", // back to 8: not a new peak
    "alloc_pages 0x3 0 0", // 9: a new peak, a page above the map's: not read again
    "free_pages 0x3",
  ];
  const near = await nativeTrace(lines);
  const first = (await replayTrace(near, { ramBytes: 4 * MiB, pictures: true })).pictures!;
  const base = first.peakMapAt.footprintBytes - 8 * 4096;
  assertEquals(first.peak, { line: 5, footprintBytes: base + 9 * 4096 });
  assertEquals(first.peakMapAt, { line: 2, footprintBytes: base + 8 * 4096 });
  assertEquals(pagesByLabel(first.peakMap!).get("alloc_pages, order 0"), undefined);
  assertEquals(
    peakMapCaption(first),
    `Near the peak: ${kib(base + 8 * 4096)} held, after line 2 (the peak: ${
      kib(base + 9 * 4096)
    } held, after line 5)`,
  );
  // Four pages above the map's footprint: read again, at the peak.
  const at = await nativeTrace([...lines, "alloc_pages 0x4 0 2", "free_pages 0x4"]);
  const second = (await replayTrace(at, { ramBytes: 4 * MiB, pictures: true })).pictures!;
  assertEquals(second.peak, { line: 7, footprintBytes: base + 12 * 4096 });
  assertEquals(second.peakMapAt, second.peak);
  assertEquals(pagesByLabel(second.peakMap!).get("alloc_pages, order 2"), 4);
  assertEquals(peakMapCaption(second), `At the peak: ${kib(base + 12 * 4096)} held, after line 7`);
  await Deno.remove(near);
  await Deno.remove(at);
});

Deno.test("the memory series stays bounded: every other sample dropped as the trace grows", async () => {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(`galloc ${i + 1} 0 32`, `gfree ${i + 1}`);
  const path = await nativeTrace(lines);
  const { series } = (await replayTrace(path, { ramBytes: MiB, pictures: true })).pictures!;
  assertEquals(series.every, 8);
  assertEquals(series.event.length, 750);
  assertEquals(series.event.every((event, i) => event === (i + 1) * 8), true);
  assertEquals(series.freeByOrder.every((orders) => orders.length === 11), true);
  await Deno.remove(path);
});

Deno.test("a cycle histogram counts every call in its power-of-two bucket", () => {
  const stats = new CycleStats();
  for (const cycles of [0, 1, 2, 3, 4, 40, 100_000]) stats.add(cycles, 1);
  const { histogram, count } = stats.figures();
  assertEquals(histogram.reduce((a, b) => a + b, 0), count);
  assertEquals(histogram.slice(0, 6), [2, 2, 1, 0, 0, 1]);
  assertEquals(histogram.length, 17); // 2^16 <= 100,000 < 2^17
  assertEquals(histogram[16], 1);
});

Deno.test("the memory map folds long runs, makes cells large, and its rectangles tile RAM", async () => {
  const report = await replayTrace(EXCERPT, { ramBytes: 32 * MiB, check: "off", pictures: true });
  const map = report.pictures!.peakMap!;
  // 1,440 KiB held on 8,192 pages: the free piles fold away, and cells of
  // 16 pixels (64 pages a row across 1,024) fit the height.
  const geometry = mapGeometry([map], 1024);
  assertEquals(geometry, { columns: 64, cell: 16 });
  const layout = mapLayout(map, geometry);
  assertEquals(layout.height <= 640, true, `${layout.height} px high`);
  assertEquals(layout.folds.length > 0, true);
  for (const fold of layout.folds) {
    const [first, count, holder] = map.runs.slice(3 * fold.run, 3 * fold.run + 3);
    assertEquals(fold.rows >= 4, true, "four rows or more");
    assertEquals(first <= fold.firstRow * 64, true, "the fold starts inside its run");
    assertEquals((fold.firstRow + fold.rows) * 64 <= first + count, true, "and ends inside it");
    assertEquals(map.holders[holder].kind, "free", "here, only free piles are that long");
  }
  // Every page in one rectangle: cells, and the bands of folded rows.
  const svg = memoryMapSvg(map, { id: "m", geometry });
  const spans = [...svg.matchAll(/data-page="(\d+)" data-pages="(\d+)"/g)]
    .map((m) => [Number(m[1]), Number(m[2])]).sort((a, b) => a[0] - b[0]);
  let next = 0;
  for (const [first, pages] of spans) {
    assertEquals(first, next, "each rectangle starts where the last ended");
    next += pages;
  }
  assertEquals(next, map.pages);
  assertEquals(svg.split("data-fold").length - 1, layout.folds.length);
});

Deno.test("a slab's colour is its pool's, whatever the design calls the rest", () => {
  const pagepile = {
    kind: "slab" as const,
    label: "slab of pool 'dentry' (id 12, record 0x1)",
    key: 12,
  };
  const koowaldah = { kind: "slab" as const, label: "slab of pool 'dentry' (id 3)", key: 3 };
  const other = { kind: "slab" as const, label: "slab of pool 'inode' (id 3)", key: 3 };
  assertEquals(holderColour(pagepile), holderColour(koowaldah));
  assertEquals(holderColour(koowaldah) === holderColour(other), false);
});

Deno.test("a cycle chart labels only the y ticks that have room, and shows a design without calls", () => {
  const stats = new CycleStats();
  for (let i = 0; i < 1400; i++) stats.add(40, i); // 1,400 calls in one bin: crowded ticks before
  for (let i = 0; i < 30; i++) stats.add(700, i);
  stats.add(2000, 1);
  const svg = cycleChart("galloc", [
    { design: "a", colour: "steelblue", figures: stats.figures() },
    { design: "b", colour: "orange", figures: undefined },
  ]);
  const labels = svg.slice(svg.indexOf('aria-label="y-axis tick label"'));
  const facet = labels.slice(0, labels.indexOf("</g>"));
  const ys = [...facet.matchAll(/translate\([\d.]+,([\d.]+)\)" y="[^"]*">([^<]*)</g)]
    .map((m) => ({ y: Number(m[1]), text: m[2] }));
  assertEquals(ys.map((t) => t.text).includes("1,000"), true, JSON.stringify(ys));
  for (let i = 1; i < ys.length; i++) {
    assertEquals(
      Math.abs(ys[i].y - ys[i - 1].y) >= 12,
      true,
      `ticks too close: ${JSON.stringify(ys)}`,
    );
  }
  assertEquals(svg.includes("<title>b: no calls</title>"), true);
  assertEquals(svg.includes("<title>a: 1,400 calls of 32 to 63 cycles</title>"), true);
  // p99 and max are one call apart here (700 and 2000): each has its label.
  assertEquals(svg.includes(">p50 40<") && svg.includes(">p99 700<"), true);
  assertEquals(svg.includes(">max 2000<"), true);
});

Deno.test("the HTML report is self-contained, escapes the trace's names, lists problems", async () => {
  const path = await nativeTrace([
    'slice_pool_create evil 0 64 name=<img/src=x/onerror="alert(1)">',
    "slice_alloc 0x10 evil",
    "galloc 0x20 0 100",
    "alloc_pages 0x30 0 11", // order 11: refused, listed with its line
  ]);
  const report = await replayTrace(path, { ramBytes: 4 * MiB, pictures: true });
  const html = renderHtmlReport(report);
  assertEquals(html.includes("<img"), false, "the pool name is shown as text");
  assertEquals(html.includes("&lt;img/src=x/onerror=&quot;alert(1)&quot;&gt;"), true);
  for (const id of ['id="map-peak"', 'id="map-end"', 'id="chart-memory"', 'id="chart-free"']) {
    assertEquals(html.includes(id), true, id);
  }
  assertEquals(html.includes('id="chart-latency-galloc"'), true);
  assertEquals(/<(script|link|img|iframe)[^>]*\b(src|href)=/i.test(html), false, "no fetches");
  assertEquals(html.includes("<td>5</td>"), true, "the bad line's number, in its table");
  assertEquals(html.includes("buddyinfo") && html.includes("slabinfo"), true);
  await Deno.remove(path);
});

Deno.test("a report without pictures is refused with a reason", async () => {
  const report = await replayTrace(EXCERPT, { ramBytes: 32 * MiB, check: "off" });
  let message = "";
  try {
    renderHtmlReport(report);
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(message.includes("has no pictures"), true, message);
});

function run(...args: string[]): Promise<DenoRun> {
  return runDeno(["run", "--allow-read", "--allow-write", ...args]);
}

Deno.test("replay --report writes the HTML; report turns a saved --json into the same", async () => {
  const dir = await Deno.makeTempDir();
  const direct = await run("tools/cli/replay.ts", "--ram=32M", `--report=${dir}/a.html`, EXCERPT);
  assertEquals(direct.code, 0, direct.stderr);
  assertEquals(direct.stderr.includes(`HTML report written to ${dir}/a.html`), true);

  const json = await run("tools/cli/replay.ts", "--ram=32M", "--json", EXCERPT);
  assertEquals(json.code, 0);
  await Deno.writeTextFile(`${dir}/result.json`, json.stdout);
  const later = await run("tools/cli/report.ts", `${dir}/result.json`);
  assertEquals(later.code, 0, later.stderr);
  assertEquals(later.stdout.trim(), `report: written to ${dir}/result.html`);

  // The same replay, so the same pictures (the wall time in the text differs).
  const a = await Deno.readTextFile(`${dir}/a.html`);
  const b = await Deno.readTextFile(`${dir}/result.html`);
  const maps = (html: string) =>
    html.slice(html.indexOf('<svg id="map-peak"'), html.indexOf("<h2>Problems"));
  assertEquals(maps(a).length > 1000, true);
  assertEquals(maps(a), maps(b));

  await Deno.writeTextFile(`${dir}/bad.json`, '{"events": 3}');
  const bad = await run("tools/cli/report.ts", `${dir}/bad.json`);
  assertEquals(bad.code, 1);
  assertEquals(bad.stderr.includes("is not a replay result with pictures"), true, bad.stderr);
  const missing = await run("tools/cli/report.ts", `${dir}/nothing.json`);
  assertEquals(missing.code, 1);
  assertEquals(missing.stderr.trim(), `report: ${dir}/nothing.json: no such file`);
  await Deno.remove(dir, { recursive: true });
});
