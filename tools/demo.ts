/**
 * `deno task demo`: boots a board, shows its memory map and what the firmware
 * read from the system-information registers, runs a page-allocation scenario
 * with the bus cycles of each call, and prints the buddyinfo table.
 * @module
 */

import {
  Board,
  boot,
  formatBuddyinfo,
  GFP_DMA,
  GFP_KERNEL,
  GFP_ZERO,
  hex32,
  type Kernel,
  KernelError,
  MMIO_ACCESS_CYCLES,
  RAM_ACCESS_CYCLES,
} from "../mod.ts";

const RAM_BYTES = 64 * 1024 * 1024;

function main(): void {
  const board = new Board({ ramBytes: RAM_BYTES });
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

  console.log("\nbuddyinfo at the end (as after boot: everything came back):");
  console.log(indent(formatBuddyinfo(k.stats().pages)));
  const problems = k.audit();
  console.log(`audit: ${problems.length === 0 ? "every invariant holds" : problems.join("\n")}`);
  console.log(
    `\nCosts: ${RAM_ACCESS_CYCLES} cycles per RAM access, ${MMIO_ACCESS_CYCLES} per MMIO access.`,
  );
}

function printMemoryMap(board: Board): void {
  console.log(`pagepile board, ${board.ramBytes / (1024 * 1024)} MiB of RAM. Memory map:`);
  for (const region of board.memoryMap()) {
    const last = hex32(region.base + region.size - 1);
    console.log(`  ${hex32(region.base)}-${last}  ${region.name}`);
  }
}

/**
 * Runs allocator calls, printing each with its bus cycles and what it
 * returned: a struct page (alloc_*) is shown with the address of its page.
 */
function timer(
  board: Board,
  k: Kernel,
): <T extends number | void>(call: string, what: string, run: () => T) => T {
  return (call, what, run) => {
    const before = board.cycles;
    const result = run();
    const cycles = String(board.cycles - before).padStart(5);
    let shown = "";
    if (typeof result === "number") {
      shown = call.startsWith("alloc_")
        ? `page ${hex32(result)} = ${hex32(k.page_to_addr(result))}`
        : `${hex32(result)}`;
    }
    console.log(`  ${call.padEnd(26)} ${what.padEnd(25)} ${cycles} cycles  ${shown}`.trimEnd());
    return result;
  };
}

function indent(text: string): string {
  return text.trimEnd().split("\n").map((line) => `  ${line}`).join("\n");
}

if (import.meta.main) main();
