#!/usr/bin/env python3
"""The module graph, enforced without a build.

Reads every target of Package.swift (its directory and declared dependencies) and the
`import` lines of its Swift files, and the graph of ARCHITECTURE.md (the block between
`<!-- module-graph -->` markers: `Target → Dependency, Dependency`). Fails when
  - a file imports a module its target does not declare in Package.swift,
  - a module of ours (Sources/, Benchmarks/, PodTestFixtures) imports, or declares, a module
    of ours along an edge ARCHITECTURE.md does not draw,
  - a module of ours declares a dependency none of its files imports (executables excepted:
    a target may depend on one only to have it built), or
  - ARCHITECTURE.md draws an edge for a target Package.swift does not have.
Test targets are checked against Package.swift only. Exit 0: the graph holds; 1: it does not.

    scripts/check-imports.py [package directory]
"""
import os
import re
import sys

# Modules of the toolchain: importable without a declaration.
TOOLCHAIN = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Musl",
             "Dispatch", "Synchronization", "Testing", "XCTest", "_Concurrency", "Darwin"}

IMPORT = re.compile(r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*import\s+"
                    r"(?:(?:struct|class|enum|func|protocol|typealias|var|let)\s+)?([A-Za-z_][A-Za-z_0-9]*)")


def balanced(text, start, open_ch, close_ch):
    """The text from `start` (at `open_ch`) to its matching `close_ch`, strings skipped."""
    depth, i, in_string = 0, start, False
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    raise SystemExit(f"check-imports: unbalanced {open_ch} in Package.swift")


def package_targets(root):
    """name → (kind, directory, declared targets, declared products)."""
    text = open(os.path.join(root, "Package.swift"), encoding="utf-8").read()
    text = re.sub(r"//[^\n]*", "", text)
    targets = {}
    for match in re.finditer(r"\.(target|testTarget|executableTarget|systemLibrary)\(", text):
        body = balanced(text, match.end() - 1, "(", ")")
        kind = match.group(1)
        name = re.search(r'name:\s*"([^"]+)"', body).group(1)
        path = re.search(r'path:\s*"([^"]+)"', body)
        default = "Tests" if kind == "testTarget" else "Sources"
        directory = path.group(1) if path else f"{default}/{name}"
        deps_at = re.search(r"dependencies:\s*\[", body)
        products, names = set(), set()
        if deps_at:
            deps = balanced(body, deps_at.end() - 1, "[", "]")
            products = set(re.findall(r'\.product\(\s*name:\s*"([^"]+)"', deps))
            rest = re.sub(r"\.(?:product|target|byName)\([^)]*\)", "", deps)
            names = set(re.findall(r'"([^"]+)"', rest))
            names |= set(re.findall(r'\.(?:target|byName)\(\s*name:\s*"([^"]+)"', deps))
        targets[name] = (kind, directory, names, products)
    return targets


def module_name(target):
    return target.replace("-", "_")


def imports_of(root, directory):
    """module → first "file:line" importing it, outside multi-line string literals."""
    found = {}
    base = os.path.join(root, directory)
    for dirpath, _, files in os.walk(base):
        for file in sorted(files):
            if not file.endswith(".swift"):
                continue
            path = os.path.join(dirpath, file)
            in_literal = False
            for number, line in enumerate(open(path, encoding="utf-8"), 1):
                if line.count('"""') % 2 == 1:
                    in_literal = not in_literal
                    continue
                if in_literal:
                    continue
                m = IMPORT.match(line)
                if m:
                    found.setdefault(m.group(1), f"{os.path.relpath(path, root)}:{number}")
    return found


def drawn_graph(root):
    text = open(os.path.join(root, "ARCHITECTURE.md"), encoding="utf-8").read()
    block = re.search(r"<!-- module-graph -->(.*?)<!-- /module-graph -->", text, re.S)
    if not block:
        raise SystemExit("check-imports: ARCHITECTURE.md has no <!-- module-graph --> block")
    graph = {}
    for line in block.group(1).splitlines():
        line = line.strip().strip("`")
        if "→" not in line:
            continue
        left, right = line.split("→", 1)
        graph[left.strip()] = {d.strip() for d in right.split(",") if d.strip()}
    return graph


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    targets = package_targets(root)
    ours = {module_name(n): n for n in targets}
    graph = drawn_graph(root)
    errors = []
    for name in graph:
        if name not in targets:
            errors.append(f"ARCHITECTURE.md draws {name}, which Package.swift does not have")
    for name, (kind, directory, names, products) in sorted(targets.items()):
        if kind == "systemLibrary":
            continue
        imports = imports_of(root, directory)
        declared = {module_name(n) for n in names} | products
        for module, where in sorted(imports.items()):
            if module == module_name(name) or module in TOOLCHAIN:
                continue
            if module not in declared:
                errors.append(f"{where}: {name} imports {module}, not declared in Package.swift")
        if kind == "testTarget":
            continue
        drawn = graph.get(name)
        if drawn is None:
            errors.append(f"ARCHITECTURE.md does not draw {name} (add `{name} → …` to its module graph)")
            continue
        first_party = {ours[m] for m in imports if m in ours and m != module_name(name)} | names
        for dependency in sorted(first_party - drawn):
            errors.append(f"{name} → {dependency}: an edge ARCHITECTURE.md does not draw")
        for dependency in sorted(names):
            if module_name(dependency) not in imports and targets[dependency][0] != "executableTarget" \
                    and targets[dependency][0] != "systemLibrary":
                errors.append(f"{name} declares {dependency} in Package.swift but no file imports it")
        for product in sorted(products - set(imports)):
            errors.append(f"{name} declares the product {product} in Package.swift but no file imports it")
    for error in errors:
        print(f"check-imports: {error}", file=sys.stderr)
    if errors:
        print(f"check-imports: {len(errors)} problem(s); the graph is ARCHITECTURE.md's <!-- module-graph --> block",
              file=sys.stderr)
        return 1
    print(f"check-imports: {len(targets)} targets, imports match Package.swift and ARCHITECTURE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
