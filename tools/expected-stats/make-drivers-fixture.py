#!/usr/bin/env python3
"""Write tests/stats/drivers-fixture.json: a deterministic survey fixture for the drivers models.

Standard library only. Deterministic: random.Random(SEED); running it again writes the same file
byte for byte. Run once and commit; see README.md in this folder ("Drivers").

The answers follow a known logistic model (so that the estimates have something to find), with
on purpose: a hot problem named by too few residents (suppressed), one named by 16 residents none
of whom feels unsafe (separation), a small town and a small channel (suppressed levels), optional
age answers (a "no answer" level), "don't know" outcomes (left out), in-progress responses and a
second wave (neither may enter the models).
"""

import json
import math
import os
import random

SEED = 20261207
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "stats", "drivers-fixture.json")

SAFETY = ["very_safe", "safe", "basically_safe", "not_very_safe", "unsafe"]
SATISF = ["very_satisfied", "satisfied", "basically_satisfied", "not_very_satisfied", "dissatisfied"]
HOT = ["theft", "robbery", "fraud", "gambling", "drugs", "gangs", "traffic", "disputes"]
PATROLS = ["often", "sometimes", "rarely", "never"]
AGES = ["18-29", "30-44", "45-59", "60-69", "70_plus"]
DISTRICT = "330106"
TOWNS = {
    "330106001": ["330106001001", "330106001002", "330106001003"],
    "330106002": ["330106002001", "330106002002", "330106002003"],
    "330106003": ["330106003001", "330106003002"],
    "330106009": ["330106009001"],  # the small town: 7 responses in the main wave
}
TOWN_EFFECT = {"330106001": 0.0, "330106002": 0.5, "330106003": -0.4, "330106009": 0.3}

rng = random.Random(SEED)


def logistic(x):
    return 1 / (1 + math.exp(-x))


def bottom_two(p_bad, levels):
    """A scale answer: one of the two bottom levels with probability p_bad, else a top three."""
    if rng.random() < p_bad:
        return rng.choice(levels[3:])
    return rng.choices(levels[:3], weights=[2, 3, 3])[0]


def respondent(wave, town, village, channel, mode, force_gangs=False):
    hot = [h for h, share in zip(HOT, [0.35, 0.12, 0.3, 0.1, 0.0, 0.0, 0.2, 0.15]) if rng.random() < share]
    if force_gangs:
        hot = sorted(set(hot + ["gangs"]), key=HOT.index)
    victim = rng.random() < 0.22
    reported = victim and rng.random() < 0.6
    patrol = rng.choices(PATROLS, weights=[3, 4, 2, 1])[0]
    publicity = rng.choices(["yes", "no"], weights=[6, 4])[0]
    age = rng.choices(AGES + [None], weights=[2, 3, 3, 2, 1, 3])[0]
    patrol_u = {"often": -0.7, "sometimes": 0.0, "rarely": 0.5, "never": 1.0}[patrol]
    patrol_d = {"often": -0.5, "sometimes": 0.0, "rarely": 0.4, "never": 0.6}[patrol]
    lin_u = (-2.0 + 0.9 * ("theft" in hot) + 0.6 * ("fraud" in hot) + 0.4 * ("robbery" in hot)
             + 1.0 * victim - 0.5 * reported + patrol_u - 0.4 * (publicity == "yes")
             + TOWN_EFFECT[town] + (0.4 if age == "70_plus" else 0.0) + (0.3 if mode == "interviewer" else 0.0))
    lin_d = (-1.6 + 0.5 * ("theft" in hot) + 0.3 * ("traffic" in hot) + 0.7 * victim - 0.9 * reported
             + patrol_d - 0.6 * (publicity == "yes") - 0.3 * TOWN_EFFECT[town]
             + (-0.4 if mode == "interviewer" else 0.0))
    answers = {}
    if rng.random() < 0.05:
        answers["safety_overall"] = {"kind": "choice", "option": "dont_know"}
    elif force_gangs:
        answers["safety_overall"] = {"kind": "choice", "option": rng.choice(SAFETY[:3])}
    else:
        answers["safety_overall"] = {"kind": "choice", "option": bottom_two(logistic(lin_u), SAFETY)}
    if rng.random() < 0.04:
        answers["sat_police"] = {"kind": "choice", "option": "dont_know"}
    else:
        answers["sat_police"] = {"kind": "choice", "option": bottom_two(logistic(lin_d), SATISF)}
    answers["hot_issues"] = {"kind": "choices", "options": hot if hot else ["none"]}
    answers["victim"] = {"kind": "bool", "value": victim}
    if victim:
        answers["reported"] = {"kind": "bool", "value": reported}
    answers["patrols"] = {"kind": "choice", "option": patrol}
    answers["seen_publicity"] = {"kind": "bool", "value": publicity == "yes"}
    if age is not None:
        answers["age_group"] = {"kind": "choice", "option": age}
    return answers


responses = []


def add(wave, town, village, channel, mode, status="completed", force_gangs=False):
    rid = "d%04d" % (len(responses) + 1)
    responses.append({
        "id": rid, "waveId": wave, "regionPath": [DISTRICT, town, village], "channel": channel, "mode": mode,
        "status": status, "startedAt": "2026-10-05T09:00:00Z",
        **({"completedAt": "2026-10-05T09:06:00Z"} if status == "completed" else {}),
        "answers": respondent(wave, town, village, channel, mode, force_gangs),
    })


def channel_and_mode():
    if rng.random() < 0.25:
        return "field", "interviewer"
    return rng.choices(["web", "wechat"], weights=[5, 4])[0], "self"


for wave, per_village in (("2026-H2", 95), ("2026-H1", 20)):
    for town, villages in TOWNS.items():
        for village in villages:
            size = 7 if town == "330106009" else per_village
            for _ in range(size):
                channel, mode = channel_and_mode()
                add(wave, town, village, channel, mode, status=rng.choices(["completed", "in_progress"], weights=[93, 7])[0])
    # The small channel: 6 Telegram responses.
    for i in range(6):
        town = list(TOWNS)[i % 3]
        add(wave, town, TOWNS[town][0], "telegram", "self")
    # Rare hot problem "drugs": named by 5 residents.
    for i in range(5):
        r = responses[-40 - i * 7]
        r["answers"]["hot_issues"]["options"] = [o for o in r["answers"]["hot_issues"]["options"] if o != "none"] + ["drugs"]
    # "gangs": named by 16 residents, none of whom feels unsafe (separation in the "unsafe" model).
    for i in range(16):
        town = list(TOWNS)[i % 3]
        add(wave, town, TOWNS[town][1], "web", "self", force_gangs=True)

HOT_FACTOR = HOT + ["other"]

fixture = {
    "description": "Seeded fixture for the drivers models (core/stats/drivers.ts); generated by "
                   "tools/expected-stats/make-drivers-fixture.py (random.Random(%d)). Plain data; do not edit by hand." % SEED,
    "outcomes": {
        "unsafe": {"id": "unsafe", "questionId": "safety_overall", "levels": SAFETY, "bad": SAFETY[3:]},
        "dissatisfied": {"id": "dissatisfied", "questionId": "sat_police", "levels": SATISF, "bad": SATISF[3:]},
    },
    "factors": [
        {"id": "hot_issues", "kind": "multi", "questionId": "hot_issues", "options": HOT_FACTOR},
        {"id": "victim", "kind": "yesno", "questionId": "victim"},
        {"id": "reported", "kind": "yesno", "questionId": "reported", "among": {"questionId": "victim", "anyOf": ["yes"]}},
        {"id": "patrols", "kind": "single", "questionId": "patrols", "levels": PATROLS},
        {"id": "seen_publicity", "kind": "yesno", "questionId": "seen_publicity"},
        {"id": "age_group", "kind": "single", "questionId": "age_group", "levels": AGES},
        {"id": "region", "kind": "region", "level": 1},
        {"id": "channel", "kind": "channel"},
    ],
    "cases": [
        {"name": "unsafe, whole district, by town", "outcome": "unsafe", "waveId": "2026-H2", "regionPrefix": [], "regionLevel": 1, "minGroupSize": 10},
        {"name": "dissatisfied, whole district, by town", "outcome": "dissatisfied", "waveId": "2026-H2", "regionPrefix": [], "regionLevel": 1, "minGroupSize": 10},
        {"name": "unsafe, one town, by village", "outcome": "unsafe", "waveId": "2026-H2", "regionPrefix": [DISTRICT, "330106002"], "regionLevel": 2, "minGroupSize": 10},
        {"name": "dissatisfied, minimum 40", "outcome": "dissatisfied", "waveId": "2026-H2", "regionPrefix": [], "regionLevel": 1, "minGroupSize": 40},
        {"name": "unsafe, earlier wave", "outcome": "unsafe", "waveId": "2026-H1", "regionPrefix": [], "regionLevel": 1, "minGroupSize": 10},
        {"name": "unsafe, the small town (suppressed)", "outcome": "unsafe", "waveId": "2026-H2", "regionPrefix": [DISTRICT, "330106009"], "regionLevel": 2, "minGroupSize": 10},
    ],
    "responses": responses,
}

with open(OUT, "w", encoding="utf-8") as f:
    json.dump(fixture, f, ensure_ascii=False, indent=1)
    f.write("\n")
print("wrote %s: %d responses" % (os.path.relpath(OUT), len(responses)))
