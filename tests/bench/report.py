#!/usr/bin/env python3
"""Medians of tests/bench/suite.sh's measurements, nf_ct against nf_conntrack.

Usage: report.py RAW.jsonl RESULTS.json
Prints a table (one row per metric and size) and writes the medians, the
ratios and every raw measurement as JSON for tools.
"""
import json
import statistics
import sys

CONFIGS = ("none", "nf_conntrack", "nf_ct")
# metric -> (label, lower is better)
METRICS = {
    "ns_per_packet": ("per-packet cost, established flows (ns)", True),
    "overhead_ns": ("  tracking overhead over no tracking (ns)", True),
    "new_conn_per_s": ("new connections per second", False),
    "nat_ns_per_packet": ("with a DNAT rule: per-packet cost (ns)", True),
    "nat_new_conn_per_s": ("with a DNAT rule: new connections per second", False),
    "bytes_per_conn": ("bytes per tracked connection (slab objects, nf_ct's buckets)", True),
    "mem_per_conn": ("  machine memory per connection (noisy)", True),
    "list_seconds": ("listing the proc file (s)", True),
    "gc_drain_seconds": ("expiring all entries, wall time (s)", True),
    "gc_cpu_seconds": ("expiring all entries, CPU time (s)", True),
    "gc_longest_hold_us": ("GC longest single hold (us)", True),
    "gc_batches_over_1ms_pct": ("GC batches over 1 ms (%)", True),
    "clock_gap_longest_us": ("  noise floor: longest clock gap, no work (us)", True),
    "clock_slices_over_1ms_pct": ("  noise floor: 1 ms spins interrupted over 1 ms (%)", True),
    "udp_pps": ("end to end over veth: UDP packets/s (size = flows)", False),
    "tcp_mbit_per_s": ("end to end over veth: TCP Mbit/s (size = streams)", False),
}


def main():
    raw_path, out_path = sys.argv[1], sys.argv[2]
    rows = []
    with open(raw_path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    values = {}
    for r in rows:
        values.setdefault((r["metric"], r["size"], r["config"]), []).append(r["value"])

    def median(key):
        v = values.get(key)
        if not v:
            return None
        if any(isinstance(x, str) for x in v):
            return v[0]  # a bound such as ">180": reported as measured
        return statistics.median(v)

    sizes = sorted({r["size"] for r in rows})
    # Per-packet cost minus the same work with no tracker: what tracking adds.
    for size in sizes:
        base = median(("ns_per_packet", size, "none"))
        for c in ("nf_conntrack", "nf_ct"):
            v = median(("ns_per_packet", size, c))
            if base is not None and v is not None:
                values[("overhead_ns", size, c)] = [v - base]

    table = []
    for metric, (label, lower_better) in METRICS.items():
        for size in sizes:
            med = {c: median((metric, size, c)) for c in CONFIGS}
            if med["nf_conntrack"] is None and med["nf_ct"] is None:
                continue
            ratio = None
            a, b = med["nf_ct"], med["nf_conntrack"]
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
                ratio = a / b
            table.append({"metric": metric, "label": label, "size": size,
                          "lower_is_better": lower_better,
                          "median": med, "ratio_nf_ct_to_nf_conntrack": ratio})

    def fmt(v):
        if v is None:
            return "-"
        if isinstance(v, str):
            return v
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"

    head = f"{'measurement':46} {'entries':>9} {'none':>12} {'nf_conntrack':>13} {'nf_ct':>12} {'nf_ct/kernel':>13}"
    print(head)
    print("-" * len(head))
    for t in table:
        m = t["median"]
        r = t["ratio_nf_ct_to_nf_conntrack"]
        print(f"{t['label']:46} {t['size']:>9,} {fmt(m['none']):>12} {fmt(m['nf_conntrack']):>13} "
              f"{fmt(m['nf_ct']):>12} {('%.2fx' % r) if r is not None else '-':>13}")
    print("\nmedians of", max((len(v) for v in values.values()), default=0),
          "repetitions; ratios below 1 are better for nf_ct except for connections/s")
    with open(out_path, "w") as f:
        json.dump({"table": table, "measurements": rows}, f, indent=1)
    print("JSON:", out_path)


if __name__ == "__main__":
    main()
