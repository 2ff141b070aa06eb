"""The run of a form with repeats (surveys.logic.runtime.FormLogic.run calls it when the form has one).

A question inside a repeat has one answer per instance: `texts[name]` is a list of texts, the first for
instance 1 (a single text stands for instance 1). The number of instances of each repeat is its evaluated
`repeat_count` when it has one (a number from 0 to MAX_INSTANCES, fractions truncated: the form fixes it),
else `instances[repeat]` when the caller says, else the longest list among the repeat's questions. A caller
that gives neither `instances` nor any list of texts (a page that shows each repeat once) gets one instance
of each repeat, and the results of instance 1 under the plain names as well as `(name, 1)`.

Each instance is evaluated in document order as the form's own part: relevance (inherited from the repeat and
the groups around), calculations, required rules, constraints and choice filters see `${q}` of the same repeat
as this instance's answer and `position(..)` as its number (surveys.logic.environment.RepeatEnv). Every result
about a question inside a repeat is keyed `(name, instance)` in the State; `State.counts` holds the numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from surveys.logic.conversions import to_boolean, to_number
from surveys.logic.environment import MAX_INSTANCES, RepeatEnv, State, instance_text, typed_value, value_text
from surveys.logic.evaluate import evaluate

MAX_PASSES = 5  # as surveys.logic.runtime


def instance_count(value) -> int:
    """A repeat_count's value as a number of instances: truncated, 0 for NaN or below, at most MAX_INSTANCES."""
    number = to_number(value)
    if number != number or number < 1:
        return 0
    return int(min(number, MAX_INSTANCES))


def _length(found) -> int:
    if isinstance(found, list | tuple):
        return len(found)
    return 1 if found else 0


def given_counts(logic, texts: Mapping, instances: Mapping | None) -> dict[str, int]:
    """Each repeat's number of instances as the caller gives it (used when the repeat has no repeat_count)."""
    counts = {}
    for name, inner in logic.repeats.items():
        if instances is not None and name in instances:
            count = int(instances[name])
        else:
            count = max((_length(texts.get(node.name)) for node in inner), default=0)
        counts[name] = max(0, min(count, MAX_INSTANCES))
    return counts


def run(logic, texts: Mapping, now, lang: str, check: bool, instances: Mapping | None) -> State:
    # a caller that knows no instances (no `instances`, no list of texts: a page showing each repeat once)
    # gets one instance of each repeat, its results under the plain names too
    single = instances is None and not any(isinstance(found, list | tuple) for found in texts.values())
    given = given_counts(logic, texts, instances)
    if single:
        given = {name: max(count, 1) for name, count in given.items()}
    values: dict = {}
    for node in logic.order:
        if node.repeat is None:
            found = texts.get(node.name)
            values[node.name] = typed_value(node.type, found[0] if isinstance(found, list | tuple) and found
                                            else found if isinstance(found, str) else "")
            continue
        for index in range(1, max(given[node.repeat], _length(texts.get(node.name))) + 1):
            values[(node.name, index)] = typed_value(node.type, instance_text(texts, node.name, index))
    relevant: dict = {}
    calculated: dict = {}
    counts: dict[str, int] = {}
    env = RepeatEnv(logic, values, relevant, now, lang, counts)
    for _ in range(MAX_PASSES):
        before = None if logic.in_order else (dict(relevant), dict(calculated), dict(counts))
        _sweep(logic, env, calculated, given)
        if before is None or (relevant, calculated, counts) == before:
            break
    for found in (relevant, calculated, values):  # instances a repeat_count took away in a later pass
        for key in [k for k in found if type(k) is tuple and k[1] > counts[logic.nodes[k[0]].repeat]]:
            del found[key]
    for key, is_relevant in relevant.items():
        if not is_relevant:
            values[key] = ""
    state = State(relevant=relevant, values=values, calculated=calculated, allowed={}, counts=counts)
    state.allowed = _allowed(logic, env, state)
    if check:
        state.errors = _errors(logic, env, state, texts)
    env.at(None)
    if single:
        for found in (state.relevant, state.values, state.calculated, state.allowed, state.errors):
            found.update({key[0]: value for key, value in list(found.items()) if type(key) is tuple and key[1] == 1})
    return state


def _one(env: RepeatEnv, calculated: dict, node, key, inherited: bool) -> None:
    trees = node.trees
    tree = trees.get("relevant")
    is_relevant = env.relevant[key] = inherited and (tree is None or to_boolean(evaluate(tree, env)))
    tree = trees.get("calculation")
    if tree is not None:
        result = evaluate(tree, env) if is_relevant else ""
        text = value_text(result)
        calculated[key] = text
        env.answers[key] = typed_value(node.type, text) if node.type != "calculate" else result


def _sweep(logic, env: RepeatEnv, calculated: dict, given: dict) -> None:
    """Relevance, then the calculation, of each question in document order, each repeat instance by instance."""
    relevant = env.relevant
    for node in logic.top:
        env.at(None)
        _one(env, calculated, node, node.name, relevant.get(node.parent, True) if node.parent else True)
        if node.type != "begin_repeat":
            continue
        tree = node.trees.get("repeat_count")
        count = env.counts[node.name] = instance_count(evaluate(tree, env)) if tree is not None else given[node.name]
        inner = logic.repeats[node.name]
        for index in range(1, count + 1):
            env.at(node.name, index)
            for child in inner:
                parent = child.parent
                _one(env, calculated, child, (child.name, index),
                     relevant.get(parent if parent == node.name else (parent, index), True))
    env.at(None)


def cells(logic, counts: Mapping) -> Iterator[tuple]:
    """(node, key, repeat, instance) of every question of the form, each repeat's questions once per instance."""
    for node in logic.top:
        yield node, node.name, None, 0
        if node.type == "begin_repeat":
            inner = logic.repeats[node.name]
            for index in range(1, counts.get(node.name, 0) + 1):
                for child in inner:
                    yield child, (child.name, index), node.name, index


def _allowed(logic, env: RepeatEnv, state: State) -> dict:
    allowed: dict = {}
    for node, key, repeat, index in cells(logic, state.counts):
        tree = node.trees.get("choice_filter")
        if tree is None or not state.relevant.get(key):
            continue
        env.at(repeat, index)
        kept = []
        for choice in node.choices:
            env.choice = choice
            if to_boolean(evaluate(tree, env)):
                kept.append(choice.name)
        env.choice = None
        allowed[key] = kept
    return allowed


def _errors(logic, env: RepeatEnv, state: State, texts: Mapping) -> dict:
    errors: dict = {}
    for node, key, repeat, index in cells(logic, state.counts):
        if not state.relevant.get(key) or node.type in ("begin_group", "begin_repeat", "calculate"):
            continue
        env.at(repeat, index)
        if key in state.calculated:
            text = state.calculated[key]
        elif repeat is None:
            found = texts.get(key)
            text = found if isinstance(found, str) else ""
        else:
            text = instance_text(texts, node.name, index)
        if not text:
            if logic.is_required(node, env):
                errors[key] = ("required", dict(node.logic.get("required_message") or {}))
            continue
        kept = state.allowed.get(key)
        if kept is not None and any(token not in kept for token in text.split()):
            errors[key] = ("filtered", {})
            continue
        tree = node.trees.get("constraint")
        if tree is not None:
            env.current_value = state.values.get(key, "")
            ok = to_boolean(evaluate(tree, env))
            env.current_value = ""
            if not ok:
                errors[key] = ("constraint", dict(node.logic.get("constraint_message") or {}))
    return errors


def read_only(logic, state: State, now, lang: str) -> set:
    """The keys (names, or (name, instance)) of the answers the respondent may not change."""
    found: set = set()
    env = RepeatEnv(logic, state.values, state.relevant, now, lang, state.counts)
    for node, key, repeat, index in cells(logic, state.counts):
        if node.logic.get("read_only_flag"):
            found.add(key)
            continue
        tree = node.trees.get("read_only")
        if tree is not None:
            env.at(repeat, index)
            if to_boolean(evaluate(tree, env)):
                found.add(key)
    # the plain names of a single-instance run (run's `single`) too
    return found | {key[0] for key in found if type(key) is tuple and key[1] == 1 and key[0] in state.relevant}
