"""Generated awkward lines (Hypothesis): whitespace of every JSON kind around the object and
between its tokens, keys written with \\u escapes, repeated keys (plain and escaped), lone
surrogate escapes, numbers in every JSON form (1, 1.0, 1e2, 1E+2, -0, 2^63 - 1, 2^63, huge),
steps that are left out for two reasons at once. Many generated lines go into ONE trace, built
once in quarantine mode, and every output file must equal the independent reference's. Also
generated: Claude messages whose usage snapshots come in any order, and a file edited in place
at the same size between two runs.

Not generated: a carriage return inside a line. The engines' line readers take a carriage
return that is not followed by a line feed as a line end, the input format a CRLF line end only
(docs/input_format.md); no JSON writer puts a raw carriage return between two tokens."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import reference
from atlas_testkit import PROJECT_DIR, run_pipeline
from test_bad_input import GOOD_STEPS, run_runner, write_trace
from test_end_to_end import assert_outputs_match_reference
from test_raw_logs_reference import assistant, prompt, text

sys.path.insert(0, str(PROJECT_DIR / "tests" / "agent_logs"))
from agent_log_kit import ref, reference_lines, write_normalized
from agent_log_kit import run_pipeline as run_agent_logs

LINES = 240
WHITESPACE = st.text(alphabet=" \t", max_size=3)
AWKWARD_NUMBERS = st.sampled_from(
    [
        "0",
        "-0",
        "1",
        "1.0",
        "1e2",
        "1E+2",
        "2.5e-3",
        "-5",
        "-0.0",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "null",
        '"12"',
        "true",
        "[]",
        "{}",
    ]
)
# mostly good counts (so that many steps reach the statistics), often a number in another form
COUNTS = st.integers(0, 9).flatmap(
    lambda k: st.integers(min_value=0, max_value=10**7).map(str) if k < 7 else AWKWARD_NUMBERS
)
TEXTS = st.one_of(
    st.sampled_from(
        [
            '"claude"',
            '"codex"',
            '"gemini"',
            "null",
            '"x\\ud83d"',
            '"\\ude00 cut"',
            '"pair \\ud83d\\ude00"',
            '"\\\\ud83d kept as text"',
            '"caf\\u00e9"',
            "12",
            "1.5e3",
            "false",
        ]
    ),
    st.text(alphabet="abc é😀", max_size=6).map(lambda t: json.dumps(t, ensure_ascii=False)),
)
PROVIDERS = st.sampled_from(
    ['"claude"', '"codex"', '"gemini"', "null", '"\\ud83dcut"', '"claude"', '"codex"']
)
EVENT_TYPES = st.sampled_from(
    ['"user_message"', '"tool_result"', '"reasoning"', "null", '"tool_result"', '"user_message"']
)
TIMESTAMPS = st.sampled_from(
    [
        '"2026-06-01T05:41:12.031Z"',
        '"2026-06-01"',
        '"yesterday"',
        "null",
        '"2026-02-30T00:00:00Z"',
        '"2026-06-01T05:41Z"',
        '"2026-06-01T05:41:12+0100"',
    ]
)


@st.composite
def key_text(draw, name: str) -> str:
    """A key as the line writes it: plain, or with some of its characters as \\u escapes."""
    if draw(st.integers(0, 4)) != 0:
        return json.dumps(name)
    chosen = draw(st.sets(st.integers(0, len(name) - 1), min_size=1, max_size=3))
    return '"' + "".join(f"\\u{ord(c):04x}" if i in chosen else c for i, c in enumerate(name)) + '"'


@st.composite
def obj(draw, members: list[tuple[str, str]]) -> str:
    """An object's text from (key, value text) pairs, with whitespace between its tokens."""
    parts = []
    for name, value in members:
        key = draw(key_text(name))
        parts.append(key + draw(WHITESPACE) + ":" + draw(WHITESPACE) + value)
    return "{" + draw(WHITESPACE) + ("," + draw(WHITESPACE)).join(parts) + draw(WHITESPACE) + "}"


@st.composite
def event(draw) -> str:
    members = []
    if draw(st.integers(0, 5)):
        members.append(("event_type", draw(EVENT_TYPES)))
    if draw(st.booleans()):
        members.append(("timestamp", draw(TIMESTAMPS)))
    if draw(st.integers(0, 6)) == 0:  # the first event's event_type repeated
        members.append(("event_type", draw(EVENT_TYPES)))
    members.append(("source", draw(TEXTS)))
    return draw(obj(draw(st.permutations(members))))


@st.composite
def events(draw) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return "null"
    if kind == 1:
        return "[]"
    if kind == 2:
        return draw(st.sampled_from(['{"a":1}', '"events"', "7"]))
    items = draw(st.lists(event(), min_size=1, max_size=3))
    if draw(st.integers(0, 9)) == 0:
        items.insert(draw(st.integers(0, len(items))), draw(st.sampled_from(["7", "null", "[]"])))
    return "[" + ",".join(items) + "]"


@st.composite
def line(draw) -> str:
    kind = draw(st.integers(0, 39))
    if kind == 0:
        return draw(WHITESPACE)  # a blank line
    if kind == 1:
        return draw(st.sampled_from(["[1]", '"text"', "12", "{", '{"a":1', "null", "{}"]))
    members = [
        ("provider", draw(PROVIDERS)),
        ("prefix_tokens", draw(COUNTS)),
        ("newly_append_tokens", draw(COUNTS)),
        ("timing_events", draw(events())),
        ("input_tokens_total", draw(COUNTS)),
        ("output_tokens", draw(COUNTS)),
        ("round_index", draw(COUNTS)),
        ("model", draw(TEXTS)),
        ("project", draw(TEXTS)),
        ("tools", draw(st.sampled_from(["[]", "null", "{}", '[{"tool_index":0}]']))),
        ("x\ud83d", "1"),  # a key the format does not know, with a lone surrogate
    ]
    members = [m for m in members if draw(st.integers(0, 7))]  # any key may be absent
    if draw(st.integers(0, 7)) == 0 and members:  # a key repeated, plainly or escaped
        members.append(draw(st.sampled_from(members)))
    members = draw(st.permutations(members))
    text = draw(obj([(name.replace("\ud83d", "\\ud83d"), value) for name, value in members]))
    text = text.replace('"x\\\\ud83d"', '"x\\ud83d"')
    return draw(WHITESPACE) + text + draw(WHITESPACE)


@settings(
    max_examples=1,
    phases=[Phase.generate],
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
@given(lines=st.lists(line(), min_size=LINES, max_size=LINES))
def test_generated_awkward_lines_agree_with_the_reference(lines, tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("generated")
    trace = folder / "trace.jsonl"
    trace.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    run = run_pipeline(str(trace), folder / "run", env={"TRACE_ATLAS_ON_BAD_LINES": "quarantine"})
    assert_outputs_match_reference(run, [trace])


def usage_snapshot(output: int, fresh: int, creation: int, read: int) -> dict:
    return {
        "input_tokens": fresh,
        "cache_creation_input_tokens": creation,
        "cache_read_input_tokens": read,
        "output_tokens": output,
    }


# small numbers, so that the rules' ties (equal output, equal input sums) happen often
SNAPSHOTS = st.one_of(
    st.just({}),
    st.builds(usage_snapshot, *(st.integers(0, 3) for _ in range(4))),
)


@st.composite
def claude_session(draw) -> list[dict]:
    """A prompt then the records of one message each time: one to four records per message,
    each with a usage snapshot (or none), in any order, with or without a stop_reason."""
    records, second = [], 0.0
    for number in range(draw(st.integers(3, 8))):
        second += 0.5
        records.append(prompt(f"question {number}", second))
        for _ in range(draw(st.integers(1, 4))):
            second += 0.25
            stop = draw(st.sampled_from([None, "end_turn", "tool_use"]))
            records.append(
                assistant(f"m{number}", text("x"), second, stop=stop, use=draw(SNAPSHOTS))
            )
    return records


@settings(
    max_examples=1,
    phases=[Phase.generate],
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
@given(sessions=st.lists(claude_session(), min_size=4, max_size=6))
def test_generated_usage_snapshots_in_any_order_agree_with_the_reference(
    sessions, tmp_path_factory
):
    """Which snapshot is a Claude step's usage when the best is not the last record (R5.5)."""
    folder: Path = tmp_path_factory.mktemp("snapshots")
    projects = folder / "logs" / "projects"
    for index, records in enumerate(sessions):
        path = projects / "p" / f"s{index}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(ref.compact_json(r) + "\n" for r in records), encoding="utf-8")
    run = run_agent_logs(folder / "run", projects, None)
    assert run.result.returncode == 0, run.result.stdout[-3000:] + run.result.stderr[-3000:]
    expected = ref.normalize([projects], [])
    assert write_normalized(run, folder / "steps.jsonl") == reference_lines(expected.steps)


@settings(
    max_examples=1,
    phases=[Phase.generate],
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_a_file_edited_in_place_at_the_same_size_is_read_again(data, tmp_path_factory):
    """One digit of a token count changed in the middle of a file (same size, beyond the
    fingerprint's first and last 64 KiB): the next run reads the file again."""
    folder: Path = tmp_path_factory.mktemp("edited")
    trace = write_trace(folder / "trace.jsonl", GOOD_STEPS)
    lines = trace.read_text(encoding="utf-8").splitlines()
    middle = [
        i
        for i, text in enumerate(lines)
        if 70_000 < sum(len(t) + 1 for t in lines[:i]) < trace.stat().st_size - 70_000
        and re.search(r'"prefix_tokens":[1-9][0-9]+', text)
    ]
    out = folder / "out"
    first = run_runner(["--trace", str(trace), "--out", str(out)], folder)
    assert first.returncode == 0, first.stderr + first.stdout
    index = data.draw(st.sampled_from(middle), label="line")
    found = re.search(r'"prefix_tokens":([1-9][0-9]+)', lines[index])
    position = data.draw(st.integers(1, len(found[1]) - 1), label="digit")
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != found[1][position]]))
    start = found.start(1) + position
    lines[index] = lines[index][:start] + digit + lines[index][start + 1 :]
    size = trace.stat().st_size
    before = trace.stat().st_mtime_ns
    trace.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert trace.stat().st_size == size
    os.utime(trace, ns=(before + 1_000_000_000, before + 1_000_000_000))
    second = run_runner(["--trace", str(trace), "--out", str(out)], folder)
    assert second.returncode == 0, second.stderr + second.stdout
    expected = reference.outputs_for([str(trace)])
    for name in ("cache_hit_ratio_summary.csv", "cache_hit_ratio_token_weighted.csv"):
        assert (out / name).read_text() == expected[name], name
