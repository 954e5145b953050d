#!/usr/bin/env python3
"""Independent expected values for core/stats and the outreach figures.

Reads tests/stats/fixture.json (responses, measure specs, targets, quality and sampling
settings) and writes tests/stats/expected.json; reads tests/stats/outreach-fixture.json (closed
cases with ratings, safety-tip quiz answers) and writes tests/stats/outreach-expected.json.
Python 3.11 standard library only.

Written from the specification in README.md (same folder), NOT from the TypeScript code, and
with different numerical methods on purpose:
  * Wilson interval: roots of the score-test quadratic, not the centre +/- half-width form;
  * Student t quantile: exact finite trigonometric series of the t CDF for integer degrees of
    freedom (Abramowitz & Stegun 26.7.3 / 26.7.4) inverted by bisection, not the incomplete
    beta function;
  * mean and standard deviation: exact rational arithmetic (fractions.Fraction).
"""

import hashlib
import json
import math
import os
import re
from datetime import datetime
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "tests", "stats", "fixture.json")
OUT = os.path.join(HERE, "..", "..", "tests", "stats", "expected.json")
OUTREACH_FIXTURE = os.path.join(HERE, "..", "..", "tests", "stats", "outreach-fixture.json")
OUTREACH_OUT = os.path.join(HERE, "..", "..", "tests", "stats", "outreach-expected.json")

Z = 1.959963984540054  # 0.975 quantile of N(0, 1)
MIN_GROUP = 10
EQUAL_TOL = 1e-12
MODES = ["self", "interviewer"]  # the report order of survey modes (README: Grouping)


# ----------------------------------------------------------------------------------------------
# Distributions
# ----------------------------------------------------------------------------------------------

def wilson(x, n):
    """95 % Wilson score interval: the set of pi with (p - pi)^2 <= z^2 pi (1 - pi) / n,
    i.e. between the roots of (1 + z2/n) pi^2 - (2p + z2/n) pi + p^2 = 0."""
    p = x / n
    z2 = Z * Z
    a = 1 + z2 / n
    b = -(2 * p + z2 / n)
    c = p * p
    disc = b * b - 4 * a * c
    disc = max(disc, 0.0)
    root = math.sqrt(disc)
    lo = (-b - root) / (2 * a)
    hi = (-b + root) / (2 * a)
    return max(0.0, lo), min(1.0, hi)


def t_two_sided_mass(t, df):
    """P(|T| <= t) for Student's t with integer df >= 1 (A&S 26.7.3 and 26.7.4)."""
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    c2 = c * c
    if df % 2 == 1:
        if df == 1:
            return 2 * theta / math.pi
        # theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ... up to cos^(df-3))
        term = 1.0
        total = 1.0
        k = 1
        while 2 * k + 1 <= df - 2:
            term *= (2 * k) / (2 * k + 1) * c2
            total += term
            k += 1
        return 2 / math.pi * (theta + s * c * total)
    # sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ... up to cos^(df-2))
    term = 1.0
    total = 1.0
    k = 1
    while 2 * k <= df - 2:
        term *= (2 * k - 1) / (2 * k) * c2
        total += term
        k += 1
    return s * total


_tq = {}


def t_quantile_975(df):
    """t with P(|T| <= t) = 0.95, by bisection to machine precision."""
    if df in _tq:
        return _tq[df]
    lo, hi = 0.0, 1000.0
    for _ in range(300):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if t_two_sided_mass(mid, df) < 0.95:
            lo = mid
        else:
            hi = mid
    _tq[df] = (lo + hi) / 2
    return _tq[df]


def mean_sd(values):
    n = len(values)
    fr = [Fraction(v) for v in values]
    mean = sum(fr) / n
    ss = sum((v - mean) ** 2 for v in fr)
    return float(mean), math.sqrt(ss / (n - 1))


def sanity():
    for df, ref in ((1, 12.706204736), (9, 2.262157163), (29, 2.045229642), (100, 1.983971519)):
        assert abs(t_quantile_975(df) - ref) < 1e-8, (df, t_quantile_975(df))
    lo, hi = wilson(0, 10)
    assert abs(lo) < 1e-12 and abs(hi - 0.2775328) < 1e-7
    lo, hi = wilson(10, 10)
    assert abs(hi - 1) < 1e-12 and abs(lo - 0.7224672) < 1e-7


# ----------------------------------------------------------------------------------------------
# Quality flags
# ----------------------------------------------------------------------------------------------

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def parse_ts(text):
    if not isinstance(text, str) or not TS.match(text):
        return None
    m = TS.match(text)
    frac = m.group(1)
    base = text
    if frac:
        base = text.replace(frac, "")
    try:
        dt = datetime.fromisoformat(base.replace("Z", "+00:00"))
    except ValueError:
        return None
    seconds = dt.timestamp()
    if frac:
        seconds += float("0" + frac)
    return seconds


def flags_of(r, quality):
    speeder = False
    if r["status"] == "completed" and "completedAt" in r and len(r["answers"]) > 0:
        a, b = parse_ts(r["startedAt"]), parse_ts(r["completedAt"])
        if a is not None and b is not None:
            speeder = (b - a) / len(r["answers"]) < quality["speeder"]["minSecondsPerAnswer"]
    positions = []
    for sc in quality["straightLine"]["scales"]:
        ans = r["answers"].get(sc["questionId"])
        if ans and ans["kind"] == "choice" and ans["option"] in sc["levels"]:
            positions.append(sc["levels"].index(ans["option"]))
    straight = len(positions) >= quality["straightLine"]["minQuestions"] and len(set(positions)) == 1
    return speeder, straight


# ----------------------------------------------------------------------------------------------
# Selection and grouping
# ----------------------------------------------------------------------------------------------

def select(responses, include_in_progress, exclude_flagged, quality):
    ok = {"completed", "in_progress"} if include_in_progress else {"completed"}
    out = []
    for r in responses:
        if r["status"] not in ok:
            continue
        if exclude_flagged:
            sp, st = flags_of(r, quality)
            if sp or st:
                continue
        out.append(r)
    return out


def groups_of(responses, by):
    if by["kind"] == "overall":
        return [("all", ["all"], list(responses))]
    if by["kind"] == "region":
        k = by["level"]
        g = {}
        for r in responses:
            if len(r["regionPath"]) <= k:
                continue
            g.setdefault(tuple(r["regionPath"][: k + 1]), []).append(r)
        return [(p[-1], list(p), g[p]) for p in sorted(g)]
    if by["kind"] == "mode":
        # Both modes always, in their fixed order, even with no response; any other value after.
        g = {m: [] for m in MODES}
        for r in responses:
            g.setdefault(r["mode"], []).append(r)
        return [(key, [key], g[key]) for key in MODES + sorted(k for k in g if k not in MODES)]
    field = "waveId" if by["kind"] == "wave" else "channel"
    g = {}
    for r in responses:
        g.setdefault(r[field], []).append(r)
    return [(key, [key], g[key]) for key in sorted(g)]


# ----------------------------------------------------------------------------------------------
# Measures
# ----------------------------------------------------------------------------------------------

def condition_holds(r, cond):
    ans = r["answers"].get(cond["questionId"])
    if ans is None:
        return False
    if ans["kind"] == "choice":
        return ans["option"] in cond["anyOf"]
    if ans["kind"] == "choices":
        return any(o in cond["anyOf"] for o in ans["options"])
    if ans["kind"] == "bool":
        return ("yes" if ans["value"] else "no") in cond["anyOf"]
    return False


def classify(r, m):
    """-> (status, value)"""
    if "among" in m and not condition_holds(r, m["among"]):
        return "notApplicable", None
    ans = r["answers"].get(m["questionId"])
    if ans is None:
        return "missing", None
    invalid = m.get("invalid", [])
    kind = m["kind"]
    if kind in ("rate", "index", "share"):
        if ans["kind"] != "choice":
            return "unknown", None
        if ans["option"] in invalid:
            return "invalid", None
        if ans["option"] in m["levels"]:
            return "valid", ans["option"]
        return "unknown", None
    if kind in ("awareness", "victimisation", "reporting"):
        if ans["kind"] == "bool":
            return "valid", bool(ans["value"])
        if ans["kind"] != "choice":
            return "unknown", None
        if ans["option"] in invalid:
            return "invalid", None
        if ans["option"] in m.get("yes", ["yes"]):
            return "valid", True
        if ans["option"] in m.get("no", ["no"]):
            return "valid", False
        return "unknown", None
    if kind == "multi":
        if ans["kind"] == "choices":
            sel = set(ans["options"])
        elif ans["kind"] == "choice":
            sel = {ans["option"]}
        else:
            return "unknown", None
        if not sel:
            return "missing", None
        listed = sel & set(m["options"])
        if listed:
            return "valid", listed
        if sel & set(invalid):
            return "invalid", None
        return "unknown", None
    raise ValueError(kind)


def prop(x, n):
    lo, hi = wilson(x, n)
    return {"n": n, "numerator": x, "value": x / n, "lower": lo, "upper": hi}


def figure(members, m, min_group):
    """Suppressed -> {"suppressed": True}; else the figure."""
    if len(members) < min_group:
        return {"suppressed": True}
    excluded = {"notApplicable": 0, "missing": 0, "invalid": 0, "unknown": 0}
    valid = []
    for r in members:
        status, v = classify(r, m)
        if status == "valid":
            valid.append(v)
        else:
            excluded[status] += 1
    n = len(valid)
    kind = m["kind"]
    if n < min_group or n == 0 or (kind == "index" and n < 2):
        return {"suppressed": True}
    out = {"suppressed": False, "kind": kind, "n": n, "excluded": excluded}
    if kind == "rate":
        out.update(prop(sum(1 for v in valid if v in m["positive"]), n))
    elif kind in ("awareness", "victimisation", "reporting"):
        out.update(prop(sum(1 for v in valid if v), n))
    elif kind == "index":
        scores = [m["scores"][v] for v in valid]
        mean, sd = mean_sd(scores)
        half = t_quantile_975(n - 1) * sd / math.sqrt(n)
        out.update({"value": mean, "sd": sd, "lower": mean - half, "upper": mean + half})
    elif kind in ("share", "multi"):
        names = m["levels"] if kind == "share" else m["options"]
        if kind == "share":
            counts = [sum(1 for v in valid if v == o) for o in names]
        else:
            counts = [sum(1 for v in valid if o in v) for o in names]
        rows = []
        for pos, (o, c) in enumerate(zip(names, counts)):
            rank = 1 + sum(1 for c2 in counts if c2 > c)  # competition rank
            row = {"option": o, "rank": rank}
            row.update(prop(c, n))
            rows.append((pos, row))
        if kind == "multi":
            rows.sort(key=lambda pr: (-pr[1]["numerator"], pr[0]))
        out["options"] = [row for _, row in rows]
    return out


# ----------------------------------------------------------------------------------------------
# Spot checks
# ----------------------------------------------------------------------------------------------

M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


def mulberry32(seed):
    state = [seed & M32]

    def nxt():
        state[0] = (state[0] + 0x6D2B79F5) & M32
        t = state[0]
        t = imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + imul(t ^ (t >> 7), t | 61)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296.0
    return nxt


def fnv1a(text):
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & M32
    return h


def spot_sample(responses, cfg):
    seed = cfg["seed"] if isinstance(cfg["seed"], int) else fnv1a(cfg["seed"])
    level = cfg["strata"]["regionLevel"]
    ids = sorted((r["id"], r) for r in responses if r["status"] == "completed")
    strata = {}
    for rid, r in ids:
        key = r["regionPath"][level] if len(r["regionPath"]) > level else None
        strata.setdefault(key, []).append(rid)
    keys = sorted(k for k in strata if k is not None) + ([None] if None in strata else [])
    N = len(ids)
    T = min(N, max(0, math.ceil(cfg["share"] * N - 1e-9))) if N else 0
    alloc = {k: (T * len(strata[k])) // N for k in keys}
    rem = {k: T * len(strata[k]) - alloc[k] * N for k in keys}
    left = T - sum(alloc.values())
    for k in sorted(keys, key=lambda k: (-rem[k], keys.index(k)))[:left]:
        alloc[k] += 1
    rnd = mulberry32(seed)
    picks, out_strata = [], []
    for k in keys:
        pool = list(strata[k])
        size = len(pool)
        take = min(size, max(alloc[k], cfg["minPerStratum"]))
        for i in range(take):
            j = i + math.floor(rnd() * (size - i))
            pool[i], pool[j] = pool[j], pool[i]
            picks.append({"id": pool[i], "stratum": k})
        out_strata.append({"key": k, "population": size, "proportional": alloc[k], "drawn": take})
    return {"seed": seed, "population": N, "target": T, "strata": out_strata, "sample": picks}


# ----------------------------------------------------------------------------------------------
# Outreach: case-feedback satisfaction and safety-tip quiz awareness (README: "Outreach figures")
# ----------------------------------------------------------------------------------------------

RATING_SCORE = {5: 100, 4: 80, 3: 60, 2: 40, 1: 20}


def valid_rating(r):
    return isinstance(r, int) and not isinstance(r, bool) and 1 <= r <= 5


def case_satisfaction(cases, rate_top=3):
    """Satisfaction of closed cases: counts, rated share, rate (top `rate_top` levels), index, mean."""
    closed = [c for c in cases if c["status"] == "closed"]
    ratings = [c["rating"] for c in closed if valid_rating(c["rating"])]
    n = len(ratings)
    out = {
        "closed": len(closed),
        "rated": n,
        "distribution": [{"rating": k, "count": ratings.count(k)} for k in (5, 4, 3, 2, 1)],
        "responseRate": prop(n, len(closed)) if closed else None,
        "rate": prop(sum(1 for r in ratings if r > 5 - rate_top), n) if n else None,
        "index": None,
        "meanRating": float(Fraction(sum(ratings), n)) if n else None,
    }
    if n >= 2:
        mean, sd = mean_sd([RATING_SCORE[r] for r in ratings])
        half = t_quantile_975(n - 1) * sd / math.sqrt(n)
        out["index"] = {"n": n, "mean": mean, "sd": sd, "lower": mean - half, "upper": mean + half}
    return out


def first_answers(answers):
    """Each resident's first answer to each tip: earliest instant; a tie goes to the earlier input."""
    best = {}
    for i, a in enumerate(answers):
        seconds = parse_ts(a["answeredAt"])
        assert seconds is not None, a["answeredAt"]
        key = (a["residentId"], a["tipId"])
        if key not in best or (seconds, i) < best[key][0]:
            best[key] = ((seconds, i), a)
    return [a for _, a in best.values()]


def tip_awareness(answers, tips):
    """Per tip (the listed ones in order, then other answered ids sorted): n, correct, rate, Wilson."""
    counts = {}
    for a in first_answers(answers):
        n, c = counts.get(a["tipId"], (0, 0))
        counts[a["tipId"]] = (n + 1, c + (1 if a["correct"] else 0))
    order = list(tips) + sorted(t for t in counts if t not in tips)
    out = []
    for tip in order:
        n, c = counts.get(tip, (0, 0))
        row = {"tipId": tip, "n": n, "correct": c, "rate": None, "lower": None, "upper": None}
        if n:
            lo, hi = wilson(c, n)
            row.update({"rate": c / n, "lower": lo, "upper": hi})
        out.append(row)
    return out


def within(path, prefix):
    return prefix is None or (path is not None and path[: len(prefix)] == prefix)


def satisfaction_figure(closed_cases, min_group):
    s = case_satisfaction(closed_cases)
    if s["rated"] < min_group:
        return {"suppressed": True}
    return {"suppressed": False, "n": s["rated"], "closed": s["closed"], "responseRate": s["responseRate"],
            "rate": s["rate"], "index": s["index"], "meanRating": s["meanRating"]}


def complement(groups, min_group):
    """Complementary suppression: `groups` is a list of dicts with "figure", "size" and "parent".
    In each family (same parent), when exactly one group with members is suppressed, the shown
    group with the smallest base n (earliest on ties) is suppressed too. Changes `groups`."""
    families = {}
    for i, g in enumerate(groups):
        families.setdefault(g["parent"], []).append(i)
    for members in families.values():
        hidden = [i for i in members if groups[i]["figure"]["suppressed"] and groups[i]["size"] > 0]
        shown = [i for i in members if not groups[i]["figure"]["suppressed"]]
        if len(hidden) == 1 and shown:
            j = min(shown, key=lambda i: (groups[i]["figure"]["n"], i))
            groups[j]["figure"] = {"suppressed": True}


def in_period(text, period):
    """period = (from, to) as ISO texts, `to` None for open-ended; [from, to). No period: True."""
    if period is None:
        return True
    if text is None:
        return False
    t = parse_ts(text)
    return t >= parse_ts(period[0]) and (period[1] is None or t < parse_ts(period[1]))


def outreach_figures(fx, min_group, level, prefix, period=None):
    """What the dashboard shows: tips (suppressed below min_group answers) and case satisfaction
    overall and by region at `level` (suppressed below min_group ratings), inside `prefix`; with a
    period, only cases closed in it and first answers (over all time) given in it."""
    answers = [a for a in first_answers([a for a in fx["answers"] if within(a["regionPath"], prefix)])
               if in_period(a["answeredAt"], period)]
    awareness = []
    for row in tip_awareness(answers, fx["tips"]):
        if row["n"] < min_group:
            awareness.append({"tipId": row["tipId"], "suppressed": True})
        else:
            awareness.append({"tipId": row["tipId"], "suppressed": False, "n": row["n"], "numerator": row["correct"],
                              "value": row["rate"], "lower": row["lower"], "upper": row["upper"]})
    closed = [c for c in fx["cases"] if c["status"] == "closed" and within(c["regionPath"], prefix)
              and in_period(c.get("closedAt"), period)]
    groups = {}
    for c in closed:
        path = c["regionPath"] or []
        if len(path) <= level:
            continue
        groups.setdefault(tuple(path[: level + 1]), []).append(c)
    rows = [{"figure": satisfaction_figure(groups[p], min_group), "parent": p[:-1],
             "size": sum(1 for c in groups[p] if valid_rating(c["rating"]))} for p in sorted(groups)]
    complement(rows, min_group)
    by_region = [{"key": p[-1], "path": list(p), "figure": row["figure"]} for p, row in zip(sorted(groups), rows)]
    return {"awareness": awareness, "satisfaction": {"overall": satisfaction_figure(closed, min_group), "byRegion": by_region}}


def outreach_main():
    raw = open(OUTREACH_FIXTURE, "rb").read()
    fx = json.loads(raw)
    small = fx["smallGroups"]
    variants = [
        ("level0", MIN_GROUP, 0, None),
        ("level1", MIN_GROUP, 1, None),
        ("level2", MIN_GROUP, 2, None),
        ("town-330102002-level2", MIN_GROUP, 2, ["330102", "330102002"]),
        ("district-330103-level2", MIN_GROUP, 2, ["330103"]),
        ("small-village-level2", MIN_GROUP, 2, small["village"]),
        ("min5-level2", 5, 2, None),
        ("min20-level1", 20, 1, None),
    ]
    periods = [
        ("october-level1", MIN_GROUP, 1, None, ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")),
        ("from-oct20-level2", MIN_GROUP, 2, None, ("2026-10-20T00:00:00+08:00", None)),
        ("october-town-330102002-level2", MIN_GROUP, 2, ["330102", "330102002"], ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")),
    ]
    figures = []
    for name, mg, level, prefix, period in [v + (None,) for v in variants] + periods:
        case = {"name": name, "minGroupSize": mg, "level": level, "regionPrefix": prefix,
                "period": {"from": period[0], "to": period[1]} if period else None}
        case.update(outreach_figures(fx, mg, level, prefix, period))
        figures.append(case)
    expected = {
        "generatedBy": "tools/expected-stats/expected.py (Python standard library; formulas in tools/expected-stats/README.md)",
        "fixtureSha256": hashlib.sha256(raw).hexdigest(),
        "satisfaction": [
            {"name": "all cases", "rateTop": 3, "value": case_satisfaction(fx["cases"], 3)},
            {"name": "all cases, top two levels", "rateTop": 2, "value": case_satisfaction(fx["cases"], 2)},
        ],
        "awareness": tip_awareness(fx["answers"], fx["tips"]),
        "figures": figures,
    }
    # The outreach fixture's small groups are what the test relies on: check them here too.
    level2 = next(f for f in figures if f["name"] == "level2")
    keys = {g["key"]: g["figure"]["suppressed"] for g in level2["satisfaction"]["byRegion"]}
    assert keys[small["village"][-1]] and keys[small["nineRatings"][-1]] and not keys[small["tenRatings"][-1]], keys
    tips = {t["tipId"]: t["suppressed"] for t in level2["awareness"]}
    assert not tips[small["tipTen"]] and tips[small["tipNine"]] and tips[small["tipThree"]], tips
    with open(OUTREACH_OUT, "w", encoding="utf-8") as f:
        text = json.dumps(expected, ensure_ascii=False, indent=1) + "\n"
        assert json.loads(text) == expected
        f.write(text)
    print("wrote %s: %d figure cases, %d tips" % (os.path.relpath(OUTREACH_OUT), len(figures), len(expected["awareness"])))


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------

def main():
    sanity()
    raw = open(FIXTURE, "rb").read()
    fx = json.loads(raw)
    responses = fx["responses"]
    measures = fx["measures"]
    quality = fx["quality"]

    cases = []
    variants = [
        ("completed", False, False, MIN_GROUP),
        ("with-in-progress", True, False, MIN_GROUP),
        ("without-flagged", False, True, MIN_GROUP),
        ("with-in-progress-without-flagged", True, True, MIN_GROUP),
    ]
    groupings = [
        ("overall", {"kind": "overall"}),
        ("region0", {"kind": "region", "level": 0}),
        ("region1", {"kind": "region", "level": 1}),
        ("region2", {"kind": "region", "level": 2}),
        ("wave", {"kind": "wave"}),
        ("channel", {"kind": "channel"}),
        ("mode", {"kind": "mode"}),
    ]
    extra = [
        ("min30", False, False, 30, "region1", {"kind": "region", "level": 1}, None),
        ("small-village-trend", False, False, MIN_GROUP, "wave", {"kind": "wave"}, fx["smallGroups"]["village"]),
        ("small-village-trend-with-in-progress", True, False, MIN_GROUP, "wave", {"kind": "wave"},
         fx["smallGroups"]["village"]),
        ("town-villages", False, False, MIN_GROUP, "region2", {"kind": "region", "level": 2},
         ["330102", "330102002"]),
        # By mode inside one village: 9 interviews against 24 self-completed responses, so the
        # interviewer group is suppressed and self with it (complementary suppression).
        ("village-330102001001", False, False, MIN_GROUP, "mode", {"kind": "mode"},
         ["330102", "330102001", "330102001001"]),
        # Exactly 10 interviews: shown where 10 answers are valid, suppressed on a smaller base.
        ("village-330103001003", False, False, MIN_GROUP, "mode", {"kind": "mode"},
         ["330103", "330103001", "330103001003"]),
        ("town-330103001", False, False, MIN_GROUP, "mode", {"kind": "mode"}, ["330103", "330103001"]),
        # No interview at all: the interviewer group is listed, empty, suppressed; it hides nobody,
        # so self is shown once in-progress responses lift it over 10.
        ("small-village", False, False, MIN_GROUP, "mode", {"kind": "mode"}, fx["smallGroups"]["village"]),
        ("small-village-with-in-progress", True, False, MIN_GROUP, "mode", {"kind": "mode"},
         fx["smallGroups"]["village"]),
        ("min30", False, False, 30, "mode", {"kind": "mode"}, None),
    ]
    # The trend and the channels of the interviews alone (a mode filter).
    mode_filtered = [
        ("interviewer-only", False, False, MIN_GROUP, "wave", {"kind": "wave"}, None, "interviewer"),
        ("interviewer-only", False, False, MIN_GROUP, "channel", {"kind": "channel"}, None, "interviewer"),
        ("self-only", False, False, MIN_GROUP, "mode", {"kind": "mode"}, None, "self"),
    ]
    plan = ([(v[0], v[1], v[2], v[3], gname, by, None, None) for v in variants for gname, by in groupings]
            + [e + (None,) for e in extra] + mode_filtered)
    for m in measures:
        for vname, inprog, noflag, mg, gname, by, prefix, mode in plan:
            pool = responses
            if prefix:
                pool = [r for r in pool if r["regionPath"][: len(prefix)] == prefix]
            if mode:
                pool = [r for r in pool if r["mode"] == mode]
            sel = select(pool, inprog, noflag, quality)
            found = groups_of(sel, by)
            rows = [{"figure": figure(mem, m, mg), "size": len(mem), "parent": tuple(p[:-1])} for _, p, mem in found]
            if by["kind"] in ("region", "channel", "mode"):
                complement(rows, mg)
            groups = [{"key": k, "path": p, "figure": row["figure"]} for (k, p, _), row in zip(found, rows)]
            case = {"name": "%s|%s|%s" % (m["id"], gname, vname), "measureId": m["id"], "by": by,
                    "options": {"includeInProgress": inprog, "excludeFlagged": noflag, "minGroupSize": mg},
                    "groups": groups}
            if prefix:
                case["regionPrefix"] = prefix
            if mode:
                case["mode"] = mode
            cases.append(case)

    comparisons = []
    units = [("all", []), ("small-village", fx["smallGroups"]["village"])]
    for (unit, prefix), t_m, w in [(u, t_m, w) for u in units
                                   for t_m in sorted({t["measureId"] for t in fx["targets"]})
                                   for w in fx["waves"]]:
        m = next(x for x in measures if x["id"] == t_m)
        if True:
            pool = [r for r in responses if r["regionPath"][: len(prefix)] == prefix]
            sel = [r for r in select(pool, False, False, quality) if r["waveId"] == w]
            fig = figure(sel, m, MIN_GROUP)
            rows = []
            for t in fx["targets"]:
                if t["measureId"] != t_m or t["waveId"] != w:
                    continue
                if fig["suppressed"]:
                    rows.append({"label": t["label"], "target": t["value"], "suppressed": True})
                    continue
                diff = fig["value"] - t["value"]
                direction = "equal" if abs(diff) <= EQUAL_TOL else ("above" if diff > 0 else "below")
                rows.append({"label": t["label"], "target": t["value"], "suppressed": False, "value": fig["value"],
                             "difference": diff, "direction": direction,
                             "significant": t["value"] < fig["lower"] or t["value"] > fig["upper"]})
            comparisons.append({"unit": unit, "regionPrefix": prefix, "measureId": t_m, "waveId": w,
                                "comparisons": rows})

    flags = {r["id"]: flags_of(r, quality) for r in responses}
    oc = fx["spotCheckOutcomes"]
    c, i, u = oc.count("consistent"), oc.count("inconsistent"), oc.count("unreachable")
    consistency = {"consistent": c, "inconsistent": i, "unreachable": u, "rate": prop(c, c + i) if c + i else None}

    expected = {
        "generatedBy": "tools/expected-stats/expected.py (Python standard library; formulas in tools/expected-stats/README.md)",
        "fixtureSha256": hashlib.sha256(raw).hexdigest(),
        "z": Z,
        "tQuantiles975": {str(df): t_quantile_975(df) for df in (1, 2, 3, 4, 5, 9, 10, 19, 29, 30, 60, 100, 200, 340)},
        "quality": {
            "speeders": sorted(k for k, (sp, _) in flags.items() if sp),
            "straightLiners": sorted(k for k, (_, st) in flags.items() if st),
        },
        "cases": cases,
        "targets": comparisons,
        "sampling": spot_sample(responses, fx["sampling"]),
        "samplingByVillage": spot_sample(responses, fx["samplingByVillage"]),
        "consistency": consistency,
    }
    # Pretty-printed, but one case per line (keeps the file small and diffable).
    with open(OUT, "w", encoding="utf-8") as f:
        parts = []
        for key, value in expected.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                inner = ",\n".join("  " + json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in value)
                parts.append(" %s: [\n%s\n ]" % (json.dumps(key), inner))
            else:
                parts.append(" %s: %s" % (json.dumps(key), json.dumps(value, ensure_ascii=False, separators=(",", ":"))))
        text = "{\n" + ",\n".join(parts) + "\n}\n"
        assert json.loads(text) == expected
        f.write(text)
    shown = sum(1 for cs in cases for g in cs["groups"] if not g["figure"]["suppressed"])
    hidden = sum(1 for cs in cases for g in cs["groups"] if g["figure"]["suppressed"])
    print("wrote %s: %d cases, %d shown and %d suppressed group figures" % (
        os.path.relpath(OUT), len(cases), shown, hidden))


if __name__ == "__main__":
    main()
    outreach_main()
