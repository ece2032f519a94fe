#!/usr/bin/env python3
"""Module import cycles inside Rust crates (DESIGN.md: "No module imports a
module that imports it back").

Usage: scripts/module-cycles.py CRATE_SRC_DIR...   (e.g. crates/imapi2-mmc/src)

Every source file is one module, and so is every inline module
(`mod tests { .. }`). A module imports another when one of its `use`
trees or paths names that module or an item in it: `crate::a::b::Item`,
`super::x`, `self::y`, or a path starting with the name of a child module
(`child::Item`, as a `mod.rs` re-export does). Paths resolve to the longest
module prefix they name, so `crate::Item` for an item re-exported by lib.rs is
an import of the crate root. `mod name;` declarations alone are not imports.

Prints every strongly connected group of two or more modules with the lines
that make its edges, and exits with status 1 when there is one.

Comments and string literals are ignored; `#[path]` attributes and paths
built inside macros are not followed, and method calls are not imports (an
`impl` in a child may add methods its parent calls).
"""

import os
import re
import sys

EXTERNAL = {"std", "core", "alloc"}


def strip(text):
    """Source text without comments, string and char literals (same length
    of lines kept, so line numbers stay right)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
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
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            close = '"' + m.group(1)
            j = text.find(close, i + len(m.group(0)))
            j = n if j < 0 else j + len(close)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                out.append("' '")
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def module_files(src):
    """{module path tuple: file} for the crate rooted at src/lib.rs or main.rs."""
    root = os.path.join(src, "lib.rs")
    if not os.path.exists(root):
        root = os.path.join(src, "main.rs")
    mods = {}

    def visit(path, file):
        mods[path] = file
        text = strip(open(file, encoding="utf-8").read())
        for a, b, n in inline_modules(text):
            outer = tuple(m for x, y, m in inline_modules(text) if x < a and b <= y)
            mods[path + outer + (n,)] = file
        base = os.path.dirname(file)
        name = os.path.basename(file)
        if name not in ("lib.rs", "main.rs", "mod.rs"):
            base = os.path.join(base, name[:-3])
        for m in re.finditer(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text, re.M):
            child = m.group(1)
            for cand in (os.path.join(base, child + ".rs"), os.path.join(base, child, "mod.rs")):
                if os.path.exists(cand):
                    visit(path + (child,), cand)
                    break

    visit((), root)
    return mods


def use_paths(tree, prefix):
    """Flattens a use tree (`a::{b, c::d}`) into paths."""
    tree = tree.strip()
    if not tree:
        return [prefix] if prefix else []
    if tree.startswith("{"):
        inner = tree[1:tree.rfind("}")]
        parts, depth, cur = [], 0, ""
        for ch in inner:
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
                continue
            depth += ch == "{"
            depth -= ch == "}"
            cur += ch
        parts.append(cur)
        out = []
        for p in parts:
            if p.strip():
                out += use_paths(p, prefix)
        return out
    m = re.match(r"(\w+)\s*(?:::\s*(.*))?$", tree, re.S)
    if not m:
        return [prefix] if prefix else []
    head, rest = m.group(1), m.group(2)
    if rest is None:
        return [prefix + [head]]
    rest = re.sub(r"\s+as\s+\w+\s*$", "", rest)
    if rest.strip() == "*":
        return [prefix + [head]]
    return use_paths(rest, prefix + [head])


def resolve(segs, here, mods):
    """The module a path names, from module `here`, or None (external)."""
    if not segs:
        return None
    first = segs[0]
    if first == "crate":
        base, rest = (), segs[1:]
    elif first in ("super", "self"):
        base, rest = here, segs
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    elif here + (first,) in mods:
        base, rest = here, segs
    else:
        return None
    best = base
    for i in range(1, len(rest) + 1):
        cand = base + tuple(rest[:i])
        if cand in mods:
            best = cand
        else:
            break
    return best


def inline_modules(text):
    """(start, end, name) of every inline `mod name { .. }` block."""
    out = []
    for m in re.finditer(r"\bmod\s+(\w+)\s*\{", text):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += text[j] == "{"
            depth -= text[j] == "}"
            j += 1
        out.append((m.start(), j, m.group(1)))
    return out


def edges_of(path, file, mods):
    text = strip(open(file, encoding="utf-8").read())
    found = []
    inline = inline_modules(text)

    def here_at(pos):
        return path + tuple(n for a, b, n in inline if a < pos < b)

    def target_of(segs, pos):
        target = resolve(segs, here_at(pos), mods)
        while target is not None and target not in mods:
            target = target[:-1]
        return target

    def add(pos, target, what):
        if target is not None:
            found.append((here_at(pos), target, line_of(pos), what))

    def line_of(pos):
        return text.count("\n", 0, pos) + 1

    uses = list(re.finditer(r"\buse\s+([^;]*);", text))
    spans = []
    for m in uses:
        spans.append((m.start(), m.end()))
        for segs in use_paths(m.group(1), []):
            add(m.start(), target_of(segs, m.start()), "use " + "::".join(segs))

    def in_use(pos):
        return any(a <= pos < b for a, b in spans)

    for m in re.finditer(r"\b((?:crate|super|self|[a-z_][a-z0-9_]*)(?:\s*::\s*\w+)+)", text):
        if in_use(m.start()):
            continue
        segs = [s.strip() for s in m.group(1).split("::")]
        if segs[0] in EXTERNAL:
            continue
        add(m.start(), target_of(segs, m.start()), "::".join(segs))
    return [(f, t, l, w) for f, t, l, w in found if t != f]


def sccs(nodes, graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
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

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            strong(v)
    return out


def name(path):
    return "crate" + "".join("::" + p for p in path)


def check(src):
    mods = module_files(src)
    graph, why = {}, {}
    # Each file once, as the module it is (its inline modules come after).
    files = {}
    for path, file in sorted(mods.items(), key=lambda pf: len(pf[0])):
        files.setdefault(file, path)
    for file, path in files.items():
        for source, target, line, what in edges_of(path, file, mods):
            graph.setdefault(source, set()).add(target)
            why.setdefault((source, target), f"{os.path.relpath(file)}:{line}: {what}")
    bad = [c for c in sccs(list(mods), graph) if len(c) > 1]
    for comp in bad:
        members = set(comp)
        print(f"{src}: cycle among {', '.join(sorted(name(m) for m in comp))}")
        for a in sorted(members):
            for b in sorted(graph.get(a, ())):
                if b in members:
                    print(f"    {name(a)} -> {name(b)}  ({why[(a, b)]})")
    return not bad, len(mods)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    ok = True
    for src in sys.argv[1:]:
        good, count = check(src)
        ok &= good
        if good:
            print(f"{src}: {count} modules, no cycle")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
