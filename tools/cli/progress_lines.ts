/**
 * One progress line per task on a terminal's standard error, redrawn in
 * place: what `deno task compare` shows while its designs replay.
 * @module
 */

/** Lines drawn at most five times a second; `done` leaves them as they are. */
export class ProgressLines {
  readonly #encoder = new TextEncoder();
  readonly #labels: string[];
  readonly #texts: string[];
  #drawn = false;
  #lastDraw = 0;

  /** @param labels one per line, e.g. the designs' names */
  constructor(labels: string[]) {
    this.#labels = labels;
    this.#texts = labels.map(() => "waiting");
  }

  /** Sets line `index` to `done` of `total` bytes and `events` so far. */
  update(index: number, done: number, total: number, events: number): void {
    const percent = total > 0 ? Math.min(100, Math.round((100 * done) / total)) : 0;
    this.#texts[index] = `${String(percent).padStart(3)}%  ${
      events.toLocaleString("en-US")
    } events`;
    this.#draw(false);
  }

  /** Marks line `index` finished. */
  finish(index: number): void {
    this.#texts[index] = "done";
    this.#draw(true);
  }

  #draw(now: boolean): void {
    const time = performance.now();
    if (!now && time - this.#lastDraw < 200) return;
    this.#lastDraw = time;
    const width = Math.max(...this.#labels.map((l) => l.length));
    const up = this.#drawn ? `\x1b[${this.#labels.length}A` : "";
    const lines = this.#labels.map((label, i) =>
      `\r${label.padEnd(width)}  ${this.#texts[i]}\x1b[K\n`
    );
    Deno.stderr.writeSync(this.#encoder.encode(up + lines.join("")));
    this.#drawn = true;
  }
}
