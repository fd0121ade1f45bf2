// Every design in the repository, for the tests that run on each: the
// shipped ones, the example a user starts from, and its twin in C (the
// committed image of examples/first_fit.c, run by the board's core).

import { type Design, DESIGNS, imageDesign } from "../mod.ts";
import { design as firstFit } from "../examples/first_fit.ts";

const firstFitImage = imageDesign(
  "first_fit.elf",
  await Deno.readFile(new URL("../examples/first_fit.elf", import.meta.url)),
);

/** The shipped designs, then the example and its image. */
export const REPO_DESIGNS: readonly Design[] = [...DESIGNS, firstFit, firstFitImage];
