"""How fast the engine plans, and how fast the content loads.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--situations N] [--loads N] [--seed N]``

Plans are made for many random valid situations (drawn with a seeded ``random.Random`` from the
real intake fields). Machines are noisy, so each figure also comes as a ratio to a baseline
measured in the same run:

- content load time, against reading and ``yaml.safe_load``-ing the same YAML files alone;
- time per plan, against building the ``Situation`` alone from the same answers.

Targets: a plan in under 2 ms (at the 95th percentile), the content loaded in under 200 ms (median).
Each target prints PASS or FAIL; the script exits 0 unless something raised. The figures are
written to ``benchmarks/results/bench_engine.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

import secondopinion.content as content_package
from secondopinion import Content, Situation, load_content, tailor
from secondopinion.cli._plan_output import plan_as_data
from secondopinion.content import DEFAULT_CONTENT_DIR, Field, Intake

RESULTS = Path(__file__).resolve().parent / "results" / "bench_engine.json"
PLAN_TARGET_MS = 2.0
LOAD_TARGET_MS = 200.0
FREE_TEXT = [
    "chronic myeloid leukemia",
    "Stage II <b>melanoma</b>",
    "سرطان الثدي",
    "🎗️ not sure what they called it",
]


def random_answer(field: Field, rng: random.Random) -> object:
    """One valid saved answer to a field."""
    if field.kind == "one_choice":
        return rng.choice(field.choice_ids)
    if field.kind == "several_choices":
        return rng.sample(field.choice_ids, rng.randint(1, len(field.choice_ids)))
    if field.kind == "yes_no":
        return rng.random() < 0.5
    if field.kind == "date":
        return (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))).isoformat()
    return rng.choice(FREE_TEXT)


def random_situations(intake: Intake, count: int, seed: int) -> list[dict[str, object]]:
    """Saved answers for ``count`` situations; each field is answered two times in three."""
    rng = random.Random(seed)
    return [
        {f.id: random_answer(f, rng) for f in intake.fields if rng.random() < 2 / 3}
        for _ in range(count)
    ]


def timed_ms(action: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    action()
    return (time.perf_counter_ns() - start) / 1e6


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": statistics.median(values),
        "p95_ms": percentile(values, 0.95),
        "min_ms": min(values),
        "max_ms": max(values),
    }


def bench_load(loads: int) -> dict[str, object]:
    files = sorted(DEFAULT_CONTENT_DIR.glob("*.yaml"))

    def parse_only() -> None:
        for path in files:
            yaml.safe_load(path.read_text(encoding="utf-8"))

    load_content()  # warm imports and caches once
    baseline = [timed_ms(parse_only) for _ in range(loads)]

    def load_afresh() -> None:
        content_package._LOADED.clear()  # load_content keeps what it read: measure a real read
        load_content()

    loaded = [timed_ms(load_afresh) for _ in range(loads)]
    median = statistics.median(loaded)
    return {
        "loads": loads,
        "load_content": summary(loaded),
        "baseline_yaml_safe_load": summary(baseline),
        "ratio_to_baseline": median / statistics.median(baseline),
        "target_ms": LOAD_TARGET_MS,
        "passed": median < LOAD_TARGET_MS,
    }


def bench_plans(content: Content, count: int, seed: int) -> dict[str, object]:
    answers = random_situations(content.intake, count, seed)
    situations = [Situation.from_answers(a, content.intake) for a in answers]
    for situation in situations[:200]:  # warm up
        tailor(situation, content)
    gc.collect()
    build = [timed_ms(lambda a=a: Situation.from_answers(a, content.intake)) for a in answers]
    plans = [timed_ms(lambda s=s: tailor(s, content)) for s in situations]
    as_data = [timed_ms(lambda s=s: plan_as_data(tailor(s, content))) for s in situations]

    start = time.perf_counter()
    items = 0
    for situation in situations:
        items += len(tailor(situation, content).item_ids)
    elapsed = time.perf_counter() - start

    plan = summary(plans)
    return {
        "situations": count,
        "seed": seed,
        "plans_per_second": count / elapsed,
        "mean_items_per_plan": items / count,
        "tailor": plan,
        "tailor_then_plan_as_data": summary(as_data),
        "baseline_situation_from_answers": summary(build),
        "ratio_to_baseline": plan["median_ms"] / statistics.median(build),
        "target_ms": PLAN_TARGET_MS,
        "passed": plan["p95_ms"] < PLAN_TARGET_MS,
    }


def verdict(passed: object) -> str:
    return "PASS" if passed else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--situations", type=int, default=5000, help="random situations to plan")
    parser.add_argument("--loads", type=int, default=15, help="times to load the content")
    parser.add_argument("--seed", type=int, default=20260101, help="seed for the situations")
    args = parser.parse_args(argv)

    content = load_content()
    load = bench_load(args.loads)
    plans = bench_plans(content, args.situations, args.seed)
    results = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "content": {
            "questions": len(content.questions),
            "records": len(content.records),
            "next_steps": len(content.next_steps),
            "intake_fields": len(content.intake.fields),
        },
        "content_load": load,
        "plan": plans,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    tailor_ms, base_ms = plans["tailor"], plans["baseline_situation_from_answers"]
    load_ms, parse_ms = load["load_content"], load["baseline_yaml_safe_load"]
    assert isinstance(tailor_ms, dict) and isinstance(base_ms, dict)
    assert isinstance(load_ms, dict) and isinstance(parse_ms, dict)
    print(f"Plans for {args.situations} random situations (seed {args.seed}):")
    print(f"  {plans['plans_per_second']:,.0f} plans per second")
    print(
        f"  per plan: median {tailor_ms['median_ms']:.3f} ms, p95 {tailor_ms['p95_ms']:.3f} ms"
        f" ({plans['mean_items_per_plan']:.0f} items on average)"
    )
    print(
        f"  baseline, building the Situation alone: median {base_ms['median_ms']:.3f} ms;"
        f" a plan takes {plans['ratio_to_baseline']:.1f}x that"
    )
    print(f"Content load ({args.loads} loads):")
    print(f"  median {load_ms['median_ms']:.1f} ms, p95 {load_ms['p95_ms']:.1f} ms")
    print(
        f"  baseline, yaml.safe_load of the same files: median {parse_ms['median_ms']:.1f} ms;"
        f" loading takes {load['ratio_to_baseline']:.1f}x that"
    )
    print(f"{verdict(plans['passed'])}  a plan in under {PLAN_TARGET_MS:g} ms (p95)")
    print(f"{verdict(load['passed'])}  content loaded in under {LOAD_TARGET_MS:g} ms (median)")
    print(f"Figures written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
