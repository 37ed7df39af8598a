"""`make bench`: runs every bench/bench_*.py, prints a table, writes bench/results.json.

Each module exposes `run() -> dict[str, {"value", "unit", "detail"}]`. Figures are
ratios against a baseline measured in the same run wherever a comparison exists,
because this machine is shared and noisy. `python bench/run.py NAME...` runs only
the named modules (e.g. `interpret`) and merges their figures into the file.
"""

import importlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"


def _modules(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    return names


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    failed = []
    for name in _modules(argv):
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            figures = importlib.import_module(f"bench.{name}").run()
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            print(f"   FAILED: {exc!r}", flush=True)
            failed.append(name)
            continue
        results.update(figures)
        print(f"   done in {time.perf_counter() - started:.1f} s", flush=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    width = max((len(k) for k in results), default=10)
    print(f"\n{'figure':<{width}}  {'value':>12}  unit")
    for key, fig in sorted(results.items()):
        print(f"{key:<{width}}  {fig['value']:>12}  {fig['unit']}")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
