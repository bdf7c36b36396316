#!/usr/bin/python3
"""CPU per forwarded packet from perf/peers/cpu.sh's runs: writes OUT/cpu.tsv
(one line a run) and prints the markdown table.

    perf/peers/cpu_table.py OUT_DIR [GENERATOR_CPU]

A run NAME (WAY-ROUND-MPPS) left NAME.json (sluice-bench's summary) and
NAME.stat0, NAME.stat1 (/proc/stat's cpu lines after the time they were
read). A load balancer's cost per packet is its CPU time per second less
the direct run's (same round, same offered rate), over the packets per
second that reached the sink, measured two ways:

  jiffies  the non-idle jiffies of all CPUs: user + nice + system + irq +
           softirq + steal. The kernel counts these a tick at a time, and
           with idle ticks stopped (NO_HZ) a tick seldom lands in the short
           bursts between idle periods: they go uncounted.
  awake    elapsed time less idle and iowait, which the kernel measures
           exactly, on every CPU but the generator's. The generator
           busy-polls its core, which is awake all the time unless the
           kernel holds its sends back (its socket's send buffer is full
           when the load balancer's core cannot keep up); the table marks
           those cells.
"""
import json
import os
import statistics
import sys

HZ = os.sysconf("SC_CLK_TCK")
LBS = ("sluiced", "nftables")


def read_stat(path):
    when, cpus = None, {}
    for line in open(path):
        f = line.split()
        if f[0] == "time":
            when = float(f[1])
        else:
            cpus[f[0]] = [int(x) for x in f[1:]]
    return when, cpus


def usage(name, out, gen_cpu):
    """Over the window: busy jiffies of all CPUs and awake time of all but
    the generator's CPU, both in CPU seconds per second, and the share of
    the window the generator's CPU was awake."""
    t0, a = read_stat(os.path.join(out, name + ".stat0"))
    t1, b = read_stat(os.path.join(out, name + ".stat1"))
    seconds = t1 - t0
    d = {k: [y - x for x, y in zip(a[k], b[k])] for k in a}
    user, nice, system, _, _, irq, softirq, steal = d["cpu"][:8]
    busy = (user + nice + system + irq + softirq + steal) / HZ / seconds
    awake = {k: 1 - (v[3] + v[4]) / HZ / seconds for k, v in d.items() if k != "cpu"}
    gen = awake.pop(f"cpu{gen_cpu}")
    return busy, sum(awake.values()), gen, seconds


def main(out, gen_cpu):
    runs = {}  # (way, round, rate) -> dict
    for f in sorted(os.listdir(out)):
        if not f.endswith(".json"):
            continue
        name = f[:-5]
        parts = name.split("-")
        if len(parts) != 3 or parts[0] not in ("direct",) + LBS:
            continue
        try:
            summary = json.load(open(os.path.join(out, f)))
            busy, awake, gen, seconds = usage(name, out, gen_cpu)
        except (OSError, ValueError, KeyError):
            continue  # a failed run: no summary or no window
        runs[(parts[0], int(parts[1]), float(parts[2]))] = dict(
            name=name, tx=summary["tx"]["mpps"], rx=summary["rx"]["mpps"], busy=busy, awake=awake, gen=gen,
            seconds=seconds)
    maximum = float(open(os.path.join(out, "max_mpps")).read().split()[0])

    cells = {}  # (rate, lb) -> [(rx Mpps, jiffies ns/packet, awake ns/packet, generator held back)]
    with open(os.path.join(out, "cpu.tsv"), "w") as t:
        t.write("run\ttx_mpps\trx_mpps\twindow_s\tbusy_jiffies_cpu_s_per_s\tawake_lb_cores_cpu_s_per_s"
                "\tgenerator_core_awake\tjiffies_ns_per_packet\tawake_ns_per_packet\n")
        for (way, rnd, rate), r in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
            base = runs.get(("direct", rnd, rate))
            per = ["", ""]
            if way != "direct" and base and r["rx"] > 0:
                pps = r["rx"] * 1e6
                j = (r["busy"] - base["busy"]) * 1e9 / pps
                w = (r["awake"] - base["awake"]) * 1e9 / pps
                held = min(r["gen"], base["gen"]) < 0.99
                cells.setdefault((rate, way), []).append((r["rx"], j, w, held))
                per = [f"{j:.0f}", f"{w:.0f}"]
            t.write(f"{r['name']}\t{r['tx']:.4f}\t{r['rx']:.4f}\t{r['seconds']:.3f}\t{r['busy']:.4f}"
                    f"\t{r['awake']:.4f}\t{r['gen']:.3f}\t{per[0]}\t{per[1]}\n")

    def cell(values, fmt):
        if not values:
            return "nothing forwarded"
        return f"{fmt(statistics.median(values))} ({fmt(min(values))}-{fmt(max(values))})"

    def forwarded(values):
        text = cell([v[0] for v in values], lambda v: f"{v:.3f}")
        return text + (" *" if any(v[3] for v in values) else "")

    ns = lambda v: f"{v:,.0f}"
    print(f"Generator into the direct sink, as fast as it can: {maximum:.3f} Mpps.\n")
    print("| offered Mpps (% of max) | forwarded Mpps, sluiced | forwarded Mpps, nftables "
          "| ns/packet, sluiced (jiffies) | ns/packet, nftables (jiffies) "
          "| ns/packet, sluiced (awake) | ns/packet, nftables (awake) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for rate in sorted({k[0] for k in cells}):
        got = [cells.get((rate, lb), []) for lb in LBS]
        row = [f"{rate:.3f} ({100 * rate / maximum:.0f}%)"] + [forwarded(v) for v in got]
        row += [cell([x[1] for x in v], ns) for v in got]
        row += [cell([x[2] for x in v], ns) for v in got]
        print("| " + " | ".join(row) + " |")
    print("\nMedian (min-max) of the rounds. *: in some round the kernel at times held the generator's sends "
          "back (its core was awake less than 99% of the window); cpu.tsv has the rate it sent.")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
