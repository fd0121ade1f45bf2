/**
 * What the replay's and the comparison's HTML reports share: the page's
 * start (head, style sheet, heading) and end (the memory maps' tooltip
 * script), how they write sizes, and the caption of a map at the peak.
 * @module
 */

import type { ReplayPictures } from "../replay/memory_timeline.ts";
import { escapeHtml } from "./html_escape.ts";

const KiB = 1024;

/** Bytes as whole KiB, e.g. "1,440 KiB". */
export function kib(bytes: number): string {
  return `${Math.round(bytes / KiB).toLocaleString("en-US")} KiB`;
}

/**
 * Text made fit for an element's id: runs of other characters than letters,
 * digits and _ become one "-" ("galloc (GFP_ZERO)" gives "galloc-GFP_ZERO").
 */
export function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_]+/g, "-").replace(/^-|-$/g, "");
}

/** The style sheet, inline in each report. */
export const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.ok { color: #2f7d32; font-weight: 600; } .bad { color: #b71c1c; font-weight: 600; }
.maps { display: flex; flex-wrap: wrap; gap: 2em; }
.maps-side { display: grid; gap: 1.2em; align-items: start; }
figure { margin: 0; min-width: 0; } figcaption { font-weight: 600; margin-bottom: 0.4em; }
.memory-map { display: block; border: 1px solid #bbb; max-width: 100%; height: auto; }
.legend { list-style: none; margin: 0.5em 0; padding: 0.3em; font-size: 12px; border: 1px solid #eee;
  display: grid; grid-template-columns: repeat(auto-fill, minmax(min(22em, 100%), 1fr)); column-gap: 1.5em;
  max-height: 18em; overflow-x: hidden; overflow-y: auto; }
.legend li { overflow-wrap: anywhere; } .legend .pages { color: #666; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border: 1px solid #999; vertical-align: -1px; }
.latency { display: flex; flex-wrap: wrap; gap: 1em; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 12px; }
table { border-collapse: collapse; font-size: 12px; margin: 0.6em 0; }
caption { text-align: left; font-weight: 600; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
details { margin: 0.5em 0; } summary { cursor: pointer; font-weight: 600; }
#tip { position: fixed; background: #222; color: #fff; padding: 3px 6px; font: 12px monospace; pointer-events: none; border-radius: 3px; }
`;

/**
 * Turns the cell under the pointer into its page's address and holder: a
 * rectangle covers `data-pages` pages from `data-page`, one cell each along
 * its row; a folded band (`data-fold`) is named by its title.
 */
export const MAP_SCRIPT = `
(() => {
  const tip = document.getElementById("tip");
  for (const svg of document.querySelectorAll("svg.memory-map")) {
    const cell = Number(svg.dataset.cell);
    const base = Number(svg.dataset.ramBase);
    const pageSize = Number(svg.dataset.pageSize);
    svg.addEventListener("mousemove", (event) => {
      const rect = event.target.closest("rect");
      if (!rect) { tip.hidden = true; return; }
      const title = rect.querySelector("title").textContent;
      if ("fold" in rect.dataset) {
        tip.textContent = title;
      } else {
        const box = svg.getBoundingClientRect();
        const scale = box.width / svg.viewBox.baseVal.width;
        const x = (event.clientX - box.left) / scale;
        const cells = Math.floor((x - Number(rect.getAttribute("x"))) / cell);
        const page = Number(rect.dataset.page) + Math.min(Math.max(cells, 0), Number(rect.dataset.pages) - 1);
        const address = (base + page * pageSize).toString(16).padStart(8, "0");
        tip.textContent = "0x" + address + " (page " + page + "): " + title.replace(/^[^:]*: /, "");
      }
      tip.style.left = event.clientX + 12 + "px";
      tip.style.top = event.clientY + 12 + "px";
      tip.hidden = false;
    });
    svg.addEventListener("mouseleave", () => { tip.hidden = true; });
  }
})();
`;

/**
 * The caption of the map at the peak: the peak's footprint and line, and the
 * map's own when it was read before the peak (it is read again only after a
 * growth of a 256th of RAM).
 * @param pictures a replay's pictures
 * @param who what goes before the caption (a design's name, in a comparison)
 */
export function peakMapCaption(pictures: ReplayPictures, who = ""): string {
  const { peak, peakMapAt } = pictures;
  const at = `${kib(peak.footprintBytes)} held, after line ${peak.line}`;
  if (peakMapAt.line === peak.line) return `${who}At the peak: ${at}`;
  return `${who}Near the peak: ${
    kib(peakMapAt.footprintBytes)
  } held, after line ${peakMapAt.line} (the peak: ${at})`;
}

/**
 * The start of a report page: its head (title, style sheet) and the body's
 * heading and lead paragraph.
 * @param title the page's title, as text
 * @param leadHtml the lead paragraph's content, as HTML
 */
export function pageStart(title: string, leadHtml: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="lead">${leadHtml}</p>`;
}

/** The end of a report page: the memory maps' tooltip script, and the closing tags. */
export const PAGE_END = `<script>${MAP_SCRIPT}</script>
</body>
</html>
`;
