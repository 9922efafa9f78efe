"""tests/raw_logs_reference.py against TraceLab's published example steps, the generator's own
tally, and one small hand-written log per rule of docs/raw_logs_rules.md.

Where Trace Atlas deliberately differs from TraceLab (rules document, R12), the test also shows
what TraceLab's behaviour would have produced on the same log.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import raw_logs_reference as ref

PROJECT_DIR = Path(__file__).resolve().parent.parent
TRACELAB = PROJECT_DIR / "third_party" / "tracelab"
GENERATOR = PROJECT_DIR / "tools" / "generate_raw_logs.py"
REFERENCE = PROJECT_DIR / "tests" / "raw_logs_reference.py"
NOT_DERIVED = {"session_file", "home", "user", "store"}

# ---------------------------------------------------------------------------------------------
# Writing small logs
# ---------------------------------------------------------------------------------------------


def write_log(path: Path, lines: list[Any], final_newline: bool = True) -> Path:
    """Records (dicts) as compact JSON lines; strings are written as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = [line if isinstance(line, str) else ref.compact_json(line) for line in lines]
    path.write_text("\n".join(texts) + ("\n" if final_newline else ""), encoding="utf-8")
    return path


def ts(second: float) -> str:
    """2026-06-01T10:00:SS.mmmZ for a number of seconds below 60."""
    return f"2026-06-01T10:00:{second:06.3f}Z"


def usage(fresh: int = 2, creation: int = 100, read: int = 1000, output: int = 50) -> dict:
    return {
        "input_tokens": fresh,
        "cache_creation_input_tokens": creation,
        "cache_read_input_tokens": read,
        "output_tokens": output,
    }


def assistant(
    message_id: str,
    block: dict,
    second: float,
    stop: str | None = "tool_use",
    use: dict | None = None,
    **extra: Any,
) -> dict:
    message = {
        "model": "claude-test",
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "content": [block],
        "stop_reason": stop,
        "usage": use if use is not None else usage(),
    }
    return {"type": "assistant", "message": message, "timestamp": ts(second), **extra}


def prompt(text: Any, second: float, **extra: Any) -> dict:
    return {
        "type": "user",
        "message": {"role": "user", "content": text},
        "timestamp": ts(second),
        **extra,
    }


def result(call_id: str, content: Any, second: float, runner: Any = None, **extra: Any) -> dict:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": content}
    block |= {k: extra.pop(k) for k in ("is_error",) if k in extra}
    record = prompt([block], second, **extra)
    if runner is not None:
        record["toolUseResult"] = runner
    return record


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def tool_use(call_id: str, name: str = "Bash", tool_input: Any = None) -> dict:
    return {"type": "tool_use", "id": call_id, "name": name, "input": tool_input or {"c": "ls"}}


def codex(second: float, kind: str, payload: dict) -> dict:
    return {"timestamp": ts(second), "type": kind, "payload": payload}


def meta(session: str, **extra: Any) -> dict:
    return codex(0, "session_meta", {"id": session, "cwd": "/w", **extra})


def turn(turn_id: str, second: float) -> dict:
    return codex(second, "turn_context", {"turn_id": turn_id, "model": "gpt-test", "cwd": "/w"})


def user_message(message: str, second: float) -> dict:
    return codex(second, "event_msg", {"type": "user_message", "message": message})


def call(call_id: str, second: float, arguments: str = '{"cmd":"ls"}') -> dict:
    payload = {"type": "function_call", "name": "exec_command", "arguments": arguments}
    return codex(second, "response_item", payload | {"call_id": call_id})


def output(call_id: str, out: Any, second: float) -> dict:
    payload = {"type": "function_call_output", "call_id": call_id, "output": out}
    return codex(second, "response_item", payload)


def tokens(second: float, total_in: int, last_in: int, cached: int, out: int = 10) -> dict:
    def block(value: int) -> dict:
        return {
            "input_tokens": value,
            "cached_input_tokens": cached,
            "output_tokens": out,
            "reasoning_output_tokens": 3,
            "total_tokens": value + out,
        }

    info = {"total_token_usage": block(total_in), "last_token_usage": block(last_in)}
    return codex(second, "event_msg", {"type": "token_count", "info": info})


def claude_run(root: Path, **kwargs: Any) -> ref.Result:
    return ref.normalize([root], [], **kwargs)


def codex_run(root: Path, **kwargs: Any) -> ref.Result:
    return ref.normalize([], [root], **kwargs)


def by_round(steps: list[dict]) -> dict[str, dict]:
    return {step["round_id"]: step for step in steps}


def event_types(step: dict) -> list[str]:
    return [event["event_type"] for event in step["timing_events"]]


# ---------------------------------------------------------------------------------------------
# The public anchor: TraceLab's 19 example steps
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tracelab() -> ref.Result:
    return ref.normalize(
        [TRACELAB / "claude" / "projects"], [TRACELAB / "codex"], include_content=True
    )


def published_rows() -> list[dict]:
    lines = (TRACELAB / "derived_round_trace.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_tracelab_example_steps_are_reproduced_field_by_field_in_order(tracelab):
    rows = published_rows()
    assert len(rows) == 19
    assert [s["trace_key"] for s in tracelab.steps] == [r["trace_key"] for r in rows]
    for number, (step, row) in enumerate(zip(tracelab.steps, rows, strict=True)):
        for name, value in row.items():
            if name in NOT_DERIVED:
                continue
            # Events and tools compare as whole dicts: same keys, same values.
            assert step[name] == value, f"row {number} field {name}"
        additions = {name: step[name] for name in step if name not in row}
        split = {"claude_cache_creation_5m_input_tokens", "claude_cache_creation_1h_input_tokens"}
        assert set(additions) <= {"cwd", "turn_id", "project", "is_subagent"} | split | {
            "source_file",
            "source_line",
        }
        assert additions["is_subagent"] is False
        # the cache write's split by lifetime, when the record has a write total and a 1-hour count
        parts = [additions.get(name) for name in sorted(split)]
        assert parts == [None, None] or sum(parts) == step["claude_cache_creation_input_tokens"]
        assert all(
            additions[name] is None for name in ("cwd", "turn_id", "project") if name in additions
        )


def test_tracelab_example_steps_open_on_the_records_raw_logs_md_names(tracelab):
    # RAW_LOGS.md section C: Claude steps start at records 7, 13, 21, 26, 28, 38, 43, 47, 55, 57;
    # Codex steps are the token_counts 15, 23, 27, 34, 40, 51, 57, 67, 71.
    claude = [s["source_line"] for s in tracelab.steps if s["provider"] == "claude"]
    codex_lines = [s["source_line"] for s in tracelab.steps if s["provider"] == "codex"]
    assert claude == [7, 13, 21, 26, 28, 38, 43, 47, 55, 57]
    assert codex_lines == [15, 23, 27, 34, 40, 51, 57, 67, 71]
    assert {s["source_file"] for s in tracelab.steps} == {
        "example-claude-session/claude-public-example.jsonl",
        "sessions/2026/03/21/rollout-2026-03-21T10-05-38-01a7c9e4-6d12-7b3a-9f42-8c6d5e1a0b73.jsonl",
    }


def test_tracelab_example_audit_accounts_for_every_record(tracelab):
    claude, codex_audit = tracelab.audit["claude"], tracelab.audit["codex"]
    assert claude["lines"]["read"] == 64
    assert claude["lines"]["used"] == 25 + 11  # assistant split records + user records
    assert codex_audit["lines"]["read"] == 72
    assert codex_audit["token_counts"]["accepted"] == 9
    assert codex_audit["lines"]["ignored_bookkeeping"] == {
        "event_msg/agent_message": 8,
        "event_msg/task_complete": 3,
    }
    for audit in tracelab.audit.values():
        assert ref.lines_accounted(audit) == audit["lines"]["read"]
    assert tracelab.rejections == []
    assert tracelab.set_aside == []


SHARED_FIXTURES = PROJECT_DIR.parent.parent / "shared" / "fixtures" / "tracelab_examples"


@pytest.mark.skipif(not SHARED_FIXTURES.is_dir(), reason="no shared fixture copy on this machine")
def test_vendored_tracelab_files_are_byte_identical_to_the_shared_fixtures():
    vendored = {k: v for k, v in tree(TRACELAB).items() if k != "README.md"}
    shared = {k: v for k, v in tree(SHARED_FIXTURES).items() if k != "README.md"}
    assert vendored == shared and len(vendored) == 5


def test_by_default_no_log_content_reaches_the_output():
    result = ref.normalize([TRACELAB / "claude" / "projects"], [TRACELAB / "codex"])
    dumped = json.dumps(result.steps, ensure_ascii=False)
    assert all("input" not in tool for step in result.steps for tool in step["tools"])
    for secret in ("gpu", "llama3", "Qwen3", "Chunk ID", "AGENTS.md", "ls -la", "SigV1"):
        assert secret not in dumped
    assert [s["trace_key"] for s in result.steps] == [r["trace_key"] for r in published_rows()]


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


def generate(folder: Path, *extra: str, steps: int = 1500) -> dict[str, Any]:
    command = [sys.executable, str(GENERATOR), "--claude-root", str(folder / "claude")]
    command += ["--codex-root", str(folder / "codex"), "--steps", str(steps), "--quiet"]
    command += ["--summary", str(folder / "expected.json"), *extra]
    subprocess.run(command, check=True)
    return json.loads((folder / "expected.json").read_text())


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def physical_lines(folder: Path, pattern: str) -> int:
    total = 0
    for path in folder.rglob(pattern):
        data = path.read_bytes()
        total += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return total


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, ref.Result]:
    folder = tmp_path_factory.mktemp("raw")
    expected = generate(folder, "--edge-cases", "--bad-lines", steps=2500)
    result = ref.normalize([folder / "claude"], [folder / "codex"])
    return folder, expected, result


def test_generator_is_deterministic(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(first, "--edge-cases", "--bad-lines", steps=400)
    generate(second, "--edge-cases", "--bad-lines", steps=400)
    generate(other, "--edge-cases", "--bad-lines", "--seed", "7", steps=400)
    assert tree(first) == tree(second)
    assert tree(first) != tree(other)


def test_generated_logs_have_the_real_layouts(generated):
    folder, _expected, _result = generated
    claude = [p.relative_to(folder / "claude").parts for p in (folder / "claude").rglob("*.jsonl")]
    assert any(len(parts) == 2 for parts in claude)
    assert any(parts[2:3] == ("subagents",) and parts[3].startswith("agent-") for parts in claude)
    assert list((folder / "claude").rglob("agent-*.meta.json"))
    rollouts = list((folder / "codex" / "sessions").rglob("rollout-*.jsonl"))
    assert rollouts and all(len(p.relative_to(folder / "codex").parts) == 5 for p in rollouts)
    assert list((folder / "codex" / "archived_sessions").glob("rollout-*.jsonl"))


def test_reference_audit_conserves_every_generated_line(generated):
    folder, expected, result = generated
    for agent, pattern in (("claude", "*.jsonl"), ("codex", "*.jsonl")):
        audit = result.audit[agent]
        lines = audit["lines"]
        assert lines["read"] == physical_lines(folder / agent, pattern) == expected[agent]["lines"]
        assert ref.lines_accounted(audit) == lines["read"]
        steps = audit["steps"]
        assert steps["formed"] == steps["kept"] + sum(steps["set_aside"].values())
    codex_audit = result.audit["codex"]
    assert codex_audit["token_counts"]["accepted"] == codex_audit["steps"]["formed"]


def test_reference_finds_exactly_what_the_generator_put_in(generated):
    _folder, expected, result = generated
    for agent in ("claude", "codex"):
        audit, want = result.audit[agent], expected[agent]
        kept = [s for s in result.steps if s["provider"] == agent]
        assert audit["steps"]["kept"] == len(kept) == want["steps_kept"], agent
        assert sum(s["is_subagent"] for s in kept) == want["subagent_steps_kept"], agent
        set_aside = {k: v for k, v in audit["steps"]["set_aside"].items() if v}
        assert set_aside == {k: v for k, v in want["set_aside"].items() if v}, agent
        assert all(want["set_aside"].values()), f"{agent}: an edge case is missing"
        lines = audit["lines"]
        assert lines["truncated_last_line"] == want["truncated_last_line"] > 0
        assert lines["bad"] == want["bad"] > 0
        assert lines["blank"] == want["blank"] > 0
        assert sum(lines["ignored_unknown"].values()) == want["ignored_unknown"] > 0
        assert audit["tools"]["result_for_unknown_id"] == want["tools"]["result_for_unknown_id"]
        assert audit["tools"]["repeated_call_id"] == want["tools"]["repeated_call_id"] > 0
        assert audit["tools"]["repeated_result"] == want["tools"]["repeated_result"]
    synthetic = result.audit["claude"]["skipped"]["synthetic_records"]
    assert synthetic == expected["claude"]["synthetic_records"] > 0
    codex_counts = result.audit["codex"]["token_counts"]
    assert codex_counts["unchanged_total"] == expected["codex"]["token_counts"]["unchanged_total"]
    assert codex_counts["info_null"] == expected["codex"]["token_counts"]["info_null"] > 0
    assert codex_counts["usage_missing"] == expected["codex"]["token_counts"]["usage_missing"] > 0
    reasons = Counter(r.reason for r in result.rejections)
    assert reasons == {"not_utf8": 2, "not_json": 2, "not_object": 2}


def test_generated_steps_are_valid_for_the_experiment(generated):
    _folder, _expected, result = generated
    keys = [(s["provider"], s["source_file"], s["source_line"]) for s in result.steps]
    assert len(set(keys)) == len(keys)
    assert len({s["trace_key"] for s in result.steps}) == len(result.steps)
    integer_fields = [f for f in ref.STEP_FIELDS if f.endswith(("_tokens", "_count", "_chars"))]
    for step in result.steps:
        assert list(step) == list(ref.STEP_FIELDS)
        for name in [*integer_fields, "input_tokens_total", "round_index"]:
            value = step[name]
            assert value is None or (ref.is_int(value) and value >= 0), name
        assert step["input_tokens_total"] == step["prefix_tokens"] + step["newly_append_tokens"]
        for item in step["timing_events"]:
            assert item["timestamp"] is None or ref.instant_us(item["timestamp"]) is not None
    # Files in sorted order within each root, lines in order within a file.
    order = [(s["provider"] != "claude", s["source_file"], s["source_line"]) for s in result.steps]
    assert order == sorted(order)


def test_generated_edge_cases_appear_where_the_rules_expect_them(generated):
    _folder, _expected, result = generated
    steps = result.steps
    assert any("/sidechain" in s["session_id"] and s["is_subagent"] for s in steps)
    assert any("/subagents/agent-" in s["session_id"] and s["is_subagent"] for s in steps)
    assert any(s["provider"] == "codex" and s["is_subagent"] for s in steps)
    assert any(s["provider"] == "codex" and s["model"] is None for s in steps)  # legacy
    reasons = Counter(s["set_aside_reason"] for s in result.set_aside)
    assert set(reasons) == {
        "fork_copy",
        "btw_replay",
        "codex_subagent_replay",
        "codex_fork_replay",
        "archived_duplicate_file",
    }
    replays = [s for s in result.set_aside if s["set_aside_reason"] == "codex_subagent_replay"]
    kept_keys = {s["trace_key"] for s in steps}
    assert all(s["trace_key"] in kept_keys for s in replays)  # TraceLab's trace_key match


# ---------------------------------------------------------------------------------------------
# Claude rules, one small log each
# ---------------------------------------------------------------------------------------------


def test_claude_split_records_form_one_step_and_the_best_usage_snapshot_wins(tmp_path):
    partial = usage(output=3) | {"cache_creation_input_tokens": 100}
    final = usage(output=250)
    # Same score as `final` (same output, same input total), different split: later wins.
    same_score = usage(output=250) | {"cache_creation_input_tokens": 50, "input_tokens": 52}
    log = [
        prompt("hello", 1),
        assistant("m1", {"type": "thinking", "thinking": "", "signature": "s"}, 2, None, partial),
        assistant("m1", text("héllo 😀"), 3, None, partial),
        assistant("m1", tool_use("t1"), 4, "tool_use", final),
        assistant("m1", text("late placeholder"), 5, None, usage(output=4)),
        assistant("m1", text("tie"), 6, "tool_use", same_score),
    ]
    write_log(tmp_path / "p" / "s.jsonl", log)
    (step,) = claude_run(tmp_path).steps
    assert step["output_tokens"] == 250
    assert step["claude_uncached_input_tokens"] == 52
    assert step["claude_cache_creation_input_tokens"] == 50
    assert step["newly_append_tokens"] == 102 and step["prefix_tokens"] == 1000
    assert step["input_tokens_total"] == 1102
    assert event_types(step) == ["user_message", "reasoning", "text", "tool_call", "text", "text"]
    assert step["timing_events"][2]["content_chars"] == 7  # code points, not bytes
    assert step["timing_events"][1]["content_chars"] == 0
    assert step["source_line"] == 2 and step["round_index"] == 0


def test_claude_synthetic_messages_are_skipped_and_their_inputs_flow_on(tmp_path):
    synthetic = assistant("u-1", text("API Error"), 2, "stop_sequence", usage(0, 0, 0, 0))
    synthetic["message"]["model"] = "<synthetic>"
    no_id = assistant("", text("?"), 3)
    log = [prompt("go", 1), synthetic, no_id, assistant("m1", text("ok"), 4, "end_turn")]
    write_log(tmp_path / "p" / "s.jsonl", log)
    result = claude_run(tmp_path)
    (step,) = result.steps
    assert step["round_id"] == "m1" and step["first_input_event_type"] == "user_message"
    assert result.audit["claude"]["skipped"] == {
        "synthetic_records": 1,
        "assistant_records_without_id": 1,
    }


def fork_logs(root: Path, original_name: str, fork_name: str, rewrite: bool, shift: float) -> None:
    def record(message_id: str, second: float, session: str) -> dict:
        return assistant(
            message_id, text("x"), second, requestId=f"r-{message_id}", sessionId=session
        )

    original = [prompt("go", 1), record("m1", 2, original_name), record("m2", 4, original_name)]
    copy_session = fork_name if rewrite else original_name
    fork = [prompt("go", 1), record("m1", 2 + shift, copy_session), record("m3", 9, fork_name)]
    write_log(root / "p" / f"{original_name}.jsonl", original)
    write_log(root / "p" / f"{fork_name}.jsonl", fork)


def test_claude_fork_copies_keep_the_native_original(tmp_path):
    # The fork file sorts first, but its copy still names the original session: not native.
    fork_logs(tmp_path, "bbbb", "aaaa", rewrite=False, shift=0)
    result = claude_run(tmp_path)
    kept = [(s["session_id"], s["round_id"]) for s in result.steps]
    assert kept == [("claude:aaaa", "m3"), ("claude:bbbb", "m1"), ("claude:bbbb", "m2")]
    (copy,) = result.set_aside
    assert (copy["session_id"], copy["set_aside_reason"]) == ("claude:aaaa", "fork_copy")
    # TraceLab keeps both: session ids differ, so even its trace_key check would not catch it.
    original = next(s for s in result.steps if s["round_id"] == "m1")
    assert copy["trace_key"] != original["trace_key"]
    assert copy["input_tokens_total"] == original["input_tokens_total"]


def test_claude_fork_copies_fall_back_to_earliest_then_step_order(tmp_path):
    fork_logs(tmp_path / "tie", "bbbb", "aaaa", rewrite=True, shift=0)
    tie = claude_run(tmp_path / "tie")
    assert [s["session_id"] for s in tie.set_aside] == ["claude:bbbb"]  # first in step order
    fork_logs(tmp_path / "later", "bbbb", "aaaa", rewrite=True, shift=0.5)
    later = claude_run(tmp_path / "later")
    assert [s["session_id"] for s in later.set_aside] == ["claude:aaaa"]  # earliest kept


def test_claude_same_message_id_with_another_request_id_is_not_a_fork_copy(tmp_path):
    write_log(tmp_path / "p" / "a.jsonl", [assistant("m1", text("x"), 1, requestId="r1")])
    write_log(tmp_path / "p" / "b.jsonl", [assistant("m1", text("x"), 1, requestId="r2")])
    result = claude_run(tmp_path)
    assert len(result.steps) == 2 and result.set_aside == []


def test_claude_btw_replays_are_dropped_and_the_side_answer_kept(tmp_path):
    parent = [prompt("go", 1), assistant("m1", text("a"), 2, requestId="r1", sessionId="s")]
    side = [
        assistant("m1", text("a"), 2, requestId="r2", isSidechain=True, sessionId="s"),
        prompt("/btw why?", 5, isSidechain=True),
        assistant("m9", text("because"), 6, "end_turn", requestId="r9", isSidechain=True),
    ]
    write_log(tmp_path / "p" / "s.jsonl", parent)
    write_log(tmp_path / "p" / "t.jsonl", side)
    result = claude_run(tmp_path)
    assert [(s["session_id"], s["round_id"], s["is_subagent"]) for s in result.steps] == [
        ("claude:s", "m1", False),
        ("claude:t/sidechain", "m9", True),
    ]
    (replay,) = result.set_aside
    assert (replay["round_id"], replay["set_aside_reason"]) == ("m1", "btw_replay")
    # TraceLab counts it again, and a copy key with requestId alone would not catch it either.
    assert result.audit["claude"]["steps"]["formed"] == 3


def test_claude_inline_sidechains_are_sequenced_apart_from_the_main_chain(tmp_path):
    log = [
        prompt("main question", 1),
        assistant("m1", tool_use("t-read", "Read"), 2),
        assistant("m1", tool_use("t-task", "Task"), 3),
        result("t-read", "file text", 4),
        prompt("sub-agent prompt", 5, isSidechain=True),
        assistant("s1", tool_use("t-sub", "Grep"), 6, isSidechain=True),
        result("t-sub", "hits", 7, isSidechain=True),
        assistant("s2", text("found"), 8, "end_turn", isSidechain=True),
        result("t-task", [text("summary")], 9),
        assistant("m2", text("done"), 10, "end_turn"),
        assistant("a1", text("agent"), 11, "end_turn", isSidechain=True, agentId="ag7"),
    ]
    write_log(tmp_path / "p" / "s.jsonl", log)
    steps = by_round(claude_run(tmp_path).steps)
    main, side = ["m1", "m2"], ["s1", "s2"]
    assert [steps[r]["round_index"] for r in main] == [0, 1]
    assert {steps[r]["session_id"] for r in main} == {"claude:s"}
    assert [steps[r]["round_index"] for r in side] == [0, 1]
    assert {steps[r]["session_id"] for r in side} == {"claude:s/sidechain"}
    assert steps["a1"]["session_id"] == "claude:s/sidechain/ag7"
    assert [steps[r]["is_subagent"] for r in [*main, *side, "a1"]] == [False] * 2 + [True] * 3
    # The main Read result arrived before the sidechain's first call: it feeds m2, not s1.
    # (TraceLab, one sequence for the file, gives it to s1 and makes s1/s2 main steps 1 and 2.)
    assert [e.get("tool_call_id") for e in steps["m2"]["timing_events"][:2]] == [
        "t-read",
        "t-task",
    ]
    assert event_types(steps["s1"])[0] == "user_message"
    assert steps["s1"]["current_tool_result_count"] == 0
    task = steps["m1"]["tools"][1]
    assert task["result_chars"] == len('[{"type":"text","text":"summary"}]')


def test_claude_subagent_files_are_their_own_sessions_and_flagged(tmp_path):
    write_log(tmp_path / "p" / "u1.jsonl", [prompt("go", 1), assistant("m1", text("a"), 2)])
    sub = [
        prompt("agent prompt", 3, isSidechain=True),
        assistant("x1", text("b"), 4, isSidechain=True),
    ]
    write_log(tmp_path / "p" / "u1" / "subagents" / "agent-a1.jsonl", sub)
    write_log(tmp_path / "p" / "agent-f2.jsonl", [assistant("x2", text("c"), 5)])
    (tmp_path / "p" / "u1" / "subagents" / "agent-a1.meta.json").write_text("{}")
    write_log(tmp_path / "loose.jsonl", [assistant("x3", text("d"), 6)])  # no project folder
    result = claude_run(tmp_path)
    steps = by_round(result.steps)
    assert set(steps) == {"m1", "x1", "x2"}
    assert steps["x1"]["session_id"] == "claude:u1/subagents/agent-a1"
    assert steps["x1"]["project"] == "p" and steps["x1"]["is_subagent"]
    assert steps["x2"]["is_subagent"] and not steps["m1"]["is_subagent"]
    assert result.audit["claude"]["files"] == 3


def test_claude_tool_results_back_fill_tools_first_result_wins(tmp_path):
    log = [
        prompt("go", 1),
        assistant("m1", tool_use("t1", "WebSearch"), 2),
        assistant("m1", tool_use("t1", "WebSearch"), 2.5),  # same id again in the step
        assistant("m1", tool_use("t2", "WebFetch"), 3),
        assistant("m1", tool_use("t3", "Glob"), 3),
        assistant("m1", tool_use("t4", "Grep"), 3),
        result("t1", "r" * 10, 4, {"durationSeconds": 0.0025}),
        result("t2", ["a", {"b": 1.5}], 5, {"duration_ms": 2.5}, is_error=True),
        result("t3", None, 6, {"durationMs": 7, "durationSeconds": 99}),
        result("t4", "x", 7, "Error: not an object"),
        result("t1", "again", 8, {"durationSeconds": 5}),
        result("t-none", "orphan", 9),
        assistant("m2", tool_use("t1", "Read"), 10),
        result("t1", "second", 11, {"duration_seconds": 0.0015}),
        assistant("m3", text("end"), 12, "end_turn"),
    ]
    write_log(tmp_path / "p" / "s.jsonl", log)
    result_ = claude_run(tmp_path)
    steps = by_round(result_.steps)
    tools = {t["tool_call_id"]: t for t in steps["m1"]["tools"]}
    assert [t["tool_index"] for t in steps["m1"]["tools"]] == [0, 1, 2, 3]
    assert tools["t1"]["result_chars"] == 10 and tools["t1"]["result_at"] == ts(4)
    assert tools["t1"]["tool_internal_latency_ms"] == 2  # 2.5 ms rounds half to even
    assert tools["t1"]["tool_wall_latency_ms"] == 2000
    assert tools["t2"]["result_chars"] == len('["a",{"b":1.5}]') and tools["t2"]["is_error"]
    assert tools["t2"]["tool_internal_latency_ms"] == 2
    assert tools["t3"]["result_chars"] is None and tools["t3"]["tool_internal_latency_ms"] == 7
    assert tools["t4"]["tool_internal_latency_ms"] is None and tools["t4"]["is_error"] is False
    assert steps["m2"]["tools"][0]["tool_internal_latency_ms"] == 2  # 1.5 -> 2
    assert steps["m2"]["tools"][0]["result_chars"] == 6  # the latest t1 got "second"
    m2_inputs = [e["tool_call_id"] for e in steps["m2"]["timing_events"] if "result_chars" in e]
    assert m2_inputs == ["t1", "t2", "t3", "t4", "t1", "t-none"]
    assert steps["m2"]["current_tool_result_chars"] == 10 + 15 + 0 + 1 + 5 + 6
    assert result_.audit["claude"]["tools"] == {
        "repeated_call_id": 2,
        "result_for_unknown_id": 1,
        "repeated_result": 1,
    }


def test_claude_wall_latency_is_half_even_on_the_double_milliseconds(tmp_path):
    assert ref.wall_latency_ms(ts(1), ts(1.002)) == 2
    assert ref.wall_latency_ms("2026-06-01T10:00:00.0000Z", "2026-06-01T10:00:00.0025Z") == 2
    assert ref.wall_latency_ms("2026-06-01T10:00:00.0000Z", "2026-06-01T10:00:00.0035Z") == 4
    assert ref.wall_latency_ms("2026-06-01T10:00:00Z", "2026-06-01T12:00:00.5+02:00") == 500
    assert ref.wall_latency_ms(ts(5), ts(4)) == -1000
    assert ref.wall_latency_ms("2026-06-01 10:00:00Z", ts(1)) is None
    assert ref.wall_latency_ms("2026-02-30T10:00:00Z", ts(1)) is None
    assert ref.scaled_ms(0.0005, 1000.0) == 0 and ref.scaled_ms(19.287014642000003, 1000.0) == 19287


def test_claude_user_content_kinds_and_sizes(tmp_path):
    listed = [text("héllo 😀"), {"type": "image", "source": {"data": "A\nB"}}]
    tool_input = {"path": "é/😀", "n": 1.0, "big": 1e16, "ok": True, "q": 'say "hi"\t'}
    log = [
        prompt(listed, 1),
        prompt([], 2),
        prompt({"weird": True}, 3),
        {
            "type": "system",
            "message": {"role": "user", "content": "typed as system"},
            "timestamp": ts(4),
        },
        {"type": "user", "message": "not an object", "timestamp": ts(5)},
        assistant("m1", tool_use("t1", "Edit", tool_input), 6),
    ]
    write_log(tmp_path / "p" / "s.jsonl", log)
    result = claude_run(tmp_path)
    (step,) = result.steps
    chars = [e["content_chars"] for e in step["timing_events"] if e["event_type"] == "user_message"]
    expected_list = '[{"type":"text","text":"héllo 😀"},{"type":"image","source":{"data":"A\\nB"}}]'
    assert chars == [len(expected_list), 2, len("typed as system")]
    expected_input = '{"path":"é/😀","n":1.0,"big":1e+16,"ok":true,"q":"say \\"hi\\"\\t"}'
    assert step["tools"][0]["input_chars"] == len(expected_input)
    assert step["current_user_message_count"] == 3
    assert result.audit["claude"]["lines"]["ignored_unknown"] == {"user": 1}


def test_claude_inputs_after_the_last_step_are_dropped_and_counted(tmp_path):
    log = [assistant("m1", tool_use("t1"), 1), result("t1", "x", 2), prompt("bye", 3)]
    write_log(tmp_path / "p" / "s.jsonl", log)
    result_ = claude_run(tmp_path)
    assert len(result_.steps) == 1
    assert result_.steps[0]["tools"][0]["result_chars"] == 1  # the tool is still back-filled
    assert result_.audit["claude"]["dropped_events"]["dangling_inputs"] == 2


# ---------------------------------------------------------------------------------------------
# Codex rules
# ---------------------------------------------------------------------------------------------


def rollout(root: Path, name: str, lines: list[Any], folder: str = "sessions/2026/06/01") -> Path:
    return write_log(root / folder / f"rollout-2026-06-01T10-00-00-{name}.jsonl", lines)


def test_codex_token_count_acceptance_and_round_ids(tmp_path):
    log = [
        meta("sess"),
        codex(1, "event_msg", {"type": "token_count", "info": None, "rate_limits": {}}),
        codex(1, "event_msg", {"type": "token_count", "info": {"total_token_usage": {}}}),
        tokens(2, 100, 100, 0),
        codex(3, "event_msg", {"type": "token_count", "info": None}),
        tokens(4, 100, 100, 0),  # unchanged total, even after an info-null event
        turn("T1", 5),
        tokens(6, 300, 200, 128, out=20),
        tokens(7, 300, 200, 128, out=20),  # unchanged total
        codex(8, "event_msg", {"type": "task_started", "turn_id": "T2"}),
        tokens(9, 100, 50, 0),  # the first total again, but not the previous one: accepted
        turn("T1", 10),
        tokens(11, 500, 400, 512),  # cached above input: append clamps at 0
    ]
    rollout(tmp_path, "sess", log)
    result = codex_run(tmp_path)
    rounds = [s["round_id"] for s in result.steps]
    stem = "rollout-2026-06-01T10-00-00-sess"
    assert rounds == [f"{stem}:0", "T1:0", "T2:0", "T1:1"]
    assert [s["round_index"] for s in result.steps] == [0, 1, 2, 3]
    assert [s["turn_id"] for s in result.steps] == [None, "T1", "T2", "T1"]
    assert [s["model"] for s in result.steps] == [None, "gpt-test", "gpt-test", "gpt-test"]
    t1 = result.steps[1]
    assert (t1["input_tokens_total"], t1["prefix_tokens"], t1["newly_append_tokens"]) == (
        200,
        128,
        72,
    )
    assert (t1["output_tokens"], t1["reasoning_output_tokens"]) == (20, 3)
    assert result.steps[3]["newly_append_tokens"] == 0
    assert result.steps[0]["session_id"] == "codex:sess"
    assert result.audit["codex"]["token_counts"] == {
        "accepted": 4,
        "unchanged_total": 2,
        "info_null": 2,
        "usage_missing": 1,
    }


def test_codex_results_first_wins_later_ones_fill_blanks(tmp_path):
    exec_end = {
        "type": "exec_command_end",
        "call_id": "c1",
        "aggregated_output": "out",
        "exit_code": 0,
    }
    patch_end = {"type": "patch_apply_end", "call_id": "c3", "stdout": "ok", "stderr": "é"}
    custom = {"type": "custom_tool_call", "call_id": "c3", "name": "apply_patch", "input": "*** P"}
    json_out = '{"output":"x","metadata":{"exit_code":2,"duration_seconds":0.1}}'
    log = [
        meta("s"),
        turn("T", 1),
        user_message("go", 1),
        output("c0", "early orphan", 1.5),
        codex(2, "response_item", {"type": "reasoning", "encrypted_content": "zz"}),
        call("c1", 3),
        call("c2", 3.5, '{"cmd":"false"}'),
        codex(3.6, "response_item", custom),
        tokens(4, 100, 100, 0),
        codex(5, "event_msg", exec_end),
        output("c1", "Wall time: 1.0016 seconds\nProcess exited with code 3\n", 6),
        output("c2", json_out, 7),
        codex(7.5, "event_msg", patch_end),
        output("c9", "unknown id", 8),
        call("c1", 8.5),  # repeated call id: ignored
        codex(9, "response_item", {"type": "message", "role": "assistant", "content": [text("é")]}),
        tokens(10, 300, 200, 0),
    ]
    rollout(tmp_path, "s", log)
    result = codex_run(tmp_path)
    first, second = result.steps
    tools = {t["tool_call_id"]: t for t in first["tools"]}
    c1, c2, c3 = tools["c1"], tools["c2"], tools["c3"]
    assert (c1["result_at"], c1["result_chars"], c1["tool_wall_latency_ms"]) == (ts(5), 3, 2000)
    assert c1["tool_internal_latency_ms"] == 1002  # filled by the later duplicate
    assert c1["is_error"] is True  # the later non-null value overwrites
    assert (c2["is_error"], c2["tool_internal_latency_ms"], c2["result_chars"]) == (True, None, 64)
    assert (c3["is_error"], c3["result_chars"]) == (None, 3)
    assert [t["tool_index"] for t in first["tools"]] == [0, 1, 2]
    assert event_types(first) == [
        "user_message",
        "reasoning",
        "tool_call",
        "tool_call",
        "tool_call",
        "usage_report",
    ]
    results = [e for e in second["timing_events"] if e["event_type"] == "tool_result"]
    assert [(e["tool_call_id"], e["source"], e.get("is_error", "absent")) for e in results] == [
        ("c1", "event_msg.exec_command_end", False),
        ("c2", "response_item.function_call_output", True),
        ("c3", "event_msg.patch_apply_end", "absent"),
    ]
    assert second["timing_events"][3]["content_chars"] == len('[{"type":"text","text":"é"}]')
    assert result.audit["codex"]["tools"] == {
        "repeated_call_id": 1,
        "result_for_unknown_id": 2,
        "repeated_result": 1,
    }


def test_codex_error_and_latency_from_result_texts():
    assert ref.codex_output_error("Exit code: 0\nWall time: 0.5 seconds") is False
    assert ref.codex_output_error('{"success": false}') is True
    assert ref.codex_output_error({"metadata": {"exit_code": 0}, "success": False}) is False
    assert ref.codex_output_error("Process running with session ID 7") is None
    assert ref.codex_output_error(["Process exited with code 1"]) is None
    assert ref.codex_wall_time_ms("Wall time: 0.0025 seconds") == 2
    assert ref.codex_wall_time_ms("Wall time: 0.0035 seconds") == 4
    assert ref.codex_wall_time_ms("Wall time: \u0661 seconds") is None  # ASCII digits only


def test_codex_subagent_replays_are_set_aside_even_without_the_parent(tmp_path):
    parent = "01900000-0000-7000-8000-000000000001"
    child = "01900000-0000-7000-8000-000000000500"
    parent_turn = "01900000-0000-7000-8000-000000000100"
    child_turn = "01900000-0000-7000-8000-000000000900"
    history = [meta(parent), turn(parent_turn, 1), user_message("hi", 1), tokens(2, 100, 100, 0)]
    source = {"subagent": {"thread_spawn": {"parent_thread_id": parent, "depth": 1}}}
    child_log = [meta(child, source=source), *history, turn(child_turn, 5), tokens(6, 40, 40, 0)]
    rollout(tmp_path / "both", "b-child", child_log)
    rollout(tmp_path / "both", "a-parent", history)
    both = codex_run(tmp_path / "both")
    assert [(s["session_id"], s["is_subagent"]) for s in both.steps] == [
        (f"codex:{parent}", False),
        (f"codex:{child}", True),
    ]
    (replay,) = both.set_aside
    assert replay["set_aside_reason"] == "codex_subagent_replay"
    assert replay["trace_key"] == both.steps[0]["trace_key"]  # how TraceLab recognises it
    assert both.steps[1]["round_index"] == 0 and both.steps[1]["round_id"] == f"{child_turn}:0"
    # Without the parent's file TraceLab would keep the replay (no earlier trace_key); we do not.
    rollout(tmp_path / "alone", "b-child", child_log)
    alone = codex_run(tmp_path / "alone")
    assert [s["session_id"] for s in alone.steps] == [f"codex:{child}"]
    assert [s["set_aside_reason"] for s in alone.set_aside] == ["codex_subagent_replay"]


def test_codex_fork_replays_are_set_aside(tmp_path):
    parent, fork = "0190-a", "0190-m"
    history = [meta(parent), turn("0190-b", 1), user_message("hi", 1), tokens(2, 100, 100, 0)]
    fork_log = [meta(fork, forked_from_id=parent), *history, turn("0190-z", 5), tokens(6, 9, 9, 0)]
    rollout(tmp_path, "a-parent", history)
    rollout(tmp_path, "b-fork", fork_log)
    result = codex_run(tmp_path)
    assert [(s["session_id"], s["is_subagent"]) for s in result.steps] == [
        ("codex:0190-a", False),
        ("codex:0190-m", False),
    ]
    (replay,) = result.set_aside
    assert replay["set_aside_reason"] == "codex_fork_replay"
    # TraceLab does not detect forks: the parent's call would be counted twice.
    assert replay["input_tokens_total"] == result.steps[0]["input_tokens_total"]


def test_codex_archived_copies_and_duplicate_files(tmp_path):
    live = [meta("s1"), turn("T", 1), tokens(2, 10, 10, 0)]
    rollout(tmp_path / "home", "s1", live)
    rollout(tmp_path / "home", "s1", live, folder="archived_sessions")
    rollout(tmp_path / "home", "s2", [meta("s2"), tokens(3, 20, 20, 0)], folder="archived_sessions")
    rollout(tmp_path / "home2", "s1", live)
    (tmp_path / "home" / "history.jsonl").write_text('{"text": "not a session"}\n')
    result = ref.normalize([], [tmp_path / "home", tmp_path / "home2"])
    kept = [(s["source_file"], s["session_id"]) for s in result.steps]
    assert kept == [
        ("archived_sessions/rollout-2026-06-01T10-00-00-s2.jsonl", "codex:s2"),
        ("sessions/2026/06/01/rollout-2026-06-01T10-00-00-s1.jsonl", "codex:s1"),
    ]
    reasons = sorted((s["source_file"], s["set_aside_reason"]) for s in result.set_aside)
    assert reasons == [
        ("2:sessions/2026/06/01/rollout-2026-06-01T10-00-00-s1.jsonl", "duplicate_file"),
        ("archived_sessions/rollout-2026-06-01T10-00-00-s1.jsonl", "archived_duplicate_file"),
    ]
    assert result.audit["codex"]["files"] == 4  # history.jsonl is not a session log


# ---------------------------------------------------------------------------------------------
# Lines, files and order (both agents)
# ---------------------------------------------------------------------------------------------


def test_truncated_last_line_blank_lines_crlf_and_bom(tmp_path):
    good = ref.compact_json(assistant("m1", text("x"), 1))
    path = tmp_path / "live" / "p" / "s.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + good.encode() + b"\r\n  \t\r\n\n" + good[:30].encode())
    live = claude_run(tmp_path / "live")
    assert [s["round_id"] for s in live.steps] == ["m1"] and live.rejections == []
    lines = live.audit["claude"]["lines"]
    assert (lines["read"], lines["used"], lines["blank"], lines["truncated_last_line"]) == (
        4,
        1,
        2,
        1,
    )
    # The same cut line followed by a newline is complete, hence bad.
    write_log(tmp_path / "done" / "p" / "s.jsonl", [good, good[:30]])
    done = claude_run(tmp_path / "done")
    assert [(r.line, r.reason) for r in done.rejections] == [(2, "not_json")]
    # A last line without newline that parses is a normal record.
    write_log(tmp_path / "ok" / "p" / "s.jsonl", [good], final_newline=False)
    assert len(claude_run(tmp_path / "ok").steps) == 1


def test_bad_lines_are_rejected_with_file_line_and_no_content(tmp_path):
    path = tmp_path / "home" / "sessions" / "rollout-x.jsonl"
    path.parent.mkdir(parents=True)
    lines = [b'{"secret": "s3cr3t" oops', b"[1]", b'{"a": NaN}', b'{"k": "\xff"}', b"{}"]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = codex_run(tmp_path / "home")
    assert [(r.file, r.line, r.reason) for r in result.rejections] == [
        ("sessions/rollout-x.jsonl", 1, "not_json"),
        ("sessions/rollout-x.jsonl", 2, "not_object"),
        ("sessions/rollout-x.jsonl", 3, "not_json"),
        ("sessions/rollout-x.jsonl", 4, "not_utf8"),
    ]
    assert all("s3cr3t" not in r.problem for r in result.rejections)
    assert result.audit["codex"]["lines"]["bad"] == 4
    assert result.audit["codex"]["lines"]["ignored_unknown"] == {"<missing>": 1}


def test_unknown_record_types_are_ignored_and_counted_by_label(tmp_path):
    write_log(
        tmp_path / "c" / "p" / "s.jsonl",
        [{"type": "x-new"}, {"type": "mode"}, {"no": "type"}, {"type": 5}],
    )
    home = tmp_path / "x"
    rollout(
        home,
        "s",
        [
            codex(1, "x_env", {"type": "y"}),
            codex(1, "event_msg", {"type": "x_event"}),
            codex(1, "compacted", {"message": "m"}),
            {"type": "event_msg", "payload": "text"},
        ],
    )
    result = ref.normalize([tmp_path / "c"], [home])
    claude_lines, codex_lines = result.audit["claude"]["lines"], result.audit["codex"]["lines"]
    assert claude_lines["ignored_unknown"] == {"<missing>": 1, "<not-a-string>": 1, "x-new": 1}
    assert claude_lines["ignored_bookkeeping"] == {"mode": 1}
    assert codex_lines["ignored_unknown"] == {"event_msg": 1, "event_msg/x_event": 1, "x_env/y": 1}
    assert codex_lines["ignored_bookkeeping"] == {"compacted": 1}
    assert result.steps == []


def test_step_order_follows_roots_then_paths_then_lines(tmp_path):
    for root in ("c1", "c2"):
        for name in ("b", "a"):
            log = [
                assistant(f"{root}{name}1", text("x"), 1),
                assistant(f"{root}{name}2", text("y"), 2),
            ]
            write_log(tmp_path / root / "p" / f"{name}.jsonl", log)
    rollout(tmp_path / "x", "s", [meta("s"), tokens(1, 5, 5, 0)])
    result = ref.normalize([tmp_path / "c2", tmp_path / "c1"], [tmp_path / "x"])
    assert [s["round_id"] for s in result.steps] == [
        "c2a1",
        "c2a2",
        "c2b1",
        "c2b2",
        "c1a1",
        "c1a2",
        "c1b1",
        "c1b2",
        "rollout-2026-06-01T10-00-00-s:0",
    ]
    assert result.steps[4]["source_file"] == "2:p/a.jsonl"
    assert result.steps[0]["source_file"] == "p/a.jsonl"


# ---------------------------------------------------------------------------------------------
# Command line and the experiment
# ---------------------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(REFERENCE), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_cli_strict_stops_on_bad_lines_and_quarantine_goes_on(tmp_path):
    write_log(tmp_path / "c" / "p" / "s.jsonl", [assistant("m1", text("x"), 1), "not json"])
    out = tmp_path / "steps.jsonl"
    strict = run_cli("--claude", str(tmp_path / "c"), "-o", str(out))
    assert strict.returncode == 1 and not out.exists()
    assert "p/s.jsonl line 2: not_json" in strict.stderr
    audit = tmp_path / "audit.json"
    quarantine = run_cli(
        "--claude",
        str(tmp_path / "c"),
        "-o",
        str(out),
        "--on-bad-lines",
        "quarantine",
        "--audit",
        str(audit),
    )
    assert quarantine.returncode == 0, quarantine.stderr
    (step,) = list(ref.iter_steps(out))
    assert step["round_id"] == "m1" and list(step) == list(ref.STEP_FIELDS)
    report = json.loads(audit.read_text())
    assert report["rejections"][0]["line"] == 2
    assert run_cli("-o", str(out)).returncode == 2


def test_cli_writes_the_tracelab_steps_as_compact_jsonl(tmp_path):
    out = tmp_path / "steps.jsonl.gz"
    done = run_cli(
        "--claude",
        str(TRACELAB / "claude" / "projects"),
        "--codex",
        str(TRACELAB / "codex"),
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    steps = list(ref.iter_steps(out))
    assert [s["trace_key"] for s in steps] == [r["trace_key"] for r in published_rows()]


@pytest.mark.slow
def test_cli_output_runs_through_the_experiment(tmp_path):
    from atlas_testkit import run_pipeline
    from test_end_to_end import assert_outputs_match_reference

    generate(tmp_path / "raw", "--edge-cases", steps=1500)
    steps = tmp_path / "steps.jsonl"
    done = run_cli(
        "--claude",
        str(tmp_path / "raw" / "claude"),
        "--codex",
        str(tmp_path / "raw" / "codex"),
        "-o",
        str(steps),
    )
    assert done.returncode == 0, done.stderr
    run = run_pipeline(str(steps), tmp_path / "run")
    assert_outputs_match_reference(run, [steps])
    summary = (run.out / "cache_hit_ratio_summary.csv").read_text().splitlines()
    merged_all = summary[1].split(",")
    assert merged_all[:2] == ["merged", "all"] and int(merged_all[2]) > 1000
