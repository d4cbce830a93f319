"""Benchmark: how fast the seed graph's viewer page becomes interactive, and its size.

Not a test (timings depend on the machine). Builds the graph from seeds/, writes
the page, opens it from file:// in Debian's headless Chromium a few times and
prints, per run and as the median, the time from navigation start to the moment
the layout has settled and physics is frozen (``window.kgView.readyAt``, the
page's own ``performance.now()``), and the wall time seen from outside.

    python bench/viewer.py [INPUT ...] [--runs 3] [--out exports/graph.html]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

import kg
from kg.viewer import HEADLESS_CHROMIUM_ARGS, write_html

CHROMIUM = "/usr/bin/chromium"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", default=["seeds/"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default="exports/graph.html")
    args = parser.parse_args()

    G = kg.build(args.inputs).graph
    path = Path(args.out)
    start = time.perf_counter()
    write_html(G, path)
    written = time.perf_counter() - start
    size = path.stat().st_size
    print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    print(f"page:  {path} {size / 1e6:.2f} MB ({size:,} bytes), written in {written:.2f} s")

    ready, wall = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=HEADLESS_CHROMIUM_ARGS)
        for run in range(1, args.runs + 1):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            start = time.perf_counter()
            page.goto(path.resolve().as_uri())
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=120_000)
            wall.append(time.perf_counter() - start)
            ready.append(page.evaluate("() => kgView.readyAt") / 1000)
            print(f"run {run}: interactive after {ready[-1]:.2f} s (wall {wall[-1]:.2f} s)")
            page.close()
        browser.close()
    print(
        f"median: interactive after {statistics.median(ready):.2f} s "
        f"(wall {statistics.median(wall):.2f} s) over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
