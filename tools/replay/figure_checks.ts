/**
 * The figures a design reports about itself, checked against what must hold
 * whatever the design: its page counts against the board and each other,
 * its page map against its counts. A figure that cannot be true is a
 * violation, as a block that overlaps another is: the verdict rests on them
 * (the footprint is `pagesInUse()`, the fragmentation `freeByOrder`).
 *
 * Each check also takes whatever a broken design returned, of any shape,
 * and says what is wrong with it rather than throwing.
 * @module
 */

import type { FirmwareStats, PageCounts, PageMap, PageStats } from "../../core/firmware.ts";

/**
 * What is wrong with the shape of `stats()`'s answer: an object whose
 * `pages` holds whole numbers and a `freeByOrder` list, whose `slices` is a
 * list of pools and whose `vm`, when present, has a window and a list of
 * areas.
 * @param stats what stats() returned
 * @returns the first thing wrong, or undefined
 */
export function statsShapeProblem(stats: unknown): string | undefined {
  if (typeof stats !== "object" || stats === null) return `it returned ${stats}, not an object`;
  const { pages, slices, vm } = stats as Partial<FirmwareStats>;
  const wrong = pageStatsShapeProblem(pages);
  if (wrong !== undefined) return wrong;
  if (!Array.isArray(slices)) return "its `slices` is not a list";
  for (const [i, pool] of slices.entries()) {
    if (typeof pool !== "object" || pool === null) return `its slices[${i}] is not an object`;
    for (const field of ["objSize", "activeObjs", "totalObjs", "slabs", "bytesWasted"] as const) {
      if (typeof pool[field] !== "number") return `its slices[${i}].${field} is not a number`;
    }
  }
  if (vm !== undefined) {
    if (typeof vm !== "object" || vm === null || typeof vm.window !== "object") {
      return "its `vm` has no window";
    }
    if (!isCount(vm.window.start) || !isCount(vm.window.bytes)) {
      return "its vm.window.start or vm.window.bytes is not a whole number";
    }
    if (vm.window.start % 4096 !== 0 || vm.window.bytes % 4096 !== 0) {
      return "its vm.window is not whole pages";
    }
    if (vm.window.start + vm.window.bytes > 2 ** 32) {
      return "its vm.window ends past the 32-bit address space";
    }
    if (!Array.isArray(vm.areas) || !vm.areas.every((a) => typeof a === "object" && a !== null)) {
      return "its vm.areas is not a list of areas";
    }
  }
  return undefined;
}

/**
 * What is wrong with the shape of page counts (`stats().pages`, or
 * `pageStats()`): whole numbers, and a list of them per order.
 * @param pages what the design returned
 * @returns the first thing wrong, or undefined
 */
export function pageStatsShapeProblem(pages: unknown): string | undefined {
  if (typeof pages !== "object" || pages === null) return "its `pages` is not an object";
  const counts = pages as Partial<PageStats>;
  const wrong = countsShapeProblem(counts, "pages");
  if (wrong !== undefined) return wrong;
  if (!Array.isArray(counts.zones)) return "its pages.zones is not a list";
  for (const [i, zone] of counts.zones.entries()) {
    const inZone = countsShapeProblem(zone, `pages.zones[${i}]`);
    if (inZone !== undefined) return inZone;
    if (typeof zone.name !== "string") return `its pages.zones[${i}].name is not a string`;
  }
  return undefined;
}

function countsShapeProblem(counts: Partial<PageCounts>, name: string): string | undefined {
  if (typeof counts !== "object" || counts === null) return `its ${name} is not an object`;
  for (const field of ["total", "reserved", "free"] as const) {
    if (!isCount(counts[field])) return `its ${name}.${field} is ${counts[field]}, not a count`;
  }
  if (!Array.isArray(counts.freeByOrder) || !counts.freeByOrder.every(isCount)) {
    return `its ${name}.freeByOrder is not a list of counts`;
  }
  return undefined;
}

/**
 * What cannot be true of a design's page counts on a board of `boardPages`
 * pages: a total that is not the board's, free pages that are not the sum
 * of its free piles (`freeByOrder[n]` piles of 2^n pages), more reserved
 * and free pages than there are, zones that do not add up to the whole.
 * @param pages the counts, of a valid shape (see pageStatsShapeProblem)
 * @param boardPages the board's pages
 * @returns each thing wrong, as a sentence; empty when all hold
 */
export function pageCountProblems(pages: PageStats, boardPages: number): string[] {
  const problems: string[] = [];
  if (pages.total !== boardPages) {
    problems.push(`pages.total is ${pages.total}, but the board has ${boardPages} pages`);
  }
  problems.push(...countProblems(pages, "pages"));
  if (pages.zones.length > 0) {
    const sum = (field: "total" | "reserved" | "free"): number =>
      pages.zones.reduce((n, zone) => n + zone[field], 0);
    for (const field of ["total", "reserved", "free"] as const) {
      if (sum(field) !== pages[field]) {
        problems.push(`its zones' ${field} pages add up to ${sum(field)}, not ${pages[field]}`);
      }
    }
    pages.zones.forEach((zone, i) => problems.push(...countProblems(zone, `pages.zones[${i}]`)));
  }
  return problems;
}

function countProblems(counts: PageCounts, name: string): string[] {
  const problems: string[] = [];
  const inPiles = counts.freeByOrder.reduce((n, piles, order) => n + piles * 2 ** order, 0);
  if (inPiles !== counts.free) {
    problems.push(
      `${name}.free is ${counts.free}, but its free piles (freeByOrder) hold ${inPiles} pages`,
    );
  }
  if (counts.reserved + counts.free > counts.total) {
    problems.push(
      `${name} has ${counts.reserved} reserved and ${counts.free} free of ${counts.total} pages`,
    );
  }
  return problems;
}

/**
 * What is wrong with `pagesInUse()` beside the page counts of the same
 * moment: it is every page but the free and the reserved ones.
 * @param pagesInUse what pagesInUse() returned
 * @param pages the page counts
 * @returns what is wrong, or undefined
 */
export function pagesInUseProblem(pagesInUse: number, pages: PageStats): string | undefined {
  const held = pages.total - pages.reserved - pages.free;
  return pagesInUse === held ? undefined : `pagesInUse() is ${pagesInUse}, but stats() says ` +
    `${pages.total} pages - ${pages.reserved} reserved - ${pages.free} free = ${held}`;
}

/**
 * What is wrong with a page map: runs that do not tile the board's pages,
 * holders that do not exist, or pages held (neither free nor reserved) in a
 * number other than the design's own `pagesInUse()` plus its reserved pages.
 * @param map what pageMap() returned (any shape)
 * @param expected the board's RAM base and pages, and the design's counts at the same moment
 * @returns each thing wrong, as a sentence; empty when all hold
 */
export function pageMapProblems(
  map: unknown,
  expected: { ramBase: number; pages: number; pagesInUse: number; reserved: number },
): string[] {
  if (typeof map !== "object" || map === null) return [`it returned ${map}, not a map`];
  const { ramBase, pages, holders, runs } = map as Partial<PageMap>;
  if (ramBase !== expected.ramBase || pages !== expected.pages) {
    return [
      `it maps ${pages} pages from ${ramBase}, not the board's ${expected.pages} from ${expected.ramBase}`,
    ];
  }
  if (!Array.isArray(holders) || !Array.isArray(runs) || runs.length % 3 !== 0) {
    return ["its holders or runs are not lists (runs: first page, pages, holder, for each run)"];
  }
  let next = 0;
  let free = 0;
  for (let i = 0; i < runs.length; i += 3) {
    const [first, count, holder] = [runs[i], runs[i + 1], runs[i + 2]];
    if (first !== next || !isCount(count) || count === 0) {
      return [`its run ${i / 3} starts at page ${first} with ${count} pages, not at page ${next}`];
    }
    const kind = isCount(holder) ? holders[holder]?.kind : undefined;
    if (typeof kind !== "string") return [`its run ${i / 3} names holder ${holder}, which is none`];
    if (kind === "free") free += count;
    next += count;
  }
  if (next !== pages) return [`its runs cover ${next} pages, not the board's ${pages}`];
  const held = pages - free;
  const counted = expected.pagesInUse + expected.reserved;
  return held === counted ? [] : [
    `it shows ${held} pages held, but pagesInUse() ${expected.pagesInUse} and ` +
    `${expected.reserved} reserved make ${counted}`,
  ];
}

/** Whether `value` is a whole number, 0 or more. */
function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
