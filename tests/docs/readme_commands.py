#!/usr/bin/python3
"""Runs every command of a README's code blocks, as a reader would paste them.

    tests/docs/readme_commands.py TPUSIM SOURCE_DIR README.md [--update]

Blocks fenced as ```sh hold commands: each line (joined over trailing backslashes) runs with
bash from the repository root. Blocks fenced as ```console hold "$ command" lines, each followed
by the exact stdout it prints. A command passes when it exits 0, or with N when it ends in
"# exit N", and prints what a console block shows (a line may say "<repository>" for the source
tree's path). Blocks fenced as ```python (notebook-style examples) each run as one script
with /usr/bin/python3 from the repository root, build/python (the built package `tpusim`) on
PYTHONPATH, and pass when they exit 0 (they assert what they show). A block whose first line is
"# not run by the README test: REASON" is skipped and says why in the README itself. Other
blocks (json, text, yaml, ...) are not run.

The commands run in a scratch copy of the source tree (outputs such as results/run1 land
there), with build/ linking to the build tree and TPUSIM's directory first on the PATH (so
"tpusim" is the built binary, as after `cmake --install`). --update rewrites console blocks with
the output the commands print now (review the diff before committing).
Exit 0 when every command passes, 1 otherwise.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = re.compile(r"^# not run by the README test: \S")
EXIT = re.compile(r"\s+# exit (\d+)$")
TIMEOUT_S = 600
RUN_KINDS = ("sh", "console", "python")


def blocks(lines):
    """Yields (kind, first_body_line_index, body_lines) for every fenced block."""
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)```(\S*)", lines[i])
        if not m:
            i += 1
            continue
        indent, kind = m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and not lines[j].startswith(indent + "```"):
            j += 1
        yield kind, i + 1, [l[len(indent):] for l in lines[i + 1:j]]
        i = j + 1


def commands(body):
    """Joins continued lines; yields command strings (comments and blanks dropped)."""
    cmd = ""
    for line in body:
        cmd = cmd + line + "\n" if line.endswith("\\") else cmd + line
        if line.endswith("\\"):
            continue
        if cmd.strip() and not cmd.lstrip().startswith("#"):
            yield cmd
        cmd = ""


def console_items(body):
    """Yields (command, expected_lines, body_index_of_command) of a console block."""
    items = []
    for k, line in enumerate(body):
        if line.startswith("$ "):
            items.append([line[2:], [], k])
        elif items:
            items[-1][1].append(line)
    return items


def scratch_copy(source, tpusim, work):
    repo = os.path.join(work, "repo")
    ignore_top = {"build", ".git"}

    def ignore(d, names):
        out = [n for n in names if os.path.abspath(d) == source and (n in ignore_top or n.startswith("build-"))]
        if os.path.abspath(d) == os.path.join(source, "results"):
            out += [n for n in names if n.startswith("run") or n in ("bench", "tmp")]
        return out

    shutil.copytree(source, repo, symlinks=True, ignore=ignore)
    os.symlink(os.path.dirname(tpusim), os.path.join(repo, "build"))
    shared = os.path.join(os.path.dirname(source), "shared")
    if os.path.isdir(shared):
        os.symlink(os.path.realpath(shared), os.path.join(work, "shared"))
    bindir = os.path.join(work, "bin")
    os.mkdir(bindir)
    os.symlink(tpusim, os.path.join(bindir, "tpusim"))
    return repo, bindir


def run(cmd, repo, env):
    expected = 0
    m = EXIT.search(cmd)
    if m:
        expected = int(m.group(1))
    p = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=repo, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TIMEOUT_S)
    return p, expected


def main(argv):
    update = "--update" in argv
    argv = [a for a in argv if a != "--update"]
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    tpusim, source, readme = os.path.realpath(argv[1]), os.path.realpath(argv[2]), argv[3]
    path = readme if os.path.isabs(readme) else os.path.join(source, readme)
    lines = open(path, encoding="utf-8").read().split("\n")
    passed = failed = skipped = 0
    if not any(kind in RUN_KINDS for kind, _, _ in blocks(lines)):
        print(f"{readme}: 0 passed, 0 failed, 0 skipped (no commands)")
        return 0
    work = tempfile.mkdtemp(prefix="tpusim_readme.")
    try:
        repo, bindir = scratch_copy(source, tpusim, work)
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
                   SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
        rewrites = []  # (first line index, old body length, new body)
        for kind, start, body in blocks(lines):
            if kind not in RUN_KINDS:
                continue
            where = f"{readme}:{start}"
            if body and SKIP.match(body[0]):
                print(f"skip {where}: {body[0][2:]}")
                skipped += 1
                continue
            if kind == "python":
                p = subprocess.run(["/usr/bin/python3", "-c", "\n".join(body)], cwd=repo, stdin=subprocess.DEVNULL,
                                   env=dict(env, PYTHONPATH=os.path.join(repo, "build", "python")),
                                   capture_output=True, text=True, timeout=TIMEOUT_S)
                if p.returncode == 0:
                    passed += 1
                    print(f"ok   {where}: python cell")
                else:
                    failed += 1
                    print(f"FAIL {where}: python cell exited {p.returncode}\n  stderr: {p.stderr.strip()[-2000:]}")
                continue
            if kind == "sh":
                for cmd in commands(body):
                    p, expected = run(cmd, repo, env)
                    if p.returncode == expected:
                        passed += 1
                        print(f"ok   {where}: {cmd.strip()}")
                    else:
                        failed += 1
                        print(f"FAIL {where}: {cmd.strip()}\n  exit {p.returncode}, expected {expected}\n"
                              f"  stderr: {p.stderr.strip()[-2000:]}")
                continue
            new_body = []
            for cmd, want, k in console_items(body):
                p, expected = run(cmd, repo, env)
                got = p.stdout.replace(source, "<repository>").rstrip("\n").split("\n")
                new_body += [body[k]] + got
                ok_rc, ok_out = p.returncode == expected, got == [w for w in want]
                if ok_rc and (ok_out or update):
                    passed += 1
                    print(f"ok   {where}: $ {cmd.strip()}" + ("" if ok_out else " (output updated)"))
                else:
                    failed += 1
                    print(f"FAIL {where}: $ {cmd.strip()}\n  exit {p.returncode}, expected {expected}")
                    if not ok_out:
                        print("  the README shows:\n    " + "\n    ".join(want) +
                              "\n  the command prints:\n    " + "\n    ".join(got) +
                              f"\n  (rerun with --update to take the new output)")
                    if p.stderr.strip():
                        print(f"  stderr: {p.stderr.strip()[-2000:]}")
            if update and new_body != body:
                rewrites.append((start, len(body), new_body))
        if update and rewrites:
            for start, n, new_body in reversed(rewrites):
                indent = re.match(r"^(\s*)", lines[start - 1]).group(1)
                lines[start:start + n] = [indent + l if l else l for l in new_body]
            open(path, "w", encoding="utf-8").write("\n".join(lines))
            print(f"updated {len(rewrites)} console block(s) in {readme}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{readme}: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
