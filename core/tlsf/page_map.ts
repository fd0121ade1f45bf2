/**
 * Who holds each page: pagepile's map, with the piles the TLSF heap took
 * from it (which pagepile sees as alloc_pages piles) named for what they are.
 * @module
 */

import type { PageHolder, PageMap } from "../firmware.ts";
import type { HeapArea } from "./inspect.ts";

/**
 * Relabels the heap's areas as "tlsf heap area" and the control block's
 * page as "tlsf control block"; holders no run uses any more are dropped.
 * @param map pagepile's map
 * @param areas the heap's areas
 * @param control the control block's address
 * @returns the map, its runs still tiling RAM
 */
export function relabelPageMap(map: PageMap, areas: HeapArea[], control: number): PageMap {
  const holders: PageHolder[] = [
    ...map.holders,
    { kind: "generic-class", label: "tlsf heap area", key: 0 },
    { kind: "firmware", label: "tlsf control block", key: 0 },
  ];
  const [areaHolder, controlHolder] = [holders.length - 2, holders.length - 1];
  const holderOf = new Int32Array(map.pages);
  for (let i = 0; i < map.runs.length; i += 3) {
    holderOf.fill(map.runs[i + 2], map.runs[i], map.runs[i] + map.runs[i + 1]);
  }
  const pageOf = (addr: number): number => (addr - map.ramBase) / map.pageSize;
  for (const { start, bytes } of areas) {
    holderOf.fill(areaHolder, pageOf(start), pageOf(start + bytes));
  }
  holderOf[pageOf(control)] = controlHolder;

  // Runs again, holders renumbered in order of first use.
  const used: PageHolder[] = [];
  const renumbered = new Map<number, number>();
  const runs: number[] = [];
  for (let page = 0; page < map.pages; page++) {
    const old = holderOf[page];
    let h = renumbered.get(old);
    if (h === undefined) renumbered.set(old, h = used.push(holders[old]) - 1);
    const last = runs.length - 3;
    if (last >= 0 && runs[last + 2] === h) runs[last + 1]++;
    else runs.push(page, 1, h);
  }
  return { ...map, holders: used, runs };
}
