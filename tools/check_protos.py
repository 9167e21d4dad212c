#!/usr/bin/env python3
"""Checks our subset of the Mesos v1 protos against upstream Apache Mesos.

For every message, field and enum that OUR mesos.proto, executor/executor.proto and
scheduler/scheduler.proto declare, upstream must have the same thing under the same fully
qualified name (package + nesting) with:
  * fields: same name, same number, same label (required/optional/repeated; no relabelling),
    same type (resolved to a fully qualified name by protobuf's scoping rules; maps as
    map<K,V>), same explicit [default = ...] (or both none), same `deprecated` option;
  * enums: every value we declare exists upstream with the same number.
It also reports, as information, how much of upstream we leave out, that no upstream v1
field name contains an upper-case letter, and every upstream v1 map<> field name (our JSON
decoder treats the keys of those objects as data, see MesosJSON.ignoringJSONNames).

Usage:
    python3 tools/check_protos.py [--ours /work/main/proto] [--upstream-git <bare git dir>] [--rev HEAD]

Upstream is read with `git show <rev>:include/mesos/v1/...` from a bare clone (no network).
Exit status 0 if there are no differences, 1 otherwise.
"""
import argparse
import os
import re
import subprocess
import sys

FILES = ["mesos.proto", "executor/executor.proto", "scheduler/scheduler.proto"]
SCALARS = {"double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
           "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes"}


# --------------------------------------------------------------------------- parsing

def tokenize(text):
    """Tokens of a .proto file: identifiers (with dots), numbers, strings, punctuation."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    tokens = []
    pattern = re.compile(r'''\s+|//[^\n]*|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_.][A-Za-z0-9_.]*)|(-?(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+))|(.)''')
    pos = 0
    while pos < len(text):
        m = pattern.match(text, pos)
        if m is None:
            raise SyntaxError(f"cannot tokenize at {text[pos:pos + 30]!r}")
        pos = m.end()
        token = m.group(1) or m.group(2) or m.group(3) or m.group(4)
        if token:
            tokens.append(token)
    return tokens


class Parser:
    def __init__(self, text, origin):
        self.tokens = tokenize(text)
        self.i = 0
        self.origin = origin
        self.package = ""
        self.messages = {}   # full name -> {"fields": {name: field}, "origin": ...}
        self.enums = {}      # full name -> {name: number}
        self.pending = []    # (scope, field) whose type needs resolving

    def peek(self, k=0):
        return self.tokens[self.i + k] if self.i + k < len(self.tokens) else None

    def take(self, expected=None):
        token = self.tokens[self.i]
        if expected is not None and token != expected:
            raise SyntaxError(f"{self.origin}: expected {expected!r}, got {token!r} near {self.tokens[max(0, self.i - 8):self.i + 8]}")
        self.i += 1
        return token

    def skip_statement(self):
        depth = 0
        while True:
            t = self.take()
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if depth == 0:
                    return
            elif t == ";" and depth == 0:
                return

    def parse(self):
        while self.peek() is not None:
            t = self.peek()
            if t == "syntax" or t == "import" or t == "option":
                self.skip_statement()
            elif t == "package":
                self.take()
                self.package = self.take()
                self.take(";")
            elif t == "message":
                self.parse_message(self.package)
            elif t == "enum":
                self.parse_enum(self.package)
            elif t in ("extend", "service"):
                self.skip_statement()
            elif t == ";":
                self.take()
            else:
                raise SyntaxError(f"{self.origin}: unexpected {t!r}")
        return self

    def parse_options(self):
        """[a = b, c = d] -> dict."""
        options = {}
        if self.peek() != "[":
            return options
        self.take("[")
        while True:
            name = self.take()
            if name == "(":
                name = "(" + self.take() + self.take(")")
            self.take("=")
            value = self.take()
            if value == "{":  # aggregate option value
                depth = 1
                while depth:
                    t = self.take()
                    depth += {"{": 1, "}": -1}.get(t, 0)
                value = "{...}"
            options[name] = value
            if self.peek() == ",":
                self.take()
                continue
            self.take("]")
            return options

    def parse_message(self, scope):
        self.take("message")
        name = self.take()
        full = f"{scope}.{name}" if scope else name
        message = {"fields": {}, "origin": self.origin}
        self.messages[full] = message
        self.take("{")
        while self.peek() != "}":
            t = self.peek()
            if t == "message":
                self.parse_message(full)
            elif t == "enum":
                self.parse_enum(full)
            elif t in ("option", "reserved", "extensions", "extend"):
                self.skip_statement()
            elif t == "oneof":
                self.take()
                oneof = self.take()
                self.take("{")
                while self.peek() != "}":
                    if self.peek() == "option":
                        self.skip_statement()
                    else:
                        self.parse_field(full, message, label="optional", oneof=oneof)
                self.take("}")
            elif t == ";":
                self.take()
            else:
                self.parse_field(full, message)
        self.take("}")

    def parse_field(self, scope, message, label=None, oneof=None):
        if label is None:
            if self.peek() in ("required", "optional", "repeated"):
                label = self.take()
            else:
                label = "optional"  # proto3-style / map
        if self.peek() == "map":
            self.take("map")
            self.take("<")
            key = self.take()
            self.take(",")
            value = self.take()
            self.take(">")
            type_ref = ("map", key, value)
            label = "repeated"
        else:
            type_ref = self.take()
        name = self.take()
        self.take("=")
        number = int(self.take(), 0)
        options = self.parse_options()
        self.take(";")
        field = {"name": name, "label": label, "type_ref": type_ref, "number": number,
                 "default": options.get("default"), "deprecated": options.get("deprecated") == "true",
                 "oneof": oneof, "scope": scope}
        if name in message["fields"]:
            raise SyntaxError(f"{self.origin}: duplicate field {scope}.{name}")
        message["fields"][name] = field

    def parse_enum(self, scope):
        self.take("enum")
        name = self.take()
        full = f"{scope}.{name}" if scope else name
        values = {}
        self.enums[full] = values
        self.take("{")
        while self.peek() != "}":
            t = self.peek()
            if t in ("option", "reserved"):
                self.skip_statement()
            elif t == ";":
                self.take()
            else:
                value_name = self.take()
                self.take("=")
                values[value_name] = int(self.take(), 0)
                self.parse_options()
                self.take(";")
        self.take("}")


def resolve(type_ref, scope, known):
    """Resolves a type reference seen in `scope` the way protoc does."""
    if isinstance(type_ref, tuple):
        return ("map", resolve(type_ref[1], scope, known), resolve(type_ref[2], scope, known))
    if type_ref in SCALARS:
        return type_ref
    if type_ref.startswith("."):
        return type_ref[1:] if type_ref[1:] in known else "UNRESOLVED:" + type_ref
    first, _, rest = type_ref.partition(".")
    parts = scope.split(".") if scope else []
    while True:
        candidate = ".".join(parts + [first])
        if candidate in known:
            full = candidate + ("." + rest if rest else "")
            return full if full in known else "UNRESOLVED:" + type_ref
        if not parts:
            return "UNRESOLVED:" + type_ref
        parts.pop()


def load(sources):
    """sources: list of (origin, text) -> (messages, enums), types resolved."""
    messages, enums = {}, {}
    packages = {}
    for origin, text in sources:
        p = Parser(text, origin).parse()
        packages[origin] = p.package
        for k, v in p.messages.items():
            if k in messages:
                raise SyntaxError(f"{origin}: {k} declared twice")
            messages[k] = v
        enums.update(p.enums)
    known = set(messages) | set(enums)
    for m in messages.values():
        for f in m["fields"].values():
            f["type"] = resolve(f["type_ref"], f["scope"], known)
    return messages, enums, packages


# --------------------------------------------------------------------------- comparing

def normalize_default(value, type_name, enums):
    if value is None:
        return None
    if value.startswith('"') or value.startswith("'"):
        return ("string", value[1:-1])
    if type_name in ("double", "float"):
        return ("number", float(value))
    if type_name in SCALARS and type_name not in ("bool", "string", "bytes"):
        return ("number", int(value, 0))
    return ("token", value)


def describe_type(t):
    return f"map<{t[1]}, {t[2]}>" if isinstance(t, tuple) else t


def compare(ours, upstream):
    our_messages, our_enums, our_packages = ours
    up_messages, up_enums, up_packages = upstream
    problems = []
    stats = {"messages": 0, "fields": 0, "enums": 0, "enum_values": 0,
             "upstream_fields_left_out": 0, "upstream_values_left_out": 0}
    for origin, package in our_packages.items():
        if up_packages.get(origin) != package:
            problems.append(f"{origin}: package {package!r}, upstream {up_packages.get(origin)!r}")
    for name in sorted(our_messages):
        stats["messages"] += 1
        mine = our_messages[name]
        theirs = up_messages.get(name)
        if theirs is None:
            problems.append(f"message {name}: not upstream")
            continue
        if mine["origin"] != theirs["origin"]:
            problems.append(f"message {name}: in {mine['origin']}, upstream in {theirs['origin']}")
        for fname, f in sorted(mine["fields"].items(), key=lambda kv: kv[1]["number"]):
            stats["fields"] += 1
            where = f"{name}.{fname}"
            u = theirs["fields"].get(fname)
            if u is None:
                by_number = [x["name"] for x in theirs["fields"].values() if x["number"] == f["number"]]
                problems.append(f"field {where} = {f['number']}: no such field upstream (upstream field {f['number']}: {by_number})")
                continue
            if f["number"] != u["number"]:
                problems.append(f"field {where}: number {f['number']}, upstream {u['number']}")
            if f["label"] != u["label"]:
                problems.append(f"field {where}: label {f['label']}, upstream {u['label']}")
            if f["type"] != u["type"] or str(f["type"]).startswith("UNRESOLVED") or str(u["type"]).startswith("UNRESOLVED"):
                problems.append(f"field {where}: type {describe_type(f['type'])}, upstream {describe_type(u['type'])}")
            type_name = f["type"] if isinstance(f["type"], str) else None
            if normalize_default(f["default"], type_name, our_enums) != normalize_default(u["default"], type_name, up_enums):
                problems.append(f"field {where}: default {f['default']}, upstream {u['default']}")
            if f["deprecated"] != u["deprecated"]:
                problems.append(f"field {where}: deprecated={f['deprecated']}, upstream deprecated={u['deprecated']}")
            if f["oneof"] != u["oneof"]:
                problems.append(f"field {where}: oneof {f['oneof']}, upstream {u['oneof']}")
        stats["upstream_fields_left_out"] += len(set(theirs["fields"]) - set(mine["fields"]))
    for name in sorted(our_enums):
        stats["enums"] += 1
        theirs = up_enums.get(name)
        if theirs is None:
            problems.append(f"enum {name}: not upstream")
            continue
        for value, number in our_enums[name].items():
            stats["enum_values"] += 1
            if value not in theirs:
                problems.append(f"enum value {name}.{value} = {number}: not upstream")
            elif theirs[value] != number:
                problems.append(f"enum value {name}.{value}: {number}, upstream {theirs[value]}")
        # The first declared value is the proto2 default: it must be the same.
        if our_enums[name] and theirs and next(iter(our_enums[name])) != next(iter(theirs)):
            problems.append(f"enum {name}: first (default) value {next(iter(our_enums[name]))}, upstream {next(iter(theirs))}")
        stats["upstream_values_left_out"] += len(set(theirs) - set(our_enums[name]))
    return problems, stats


def git_show(git_dir, rev, path):
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{rev}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", default="/work/main/proto")
    ap.add_argument("--upstream-git", default="/work/.mirror/apache+mesos/repo")
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--verbose", action="store_true", help="list the upstream fields our messages leave out")
    args = ap.parse_args()

    commit = subprocess.run(["git", f"--git-dir={args.upstream_git}", "rev-parse", args.rev],
                            check=True, capture_output=True, text=True).stdout.strip()
    ours = load([(f, open(os.path.join(args.ours, "mesos", "v1", f), encoding="utf-8").read()) for f in FILES])
    upstream = load([(f, git_show(args.upstream_git, commit, "include/mesos/v1/" + f)) for f in FILES])
    problems, stats = compare(ours, upstream)

    print(f"upstream: apache/mesos {commit}")
    print(f"checked: {stats['messages']} messages, {stats['fields']} fields, {stats['enums']} enums, "
          f"{stats['enum_values']} enum values of ours")
    print(f"left out of our subset (information): {stats['upstream_fields_left_out']} upstream fields of "
          f"those messages, {stats['upstream_values_left_out']} upstream values of those enums, "
          f"{len(set(upstream[0]) - set(ours[0]))} upstream messages")

    if args.verbose:
        for name, m in sorted(ours[0].items()):
            left_out = set(upstream[0].get(name, {"fields": {}})["fields"]) - set(m["fields"])
            if left_out:
                fields = upstream[0][name]["fields"]
                print(f"  {name}: " + ", ".join(f"{x} = {fields[x]['number']}" for x in sorted(left_out, key=lambda x: fields[x]["number"])))

    # Information for the JSON decoder: field-name case and map fields in all of v1.
    all_v1 = subprocess.run(["git", f"--git-dir={args.upstream_git}", "ls-tree", "-r", "--name-only", commit,
                             "include/mesos/v1"], check=True, capture_output=True, text=True).stdout.split()
    upper, maps = [], set()
    for path in all_v1:
        if not path.endswith(".proto"):
            continue
        p = Parser(git_show(args.upstream_git, commit, path), path).parse()
        for mname, m in p.messages.items():
            for f in m["fields"].values():
                if re.search(r"[A-Z]", f["name"]):
                    upper.append(f"{mname}.{f['name']}")
                if isinstance(f["type_ref"], tuple):
                    maps.add(f["name"])
    print(f"upstream v1 field names with an upper-case letter (information): {len(upper)}, all in "
          f"{sorted({u.rsplit('.', 1)[0] for u in upper}) or 'none'}")
    print(f"upstream v1 map<> field names: {sorted(maps)}")

    # MesosJSON.ignoringJSONNames relies on two facts about OUR subset: no field name has an
    # upper-case letter, and every map<> field name is in its `mapFieldNames` list.
    ours_upper = [f"{m}.{f}" for m, msg in ours[0].items() for f in msg["fields"] if re.search(r"[A-Z]", f)]
    if ours_upper:
        problems.append(f"our field names with an upper-case letter (MesosJSON.ignoringJSONNames would drop them): {ours_upper}")
    ours_maps = {f["name"] for msg in ours[0].values() for f in msg["fields"].values() if isinstance(f["type_ref"], tuple)}
    swift = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "MesosProtocol", "MesosEncoding.swift")
    if os.path.exists(swift):
        block = re.search(r"mapFieldNames[^=]*=\s*Set\(\[(.*?)\]", open(swift, encoding="utf-8").read(), flags=re.S)
        listed = set(re.findall(r'"([^"]+)"', block.group(1))) if block else set()
        missing = (ours_maps | maps) - listed
        print(f"MesosJSON.mapFieldNames: {sorted(listed)}")
        if missing:
            problems.append(f"map<> fields missing from MesosJSON.mapFieldNames: {sorted(missing)}")

    if problems:
        print(f"\n{len(problems)} difference(s):")
        for p in problems:
            print("  " + p)
        return 1
    print("\nno differences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
