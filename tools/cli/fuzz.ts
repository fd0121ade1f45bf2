/**
 * `deno task fuzz`: model-based fuzzing of the whole Kernel API at volume
 * (tools/kernel_fuzz.ts), by default 1,000,000 steps. A failure prints the
 * seed, the path and the shrunk steps; `--seed` and `--path` replay it.
 * @module
 */

import fc from "fast-check";
import { parseArgs } from "node:util";
import { fuzzOp, runFuzzOps } from "../fuzz/kernel_fuzz.ts";

const HELP = `Usage: deno task fuzz [--steps N] [--seed S] [--path P]

Runs random sequences of Kernel calls — page, slice, generic and virtual
memory allocators, misuse included — against a model, on 1 MiB and 4 MiB
boards, half of them booted with the debug options. Every block is checked (in RAM, aligned, no overlap, bytes intact),
every misuse must be refused with a typed error and leave RAM unchanged, and
the allocators' audit must hold. Exit status 0 when all holds, 1 on a failure.

Options:
  --steps N   steps in all (default 1000000), in runs of 500
  --seed S    the seed (default: random; printed either way)
  --path P    with --seed: replay the failing run fast-check printed
  --help      show this
`;

const STEPS_PER_RUN = 500;

function main(args: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        steps: { type: "string", default: "1000000" },
        seed: { type: "string" },
        path: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1) return usage(`--steps ${values.steps} is not a count`);
  const seed = values.seed === undefined ? (Math.random() * 2 ** 31) | 0 : Number(values.seed);
  if (!Number.isInteger(seed)) return usage(`--seed ${values.seed} is not an integer`);
  const runs = Math.ceil(steps / STEPS_PER_RUN);
  console.log(`fuzz: ${runs * STEPS_PER_RUN} steps in ${runs} runs, seed ${seed}`);
  const start = performance.now();
  let done = 0;
  const result = fc.check(
    fc.property(
      fc.constantFrom(1024 * 1024, 4 * 1024 * 1024),
      fc.array(fuzzOp, { minLength: STEPS_PER_RUN, maxLength: STEPS_PER_RUN }),
      fc.boolean(),
      (ramBytes, ops, debug) => {
        runFuzzOps(ops, ramBytes, { debug });
        if (++done % 200 === 0 && done <= runs) {
          const seconds = (performance.now() - start) / 1000;
          console.log(`  ${done * STEPS_PER_RUN} steps, ${seconds.toFixed(0)} s`);
        }
      },
    ),
    { numRuns: runs, seed, path: values.path, endOnFailure: false },
  );
  if (result.failed) {
    console.log(fc.defaultReportMessage(result));
    // The runs have a fixed length, so the steps after the failing one are noise.
    console.log(
      `\nwhat failed: ${(result.errorInstance as Error)?.message ?? result.errorInstance}`,
    );
    console.log(
      `replay with: deno task fuzz --seed ${result.seed} --path "${result.counterexamplePath}"`,
    );
    return 1;
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `fuzz: ok, ${result.numRuns * STEPS_PER_RUN} steps in ${seconds.toFixed(1)} s ` +
      `(${Math.round(result.numRuns * STEPS_PER_RUN / seconds)} steps/s)`,
  );
  return 0;
}

function usage(message: string): number {
  console.error(`fuzz: ${message}\n\n${HELP}`);
  return 2;
}

if (import.meta.main) Deno.exit(main(Deno.args));
