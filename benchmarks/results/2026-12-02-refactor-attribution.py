"""After (ours in benchmarks/.work/compare, the 60 s run) against dfdd671 (/tmp/cmp-before) on six datasets: paired bootstrap."""
import json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from compare_systems import load_run, bootstrap_runs
rows = []
for name in ["electricity", "wine_quality_white", "pendigits", "california_housing", "diamonds", "nlswork"]:
    def rec(store):
        p = Path(store) / "60s-seed0" / name / "runs" / "automl.json"
        return json.loads(p.read_text()) if p.exists() else None
    pre, post = rec("/tmp/cmp-before"), rec(str(Path(__file__).resolve().parents[1] / ".work" / "compare"))
    if pre is None or post is None:
        print(name, "missing"); continue
    a = load_run(str(Path(__file__).resolve().parents[1] / ".work" / "compare"), post)
    b = load_run("/tmp/cmp-before", pre)
    t = bootstrap_runs(a, b, post["metric"], n_boot=1000)
    print(f"| {name} | {post['metric']} | {pre['score']:.4f} | {post['score']:.4f} | [{t['low']:.4f}, {t['high']:.4f}] | {t['verdict']} | {pre['fit_s']:.1f} | {post['fit_s']:.1f} |")
