"""Calls run on a fresh store, and which calls the whole tree is read back after.

Reading a store's whole tree back through its API costs a request per
directory and per file on a store behind a network, so the contract reads it
after each call that may change the tree and after the last call, not after
every call; the first calls of a table row, which only build its starting
tree, are read back once, after the last of them. Before the last call, a
read back lists every name but reads only the files whose content the model
has changed since the read before (the others were read then). A problem found
after a call that was not read back in full may have begun at that call (a
read that changed something, a write that harmed another file): the calls up
to the problem are then run again on a fresh store,
the tree read back after every one, and the first problem that shows is the
one reported. For a store that does the same thing each time, that is the
problem, and the call, that reading back after every call would have found.
A read back in full that matched the model vouches for every call up to it: a
problem found at the call right after one (a table row's call, after its
starting tree was read back) is that call's, and nothing is run again.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..capabilities import FULL, Capabilities
from ._checker import Normaliser, Problem, check
from ._deadline import HUNG_RULE
from ._machine import StoreFactory, Violation
from ._model import ReferenceModel
from ._operations import OPERATIONS
from ._program import Call
from ._sandbox import Sandbox


def reads_tree_after(calls: Sequence[Call], index: int, setup: int = 0) -> bool:
    """Whether the whole tree is read back after ``calls[index]``: after the last call and after
    a call that may change the tree; of the first *setup* calls, only after the last."""
    if index >= len(calls) - 1 or index == setup - 1:
        return True
    return index >= setup and OPERATIONS[calls[index].op].changes


def replay(
    calls: Sequence[Call],
    make_store: StoreFactory,
    capabilities: Capabilities = FULL,
    sandbox: Sandbox | None = None,
    *,
    source: str = "a replay",
    setup: int = 0,
    every: bool = False,
) -> tuple[int, Problem] | None:
    """Run *calls* on a fresh store as the machine does; the first problem and its call's index.

    The tree is read back after the calls :func:`reads_tree_after` names (after *every* call if
    so asked); a problem found after a call not read back in full (nor vouched for by a later
    read in full) is pinned on its call by running the calls again, on a fresh store, reading
    after every one. A fatal problem (something around the root harmed) raises
    :class:`RunStopped` instead.
    """
    store = make_store()
    used = sandbox if sandbox is not None else Sandbox()
    model = ReferenceModel(capabilities)
    vouched = 0  # the calls before this index were read back in full, and matched
    read_when: dict[str, bytes | None] = {}  # the model's tree at the last read back
    found: tuple[int, Problem] | None = None
    try:
        normalise = Normaliser(store, model, used)
        for index, call in enumerate(calls):
            read = every or reads_tree_after(calls, index, setup)
            partial = read and not every and index < len(calls) - 1 and bool(read_when)
            problem = check(model, store, call, normalise, read_tree=read_when if partial else read)
            if problem is not None and problem.fatal:
                raise used.stop_for(Violation(tuple(calls[: index + 1]), problem, source))
            if problem is not None:
                found = index, problem
                break
            if read and not partial:
                vouched = index + 1
            if read:
                read_when = model.tree()
    finally:
        if sandbox is None:
            used.remove()
        else:
            used.forget(store.path)
    if found is not None and vouched < found[0] and found[1].rule != HUNG_RULE:
        return pinned(calls[: found[0] + 1], make_store, capabilities, sandbox, source) or found
    return found


def pinned(
    calls: Sequence[Call],
    make_store: StoreFactory,
    capabilities: Capabilities = FULL,
    sandbox: Sandbox | None = None,
    source: str = "a replay",
) -> tuple[int, Problem] | None:
    """The first problem of *calls* on a fresh store, the tree read back after every call."""
    return replay(calls, make_store, capabilities, sandbox, source=source, every=True)
