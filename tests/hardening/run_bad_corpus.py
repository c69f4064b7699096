#!/usr/bin/env python3
"""Runs every case of the bad-input corpus (tests/data/bad/*.case) through the tpusim binary.

Each case must give exit code 2, exactly one line on stderr that starts with "tpusim: ", names
what its `expect:` lines say (the file, the JSON pointer, the option), holds no control
character, and leave no output file behind: after the run, the case's scratch directory holds
only the input files the case wrote.

A case file (one per case):

    # what the case checks (at least one comment line)
    args: run --arch {arch.json} --workload workloads/gemm_128x64x256.json --out {out}
    expect: arch.json
    expect: /array/rows
    --- arch.json
    {"the": "file's content, up to the next '--- ' line or the end"}
    --- deep.json python: "[" * 100000

`{NAME}` is the scratch path of the case's file NAME, `{contents:NAME}` its content (an
argument too long to write out), `{out}` a path in the scratch directory
that must not exist afterwards, `{tmp}` the scratch directory; other paths are relative to the
repository root (the working directory). `--- NAME python: EXPR` writes the string a Python
expression gives (for inputs too large or too odd to write out). `expect:` substrings are
checked after the same substitution.

usage: run_bad_corpus.py TPUSIM ROOT [CASE...]
"""
import os
import shlex
import subprocess
import sys
import tempfile


def parse_case(path):
    args, expects, files, comments = None, [], [], 0
    current = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines:
        if current is not None and not line.startswith("--- "):
            current[1].append(line)
            continue
        if line.startswith("--- "):
            spec = line[4:]
            if " python: " in spec:
                name, expr = spec.split(" python: ", 1)
                files.append((name.strip(), ["__python__", expr]))
                current = None
            else:
                current = (spec.strip(), [])
                files.append(current)
        elif line.startswith("#"):
            comments += 1
        elif line.startswith("args: "):
            args = line[len("args: "):]
        elif line.startswith("expect: "):
            expects.append(line[len("expect: "):])
        elif line.strip():
            raise SystemExit(f"{path}: cannot read line {line!r}")
    if args is None or comments == 0:
        raise SystemExit(f"{path}: a case needs a comment line and an args: line")
    return args, expects, files


def content_of(body):
    if body and body[0] == "__python__":
        return eval(body[1], {})  # the corpus is ours: expressions such as "[" * 100000
    text = "\n".join(body)
    return text


def substitute(text, mapping, contents=None):
    for key, value in (contents or {}).items():
        text = text.replace("{contents:" + key + "}", value)
    for key, value in mapping.items():
        text = text.replace("{" + key + "}", value)
    return text


def run_case(tpusim, root, path):
    args, expects, files = parse_case(path)
    with tempfile.TemporaryDirectory(prefix="tpusim_bad_") as tmp:
        mapping = {"tmp": tmp, "out": os.path.join(tmp, "out")}
        inputs, contents = set(), {}
        for name, body in files:
            p = os.path.join(tmp, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            data = content_of(body)
            with open(p, "wb") as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
            mapping[name] = p
            contents[name] = data if isinstance(data, str) else ""
            inputs.add(p)
        argv = [tpusim] + [substitute(a, mapping, contents) for a in shlex.split(args)]
        try:
            r = subprocess.run(argv, cwd=root, capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            return ["no answer within 60 s"]
        problems = []
        err = r.stderr.decode("utf-8", "replace")
        if r.returncode != 2:
            problems.append(f"exit code {r.returncode}, expected 2")
        lines = err.split("\n")
        if len(lines) != 2 or lines[1] != "":
            problems.append(f"stderr has {err.count(chr(10))} lines, expected exactly one")
        first = lines[0]
        if not first.startswith("tpusim: "):
            problems.append("the line does not start with 'tpusim: '")
        if any(ord(c) < 32 and c != "\t" for c in first):
            problems.append("the line holds a control character")
        for e in expects:
            e = substitute(e, mapping)
            if e not in err:
                problems.append(f"the line does not name {e!r}")
        left = []
        for dirpath, dirnames, filenames in os.walk(tmp):
            for n in filenames + dirnames:
                p = os.path.join(dirpath, n)
                if p not in inputs and not any(i.startswith(p + os.sep) for i in inputs):
                    left.append(os.path.relpath(p, tmp))
        if left:
            problems.append(f"output left behind: {', '.join(sorted(left)[:5])}")
        if problems:
            problems.append(f"stderr: {err[:400]!r}")
        return problems


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    tpusim, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    corpus = os.path.join(root, "tests", "data", "bad")
    cases = sys.argv[3:] or sorted(os.path.join(corpus, n) for n in os.listdir(corpus) if n.endswith(".case"))
    failed = 0
    for case in cases:
        problems = run_case(tpusim, root, case)
        name = os.path.basename(case)
        if problems:
            failed += 1
            print(f"FAIL {name}: " + "; ".join(problems))
        else:
            print(f"ok   {name}")
    print(f"{len(cases) - failed} of {len(cases)} cases pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
