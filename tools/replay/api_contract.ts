/**
 * The arguments the Kernel API takes (core/firmware.ts): orders 0 to 10,
 * GFP flags of the defined bits naming a zone, sizes that are byte counts.
 * The replayer checks each event against them before it calls a design, so
 * that the blame for a refusal is never the design's to give: an event
 * outside them is the trace's fault (an invalid event, listed under
 * problems, no call made), and a design that refuses an event inside them
 * has refused a valid call (a violation), whatever error it throws.
 * @module
 */

import { gfpProblem } from "../../core/gfp.ts";
import type { TraceEvent } from "../../traces/trace_event.ts";

/** The largest order alloc_pages takes. */
export const API_MAX_ORDER = 10;

/**
 * What in an event's arguments the Kernel API does not take.
 * @param e the event
 * @returns the reason, or "" when the API takes them (and for events that have none)
 * @example
 * ```ts
 * import { contractBreach } from "./api_contract.ts";
 * import type { TraceEvent } from "../../traces/trace_event.ts";
 * const event = { op: "alloc_pages", order: 11, flags: 0 } as TraceEvent;
 * console.log(contractBreach(event)); // "order 11 is out of range 0..10"
 * ```
 */
export function contractBreach(e: TraceEvent): string {
  switch (e.op) {
    case "alloc_pages":
      // The flags first, as the firmware's checks take them.
      return gfpProblem(e.flags) || orderBreach(e.order);
    case "galloc":
      return sizeBreach("size", e.size, 0) || gfpProblem(e.flags);
    case "slice_pool_create":
      return sizeBreach("object size", e.size, 1) || gfpProblem(e.flags);
    case "vmalloc":
      return sizeBreach("size", e.size, 0);
    default:
      return "";
  }
}

function orderBreach(order: number): string {
  if (Number.isInteger(order) && order >= 0 && order <= API_MAX_ORDER) return "";
  return `order ${order} is out of range 0..${API_MAX_ORDER}`;
}

function sizeBreach(what: string, size: number, least: number): string {
  if (Number.isInteger(size) && size >= least) return "";
  return `${what} ${size} is not a byte count${least > 0 ? ` of ${least} or more` : ""}`;
}
