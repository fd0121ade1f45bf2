// Every design in the repository, for the tests that run on each: the
// shipped ones and the example a user starts from.

import { type Design, DESIGNS } from "../mod.ts";
import { design as firstFit } from "../examples/first_fit.ts";

/** The shipped designs, then the example. */
export const REPO_DESIGNS: readonly Design[] = [...DESIGNS, firstFit];
