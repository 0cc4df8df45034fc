"""Benchmark: full gap report and one trace on a generated national-scale network. Prints JSON.

Targets (issue 3): full report under 60 s, one trace under 0.2 s, on the 2-core machine.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generators import national_dataset
from chainplan.chains import ChainNetwork, gap_report, trace_product
from chainplan.dataset import check_dataset


def main() -> None:
    started = time.perf_counter()
    dataset = national_dataset()
    generated = time.perf_counter() - started
    started = time.perf_counter()
    problems = check_dataset(dataset)
    checked = time.perf_counter() - started
    started = time.perf_counter()
    network = ChainNetwork.from_dataset(dataset)
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    gaps = gap_report(network)
    report = time.perf_counter() - started
    traces = []
    linked = [code for code in network.product_codes() if code in network.links_by_product][:50]
    for code in linked:
        started = time.perf_counter()
        trace_product(network.product_graph(code))
        traces.append(time.perf_counter() - started)
    print(json.dumps({
        "benchmark": "chains_national",
        "products": len(dataset.products), "organizations": len(dataset.organizations),
        "links": len(dataset.links), "provinces": int((dataset.regions["level"] == "province").sum()),
        "consistency_problems": len(problems),
        "generate_s": round(generated, 2), "check_dataset_s": round(checked, 2), "index_s": round(indexed, 2),
        "full_gap_report_s": round(report, 2), "gaps": len(gaps),
        "trace_median_s": round(statistics.median(traces), 4), "trace_max_s": round(max(traces), 4),
        "targets": {"full_gap_report_s": 60, "trace_s": 0.2},
    }, indent=2))


if __name__ == "__main__":
    main()
