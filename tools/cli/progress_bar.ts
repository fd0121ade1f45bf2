/**
 * A one-line progress bar on a terminal's standard error.
 * @module
 */

/** Draws progress at most five times a second; `done` clears the line. */
export class ProgressBar {
  readonly #encoder = new TextEncoder();
  /** When the first update came: the replay's start (a sizing pass before it is not counted). */
  #start = -1;
  #lastDraw = 0;

  /** Redraws the bar for `done` of `total` bytes and `events` so far. */
  update(done: number, total: number, events: number): void {
    const now = performance.now();
    if (this.#start < 0) this.#start = now;
    if (now - this.#lastDraw < 200) return;
    this.#lastDraw = now;
    const seconds = (now - this.#start) / 1000;
    const fraction = total > 0 ? Math.min(done / total, 1) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const rate = seconds > 0 ? Math.round(events / seconds) : 0;
    const eta = fraction > 0 ? Math.max(0, seconds / fraction - seconds) : 0;
    const text =
      `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(fraction * 100).toFixed(0)}% ` +
      `${events.toLocaleString("en-US")} events, ${rate.toLocaleString("en-US")} events/s, ETA ${
        eta.toFixed(0)
      } s`;
    Deno.stderr.writeSync(this.#encoder.encode(`\r${text}\x1b[K`));
  }

  /** Clears the bar's line. */
  done(): void {
    Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[K"));
  }
}
