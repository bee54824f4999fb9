#!/usr/bin/env python3
"""Instructions per call of one function, from a callgrind profile (deterministic, unlike time).

    valgrind --tool=callgrind --callgrind-out-file=cg.out build/bench/aegis_bench \
        --benchmark_filter='^BM_JsonParse$' --benchmark_min_time=0.5
    python3 bench/per_call_ir.py cg.out 'aegis::ContextParser::parse(std::basic_string_view<char, std::char_traits<char> >)'

The function's inclusive instruction count divided by the calls its callers made to it.
"""
import re
import subprocess
import sys


def per_call(profile, function):
    lines = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--tree=caller", profile],
                           capture_output=True, text=True, check=True).stdout.split("\n")
    callers = []
    row = re.compile(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(<|\*)\s+(.*?) \[")
    for line in lines:
        m = row.match(line)
        if not m:
            callers = []
        elif m.group(2) == "<":
            callers.append(line)
        elif m.group(3).endswith(function):
            calls = sum(int(n.replace(",", "")) for c in callers
                        for n in re.findall(r"\(([\d,]+)x\)", c))
            return int(m.group(1).replace(",", "")) / calls, calls
        else:
            callers = []
    raise SystemExit(f"{function} not found in {profile}")


if __name__ == "__main__":
    ir, calls = per_call(sys.argv[1], sys.argv[2])
    print(f"{ir:.0f} instructions per call ({calls} calls)")
