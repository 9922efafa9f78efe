"""Live logs and bad lines, on small hand-written raw logs, against the reference.

A file a running agent is still writing ends with a half-written line: skipped and counted
(truncated_last_line), never an error -- unless the file ends with a line feed, then the line is
a bad line like any other (R2.5). Bad lines name their file and line: in strict mode the first one
stops the run (exit 1, nothing written), in quarantine they are listed. Also here: a UTF-8 byte
order mark, CRLF line ends, a line that is not UTF-8 (DuckDB's reader skips it; the model puts it
back with its line number and keeps the later lines' numbers right), blank lines, unknown record
types and float durations in tool results, odd Unicode in sizes.
"""

from __future__ import annotations

import json

import pytest
from agent_log_kit import (
    SPEC_FILES,
    audit_of_reference,
    audit_of_run,
    ref,
    reference_lines,
    rejections_of_reference,
    rejections_of_run,
    run_pipeline,
    write_normalized,
)

import reference
from test_raw_logs_reference import (
    assistant,
    call,
    codex,
    meta,
    output,
    prompt,
    result,
    text,
    tokens,
    tool_use,
    turn,
    usage,
    user_message,
)

SESSION = "11111111-2222-3333-4444-555555555555"


def lines_of(records: list) -> list[bytes]:
    return [r if isinstance(r, bytes) else ref.compact_json(r).encode() for r in records]


def conversation(prefix: str) -> list:
    """A prompt, a call with its result, and a closing answer: two steps."""
    return [
        prompt("Grüße, 😀 — take a look", 1.0, sessionId=SESSION),
        assistant(f"{prefix}a", tool_use(f"{prefix}t", "WebSearch", {"q": 'naïve\n"x"'}), 2.5),
        result(
            f"{prefix}t", [{"type": "text", "text": "ok\u0007 ✓"}], 4.0, {"durationSeconds": 0.0025}
        ),
        assistant(f"{prefix}b", text("done — ✓"), 5.5, stop="end_turn"),
    ]


def write(path, pieces: list[bytes], end: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(end.join(pieces))


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("live")
    projects = root / "claude" / "projects"
    # a BOM and a complete last line
    write(projects / "p" / "bom.jsonl", [*lines_of(conversation("m1")), b""], b"\n")
    (projects / "p" / "bom.jsonl").write_bytes(
        b"\xef\xbb\xbf" + (projects / "p" / "bom.jsonl").read_bytes()
    )
    # CRLF line ends and a half-written last line (no line end after it)
    # (6 lines: with CRLF, 5 would look like a complete file to the size test, R13.1)
    bookkeeping = lines_of([{"type": "system", "subtype": "turn_duration"}])
    crlf = lines_of(conversation("m2")) + bookkeeping + [b'{"type":"assistant","message":{"id"']
    write(projects / "p" / "crlf.jsonl", crlf, b"\r\n")
    # lines that are not UTF-8 in the middle, blank lines, an unknown record type
    middle = lines_of(conversation("m3"))
    middle[2:2] = [b'{"type":"user","message":{"role":"user","content":"caf\xe9"}}', b"", b"  \t"]
    # a second one further on: each line after it moves down past both
    middle.insert(6, b'{"type":"user","message":{"role":"user","content":"na\xefve"}}')
    middle.append(lines_of([{"type": "x-new-kind", "v": 1}])[0])
    write(projects / "p" / "utf8.jsonl", [*middle, b""], b"\n")
    # a bad last line that is complete (followed by a line feed): a rejection
    write(projects / "q" / "badlast.jsonl", [*lines_of(conversation("m4")), b"{oops", b""], b"\n")
    # a half-written last line without a line feed: skipped, counted
    live = [*lines_of(conversation("m5")), b'{"type":"user","message":{"role":"us']
    write(projects / "q" / "live.jsonl", live, b"\n")
    # an empty file (a session just created): a file with no lines
    (projects / "q" / "empty.jsonl").write_bytes(b"")
    # Codex: a live rollout with an unknown event and a JSON array line
    rollout = [
        meta(SESSION),
        turn("t1", 1.0),
        user_message("héllo", 1.5),
        call("c1", 2.0),
        output("c1", "Chunk ID: x\nWall time: 0.0015 seconds\nProcess exited with code 2\n", 3.0),
        tokens(3.5, 100, 100, 0),
        codex(3.6, "event_msg", {"type": "x_future", "a": 1}),
        [1, 2],
        tokens(4.0, 180, 80, 64),
    ]
    sessions = root / "codex" / "sessions" / "2026" / "06" / "01"
    pieces = [*lines_of(rollout), b'{"timestamp":"2026-06-01T10:00:05.000Z","type":"event_']
    write(sessions / f"rollout-2026-06-01T10-00-00-{SESSION}.jsonl", pieces, b"\n")
    return root


@pytest.fixture(scope="module")
def quarantined(logs, tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("quarantine")
    run = run_pipeline(
        workdir,
        logs / "claude" / "projects",
        logs / "codex" / "sessions",
        "--on-bad-lines",
        "quarantine",
    )
    assert run.result.returncode == 0, run.result.stdout[-3000:] + run.result.stderr[-3000:]
    return run, write_normalized(run, workdir / "steps.jsonl")


def test_the_steps_equal_the_reference(logs, quarantined):
    expected = ref.normalize([logs / "claude" / "projects"], [logs / "codex"])
    assert quarantined[1] == reference_lines(expected.steps)
    by_file = {json.loads(line)["source_file"] for line in quarantined[1]}
    assert "p/utf8.jsonl" in by_file and "p/crlf.jsonl" in by_file


def test_bad_lines_are_named_and_half_written_last_lines_are_counted(logs, quarantined):
    expected = ref.normalize([logs / "claude" / "projects"], [logs / "codex"])
    run = quarantined[0]
    assert rejections_of_run(run) == rejections_of_reference(expected)
    assert ("p/utf8.jsonl", 3, "not_utf8") in rejections_of_run(run)
    assert ("q/badlast.jsonl", 5, "not_json") in rejections_of_run(run)
    got = audit_of_run(run)
    got = {key: value for key, value in got.items() if key[2] != "sessions"}
    assert got == audit_of_reference(expected)
    assert got[("claude", "lines", "truncated_last_line")] == 2
    assert got[("codex", "lines", "truncated_last_line")] == 1
    assert got[("claude", "ignored_unknown", "x-new-kind")] == 1
    assert got[("claude", "files", "files")] == 6


def test_strict_mode_stops_at_the_first_bad_line_naming_it(logs, tmp_path):
    run = run_pipeline(tmp_path, logs / "claude" / "projects", logs / "codex" / "sessions")
    assert run.result.returncode == 1
    message = run.result.stderr
    assert "Bad trace line: p/utf8.jsonl, line 3: the line is not UTF-8 text [not_utf8]" in message
    assert "no output was written" in message
    assert not (tmp_path / "out").exists()


def test_a_live_log_is_no_error_in_strict_mode(tmp_path):
    projects = tmp_path / "logs" / "projects"
    live = [*lines_of(conversation("m6")), b'{"type":"assistant","mess']
    write(projects / "p" / "live.jsonl", live, b"\n")
    run = run_pipeline(tmp_path / "run", projects, None)
    assert run.result.returncode == 0, run.result.stdout[-3000:] + run.result.stderr[-3000:]
    audit = audit_of_run(run)
    assert audit[("claude", "lines", "truncated_last_line")] == 1
    assert audit[("claude", "lines", "bad")] == 0
    assert audit[("claude", "steps", "kept")] == 2
    assert (
        run.out / "rejected_lines.csv"
    ).read_text() == "file,line,reason,field,problem,line_excerpt\n"


def test_a_big_tool_output_and_a_lone_surrogate_are_read_in_strict_mode(tmp_path):
    """Real logs: a tool result carrying a 20 MB output (an agent that read a big file), and
    half an emoji cut by a truncation (a lone surrogate escape, JSON that Python reads) in a
    prompt and a tool output. Strict mode runs, and the steps and outputs are the reference's."""
    projects = tmp_path / "logs" / "projects"
    big = "y" * 20_000_000
    records = conversation("m7")
    records[2] = result("m7t", big, 4.0, {"stdout": big, "durationMs": 12})
    write(projects / "p" / "big.jsonl", [*lines_of(records), b""], b"\n")
    cut = [ref.compact_json(record) for record in conversation("m8")]
    cut[0] = cut[0].replace("take a look", "take a look \\ud83d")
    cut[2] = cut[2].replace("ok", "\\\\ud83d ok \\ud83d\\ude00 \\ude00")
    write(projects / "p" / "cut.jsonl", [line.encode() for line in [*cut, ""]], b"\n")
    assert len((projects / "p" / "big.jsonl").read_bytes()) > 40_000_000
    run = run_pipeline(tmp_path / "run", projects, None)
    assert run.result.returncode == 0, run.result.stdout[-3000:] + run.result.stderr[-3000:]
    expected = ref.normalize([projects], [])
    assert len(expected.steps) == 4 and not expected.rejections
    assert write_normalized(run, tmp_path / "steps.jsonl") == reference_lines(expected.steps)
    audit = {key: count for key, count in audit_of_run(run).items() if key[2] != "sessions"}
    assert audit == audit_of_reference(expected)
    ref.write_steps(expected.steps, tmp_path / "reference_steps.jsonl")
    outputs = reference.outputs_for([str(tmp_path / "reference_steps.jsonl")])
    for name in SPEC_FILES:
        assert (run.out / name).read_text(encoding="utf-8") == outputs[name], name


def test_a_cache_write_split_of_nothing_or_of_a_negative_write(tmp_path):
    """A step that wrote nothing to the cache but logs its split (0 and 0) carries the split
    0 and 0; one whose logged write is negative carries no split (the bill's 5-minute rule
    then applies), nor one whose usage holds a split but no counter (no usage snapshot, R5.5).
    The normalized steps are the reference's."""
    projects = tmp_path / "logs" / "projects"
    records = conversation("m9")
    for position, creation, hour in ((1, 0, 0), (3, -5, 3)):
        split = {"ephemeral_1h_input_tokens": hour, "ephemeral_5m_input_tokens": creation - hour}
        records[position]["message"]["usage"] = usage(fresh=10, creation=creation) | {
            "cache_creation": split
        }
    split_only = {
        "cache_creation": {"ephemeral_1h_input_tokens": 7, "ephemeral_5m_input_tokens": 0}
    }
    records.append(assistant("m9c", text("more"), 6.5, stop="end_turn", use=split_only))
    write(projects / "p" / "split.jsonl", [*lines_of(records), b""], b"\n")
    run = run_pipeline(tmp_path / "run", projects, None)
    assert run.result.returncode == 0, run.result.stdout[-3000:] + run.result.stderr[-3000:]
    expected = ref.normalize([projects], [])
    splits = [
        (
            step["claude_cache_creation_5m_input_tokens"],
            step["claude_cache_creation_1h_input_tokens"],
        )
        for step in expected.steps
    ]
    assert splits == [(0, 0), (None, None), (None, None)]
    assert write_normalized(run, tmp_path / "steps.jsonl") == reference_lines(expected.steps)
