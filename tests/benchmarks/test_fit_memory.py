"""bench_fit_memory's table: the steps' peaks and what the pool and the search add."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_fit_memory as bfm  # noqa: E402


def _result(step, rss, pss, **extra):
    return {"step": step, "dataset": "d", "peak_mb": rss, "peak_pss_mb": pss, "rows": 750,
            "columns": 20, "data_mb": 0.19, **extra}


def test_table_gives_each_step_and_the_pool_and_search_costs():
    results = [_result("imports", 222, 154), _result("workers", 739, 481),
               _result("fit", 692, 479), _result("fit_keep_oof", 675, 443),
               {"step": "fit_1_job", "dataset": "d", "error": "MemoryError"}]
    rss = bfm.table(results)
    assert "| d | 750 x 20 | 0.2 | 222 | 739 | 692 | 675 | MemoryError | 517 | -47 |" in rss
    pss = bfm.table(results, "peak_pss_mb")
    assert "| d | 750 x 20 | 0.2 | 154 | 481 | 479 | 443 | MemoryError | 327 | -2 |" in pss


def test_a_dataset_whose_every_step_failed_keeps_its_row():
    text = bfm.table([{"step": s, "dataset": "x", "error": "boom"} for s in bfm.STEPS])
    assert "| x |  |  | boom | boom | boom | boom | boom |  |  |" in text
