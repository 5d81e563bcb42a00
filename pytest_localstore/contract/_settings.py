"""How much the state machine explores: the profiles, the quick limits, one settings builder.

Shared by the pytest plugin, the reusable suite and ``localstore contract``.
Nothing here imports pytest, and Hypothesis only inside the functions, so the
plugin can name the profile without loading either.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: ``--hypothesis-profile=localstore-thorough``: many more examples and steps.
THOROUGH_PROFILE = "localstore-thorough"
THOROUGH_EXAMPLES = 1000
THOROUGH_STEPS = 50
#: What the reusable suite runs by default: quick enough for every test run.
QUICK_EXAMPLES = 40
QUICK_STEPS = 25
#: What ``localstore contract`` and :func:`run_contract` run by default: the quick budget of
#: random sequences (whose recall the mutation table measures), of up to 30 calls each.
RUN_EXAMPLES = QUICK_EXAMPLES
RUN_STEPS = 30
#: ``localstore contract``'s default wall-clock budget for a whole run, in seconds: none, so
#: every target gets its full report (a remote one takes minutes); Ctrl-C or SIGTERM ends a
#: run early with the report of what was found.
RUN_MAX_TIME: float | None = None
#: Seconds a call on a store not on this disk may take before it is reported as hung (a call
#: to a server on this machine takes milliseconds; a client's retries, a few seconds).
RUN_CALL_TIMEOUT = 10.0


def register_profiles() -> None:
    """Register ``localstore-thorough`` (1000 examples of up to 50 steps), once.

    Registering again would make a new settings object, and a profile already
    loaded would no longer be recognised as this one.
    """
    if _thorough_profile() is None:
        from hypothesis import settings

        settings.register_profile(
            THOROUGH_PROFILE,
            max_examples=THOROUGH_EXAMPLES,
            stateful_step_count=THOROUGH_STEPS,
            deadline=None,
        )


def thorough_profile_loaded() -> bool:
    """Whether ``localstore-thorough`` is the profile in force.

    Compared by identity through public APIs: ``settings.default`` is the
    loaded profile's settings object (``get_current_profile_name`` is newer
    than the oldest Hypothesis this package supports).
    """
    from hypothesis import settings

    profile = _thorough_profile()
    return profile is not None and settings.default is profile


def _thorough_profile() -> Any:
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    try:
        return settings.get_profile(THOROUGH_PROFILE)
    except InvalidArgument:
        return None


def contract_settings(examples: int, steps: int, *, parent: Any = None, **extra: Any) -> Any:
    """Hypothesis settings for a contract run: no deadline, no health checks, *parent*'s other values."""
    from hypothesis import HealthCheck, settings

    return settings(
        parent,
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        **extra,
    )


def suite_limits(lower: tuple[int, int] | None = None) -> tuple[int, int]:
    """The reusable suite's examples and steps: the quick limits (or *lower*, for a slow
    store), unless the thorough profile is loaded."""
    from hypothesis import settings

    current = settings()
    if thorough_profile_loaded():
        return current.max_examples, current.stateful_step_count
    examples, steps = lower or (QUICK_EXAMPLES, QUICK_STEPS)
    return min(current.max_examples, examples), steps
