/**
 * The designs that ship with pagepile, by name: what `--design NAME` and
 * `--designs A,B` look up. A design of one's own is loaded from its module
 * file instead (tools/replay/design_loader.ts).
 * @module
 */

import type { Design } from "./firmware.ts";
import { koowaldahDesign } from "./koowaldah/design.ts";
import { pagepileDesign } from "./pagepile/design.ts";
import { tlsfDesign } from "./tlsf/design.ts";

/** The shipped designs, the default first. */
export const DESIGNS: readonly Design[] = [pagepileDesign, koowaldahDesign, tlsfDesign];
