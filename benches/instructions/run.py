#!/usr/bin/env python3
"""Instruction counts of every sender's verify_at and verify_and_parse_at.

Builds benches/instructions (a crate of its own), runs each case under
callgrind (only the measured call is counted) and compares with
benches/instructions/counts.json:
a count more than 3 % above its reference fails, as does a case with no
reference. `--update` writes the counts as the new references instead;
commit them with the change that moved them and say why in the message.

Each sender also has a floor case (`<sender>/floor_<algorithm>/<size>`,
benches/floor: its algorithm's least work over the same body); after the
comparison, a table gives each sender's verify_at / floor at each size.
These are instruction counts, not time.

Usage: python3 benches/instructions/run.py [--update] [--only SUBSTRING]
"""

import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCES = os.path.join(HERE, "counts.json")
TOLERANCE = 0.03


def build():
    """The bench executable's path, built in the bench profile."""
    out = subprocess.run(
        ["cargo", "build", "--release", "--message-format", "json"],
        cwd=HERE, check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if (message.get("reason") == "compiler-artifact"
                and message["target"]["name"] == "webhook-kit-instructions"
                and message.get("executable")):
            return message["executable"]
    sys.exit("instructions: no bench executable was built")


def count(executable, case):
    """Instructions executed inside the measured function for one case."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--toggle-collect=*measured_*",
             f"--callgrind-out-file={out}", executable, "--case", case],
            cwd=HERE, check=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with open(out) as f:
            text = f.read()
    found = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
    if not found:
        sys.exit(f"instructions: no total in callgrind's output for {case}")
    return int(found.group(1))


def ratios(counts):
    """Each sender's verify_at beside its floor, as Markdown table rows."""
    rows = []
    for case, floor in counts.items():
        sender, call, size = case.split("/")
        ours = counts.get(f"{sender}/verify_at/{size}")
        if not call.startswith("floor_") or ours is None:
            continue
        rows.append(f"| {sender} | {size} | {call[len('floor_'):]} | {ours} | {floor} "
                    f"| {ours / floor:.2f}× |")
    if rows:
        print("\nverify_at beside its floor (instructions, not time):\n")
        print("| sender | size | floor | verify_at | floor | verify_at / floor |")
        print("|---|---:|---|---:|---:|---:|")
        print("\n".join(rows))


def main():
    update = "--update" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    executable = build()
    cases = subprocess.run([executable], check=True, stdout=subprocess.PIPE,
                           text=True).stdout.split()
    cases = [case for case in cases if only in case]
    references = {}
    if os.path.exists(REFERENCES):
        with open(REFERENCES) as f:
            references = json.load(f)
    counts, failed = {}, []
    for case in cases:
        counts[case] = count(executable, case)
        reference = references.get(case)
        if reference is None:
            verdict = "no reference"
            failed.append(case)
        else:
            change = counts[case] / reference - 1
            verdict = f"{change:+.2%}"
            if change > TOLERANCE:
                failed.append(case)
                verdict += "  RISE"
        print(f"{case:45} {counts[case]:>10}  {verdict}")
    ratios(counts)
    if update:
        references.update(counts)
        with open(REFERENCES, "w") as f:
            json.dump(dict(sorted(references.items())), f, indent=1)
            f.write("\n")
        print(f"instructions: {len(counts)} references written")
        return
    passed = len(cases) - len(failed)
    print(f"instructions: {passed} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
