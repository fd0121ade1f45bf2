/**
 * The original's klist0 lists, in RAM: intrusive doubly linked lists whose
 * head is a node of its own (an empty list is a head linked to itself).
 *
 * Each helper makes the bus accesses the C inline function's source makes,
 * one per dereference (see design.ts: the cost model). Beware the original's
 * names: klist0_append puts a node right after the head, at the FRONT of the
 * list as klist0_for_each walks it; klist0_prepend puts it before the head,
 * at the back. The helpers here are named for where the node ends up.
 * @module
 */

import type { Board } from "../../hw/board.ts";
import { L_NEXT, L_PREV } from "./layout.ts";

/**
 * KLIST0_INIT: links a head to itself. 2 writes.
 * @param bus the board
 * @param head the list head
 */
export function listInit(bus: Board, head: number): void {
  bus.write32(head + L_NEXT, head);
  bus.write32(head + L_PREV, head);
}

/**
 * klist0_empty: whether the list holds no node. 1 read.
 * @param bus the board
 * @param head the list head
 * @returns true when empty
 */
export function listEmpty(bus: Board, head: number): boolean {
  return bus.read32(head + L_NEXT) === head;
}

/**
 * The node after `node` (the first node, given the head). 1 read.
 * @param bus the board
 * @param node a node or a head
 * @returns the next node; the head when `node` is the last
 */
export function listNext(bus: Board, node: number): number {
  return bus.read32(node + L_NEXT);
}

/**
 * klist0_append: puts `node` first, right after the head. 2 reads, 4 writes
 * (the source reads head->next twice: the write to node->next may alias it).
 * @param bus the board
 * @param node the node to insert
 * @param head the list head
 */
export function listPushFront(bus: Board, node: number, head: number): void {
  bus.write32(node + L_NEXT, bus.read32(head + L_NEXT));
  bus.write32(node + L_PREV, head);
  bus.write32(bus.read32(head + L_NEXT) + L_PREV, node);
  bus.write32(head + L_NEXT, node);
}

/**
 * klist0_prepend: puts `node` last, right before the head. 2 reads, 4 writes.
 * @param bus the board
 * @param node the node to insert
 * @param head the list head
 */
export function listPushBack(bus: Board, node: number, head: number): void {
  bus.write32(node + L_NEXT, head);
  bus.write32(node + L_PREV, bus.read32(head + L_PREV));
  bus.write32(bus.read32(head + L_PREV) + L_NEXT, node);
  bus.write32(head + L_PREV, node);
}

/**
 * klist0_unlink: takes `node` out of its list and links it to itself.
 * 4 reads, 4 writes.
 * @param bus the board
 * @param node the node to remove
 */
export function listUnlink(bus: Board, node: number): void {
  bus.write32(bus.read32(node + L_PREV) + L_NEXT, bus.read32(node + L_NEXT));
  bus.write32(bus.read32(node + L_NEXT) + L_PREV, bus.read32(node + L_PREV));
  bus.write32(node + L_NEXT, node);
  bus.write32(node + L_PREV, node);
}
