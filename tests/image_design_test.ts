// Designs in C, run by the board's RV32IM core. examples/first_fit.elf returns
// what examples/first_fit.ts returns, call for call, on the recorded traces:
// the differential test of the core, the ELF loader and the calling
// convention together. A file that is no image is one line and exit status 1;
// an image that faults, loops or traps is a violation naming the trace line,
// the pc as function+offset and the address; and the core's figures, beside
// the bus's data-access cycles, are in every report.

import { fileURLToPath } from "node:url";
import { assertEquals } from "./_assert.ts";
import { runDeno } from "./_helpers.ts";
import { writeElf } from "./_elf_writer.ts";
import { addi, ebreak, jal, li, lw, nop, Program, ret, srli, sw } from "./_rv32_asm.ts";
import {
  type Design,
  type Firmware,
  FLASH_BASE,
  hex32,
  loadDesign,
  PICORV32,
  RAM_BASE,
  type ReplayReport,
  replayTrace,
  RV32_REGISTERS,
  SYSINFO_BASE,
  SYSINFO_RAM_SIZE,
} from "../mod.ts";
import { renderHtmlReport } from "../tools/report/html_report.ts";
import { renderCompareReport } from "../tools/report/compare_report.ts";
import { compareDesigns } from "../tools/compare/compare_designs.ts";
import { formatReplayReport } from "../tools/replay/replay_report.ts";

const EXCERPT = inProject("tests/fixtures/boot_excerpt.trace.gz");
const BOOT = inProject("traces/recorded/linux-6.1/boot.trace.gz");
const PROCS = inProject("traces/recorded/linux-6.1/procs.trace.gz");
const VM = inProject("traces/recorded/linux-6.12/vm.excerpt.trace.gz");
const FS_DAT = inProject("traces/recorded/trace-cmd/fs.dat");
const PROCS_DAT = inProject("traces/recorded/trace-cmd/procs-2cpu.dat");
const FIRST_FIT_TS = inProject("examples/first_fit.ts");
const FIRST_FIT_ELF = inProject("examples/first_fit.elf");

function inProject(path: string): string {
  return fileURLToPath(new URL(`../${path}`, import.meta.url));
}

const replay = (...args: string[]) =>
  runDeno(["run", "--allow-read", "--allow-write", "--allow-run", "tools/cli/replay.ts", ...args]);
const compare = (...args: string[]) =>
  runDeno(["run", "--allow-read", "--allow-write", "--allow-run", "tools/cli/compare.ts", ...args]);

/** Whether clang and ld.lld are installed: the tests that build C need them. */
async function installed(tool: string): Promise<boolean> {
  try {
    await new Deno.Command(tool, { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
const noClang = !(await installed("clang"))
  ? "clang is not installed"
  : !(await installed("ld.lld"))
  ? "ld.lld is not installed"
  : undefined;
if (noClang !== undefined) console.log(`image_design_test: tests that build C skipped: ${noClang}`);

// 1. The differential test --------------------------------------------------

/** The calls whose results are compared, by code (the index). */
const RECORDED = [
  "alloc_pages",
  "free_pages",
  "page_to_addr",
  "slice_pool_create",
  "slice_pool_recycle",
  "slice_alloc",
  "slice_free",
  "slice_pool_shrink",
  "galloc",
  "gfree",
  "gsize",
  "gtaken",
  "gshrink",
  "pagesInUse",
  "poolStats",
];

/** Every recorded call of one boot: its code, and what it returned, as a number. */
interface CallLog {
  codes: number[];
  results: number[];
}

/**
 * The design, with its firmware's every recorded call logged: a number as
 * it is, a pool handle as 1 (null 0: handles differ between designs, the
 * addresses poolStats gives do not), poolStats as the record's address.
 * The log is the last boot's (a replay sized from the trace may boot again
 * on a larger board).
 */
function logged(design: Design): { design: Design; log: () => CallLog } {
  let log: CallLog = { codes: [], results: [] };
  return {
    log: () => log,
    design: {
      name: design.name,
      summary: design.summary,
      boardOptions: design.boardOptions,
      boot(board, options) {
        const firmware = design.boot(board, options);
        log = { codes: [], results: [] };
        const wrappers = new Map<PropertyKey, unknown>();
        return new Proxy(firmware, {
          get(target, member) {
            const value = Reflect.get(target, member, target);
            if (typeof value !== "function") return value;
            const code = typeof member === "string" ? RECORDED.indexOf(member) : -1;
            let wrapper = wrappers.get(member);
            if (wrapper === undefined) {
              // Called on the firmware itself, whose private fields a proxy has not.
              wrapper = code === -1 ? value.bind(target) : (...args: unknown[]) => {
                const result = value.apply(target, args);
                log.codes.push(code);
                log.results.push(
                  typeof result === "number"
                    ? result
                    : member === "poolStats"
                    ? result.address
                    : result === null || result === undefined
                    ? 0
                    : 1,
                );
                return result;
              };
              wrappers.set(member, wrapper);
            }
            return wrapper;
          },
        }) as Firmware;
      },
    },
  };
}

/** Asserts two logs are the same calls with the same results, naming the first that differs. */
function assertSameCalls(ts: CallLog, c: CallLog): void {
  const n = Math.min(ts.codes.length, c.codes.length);
  for (let i = 0; i < n; i++) {
    if (ts.codes[i] !== c.codes[i] || ts.results[i] !== c.results[i]) {
      throw new Error(
        `call ${i}: first_fit.ts made ${RECORDED[ts.codes[i]]} -> ${hex32(ts.results[i])}, ` +
          `first_fit.elf ${RECORDED[c.codes[i]]} -> ${hex32(c.results[i])}`,
      );
    }
  }
  assertEquals(c.codes.length, ts.codes.length, "the same number of calls");
}

/** The figures of a replay that do not depend on how the design's code runs. */
function designFigures(report: ReplayReport) {
  return {
    events: report.events,
    applied: report.applied,
    skipped: report.skipped,
    violations: report.violationList,
    failures: report.failures,
    memory: report.memory,
    tables: report.tables,
    counts: Object.fromEntries(Object.entries(report.ops).map(([op, f]) => [op, f.count])),
  };
}

for (
  const [name, path, calls] of [
    // The calls compared (every Kernel call, and the pagesInUse, page_to_addr,
    // gtaken and poolStats the replay asks after them), so that a replay that
    // compared little would be noticed. Every recorded trace but the 6.1 fs
    // one, whose page allocations walk free lists of thousands of blocks: its
    // replay takes over half a minute in TypeScript, several times that in C.
    ["the boot excerpt", EXCERPT, 5_425],
    ["the Linux 6.12 vm excerpt (vmalloc skipped by both)", VM, 298_005],
    ["the Linux 6.1 boot trace", BOOT, 201_847],
    ["the Linux 6.1 procs trace", PROCS, 800_396],
    ["the trace-cmd fs recording", FS_DAT, 120_370],
    ["the trace-cmd procs recording", PROCS_DAT, 160_431],
  ] as const
) {
  Deno.test(`first_fit.elf returns what first_fit.ts returns from every call, on ${name}`, async () => {
    const ts = logged(await loadDesign(FIRST_FIT_TS));
    const c = logged(await loadDesign(FIRST_FIT_ELF));
    const tsReport = await replayTrace(path, { design: ts.design, zeroApart: true });
    const cReport = await replayTrace(path, { design: c.design, zeroApart: true });
    assertSameCalls(ts.log(), c.log());
    assertEquals(c.log().codes.length, calls);
    assertEquals(tsReport.violations, 0);
    assertEquals(designFigures(cReport), designFigures(tsReport));
    // The core ran every call: the figures of the CPU cover the same operations.
    assertEquals(tsReport.cpu, undefined);
    assertEquals(Object.keys(cReport.cpu!.ops), Object.keys(cReport.ops));
    for (const [op, figures] of Object.entries(cReport.cpu!.ops)) {
      assertEquals(figures.instructions.count, cReport.ops[op].count, op);
      assertEquals(figures.instructions.cycles.p50 > 0, true, op);
      // A CPU cycle per instruction at least, and the data accesses among them.
      assertEquals(figures.cycles.cycles.max >= figures.instructions.cycles.max, true, op);
      assertEquals(figures.cycles.cycles.max >= cReport.ops[op].cycles.max, true, op);
    }
  });
}

Deno.test("a design on PicoRV32 timing runs the same instructions and data accesses, in more CPU cycles", async () => {
  const ibex = await replayTrace(EXCERPT, { design: await loadDesign(FIRST_FIT_ELF) });
  const pico = await replayTrace(EXCERPT, {
    design: await loadDesign(FIRST_FIT_ELF, { cpuTiming: PICORV32 }),
  });
  assertEquals(ibex.cpu!.timing, "Ibex-small on the counted bus");
  assertEquals(pico.cpu!.timing, "PicoRV32 on the counted bus");
  assertEquals(pico.ops, ibex.ops);
  for (const [op, figures] of Object.entries(pico.cpu!.ops)) {
    assertEquals(figures.instructions, ibex.cpu!.ops[op].instructions, op);
    assertEquals(figures.cycles.cycles.mean > ibex.cpu!.ops[op].cycles.cycles.mean, true, op);
  }
});

// 2. Hostile images ---------------------------------------------------------

const { a0: A0, t0: T0, t1: T1, t2: T2 } = RV32_REGISTERS;

/**
 * A hand-assembled image of the generic part: pp_init returns; pp_page_stats
 * says the board's pages, one reserved, none free; gfree, gsize (8) and
 * gshrink (0) return; galloc is `galloc`'s code. Each function has a symbol
 * with its size, so that a pc is named function+offset.
 */
function handImage(
  galloc: (p: Program) => void,
  omit: string[] = [],
): { bytes: Uint8Array; galloc: number } {
  const p = new Program();
  const bodies: [string, () => void][] = [
    ["pp_init", () => p.put(ret())],
    ["pp_page_stats", () => {
      p.put(li(T0, SYSINFO_BASE + SYSINFO_RAM_SIZE), lw(T1, 0, T0), srli(T1, T1, 12));
      p.put(sw(T1, 0x00, A0), addi(T2, 0, 1), sw(T2, 0x04, A0));
      for (let offset = 0x08; offset < 0x38; offset += 4) p.put(sw(0, offset, A0));
      p.put(ret());
    }],
    ["galloc", () => galloc(p)],
    ["gfree", () => p.put(ret())],
    ["gsize", () => p.put(addi(A0, 0, 8), ret())],
    ["gshrink", () => p.put(addi(A0, 0, 0), ret())],
  ];
  for (const [name, body] of bodies) {
    p.label(name);
    body();
  }
  p.label("end");
  const names = bodies.map(([name]) => name);
  const functions = names.filter((name) => !omit.includes(name)).map((name) => {
    const next = names[names.indexOf(name) + 1] ?? "end";
    return {
      name,
      address: FLASH_BASE + p.offset(name),
      size: p.offset(next) - p.offset(name),
    };
  });
  const { bytes } = writeElf({
    segments: [
      { address: FLASH_BASE, data: p.bytes() },
      { address: RAM_BASE, data: new Uint8Array(0), memoryBytes: 4096 },
    ],
    symbols: [
      ...functions,
      { name: "__stack_top", address: RAM_BASE + 4096, type: 0 },
      { name: "pp_scratch", address: RAM_BASE, size: 512, type: 1 },
    ],
  });
  return { bytes, galloc: FLASH_BASE + p.offset("galloc") };
}

/** Images whose galloc breaks, each in its second instruction: at galloc+0x4. */
const FAULTS = handImage((p) => p.put(nop(), lw(A0, 0, 0)));
const LOOPS = handImage((p) => p.put(nop(), jal(0, 0)));
const BREAKS = handImage((p) => p.put(nop(), ebreak()));
const BREAKS_AT = `${hex32(FAULTS.galloc + 4)} (galloc+0x4)`;

/** The hostile files: each one's bytes and what its line must say. */
function hostileImages(): [string, Uint8Array, string][] {
  const good = handImage((p) => p.put(addi(A0, 0, 0), ret())).bytes;
  const view = (bytes: Uint8Array) => new DataView(bytes.buffer);
  const machine = good.slice();
  view(machine).setUint16(18, 62, true); // EM_X86_64
  const elfClass = good.slice();
  elfClass[4] = 2;
  const outside = writeElf({
    segments: [
      { address: FLASH_BASE, data: new Uint8Array(16) },
      { address: 0x1000_0000, data: new Uint8Array(16) },
    ],
  }).bytes;
  const overlapping = writeElf({
    segments: [
      { address: FLASH_BASE, data: new Uint8Array(64) },
      { address: FLASH_BASE + 32, data: new Uint8Array(64) },
    ],
  }).bytes;
  return [
    ["not an ELF", new TextEncoder().encode("#!/bin/sh\necho hello\n"), "not an ELF file"],
    ["wrong machine", machine, "wrong machine: e_machine is 62, not 243 (RISC-V)"],
    ["wrong class", elfClass, "not ELF32: the file is ELF64"],
    ["a segment outside flash and RAM", outside, "segment outside flash and RAM"],
    ["overlapping segments", overlapping, "segments overlap"],
    ["no pp_init", handImage((p) => p.put(ret()), ["pp_init"]).bytes, "no function pp_init"],
    ["a truncated file", good.slice(0, 80), "truncated file (80 bytes)"],
  ];
}

Deno.test("replay and compare answer each hostile image with one line and exit status 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const runs = hostileImages().map(async ([what, bytes, says], i) => {
      const path = `${dir}/hostile-${i}.elf`;
      await Deno.writeFile(path, bytes);
      for (
        const [command, run] of [
          ["replay", replay(EXCERPT, "--design", path)],
          ["compare", compare(EXCERPT, "--designs", `pagepile,${path}`)],
        ] as const
      ) {
        const { code, stdout, stderr } = await run;
        assertEquals(code, 1, `${command}, ${what}: ${stderr}`);
        assertEquals(stdout, "", `${command}, ${what}`);
        assertEquals(stderr.split("\n").length, 2, `${command}, ${what}: one line: ${stderr}`);
        assertEquals(stderr.startsWith(`${command}: ${path}: `), true, stderr);
        assertEquals(stderr.includes(says), true, `${command}, ${what}: ${stderr}`);
      }
    });
    await Promise.all(runs);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// 3. Images that break ------------------------------------------------------

const ONE_GALLOC = ["# pagepile trace 1", "galloc 0x10 0 24", "gfree 0x10"].join("\n") + "\n";

async function breakingReplay(
  image: { bytes: Uint8Array },
  maxCallCycles?: number,
): Promise<ReplayReport> {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  const elfPath = await Deno.makeTempFile({ suffix: ".elf" });
  try {
    await Deno.writeTextFile(path, ONE_GALLOC);
    await Deno.writeFile(elfPath, image.bytes);
    const design = await loadDesign(elfPath);
    return await replayTrace(path, { design, ramBytes: 1024 * 1024, maxCallCycles });
  } finally {
    await Deno.remove(path);
    await Deno.remove(elfPath);
  }
}

/** Asserts the replay stopped at line 2's galloc, the design broken with `message`. */
function assertBrokeAtGalloc(report: ReplayReport, message: string): void {
  assertEquals(report.designBroken, { line: 2, message });
  assertEquals(report.stoppedAt, { line: 2, message, reason: "design" });
  assertEquals(report.violationList, [{ line: 2, message }]);
  assertEquals(report.tables, null);
}

Deno.test("an image whose galloc faults on the bus is a violation naming the line, pc and address", async () => {
  assertBrokeAtGalloc(
    await breakingReplay(FAULTS),
    "galloc trapped: bus error on load (bus fault: 32-bit read at 0x00000000 (no RAM or device " +
      `at this address)) at pc ${BREAKS_AT}`,
  );
});

Deno.test("an image whose galloc loops is stopped at its instruction limit, the pc named", async () => {
  assertBrokeAtGalloc(
    await breakingReplay(LOOPS),
    "galloc did not return within 20,000,000 instructions (the limit on one call: " +
      `--max-call-instructions); stopped at pc ${BREAKS_AT}`,
  );
});

Deno.test("an image whose galloc loops is stopped at the call's bus cycles, the pc named", async () => {
  // Its loop is a JAL to itself: a 4-cycle fetch from flash and 1 extra cycle each.
  assertBrokeAtGalloc(
    await breakingReplay(LOOPS, 10_000),
    "galloc did not return within 10,000 bus cycles (the limit on one call: " +
      `--max-call-cycles); stopped at pc ${BREAKS_AT}`,
  );
});

Deno.test("an image whose galloc hits an ebreak is a violation naming the pc", async () => {
  assertBrokeAtGalloc(
    await breakingReplay(BREAKS),
    `galloc trapped: ebreak at pc ${BREAKS_AT}`,
  );
});

Deno.test("replay of an image that breaks: the report says where, exit status 1, no stack trace", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/one.trace`, ONE_GALLOC);
    await Deno.writeFile(`${dir}/loops.elf`, LOOPS.bytes);
    const { code, stdout, stderr } = await replay(
      `${dir}/one.trace`,
      "--design",
      `${dir}/loops.elf`,
      "--max-call-instructions",
      "1000",
    );
    assertEquals(code, 1, stderr);
    assertEquals(/Uncaught| {4}at |error: /.test(stderr), false, stderr);
    assertEquals(
      stdout.includes(
        "STOPPED (the design broke) at line 2: galloc did not return within 1,000 instructions " +
          `(the limit on one call: --max-call-instructions); stopped at pc ${BREAKS_AT}`,
      ),
      true,
      stdout,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a design that claims a CPU but works on the bus itself is caught", async () => {
  const honest = await loadDesign(FIRST_FIT_TS);
  const claims: Design = {
    name: "claims-a-cpu",
    summary: "first-fit in TypeScript, saying its calls run on a core that runs nothing",
    boot(board) {
      const firmware = honest.boot(board);
      const idle = { instructions: 0, fetchCycles: 0, dataCycles: 0, extraCycles: 0 };
      const cpu = { timing: { name: "none" }, counters: () => idle };
      return new Proxy(firmware, {
        get(target, member) {
          if (member === "cpu") return cpu;
          const value = Reflect.get(target, member, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
  };
  const report = await replayTrace(EXCERPT, { design: claims });
  // Once for each kind of call, the first time (then counted).
  assertEquals(report.violationList.map((v) => v.message.split(" ")[0]), [
    "galloc",
    "slice_pool_create",
    "slice_alloc",
    "alloc_pages",
    "gfree",
    "slice_free",
  ]);
  assertEquals(report.violationList[0], {
    line: 13,
    message: "galloc spent 56 bus cycles, and its CPU 0 of them: a design that runs on the " +
      "CPU must do all of its work there (its figures count the core's accesses) " +
      "(and again 1,419 times after)",
  });
});

// 4. The figures in the reports ---------------------------------------------

Deno.test("a design in C has instructions and CPU cycles in the text, JSON and HTML reports; one in TypeScript has none", async () => {
  const c = await replayTrace(EXCERPT, {
    design: await loadDesign(FIRST_FIT_ELF),
    pictures: true,
  });
  const ts = await replayTrace(EXCERPT, { design: await loadDesign(FIRST_FIT_TS), pictures: true });
  const text = formatReplayReport(c);
  assertEquals(text.includes("instructions and CPU cycles per operation"), true);
  assertEquals(text.includes("the figure that compares\nwith designs in TypeScript"), true);
  assertEquals(formatReplayReport(ts).includes("instructions and CPU cycles"), false);
  assertEquals(JSON.parse(JSON.stringify(c)).cpu.timing, "Ibex-small on the counted bus");
  assertEquals(JSON.stringify(ts).includes('"cpu":'), false);
  assertEquals(renderHtmlReport(c).includes('<table id="cpu-table">'), true);
  assertEquals(renderHtmlReport(ts).includes("cpu-table"), false);
});

Deno.test("compare sets a design in C beside one in TypeScript: a table of its instructions and CPU cycles, in JSON and HTML too", async () => {
  const comparison = await compareDesigns(EXCERPT, [FIRST_FIT_TS, FIRST_FIT_ELF], {
    pictures: true,
  });
  const [ts, c] = comparison.designs;
  assertEquals([ts.design, c.design], ["first-fit", "first_fit.elf"]);
  assertEquals([ts.violations, c.violations], [0, 0]);
  assertEquals(c.peakFootprintBytes, ts.peakFootprintBytes);
  assertEquals(ts.report.cpu, undefined);
  assertEquals(Object.keys(c.report.cpu!.ops), Object.keys(c.report.ops));
  const html = renderCompareReport(comparison);
  assertEquals(html.includes('<table id="cpu-table">'), true);
  const { code, stdout, stderr } = await compare(
    EXCERPT,
    "--designs",
    "./examples/first_fit.ts,./examples/first_fit.elf",
  );
  assertEquals(code, 0, stderr);
  assertEquals(stdout.includes("first_fit.elf instructions  first_fit.elf CPU cycles"), true);
  assertEquals(stdout.includes("for a design in C, its core's loads and stores alone"), true);
});

// 5. Designs given as C -----------------------------------------------------

Deno.test({
  name: "replay --design ./examples/first_fit.c builds the image and replays it",
  ignore: noClang !== undefined,
  async fn() {
    const { code, stdout, stderr } = await replay(
      EXCERPT,
      "--design",
      "./examples/first_fit.c",
      "--json",
    );
    assertEquals(code, 0, stderr);
    const report = JSON.parse(stdout) as ReplayReport;
    assertEquals(report.design, "first_fit.c");
    assertEquals(report.violations, 0);
    const elf = await replayTrace(EXCERPT, { design: await loadDesign(FIRST_FIT_ELF) });
    // The same design as the committed image: the same blocks, so the same memory figures.
    // (Its cycles and instructions are the same only where the same clang built both.)
    assertEquals(report.memory, elf.memory);
    assertEquals(Object.keys(report.cpu!.ops), Object.keys(elf.cpu!.ops));
  },
});

Deno.test({
  name: "compare builds a design in C and replays its image, named by the C file",
  ignore: noClang !== undefined,
  async fn() {
    const comparison = await compareDesigns(EXCERPT, ["./examples/first_fit.c", FIRST_FIT_ELF]);
    const [built, committed] = comparison.designs;
    assertEquals(built.design, "first_fit.c");
    assertEquals(built.violations, 0);
    assertEquals(built.report.memory, committed.report.memory);
    assertEquals(built.report.cpu!.timing, "Ibex-small on the counted bus");
  },
});

Deno.test({
  name: "a design in C that does not compile is one line naming clang's first error, exit status 2",
  ignore: noClang !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const source = `${dir}/broken.c`;
      await Deno.writeTextFile(source, '#include "pagepile.h"\nvoid pp_init(void) { int x = ; }\n');
      const { code, stdout, stderr } = await replay(EXCERPT, "--design", source);
      assertEquals(code, 2, stderr);
      assertEquals(stdout, "");
      assertEquals(
        stderr,
        `replay: ${source}: does not compile: ${source}:2:30: error: expected expression\n`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("without clang, a design in C is one line with the apt-get command, exit status 1", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tools/cli/replay.ts", EXCERPT, "--design", "./examples/first_fit.c"],
    cwd: inProject(""),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", PATH: "" },
  }).output();
  assertEquals(output.code, 1);
  assertEquals(
    new TextDecoder().decode(output.stderr),
    "replay: ./examples/first_fit.c: cannot be built: clang is not installed: " +
      "apt-get install -y clang lld\n",
  );
});

Deno.test("fuzz takes --cpu-timing for a design in C; a timing it does not know is one line, exit status 2", async () => {
  const fuzz = (...args: string[]) =>
    runDeno(["run", "--allow-read", "--allow-run", "tools/cli/fuzz.ts", ...args]);
  const pico = await fuzz("--design", FIRST_FIT_ELF, "--cpu-timing", "picorv32", "--steps", "500");
  assertEquals(pico.code, 0, pico.stderr);
  assertEquals(
    pico.stdout.split("\n")[0].startsWith(
      "fuzz: first_fit.elf (CPU: PicoRV32 on the counted bus), 500 steps",
    ),
    true,
    pico.stdout,
  );
  const unknown = await fuzz("--design", FIRST_FIT_ELF, "--cpu-timing", "z80");
  assertEquals(unknown.code, 2);
  assertEquals(
    unknown.stderr.split("\n")[0],
    "fuzz: --cpu-timing z80 is not one of ibex-small, picorv32",
  );
});
