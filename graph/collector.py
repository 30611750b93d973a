"""The garbage collector of a serving process.

At its defaults CPython walks every live object at each full collection: in a server that
holds a schema, modules and caches that is a pause of about 120 ms, a dozen times in a
15-second benchmark run, and it lands on whichever request happens to allocate. The objects
made at start live as long as the process, so they are frozen (no collection walks them
again), and the collections are spaced for a process whose requests each make thousands of
short-lived objects.
"""

from __future__ import annotations

import gc

# Measured under the K=50 benchmark (bench/FINDINGS.md): at the defaults, with the start's
# objects frozen, a full collection (20 to 40 ms) came every second; 50,000 young objects made
# each young collection 30 ms and a middle one 280 ms. These keep every pause under ~50 ms
# and the collector's CPU at half the defaults'.
YOUNG_OBJECTS = 10_000
YOUNG_COLLECTIONS_PER_MIDDLE = 10
# A full collection walks everything made since the start (a thousand open subscriptions are
# half a million objects); only reference cycles that lived long need it, and they are few.
MIDDLE_COLLECTIONS_PER_FULL = 100


def settle_after_start() -> None:
    """For `serve` once the app is built; never in a process that builds apps by the dozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, YOUNG_COLLECTIONS_PER_MIDDLE, MIDDLE_COLLECTIONS_PER_FULL)
