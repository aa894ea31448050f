"""The README's examples as data: which lines a newcomer would type, in order.

A line of an indented code block (or of a ``sh``/``bash``/``console`` fenced
block) is a *command* when it starts with a program a reader runs (``jwlink``,
``curl``, ``sh``, ...), after an optional ``$ `` prompt. A command is a
*synopsis*, not an example, when it shows the shape of a call rather than a
call: option brackets (``[--port P]``), alternatives (``a|b``), ``...`` or an
upper-case placeholder (``OBS_ID``, ``DIR``). Fenced ``python`` blocks are
snippets. tests/test_readme_runs.py runs every command and snippet against a
demo archive and checks that every synopsis's command has a runnable example.

A trailing ``# exits N`` comment says the command is expected to end with
status N (``jwlink check`` of an incomplete folder, a download refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Example", "examples"]

_PROGRAMS = ("jwlink", "curl", "sh", "bash", "mkdir", "printf", "export", "cd", "rm", "cp",
             "python", "python3")  # fmt: skip
_ENV = re.compile(r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+")
# Upper-case words that are values, not placeholders.
_LITERALS = {"PUBLIC", "EXCLUSIVE_ACCESS", "SCIENCE", "NIRCAM", "MIRI", "NIRSPEC", "NIRISS",
             "FGS", "MRP", "JSON", "SVG", "GET", "POST", "HEAD", "URL"}  # fmt: skip
_PLACEHOLDER = re.compile(r"(?<![\w./:=$-])[A-Z][A-Z_]{2,}(?![\w])")
_EXITS = re.compile(r"#\s*exits\s+(\d+)\s*$")


@dataclass(frozen=True)
class Example:
    """One README command or Python snippet."""

    line: int  # 1-based line of the README where it starts
    kind: str  # "command", "synopsis" or "python"
    text: str
    exits: int = 0

    @property
    def program(self) -> str:
        """``jwlink <subcommand>``, or the program a command runs (its first one)."""
        return next(iter(self.programs), "")

    @property
    def programs(self) -> list[str]:
        """Every program of the line (``a && b``, ``a | b``, ``a; b``), in order."""
        found = []
        for part in re.split(r"&&|\|\||[|;]", self.text.split(" #", 1)[0]):
            words = _ENV.sub("", part.strip()).split()
            if words:
                found.append(f"jwlink {words[1]}" if words[0] == "jwlink" and len(words) > 1
                             else words[0])  # fmt: skip
        return found


def _is_command(text: str) -> bool:
    first = _ENV.sub("", text).split(maxsplit=1)
    return bool(first) and (first[0] in _PROGRAMS or (text != _ENV.sub("", text)))


def _is_synopsis(text: str) -> bool:
    code = text.split(" #", 1)[0]
    if re.search(r"\[-", code) or "..." in code or re.search(r"\w\|\w|\\\|", code):
        return True
    assignments = {m.split("=", 1)[0] for m in re.findall(r"\b[A-Z_][A-Z0-9_]*=", code)}
    words = set(_PLACEHOLDER.findall(code)) - _LITERALS - {a.rstrip("=") for a in assignments}
    return bool(words)


def _commands(block: list[tuple[int, str]]) -> list[Example]:
    found: list[Example] = []
    pending: tuple[int, str] | None = None
    for number, raw in block:
        text = raw[2:] if raw.startswith("$ ") else raw
        if pending is not None:
            start, head = pending
            text = head + " " + text.strip()
            number = start
            pending = None
        if text.rstrip().endswith("\\"):
            pending = (number, text.rstrip()[:-1].rstrip())
            continue
        text = text.rstrip()
        if not text or text.startswith("#") or not _is_command(text):
            continue
        exits = _EXITS.search(text)
        kind = "synopsis" if _is_synopsis(text) else "command"
        found.append(Example(number, kind, text, int(exits[1]) if exits else 0))
    return found


def examples(readme: str) -> list[Example]:
    """Every command, synopsis and Python snippet of ``readme``, in order."""
    lines = readme.splitlines()
    found: list[Example] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence:
            lang, body, start = fence[1], [], i + 2
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if lang == "python":
                found.append(Example(start, "python", "\n".join(body)))
            elif lang in ("sh", "bash", "console", "shell"):
                found += _commands([(start + k, b) for k, b in enumerate(body)])
            i += 1
            continue
        if line.startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            block = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                block.append((i + 1, lines[i][4:]))
                i += 1
            found += _commands(block)
            continue
        i += 1
    return found
