#!/usr/bin/env python3
"""Write tests/stats/fixture.json: a deterministic, plain-data survey fixture for core/stats.

Standard library only. Deterministic: random.Random(SEED); running it again writes the same
file byte for byte. Run once and commit; see README.md in this folder.
"""

import json
import os
import random
from datetime import datetime, timedelta, timezone

SEED = 20261128
# The survey mode has a generator of its own (seeded from SEED), so that adding it changed no
# draw of `rng` below: apart from the interviews' channel, every value is what it was before.
MODE_SEED = "%d-mode" % SEED
INTERVIEWER_SHARE = 0.27  # of the ordinary villages' completed responses
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "stats", "fixture.json")

WAVES = ["2026-H1", "2026-H2"]
WAVE_START = {"2026-H1": datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc),
              "2026-H2": datetime(2026, 9, 7, 8, 0, tzinfo=timezone.utc)}

# district -> town -> villages
REGIONS = {
    "330102": {
        "330102001": ["330102001001", "330102001002", "330102001003", "330102001004"],
        "330102002": ["330102002001", "330102002002", "330102002003"],
    },
    "330103": {
        "330103001": ["330103001001", "330103001002", "330103001003"],
    },
}
SMALL_VILLAGE = ["330102", "330102002", "330102002099"]  # exactly 9 completed responses

SAFETY = ["very_safe", "safe", "basically_safe", "not_very_safe", "unsafe"]
SATISF = ["very_satisfied", "satisfied", "basically_satisfied", "not_very_satisfied", "dissatisfied"]
HOT = ["theft", "robbery", "fraud", "gambling", "drugs", "gangs", "traffic", "school", "markets",
       "venues", "disputes", "none"]
SCORES5 = [100, 80, 60, 40, 20]

rng = random.Random(SEED)
mode_rng = random.Random(MODE_SEED)


def iso(dt, offset_hours=0):
    if offset_hours == 0:
        return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    tz = timezone(timedelta(hours=offset_hours))
    return dt.astimezone(tz).isoformat(timespec="seconds")


def pick(weights, options):
    return rng.choices(options, weights=weights, k=1)[0]


def scale_answer(levels, wave, quality):
    """A five-level answer, better in H2 and in 'good' villages; ~6 % don't know."""
    if rng.random() < 0.06:
        return {"kind": "choice", "option": "dont_know"}
    shift = (0.6 if wave == "2026-H2" else 0.0) + quality
    weights = [max(0.05, 2.0 + shift), 3.0 + shift, 2.5, max(0.2, 1.0 - shift / 2), max(0.1, 0.5 - shift / 3)]
    return {"kind": "choice", "option": pick(weights, levels)}


def hot_answer():
    r = rng.random()
    if r < 0.05:
        return {"kind": "choices", "options": ["dont_know"]}
    if r < 0.10:
        return {"kind": "choices", "options": ["none"]}
    weights = [5, 1.5, 6, 1, 0.7, 0.5, 3, 1.2, 1, 0.8, 2]
    k = rng.choice([1, 1, 2, 2, 3])
    chosen = set()
    while len(chosen) < k:
        chosen.add(pick(weights, HOT[:-1]))
    opts = [o for o in HOT if o in chosen]
    if rng.random() < 0.03:
        opts.append("dont_know")  # mixed with a listed option: still valid
    return {"kind": "choices", "options": opts}


def make_answers(wave, path, quality, straight_level=None):
    a = {}
    a["q_home"] = {"kind": "region", "code": path[-1], "path": list(path)}
    for q, levels in (("q_safety", SAFETY), ("q_local", SAFETY), ("q_satisfaction", SATISF), ("q_conduct", SATISF)):
        if straight_level is not None:
            a[q] = {"kind": "choice", "option": levels[straight_level]}
        else:
            a[q] = scale_answer(levels, wave, quality)
    a["q_situation"] = {"kind": "choice", "option": pick([3, 4, 1, 0.5], ["better", "same", "worse", "dont_know"])}
    a["q_aware_campaign"] = {"kind": "bool", "value": rng.random() < (0.7 if wave == "2026-H2" else 0.55)}
    a["q_aware_publicity"] = {"kind": "choice", "option": pick([6, 3, 1], ["yes", "no", "dont_know"])}
    a["q_hot"] = hot_answer()
    victim = pick([15, 83, 2], ["yes", "no", "refused"])
    a["q_victim"] = {"kind": "choice", "option": victim}
    if victim == "yes":
        reported = rng.random() < 0.65
        a["q_reported"] = {"kind": "bool", "value": reported}
        if reported:
            a["q_feedback"] = {"kind": "choice",
                               "option": pick([3, 3, 2, 1, 1, 0.5], SATISF + ["dont_know"])}
    if rng.random() < 0.3:
        a["q_suggestion"] = {"kind": "text", "value": "more patrols at night"}
    if rng.random() < 0.5:
        a["q_age"] = {"kind": "number", "value": rng.randint(18, 90)}
    return a


ORDER = ["q_home", "q_safety", "q_local", "q_satisfaction", "q_conduct", "q_situation", "q_aware_campaign",
         "q_aware_publicity", "q_hot", "q_victim", "q_reported", "q_feedback", "q_suggestion", "q_age"]


def truncate(answers, keep):
    kept = {}
    for q in ORDER:
        if q in answers and len(kept) < keep:
            kept[q] = answers[q]
    return kept


responses = []
counter = [0]


def add(wave, path, channel, status, quality=0.0, speeder=False, straight_level=None, offset=0):
    counter[0] += 1
    rid = "r%04d" % counter[0]
    answers = make_answers(wave, path, quality, straight_level)
    if status == "in_progress":
        answers = truncate(answers, rng.randint(2, 7))
    elif status == "abandoned":
        answers = truncate(answers, rng.randint(1, 3))
    start = WAVE_START[wave] + timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600),
                                         seconds=rng.randint(0, 59))
    spa = rng.uniform(0.8, 2.4) if speeder else rng.uniform(6, 30)
    r = {"id": rid, "waveId": wave, "regionPath": list(path), "channel": channel, "mode": "self",
         "status": status, "startedAt": iso(start, offset)}
    if status == "completed":
        r["completedAt"] = iso(start + timedelta(seconds=round(spa * len(answers))), offset)
    r["answers"] = answers
    responses.append(r)
    return r


VILLAGE_QUALITY = {}
for d, towns in REGIONS.items():
    for t, villages in towns.items():
        for v in villages:
            VILLAGE_QUALITY[v] = round(rng.uniform(-0.8, 0.8), 2)

MAIN_CHANNELS = ["telegram", "wechat", "web"]
for wave in WAVES:
    for d, towns in REGIONS.items():
        for t, villages in towns.items():
            for v in villages:
                size = rng.randint(14, 26)
                for _ in range(size):
                    status = pick([86, 10, 4], ["completed", "in_progress", "abandoned"])
                    channel = pick([5, 4, 2], MAIN_CHANNELS)
                    speeder = status == "completed" and rng.random() < 0.06
                    straight = rng.randrange(5) if (status == "completed" and rng.random() < 0.05) else None
                    offset = 8 if rng.random() < 0.2 else 0
                    r = add(wave, [d, t, v], channel, status, VILLAGE_QUALITY[v], speeder, straight, offset)
                    # An officer's interview on a household visit: stored only once complete, on
                    # the "field" channel. Decided after the response's own draws (see MODE_SEED).
                    if status == "completed" and mode_rng.random() < INTERVIEWER_SHARE:
                        r["channel"] = "field"
                        r["mode"] = "interviewer"

# The small village: exactly 9 completed (5 + 4 across the waves), 3 in progress, 1 abandoned.
for i in range(9):
    add(WAVES[0] if i < 5 else WAVES[1], SMALL_VILLAGE, MAIN_CHANNELS[i % 3], "completed", 0.2)
for i in range(3):
    add(WAVES[1], SMALL_VILLAGE, "wechat", "in_progress", 0.2)
add(WAVES[1], SMALL_VILLAGE, "web", "abandoned", 0.2)

# The small channel: exactly 9 completed "phone" responses (spread over villages), 2 in progress.
phone_villages = ["330102001001", "330102001003", "330103001002"]
for i in range(11):
    v = phone_villages[i % 3]
    path = [v[:6], v[:9], v]
    add(WAVES[i % 2], path, "phone", "completed" if i < 9 else "in_progress", 0.0)

# Two responses known only down to the town.
add(WAVES[0], ["330103", "330103001"], "web", "completed", 0.0)
add(WAVES[1], ["330103", "330103001"], "telegram", "completed", 0.0)

# Data problems on purpose.
by_id = {r["id"]: r for r in responses}
completed = [r for r in responses if r["status"] == "completed" and r["channel"] != "phone"
             and r["regionPath"] != SMALL_VILLAGE and len(r["regionPath"]) == 3]
oddities = rng.sample(completed, 6)
oddities[0]["answers"]["q_safety"] = {"kind": "text", "value": "safe enough"}      # wrong kind
oddities[1]["answers"]["q_safety"] = {"kind": "choice", "option": "safe_ish"}      # unknown option
oddities[2]["answers"]["q_aware_publicity"] = {"kind": "choice", "option": "maybe"}  # unknown option
oddities[3]["answers"]["q_hot"] = {"kind": "choices", "options": []}                # empty selection
oddities[4]["startedAt"] = oddities[4]["startedAt"][:10] + " 10:00:00"               # no zone: unparseable
del oddities[5]["answers"]["q_satisfaction"]                                         # missing answer

fixture = {
    "description": "Seeded survey fixture for core/stats; generated by tools/expected-stats/make-fixture.py "
                   "(random.Random(%d)). Plain data; do not edit by hand." % SEED,
    "waves": WAVES,
    "smallGroups": {"village": SMALL_VILLAGE, "channel": "phone"},
    "measures": [
        {"id": "safety_rate", "label": "Sense of security rate", "kind": "rate", "questionId": "q_safety",
         "levels": SAFETY, "positive": SAFETY[:3], "invalid": ["dont_know"]},
        {"id": "safety_index", "label": "Sense of security index", "kind": "index", "questionId": "q_safety",
         "levels": SAFETY, "positive": SAFETY[:3], "invalid": ["dont_know"],
         "scores": dict(zip(SAFETY, SCORES5))},
        {"id": "safety_share", "label": "Sense of security by level", "kind": "share", "questionId": "q_safety",
         "levels": SAFETY, "positive": SAFETY[:3], "invalid": ["dont_know"]},
        {"id": "local_rate", "label": "Local security rate", "kind": "rate", "questionId": "q_local",
         "levels": SAFETY, "positive": SAFETY[:3], "invalid": ["dont_know"]},
        {"id": "satisfaction_rate", "label": "Satisfaction rate", "kind": "rate", "questionId": "q_satisfaction",
         "levels": SATISF, "positive": SATISF[:3], "invalid": ["dont_know"]},
        {"id": "satisfaction_index", "label": "Satisfaction index", "kind": "index", "questionId": "q_satisfaction",
         "levels": SATISF, "positive": SATISF[:3], "invalid": ["dont_know"],
         "scores": dict(zip(SATISF, SCORES5))},
        {"id": "conduct_rate", "label": "Satisfaction with officers' conduct", "kind": "rate",
         "questionId": "q_conduct", "levels": SATISF, "positive": SATISF[:2], "invalid": ["dont_know"]},
        {"id": "situation_share", "label": "Security situation compared with last year", "kind": "share",
         "questionId": "q_situation", "levels": ["better", "same", "worse"], "positive": ["better"],
         "invalid": ["dont_know"]},
        {"id": "campaign_awareness", "label": "Knows the Safe City campaign", "kind": "awareness",
         "questionId": "q_aware_campaign"},
        {"id": "publicity_awareness", "label": "Knows the comprehensive-governance publicity", "kind": "awareness",
         "questionId": "q_aware_publicity", "yes": ["yes"], "no": ["no"], "invalid": ["dont_know"]},
        {"id": "hot_problems", "label": "Hot problems", "kind": "multi", "questionId": "q_hot",
         "options": HOT, "invalid": ["dont_know"]},
        {"id": "victimisation", "label": "Victimisation rate", "kind": "victimisation", "questionId": "q_victim",
         "invalid": ["refused"]},
        {"id": "reporting", "label": "Reporting rate (victims who reported)", "kind": "reporting",
         "questionId": "q_reported", "among": {"questionId": "q_victim", "anyOf": ["yes"]}},
        {"id": "feedback_rate", "label": "Satisfaction with case feedback", "kind": "rate",
         "questionId": "q_feedback", "levels": SATISF, "positive": SATISF[:3], "invalid": ["dont_know"],
         "among": {"questionId": "q_reported", "anyOf": ["yes"]}},
        {"id": "feedback_index", "label": "Case feedback index", "kind": "index",
         "questionId": "q_feedback", "levels": SATISF, "positive": SATISF[:3], "invalid": ["dont_know"],
         "scores": dict(zip(SATISF, SCORES5)), "among": {"questionId": "q_reported", "anyOf": ["yes"]}},
    ],
    "targets": [
        {"waveId": w, "measureId": m, "label": label, "value": v}
        for (w, m, label, v) in [
            # Chosen to give a mix of above / below, significant / not significant.
            ("2026-H1", "safety_rate", "provincial average", 0.8500),
            ("2026-H1", "safety_rate", "municipal average", 0.7800),
            ("2026-H2", "safety_rate", "provincial average", 0.9350),
            ("2026-H2", "safety_rate", "municipal average", 0.8400),
            ("2026-H1", "satisfaction_rate", "provincial average", 0.9105),
            ("2026-H1", "satisfaction_rate", "municipal average", 0.8000),
            ("2026-H2", "satisfaction_rate", "provincial average", 0.9150),
            ("2026-H2", "satisfaction_rate", "municipal average", 0.8700),
            ("2026-H1", "safety_index", "provincial average", 80.5),
            ("2026-H1", "safety_index", "municipal average", 75.0),
            ("2026-H2", "safety_index", "provincial average", 75.0),
            ("2026-H2", "safety_index", "municipal average", 70.0),
            ("2026-H1", "satisfaction_index", "provincial average", 77.4),
            ("2026-H2", "satisfaction_index", "provincial average", 74.0),
            ("2026-H1", "campaign_awareness", "provincial average", 0.60),
            ("2026-H2", "campaign_awareness", "provincial average", 0.62),
            ("2026-H1", "reporting", "municipal average", 0.70),
            # Exactly the fixture's own H2 reporting rate (25 of 34 victims): an "equal" case.
            ("2026-H2", "reporting", "county target", 25 / 34),
            ("2026-H2", "feedback_rate", "municipal average", 0.85),
        ]
    ],
    "quality": {
        "speeder": {"minSecondsPerAnswer": 3},
        "straightLine": {"minQuestions": 4, "scales": [
            {"questionId": "q_safety", "levels": SAFETY},
            {"questionId": "q_local", "levels": SAFETY},
            {"questionId": "q_satisfaction", "levels": SATISF},
            {"questionId": "q_conduct", "levels": SATISF},
        ]},
    },
    "sampling": {"share": 0.1, "minPerStratum": 3, "strata": {"regionLevel": 1}, "seed": 20261128},
    "samplingByVillage": {"share": 0.05, "minPerStratum": 2, "strata": {"regionLevel": 2}, "seed": "wave-2026-H2"},
    "spotCheckOutcomes": (["consistent"] * 37) + (["inconsistent"] * 4) + (["unreachable"] * 7),
    "responses": responses,
}

os.makedirs(os.path.dirname(OUT), exist_ok=True)
# Settings pretty-printed; one response per line (keeps the file small and diffable).
body = {k: v for k, v in fixture.items() if k != "responses"}
text = json.dumps(body, ensure_ascii=False, indent=1)[:-2]
text += ',\n "responses": [\n' + ",\n".join(
    "  " + json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in responses) + "\n ]\n}\n"
assert json.loads(text) == fixture
with open(OUT, "w", encoding="utf-8") as f:
    f.write(text)
print("wrote %s: %d responses" % (os.path.relpath(OUT), len(responses)))


# ----------------------------------------------------------------------------------------------
# Outreach fixture: closed cases with reporters' ratings, and safety-tip quiz answers.
# Its own generator and file, so that the survey fixture above stays byte for byte the same.
# ----------------------------------------------------------------------------------------------

OUTREACH_SEED = 20261129
OUTREACH_OUT = os.path.join(HERE, "..", "..", "tests", "stats", "outreach-fixture.json")
orng = random.Random(OUTREACH_SEED)

VILLAGES = [[d, t, v] for d, towns in REGIONS.items() for t, villages in towns.items() for v in villages]
STATUSES = ["received", "investigating", "solved", "closed"]

cases = []


CASES_T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)


def add_case(path, status, rating):
    # closedAt is spread over 2026-09-01 ... 2026-11-09 from the case's number alone, so that the
    # random draws (and with them every other value of this fixture) are what they were before it.
    number = len(cases) + 1
    closed_at = None
    if status == "closed":
        closed_at = iso(CASES_T0 + timedelta(minutes=(number * 7919) % (60 * 24 * 70)), 8 if number % 4 == 0 else 0)
    cases.append({"id": "c%04d" % number, "status": status, "rating": rating,
                  "regionPath": list(path) if path is not None else None, "closedAt": closed_at})


def some_rating():
    # Mostly satisfied, as case feedback tends to be; every level occurs.
    return orng.choices([5, 4, 3, 2, 1], weights=[5, 4, 2, 1.2, 0.8], k=1)[0]


# Ordinary villages: 6-24 cases each, most closed, three in four closed cases rated.
special = {"330102001002": 10, "330103001003": 9}  # exactly 10 and exactly 9 ratings
for path in VILLAGES:
    v = path[-1]
    if v in special:
        for _ in range(special[v]):
            add_case(path, "closed", some_rating())
        for _ in range(orng.randint(1, 4)):
            add_case(path, "closed", None)
        continue
    for _ in range(orng.randint(6, 24)):
        status = orng.choices(STATUSES, weights=[1, 2, 1, 8], k=1)[0]
        rating = some_rating() if orng.random() < 0.75 else None
        # Ratings exist only on closed cases in the store; a reopened case keeps its old rating.
        if status != "closed" and orng.random() < 0.7:
            rating = None
        add_case(path, status, rating)
# The small village: exactly 4 ratings among its closed cases (always suppressed).
for rating in (5, 3, 1, 4, None, None):
    add_case(SMALL_VILLAGE, "closed", rating)
# Known only down to the town, and without any region.
for rating in (4, 5, None, 2):
    add_case(["330103", "330103001"], "closed", rating)
for rating in (3, None, 5, 5, 1):
    add_case(None, "closed", rating)
# Ratings outside 1-5 (not stored by the app, but a reader might return them): closed, unrated.
add_case(VILLAGES[0], "closed", 0)
add_case(VILLAGES[1], "closed", 6)

TIPS = ["fraud-safe-account", "burglary-home", "robbery-snatching", "elderly-fake-relative",
        "school-pickup", "traffic-ebike", "drugs-disguised", "tip-never-answered"]
# How many residents answer each tip (first answers): big, medium, exactly 10, exactly 9, 3, none.
TIP_RESIDENTS = {"fraud-safe-account": 140, "burglary-home": 60, "robbery-snatching": 25,
                 "elderly-fake-relative": 10, "school-pickup": 9, "traffic-ebike": 3, "drugs-disguised": 41,
                 "tip-never-answered": 0, "tip-retired": 15}
TIP_SKILL = {"fraud-safe-account": 0.8, "burglary-home": 0.65, "robbery-snatching": 0.5,
             "elderly-fake-relative": 0.7, "school-pickup": 0.9, "traffic-ebike": 0.4, "drugs-disguised": 0.97,
             "tip-retired": 0.6}

residents = []
for i in range(220):
    r = orng.random()
    if r < 0.8:
        path = orng.choice(VILLAGES)
    elif r < 0.85:
        path = SMALL_VILLAGE
    elif r < 0.9:
        path = ["330103", "330103001"]
    else:
        path = None
    residents.append({"id": "res%03d" % (i + 1), "regionPath": list(path) if path is not None else None})

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
answers = []
for tip in TIPS + ["tip-retired"]:
    chosen = orng.sample(residents, TIP_RESIDENTS[tip])
    for res in chosen:
        first = T0 + timedelta(minutes=orng.randint(0, 60 * 24 * 40))
        correct = orng.random() < TIP_SKILL[tip]
        events = [(first, correct)]
        # Some residents answer again after the explanation (usually right): not their first answer.
        if orng.random() < 0.3:
            events.append((first + timedelta(minutes=orng.randint(1, 600)), orng.random() < 0.9))
        # A few answers arrive out of order, and a few share the first answer's timestamp exactly.
        if orng.random() < 0.15:
            orng.shuffle(events)
        if orng.random() < 0.05:
            # The same instant as the first answer: the tie goes to whichever comes first in the
            # input (after the shuffle below), by the rule both implementations follow.
            events.append((first, not correct))
        for when, ok in events:
            answers.append({"residentId": res["id"], "tipId": tip, "correct": ok,
                            "answeredAt": iso(when, 8 if orng.random() < 0.25 else 0),
                            "regionPath": res["regionPath"]})
# Input order is not time order.
orng.shuffle(answers)

outreach = {
    "description": "Seeded outreach fixture (closed cases with ratings, safety-tip quiz answers); generated by "
                   "tools/expected-stats/make-fixture.py (random.Random(%d)). Plain data; do not edit by hand."
                   % OUTREACH_SEED,
    "smallGroups": {"village": SMALL_VILLAGE, "tenRatings": ["330102", "330102001", "330102001002"],
                    "nineRatings": ["330103", "330103001", "330103001003"],
                    "tipTen": "elderly-fake-relative", "tipNine": "school-pickup", "tipThree": "traffic-ebike"},
    "tips": TIPS,
    "cases": cases,
    "answers": answers,
}
text = json.dumps({k: v for k, v in outreach.items() if k not in ("cases", "answers")}, ensure_ascii=False, indent=1)[:-2]
for key in ("cases", "answers"):
    text += ',\n "%s": [\n' % key + ",\n".join(
        "  " + json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in outreach[key]) + "\n ]"
text += "\n}\n"
assert json.loads(text) == outreach
with open(OUTREACH_OUT, "w", encoding="utf-8") as f:
    f.write(text)
print("wrote %s: %d cases, %d quiz answers" % (os.path.relpath(OUTREACH_OUT), len(cases), len(answers)))
