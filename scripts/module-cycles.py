#!/usr/bin/env python3
"""Module import cycles of one Rust crate.

Usage: scripts/module-cycles.py [--tests] [--edges] CRATE_SRC_DIR
       (for example crates/imapi2-fs/src)

Every file module (lib.rs, a.rs, a/mod.rs, a/b.rs) is a node. A module
depends on another when its code names it: a `use` declaration or an inline
path that starts with `crate::`, `super::`, `self::` or the name of one of
its own submodules. A path is resolved to the module that defines the item
it names: `crate::a::b::Item` goes to `crate::a::b`, or, when `b` re-exports
`Item` (`pub use`, `pub(crate) use`, `pub use x::*`), on to the module that
`x` resolves it to. Inline modules (`mod flags { ... }`) count as part of
their file. `#[cfg(test)] mod tests { ... }` blocks are left out unless
--tests is given.

A module whose file holds nothing but `mod` declarations and `use`
declarations (a pure facade: lib.rs, a mod.rs that only re-exports) does not
depend on what it re-exports; any other module depends on all it names.
Declaring a submodule (`mod child;`) is never a dependency.

The report lists every strongly connected component with more than one
module (a cycle), with the references behind each edge inside it, and exits
with status 1 when there is one. --edges lists every dependency first. Comments and string literals are ignored;
macros that build paths from fragments are not seen.
"""
import os
import re
import signal
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip(text):
    """Blanks comments, string and char literals, keeping line numbers."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not re.match(r"\w", text[i - 1])):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i : j + 1]))
            i = j + 1
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:  # a lifetime
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def block_end(text, open_at):
    """Index after the brace block opening at `open_at`."""
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


def drop_tests(text):
    for m in reversed(list(re.finditer(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+" + IDENT + r"\s*\{", text))):
        end = block_end(text, m.end() - 1)
        text = text[: m.start()] + re.sub(r"[^\n]", " ", text[m.start() : end]) + text[end:]
    return text


def parse_use_tree(s):
    """`a::{b, c::d as e, f::*}` -> list of (path segments, alias or '*')."""
    s = re.sub(r"\s+", "", s)
    out = []

    def walk(prefix, s):
        # split top-level commas
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        for p in parts:
            if "{" in p:
                head, rest = p.split("{", 1)
                head = [x for x in head.split("::") if x]
                walk(prefix + head, rest[: rest.rfind("}")])
                continue
            alias = None
            if "as" in p and re.search(r"as(" + IDENT + r")$", p):
                m = re.match(r"(.*?)as(" + IDENT + r")$", p)
                if m and not m.group(1).endswith(":"):
                    p, alias = m.group(1), m.group(2)
            segs = [x for x in p.split("::") if x]
            if segs == ["self"]:
                segs = []
            full = prefix + segs
            if full and full[-1] == "*":
                out.append((full[:-1], "*"))
            elif full:
                out.append((full, alias or full[-1]))
    walk([], s)
    return out


class Module:
    def __init__(self, path, file):
        self.path = path  # tuple, () is the crate root
        self.file = file
        self.children = set()
        self.uses = []  # (segments, alias, line, is_pub)
        self.inline = []  # (segments, line)
        self.inline_mods = set()
        self.facade = True


def load(src, tests):
    mods = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, src)[:-3].split(os.sep)
            if rel in (["lib"], ["main"]):
                path = ()
            elif rel[-1] == "mod":
                path = tuple(rel[:-1])
            else:
                path = tuple(rel)
            mods[path] = Module(path, full)
    for m in mods.values():
        text = strip(open(m.file, encoding="utf-8").read())
        if not tests:
            text = drop_tests(text)
        line_of = lambda at: text.count("\n", 0, at) + 1
        for d in re.finditer(r"\bmod\s+(" + IDENT + r")\s*([;{])", text):
            if d.group(2) == "{":
                m.inline_mods.add(d.group(1))
            else:
                m.children.add(d.group(1))
        spans = []
        for u in re.finditer(r"(?:\b(pub)(?:\s*\([^)]*\))?\s+)?\buse\s+([^;]*);", text):
            for segs, alias in parse_use_tree(u.group(2)):
                m.uses.append((segs, alias, line_of(u.start()), bool(u.group(1))))
            spans.append((u.start(), u.end()))
        rest = list(text)
        for a, b in spans:
            rest[a:b] = " " * (b - a)
        rest = "".join(rest)
        for p in re.finditer(r"(?<![\w:])((?:crate|super|self|" + IDENT + r")(?:\s*::\s*" + IDENT + r")+)", rest):
            segs = re.sub(r"\s+", "", p.group(1)).split("::")
            m.inline.append((segs, line_of(p.start())))
        # A facade holds only attributes, mod and use declarations.
        body = re.sub(r"#!?\[[^\]]*\]", "", rest)
        body = re.sub(r"\b(pub(\s*\([^)]*\))?\s+)?mod\s+" + IDENT + r"\s*;", "", body)
        m.facade = body.strip() == ""
    return mods


class Resolver:
    def __init__(self, mods):
        self.mods = mods

    def start(self, m, segs):
        """Absolute module path and remaining segments, or None (extern)."""
        cur = m.path
        s = list(segs)
        if s[0] == "crate":
            return (), s[1:]
        if s[0] in ("super", "self"):
            while s and s[0] in ("super", "self"):
                if s[0] == "super":
                    cur = cur[:-1]
                s = s[1:]
            return cur, s
        if s[0] in m.children:
            return cur, s
        return None

    def resolve(self, m, segs, seen=None):
        """The defining module of what `segs` (seen from m) names."""
        st = self.start(m, segs)
        if st is None:
            return None
        cur, rest = st
        return self.walk(cur, rest, seen or set())

    def walk(self, cur, rest, seen):
        while rest and cur + (rest[0],) in self.mods:
            cur, rest = cur + (rest[0],), rest[1:]
        if not rest:
            return cur
        mod = self.mods[cur]
        if rest[0] in mod.inline_mods:
            return cur
        key = (cur, rest[0])
        if key in seen:
            return cur
        seen = seen | {key}
        # named re-export
        for segs, alias, _, _ in mod.uses:
            if alias == rest[0]:
                r = self.resolve(mod, segs + rest[1:], seen)
                return cur if r is None else r
        # glob re-exports
        for segs, alias, _, _ in mod.uses:
            if alias == "*":
                st = self.start(mod, segs)
                if st is None:
                    continue
                base = self.walk(st[0], st[1], seen)
                if base is not None and self.defines(base, rest[0]):
                    return self.walk(base, rest, seen)
        return cur

    def defines(self, path, name):
        mod = self.mods.get(path)
        if mod is None:
            return False
        if name in mod.children or name in mod.inline_mods:
            return True
        if any(a == name for _, a, _, _ in mod.uses):
            return True
        text = open(mod.file, encoding="utf-8").read()
        return re.search(r"\b(fn|struct|enum|trait|type|const|static|union|macro_rules!)\s+" + name + r"\b", text) is not None


def edges(mods):
    r = Resolver(mods)
    out = {}
    for m in mods.values():
        refs = [(s, l) for s, a, l, pub in m.uses if not (m.facade and pub)]
        refs += m.inline
        for segs, line in refs:
            t = r.resolve(m, segs)
            if t is None or t == m.path:
                continue
            out.setdefault((m.path, t), []).append(line)
    return out


def sccs(nodes, adj):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in adj.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def name(p):
    return "crate" + "".join("::" + x for x in p)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    args = sys.argv[1:]
    tests = "--tests" in args
    show = "--edges" in args
    args = [a for a in args if not a.startswith("--")]
    src = args[0] if args else "src"
    mods = load(src, tests)
    e = edges(mods)
    adj = {}
    for (a, b) in e:
        adj.setdefault(a, set()).add(b)
    if show:
        for (a, b), lines in sorted(e.items()):
            print(f"{name(a)} -> {name(b)}  ({os.path.relpath(mods[a].file, src)}:{','.join(map(str, sorted(set(lines))))})")
    cycles = [c for c in sccs(mods.keys(), adj) if len(c) > 1]
    print(f"{len(mods)} modules, {len(e)} dependencies, {len(cycles)} cycle(s)")
    for c in cycles:
        cs = set(c)
        print(f"cycle of {len(c)} modules: " + ", ".join(sorted(name(x) for x in c)))
        for (a, b), lines in sorted(e.items()):
            if a in cs and b in cs:
                print(f"  {name(a)} -> {name(b)}  ({os.path.relpath(mods[a].file, src)}:{','.join(map(str, sorted(set(lines))))})")
    sys.exit(1 if cycles else 0)


if __name__ == "__main__":
    main()
