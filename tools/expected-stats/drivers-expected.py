#!/usr/bin/python3
"""Expected drivers models for tests/stats/drivers-fixture.json, written to drivers-expected.json.

Independent of core/stats: the design (outcome, dummies, references, suppression, separation) is
built here from the specification in README.md ("Drivers"), and the regressions are fitted by
statsmodels (Debian's python3-statsmodels; needed only to regenerate, never by the tests):
Logit(...).fit(method="newton"), standard errors from the inverse Hessian, Wald intervals
(conf_int) and normal p-values as statsmodels computes them.

Run with Debian's interpreter: /usr/bin/python3 tools/expected-stats/drivers-expected.py
"""

import hashlib
import json
import os

import numpy as np
import statsmodels.api as sm

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "tests", "stats", "drivers-fixture.json")
OUT = os.path.join(HERE, "..", "..", "tests", "stats", "drivers-expected.json")
NO_ANSWER = "(no_answer)"


def matches(response, cond):
    a = response["answers"].get(cond["questionId"])
    if a is None:
        return False
    if a["kind"] == "choice":
        return a["option"] in cond["anyOf"]
    if a["kind"] == "choices":
        return any(o in cond["anyOf"] for o in a["options"])
    if a["kind"] == "bool":
        return ("yes" if a["value"] else "no") in cond["anyOf"]
    return False


def level(factor, r):
    kind = factor["kind"]
    if kind == "region":
        path = r["regionPath"]
        return path[factor["level"]] if len(path) > factor["level"] else NO_ANSWER
    if kind == "channel":
        return "interviewer" if r["mode"] == "interviewer" else r["channel"]
    a = r["answers"].get(factor["questionId"])
    if kind == "single":
        if a and a["kind"] == "choice" and a["option"] in factor["levels"]:
            return a["option"]
        return NO_ANSWER
    # yes/no
    if "among" in factor and not matches(r, factor["among"]):
        return "no"
    if a and a["kind"] == "bool":
        return "yes" if a["value"] else "no"
    if a and a["kind"] == "choice":
        if a["option"] in factor.get("yes", ["yes"]):
            return "yes"
        if a["option"] in factor.get("no", ["no"]):
            return "no"
    return NO_ANSWER


def columns_of(factors, rows):
    cols, refs = [], []
    for f in factors:
        if f["kind"] == "multi":
            for o in f["options"]:
                vals = []
                for r in rows:
                    a = r["answers"].get(f["questionId"])
                    vals.append(1 if a and ((a["kind"] == "choices" and o in a["options"]) or (a["kind"] == "choice" and a["option"] == o)) else 0)
                cols.append((f["id"], o, vals))
            continue
        lv = [level(f, r) for r in rows]
        if f["kind"] == "yesno":
            refs.append((f["id"], "no"))
            order = ["yes", NO_ANSWER]
        else:
            counts = {}
            for x in lv:
                counts[x] = counts.get(x, 0) + 1
            if f["kind"] == "single":
                listed = [x for x in f["levels"] if x in counts]
            else:
                listed = sorted(x for x in counts if x != NO_ANSWER)
            ref = None
            for x in listed:  # strictly larger wins: ties keep the earlier level
                if ref is None or counts[x] > counts[ref]:
                    ref = x
            if ref is not None:
                refs.append((f["id"], ref))
            order = [x for x in listed if x != ref] + ([NO_ANSWER] if NO_ANSWER in counts else [])
        for x in order:
            cols.append((f["id"], x, [1 if v == x else 0 for v in lv]))
    return cols, refs


def drivers(responses, outcome, factors, minimum):
    rows = [r for r in responses if r["status"] == "completed"
            and r["answers"].get(outcome["questionId"], {}).get("kind") == "choice"
            and r["answers"][outcome["questionId"]]["option"] in outcome["levels"]]
    separated, suppressed, refs = [], [], []
    while True:
        y = [1 if r["answers"][outcome["questionId"]]["option"] in outcome["bad"] else 0 for r in rows]
        events = sum(y)
        if len(rows) < minimum or events < minimum or len(rows) - events < minimum:
            return {"status": "suppressed", "suppressed": suppressed, "references": refs}
        cols, refs = columns_of(factors, rows)
        kept, suppressed = [], []
        gone = [(a, b) for a, b, _ in separated]
        for fid, lv, vals in cols:
            if (fid, lv) in gone:  # reported as separated, not as suppressed
                continue
            ones = sum(vals)
            if ones < minimum or len(rows) - ones < minimum:
                suppressed.append([fid, lv])
            else:
                kept.append((fid, lv, vals))
        sep = None
        for fid, lv, vals in kept:
            ev1 = sum(v * t for v, t in zip(vals, y))
            if ev1 == 0 or ev1 == sum(vals):
                sep = (fid, lv, vals, "none" if ev1 == 0 else "all")
                break
        if sep:
            separated.append([sep[0], sep[1], sep[3]])
            rows = [r for r, v in zip(rows, sep[2]) if v == 0]
            continue
        X = np.column_stack([np.ones(len(rows))] + [np.array(vals, dtype=float) for _, _, vals in kept])
        fit = sm.Logit(np.array(y, dtype=float), X).fit(method="newton", tol=1e-12, maxiter=200, disp=0)
        assert fit.mle_retvals["converged"], "did not converge"
        ci = fit.conf_int(alpha=0.05)
        estimates = []
        for j, (fid, lv, vals) in enumerate(kept, start=1):
            estimates.append({
                "factorId": fid, "level": lv, "n": int(sum(vals)), "events": int(sum(v * t for v, t in zip(vals, y))),
                "coefficient": float(fit.params[j]), "standardError": float(fit.bse[j]),
                "oddsRatio": float(np.exp(fit.params[j])), "lower": float(np.exp(ci[j, 0])), "upper": float(np.exp(ci[j, 1])),
                "p": float(fit.pvalues[j]),
            })
        # Rank: p < 0.05 first, then |coefficient| descending, then factor id, level (code-unit order).
        estimates.sort(key=lambda e: (0 if e["p"] < 0.05 else 1, -abs(e["coefficient"]), e["factorId"], e["level"]))
        for i, e in enumerate(estimates, start=1):
            e["rank"] = i
        return {
            "status": "ok", "n": len(rows), "events": events, "suppressed": suppressed, "references": refs,
            "separated": separated, "estimates": estimates,
            "intercept": {"coefficient": float(fit.params[0]), "standardError": float(fit.bse[0])},
        }


def main():
    raw = open(FIXTURE, "rb").read()
    fixture = json.loads(raw)
    cases = []
    for case in fixture["cases"]:
        prefix = case["regionPrefix"]
        selected = [r for r in fixture["responses"] if r["waveId"] == case["waveId"] and r["regionPath"][:len(prefix)] == prefix]
        factors = [dict(f, level=case["regionLevel"]) if f["kind"] == "region" else f for f in fixture["factors"]]
        result = drivers(selected, fixture["outcomes"][case["outcome"]], factors, case["minGroupSize"])
        result["references"] = [list(x) for x in result["references"]]
        cases.append({"name": case["name"], **result})
    out = {"fixtureSha256": hashlib.sha256(raw).hexdigest(), "statsmodels": sm.__version__ if hasattr(sm, "__version__") else None, "cases": cases}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for c in cases:
        print(c["name"], c["status"], c.get("n"), c.get("events"), "suppressed", len(c["suppressed"]), "separated", c.get("separated"))


if __name__ == "__main__":
    main()
