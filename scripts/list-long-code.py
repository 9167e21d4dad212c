#!/usr/bin/env python3
"""Lists hand-written sources over the size rules: files over 500 lines, functions over 80.

Swift and C under Sources/, Tests/ and Benchmarks/ (generated code, `Generated/`, is left
out). A function runs from its `func`/`init`/`deinit`/closure-property line to its closing
brace; braces inside string literals and comments are skipped. Prints one line per finding
and exits 0: it is a list to act on, not a gate (ARCHITECTURE.md gives the reasons for the
ones that stay).

    scripts/list-long-code.py [--files-only] [package directory]
"""
import os
import re
import sys

FILE_LIMIT, FUNCTION_LIMIT = 500, 80
SWIFT_FUNC = re.compile(r"^\s*(?:@[\w()., :\"]+\s+)*(?:(?:public|private|fileprivate|internal|package|static|class|"
                        r"final|override|mutating|nonisolated|convenience|required|@inlinable|@discardableResult)\s+)*"
                        r"(?:func\s+[^\s(<]+|init[?!]?|deinit)\s*[(<{]?")
C_FUNC = re.compile(r"^(?:static\s+|inline\s+|const\s+|unsigned\s+|struct\s+)*[A-Za-z_][\w\s\*]*\b(\w+)\s*\([^;]*$")


def code_only(line, state):
    """The line without comments and string contents; state carries /* */ and \"\"\" across lines."""
    out, i = [], 0
    while i < len(line):
        if state["block"]:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out)
            state["block"], i = False, end + 2
            continue
        if state["multi"]:
            end = line.find('"""', i)
            if end < 0:
                return "".join(out)
            state["multi"], i = False, end + 3
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state["block"], i = True, i + 2
            continue
        if line.startswith('"""', i):
            state["multi"], i = True, i + 3
            continue
        c = line[i]
        if c in "\"'":
            j = i + 1
            while j < len(line) and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def functions(path, lines):
    swift = path.endswith(".swift")
    state = {"block": False, "multi": False}
    depth, open_funcs, found = 0, [], []
    pending = None
    for number, raw in enumerate(lines, 1):
        header = SWIFT_FUNC.match(raw) if swift else (C_FUNC.match(raw) if depth == 0 else None)
        line = code_only(raw, state)
        if header and pending is None:
            name = raw.strip().split("{")[0][:70]
            pending = (name, number, depth)
        for c in line:
            if c == "{":
                depth += 1
                if pending and depth == pending[2] + 1:
                    open_funcs.append(pending)
                    pending = None
            elif c == "}":
                depth -= 1
                if open_funcs and depth == open_funcs[-1][2]:
                    name, start, _ = open_funcs.pop()
                    if number - start + 1 > FUNCTION_LIMIT:
                        found.append((name, start, number - start + 1))
        if pending and line.rstrip().endswith(";") and not swift:
            pending = None
        if pending and swift and "{" not in line and not line.rstrip().endswith((",", "(", "->")) \
                and number > pending[1] and ("}" in line or line.strip() == ""):
            pending = None  # a protocol requirement, not a body
    return found


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
    for top in ("Sources", "Tests", "Benchmarks"):
        for dirpath, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(d for d in dirs if d not in ("Generated", ".build"))
            for file in sorted(files):
                if not file.endswith((".swift", ".c", ".h")):
                    continue
                path = os.path.join(dirpath, file)
                lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
                rel = os.path.relpath(path, root)
                count = len(lines) - (1 if lines and lines[-1] == "" else 0)
                if count > FILE_LIMIT:
                    print(f"file     {count:5d} lines  {rel}")
                if "--files-only" in sys.argv:
                    continue
                for name, start, length in functions(path, lines):
                    print(f"function {length:5d} lines  {rel}:{start}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
