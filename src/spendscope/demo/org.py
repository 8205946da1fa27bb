"""Northwind AI, the fictional organisation of the demo: teams, projects, applications, and its tags.

Tags are what engineers set on resources, so they have the gaps real ones have: some resources are
untagged, some miss a key or two, and a few carry a key spelled differently (``Team``,
``cost_center``). Keys that decide how spend is classified (``workload``, ``dataset``) are set by
the platform's launch templates, so they survive the gaps.
"""

from __future__ import annotations

import json

import numpy as np

ORG_NAME = "Northwind AI"

# team -> cost centre
TEAMS = {
    "research": "CC-1100",
    "ml-platform": "CC-1200",
    "data-eng": "CC-1300",
    "search": "CC-2100",
    "assistant": "CC-2200",
    "growth": "CC-3100",
    "core-infra": "CC-4100",
}

# project -> owning team
PROJECTS = {
    "foundation-lm": "research",
    "rlhf": "research",
    "evals": "research",
    "training-cluster": "ml-platform",
    "model-serving": "ml-platform",
    "feature-store": "data-eng",
    "data-lake": "data-eng",
    "semantic-search": "search",
    "reranker": "search",
    "support-assistant": "assistant",
    "copilot": "assistant",
    "marketing-copy": "growth",
    "personalization": "growth",
    "web-platform": "core-infra",
    "observability": "core-infra",
}

# application -> (team, project): the products that call models
APPLICATIONS = {
    "northwind-assistant": ("assistant", "copilot"),
    "support-bot": ("assistant", "support-assistant"),
    "search-api": ("search", "semantic-search"),
    "doc-qa": ("search", "reranker"),
    "ads-copy": ("growth", "marketing-copy"),
    "recs": ("growth", "personalization"),
    "eval-harness": ("research", "evals"),
    "doc-enrichment": ("data-eng", "data-lake"),
}

CRITICAL_KEYS = ("workload", "dataset")
_UNTAGGED, _PARTIAL, _MISCASED = 0.07, 0.15, 0.20  # cumulative probabilities per resource
_MISCASINGS = {"team": "Team", "project": "Project", "cost-center": "cost_center", "environment": "Environment"}


def application(name: str, copy: int = 0) -> tuple[str, str, str]:
    """(app name, team, project); copies beyond the first are sibling apps at larger scales."""
    team, project = APPLICATIONS[name]
    return (name if copy == 0 else f"{name}-{copy + 1:02d}"), team, project


class Tagger:
    """Builds a resource's ``Tags`` JSON, with the gaps and misspellings of real tagging."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def __call__(self, team: str, *, project: str | None = None, environment: str | None = "prod",
                 application: str | None = None, model: str | None = None, experiment: str | None = None,
                 workload: str | None = None, dataset: str | None = None, complete: bool = False) -> str | None:
        tags: dict[str, str] = {"team": team}
        for key, value in (("project", project), ("environment", environment), ("application", application),
                           ("model", model), ("experiment", experiment)):
            if value is not None:
                tags[key] = value
        tags["cost-center"] = TEAMS[team]
        if workload is not None:
            tags["workload"] = workload
        if dataset is not None:
            tags["dataset"] = dataset
        draw = self.rng.random()
        pick = self.rng.random()
        if complete or draw >= _MISCASED:
            return _dumps(tags)
        if draw < _UNTAGGED:
            kept = {k: v for k, v in tags.items() if k in CRITICAL_KEYS}
            return _dumps(kept) if kept else None
        if draw < _PARTIAL:  # a key or two forgotten: the team, or the project and cost centre
            for key in ("team",) if pick < 0.5 else ("project", "cost-center"):
                tags.pop(key, None)
            return _dumps(tags)
        key = list(_MISCASINGS)[int(pick * len(_MISCASINGS))]
        if key in tags:
            tags = {(_MISCASINGS[k] if k == key else k): v for k, v in tags.items()}
        return _dumps(tags)


def _dumps(tags: dict[str, str]) -> str:
    return json.dumps(tags, separators=(",", ":"))
