/**
 * `deno task demo`: boots a board, shows its memory map and what the firmware
 * read from the system-information registers, runs page, slice and generic
 * allocation scenarios with the bus cycles of each call, prints the
 * buddyinfo and slabinfo tables, and ends with the replay of a real Linux
 * boot trace kept in the repository. `--cache SPEC` (and `--icache SPEC`)
 * puts caches on every board it uses, as replay takes them.
 * @module
 */

import {
  Board,
  type BoardCaches,
  boot,
  formatBuddyinfo,
  formatSlabinfo,
  formatVmallocinfo,
  GFP_DMA,
  GFP_KERNEL,
  GFP_ZERO,
  hex32,
  type Kernel,
  KernelError,
  MMIO_ACCESS_CYCLES,
  PAGE_SIZE,
  RAM_ACCESS_CYCLES,
} from "../../mod.ts";
import { parseArgs } from "node:util";
import { fileURLToPath as fromFileUrl } from "node:url";
import { boardCaches, CACHE_OPTIONS } from "./judge_options.ts";
import { formatCacheSpec } from "../../hw/cache/cache_spec.ts";
import { renderHtmlReport } from "../report/html_report.ts";
import { formatReplayReport } from "../replay/replay_report.ts";
import { replayTrace } from "../replay/replay_trace.ts";
import { loadDesign } from "../replay/design_loader.ts";

const RAM_BYTES = 64 * 1024 * 1024;

async function main(args: string[]): Promise<number> {
  let cache;
  try {
    cache = boardCaches(parseArgs({ args, options: CACHE_OPTIONS }).values);
  } catch (error) {
    cache = `${(error as Error).message} (the demo takes --cache SPEC and --icache SPEC)`;
  }
  if (typeof cache === "string") {
    console.error(`demo: ${cache}`);
    return 2;
  }
  const board = new Board({ ramBytes: RAM_BYTES, cache });
  printMemoryMap(board);
  const bootCycles = board.cycles;
  const k = boot(board);
  const info = k.bootInfo;
  console.log(`\nThe firmware booted in ${board.cycles - bootCycles} bus cycles.`);
  console.log("It read from the system-information registers:");
  console.log(`  RAM_BASE  ${hex32(info.ramBase)}`);
  console.log(`  RAM_SIZE  ${hex32(info.ramSize)} (${info.ramSize / (1024 * 1024)} MiB)`);
  console.log(`  PAGE_SIZE ${info.pageSize}`);
  console.log(`  BOARD_ID  ${hex32(info.boardId)}`);
  console.log("and printed on its console:");
  for (const line of board.console.text().trimEnd().split("\n")) console.log(`  | ${line}`);

  console.log("\nbuddyinfo after boot (free piles of each order):");
  console.log(indent(formatBuddyinfo(k.stats().pages)));

  console.log("\nA page-allocation scenario, with the bus cycles of each call:");
  const run = timer(board, k);
  const dma = run("get_pages(GFP_DMA, 4)", "64 KiB DMA buffer", () => k.get_pages(GFP_DMA, 4));
  const tables = [0, 1, 2, 3].map((i) =>
    run("alloc_page(GFP_KERNEL)", `page table ${i}`, () => k.alloc_page(GFP_KERNEL))
  );
  const frame = run(
    "get_pages(GFP_KERNEL, 10)",
    "4 MiB frame buffer",
    () => k.get_pages(GFP_KERNEL, 10),
  );
  const zeroed = run(
    "get_page(GFP_ZERO)",
    "zeroed: 1024 word writes",
    () => k.get_page(GFP_KERNEL | GFP_ZERO),
  );
  console.log("\nbuddyinfo with those piles allocated:");
  console.log(indent(formatBuddyinfo(k.stats().pages)));

  console.log("\nFreeing them; a freed pile merges with its free buddies:");
  for (const [i, page] of tables.entries()) {
    run("free_page(page)", `page table ${i}`, () => k.free_page(page));
  }
  run("put_pages(addr)", "frame buffer", () => k.put_pages(frame));
  run("put_page(addr)", "zeroed page", () => k.put_page(zeroed));
  run("put_pages(addr)", "DMA buffer", () => k.put_pages(dma));

  console.log("\nAsking for more than there is returns 0; it is not an error:");
  const piles: number[] = [];
  for (let addr = k.get_pages(GFP_KERNEL, 10); addr !== 0; addr = k.get_pages(GFP_KERNEL, 10)) {
    piles.push(addr);
  }
  console.log(`  ${piles.length} piles of 4 MiB, then get_pages(GFP_KERNEL, 10) returned 0`);
  for (const addr of piles) k.put_pages(addr);

  console.log("\nMisuse is refused with a typed error, and changes nothing:");
  const page = k.alloc_page(GFP_KERNEL);
  k.free_page(page);
  for (const misuse of [() => k.free_page(page), () => k.get_pages(GFP_KERNEL, 11)]) {
    try {
      misuse();
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      console.log(`  ${e.name}: ${e.message}`);
    }
  }

  sliceScenario(k, run);
  genericScenario(k, run);
  vmallocScenario(k, run);

  console.log("\nbuddyinfo at the end (as after boot: everything came back):");
  console.log(indent(formatBuddyinfo(k.stats().pages)));
  const problems = k.audit();
  console.log(`audit: ${problems.length === 0 ? "every invariant holds" : problems.join("\n")}`);
  console.log(
    `\nCosts: ${RAM_ACCESS_CYCLES} cycles per RAM access, ${MMIO_ACCESS_CYCLES} per MMIO access` +
      (cache === undefined ? "." : ", but RAM through the data cache (hit 1, a miss its fill)."),
  );

  console.log(`\n${"=".repeat(100)}`);
  console.log("Replaying a real Linux 6.1 boot trace, recorded under qemu (109,419 events):");
  console.log(`deno task replay ${BOOT_TRACE}\n`);
  const report = await replayTrace(fromFileUrl(new URL(`../../${BOOT_TRACE}`, import.meta.url)), {
    pictures: true,
    cache,
  });
  console.log(formatReplayReport(report, { stats: false }));
  // In the temporary directory, so that the demo leaves the checkout as it was.
  const html = await Deno.makeTempFile({ prefix: "pagepile-demo-", suffix: ".html" });
  await Deno.writeTextFile(html, renderHtmlReport(report));
  console.log(`\nThe replay's HTML report (memory map, charts, tables): ${html}`);
  console.log("Open it in a browser; it needs no network.");
  await designInC(cache);
  return 0;
}

/**
 * The example design in C, its committed image run by the board's RV32IM
 * core on the Linux 6.12 excerpt: its board's memory map, with flash, and
 * its cycle tables (no compiler needed: the image is in the repository).
 */
async function designInC(cache: BoardCaches | undefined): Promise<void> {
  console.log(`\n${"=".repeat(100)}`);
  console.log("A design in C: examples/first_fit.c (first_fit.ts's twin), built into");
  console.log("examples/first_fit.elf and run by the board's RV32IM core, every fetch, load and");
  console.log("store on the counted bus. Its board has flash for the image's code:");
  const design = await loadDesign(
    fromFileUrl(new URL("../../examples/first_fit.elf", import.meta.url)),
  );
  printMemoryMap(new Board({ ramBytes: RAM_BYTES, ...design.boardOptions, cache }));
  console.log(`\ndeno task replay ${VM_TRACE} --design ./examples/first_fit.elf\n`);
  const report = await replayTrace(fromFileUrl(new URL(`../../${VM_TRACE}`, import.meta.url)), {
    design,
    cache,
  });
  const text = formatReplayReport(report);
  console.log(text.slice(text.indexOf("bus cycles per operation"), text.indexOf("\nmemory:")));
  console.log(text.slice(text.lastIndexOf("\n", text.length - 2) + 1).trimEnd());
}

/** The Linux 6.12 excerpt, with vmalloc events (which the design in C skips: it has none). */
const VM_TRACE = "traces/recorded/linux-6.12/vm.excerpt.trace.gz";

/** The whole boot trace, as the repository keeps it (see its README for how it was recorded). */
const BOOT_TRACE = "traces/recorded/linux-6.1/boot.trace.gz";

type Run = <T extends number | void>(call: string, what: string, run: () => T) => T;

function sliceScenario(k: Kernel, run: Run): void {
  console.log("\nThe slice allocator: a pool of 600-byte objects (think inodes).");
  const pool = k.slice_pool_create(GFP_KERNEL, 600, { name: "inode" })!;
  // A sparse pool's first slabs are chunks, a quarter of a page shared with
  // other pools; once it holds a page's worth, one-page slabs.
  const inodes = [
    run("slice_alloc(inode)", "first: a new chunk", () => k.slice_alloc(pool)),
  ];
  inodes.push(run("slice_alloc(inode)", "second: another chunk", () => k.slice_alloc(pool)));
  for (let i = 2; i < 60; i++) inodes.push(k.slice_alloc(pool));
  const held = k.poolStats(pool);
  console.log(
    `  ... 58 more slice_alloc(inode): ${held.slabs} slabs, chunks of one slice, then ` +
      `one-page slabs of ${held.objsPerSlab}`,
  );
  run("slice_free(slice, inode)", "empties its chunk", () => k.slice_free(inodes[0], pool));
  run("slice_free(slice, inode)", "from a partial slab", () => k.slice_free(inodes[59], pool));
  console.log("\nslabinfo (only pools that hold slabs, and pools callers made):");
  console.log(indent(formatSlabinfo(k.stats().slices)));
  const free = k.stats().pages.free;
  for (const slice of inodes.slice(1, 59)) k.slice_free(slice, pool);
  console.log(
    `  ... 58 more slice_free(inode): ${k.stats().pages.free - free} pages went back to the ` +
      "page allocator's hot list as their slabs emptied",
  );
  let pages = 0;
  run("slice_pool_shrink(inode)", "nothing left to give", () => {
    pages = k.slice_pool_shrink(pool);
  });
  console.log(`  (${pages} pages went back to the page allocator)`);
  run("slice_pool_recycle(inode)", "gives back its record", () => k.slice_pool_recycle(pool));
}

function genericScenario(k: Kernel, run: Run): void {
  console.log("\nThe generic allocator: no header; small sizes from classes, large ones as pages.");
  const blocks = [8, 100, 700, 3000, 20000, 0].map((size) => {
    const before = k.board.cycles;
    const addr = k.galloc(GFP_KERNEL, size);
    const cycles = k.board.cycles - before;
    const what = `usable: gsize = ${k.gsize(addr)}`;
    printCall(`galloc(GFP_KERNEL, ${size})`, what, cycles, hex32(addr));
    return addr;
  });
  for (const addr of blocks) run(`gfree(${hex32(addr)})`, "", () => k.gfree(addr));
  let pages = 0;
  run("gshrink()", "merges the hot piles", () => {
    pages = k.gshrink();
  });
  console.log(`  (${pages} hot pages merged into the page allocator's free lists)`);
}

function vmallocScenario(k: Kernel, run: Run): void {
  console.log(
    "\nThe virtual memory allocator: contiguous virtual areas of scattered physical pages.",
  );
  // Scatter physical memory first: take 24 pages, give back every other one.
  const pages = Array.from({ length: 24 }, () => k.alloc_page(GFP_KERNEL));
  pages.filter((_, i) => i % 2 === 0).forEach((page) => k.free_page(page));
  const area = run(
    "vmalloc(40000)",
    "first: sets up the tree",
    () => k.vmalloc(40000, { caller: "demo_module" }),
  );
  console.log(
    "  10 pages and a guard page; its pages, virtual -> physical (from the page tables):",
  );
  for (let offset = 0; offset < 40000; offset += PAGE_SIZE) {
    console.log(`    ${hex32(area + offset)} -> ${hex32(k.board.debugTranslate(area + offset))}`);
  }
  const before = k.board.cycles;
  k.board.vwrite32(area + 4096 * 9, 0x1234);
  console.log(`  a write through the MMU (a TLB miss): ${k.board.cycles - before} cycles`);
  try {
    k.board.vwrite8(area + 10 * PAGE_SIZE, 1);
  } catch (e) {
    console.log(`  one byte past the area hits the guard page: ${(e as Error).message}`);
  }
  console.log("\nvmallocinfo:");
  console.log(indent(formatVmallocinfo(k.stats().vm)));
  run("vfree(area)", "unmaps, flushes the TLB", () => k.vfree(area));
  pages.filter((_, i) => i % 2 === 1).forEach((page) => k.free_page(page));
  let freed = 0;
  run("gshrink()", "gives back the area tree", () => {
    freed = k.gshrink();
  });
  console.log(`  (${freed} pages went back: the tree, the page directory, the area records' slab)`);
}

function printMemoryMap(board: Board): void {
  console.log(`pagepile board, ${board.ramBytes / (1024 * 1024)} MiB of RAM. Memory map:`);
  for (const region of board.memoryMap()) {
    const last = hex32(region.base + region.size - 1);
    console.log(`  ${hex32(region.base)}-${last}  ${region.name}`);
  }
  const { dataCache, instructionCache } = board;
  if (dataCache !== null) console.log(`  data cache: ${formatCacheSpec(dataCache.config)}`);
  if (instructionCache !== null) {
    console.log(`  instruction cache: ${formatCacheSpec(instructionCache.config)}`);
  }
}

/**
 * Runs allocator calls, printing each with its bus cycles and what it
 * returned: a struct page (alloc_*) is shown with the address of its page.
 */
function timer(
  board: Board,
  k: Kernel,
): Run {
  return (call, what, run) => {
    const before = board.cycles;
    const result = run();
    let shown = "";
    if (typeof result === "number") {
      shown = call.startsWith("alloc_")
        ? `page ${hex32(result)} = ${hex32(k.page_to_addr(result))}`
        : `${hex32(result)}`;
    }
    printCall(call, what, board.cycles - before, shown);
    return result;
  };
}

/** One line per call: the call, what it is for, its bus cycles, what it returned. */
function printCall(call: string, what: string, cycles: number, shown: string): void {
  const line = `  ${call.padEnd(26)} ${what.padEnd(25)} ${
    String(cycles).padStart(5)
  } cycles  ${shown}`;
  console.log(line.trimEnd());
}

function indent(text: string): string {
  return text.trimEnd().split("\n").map((line) => `  ${line}`).join("\n");
}

if (import.meta.main) Deno.exit(await main(Deno.args));
