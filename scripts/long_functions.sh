#!/bin/sh
# Lists the C++ functions longer than a limit (default 80 lines), longest first:
#   scripts/long_functions.sh [--max N] [--check] [PATH...]     (default paths: arch sim)
# A function's length runs from the first line of its signature to its closing brace. A
# function may be long for a reason: a comment containing "long-function:" and the reason, in
# the five lines above its signature or inside it, marks it "(reason given)". With --check the
# exit code is 1 when a function over the limit gives no reason.
#
# It is a heuristic brace counter, not a parser: comments, strings and character literals are
# skipped; a '{' outside any function opens a function when the text before it (since the last
# ';', '{' or '}') ends in ')' or in a trailing qualifier (const, override, noexcept, final,
# mutable, a '-> type', a constructor's initializer list); namespaces, classes and initializers
# are scopes it looks into. Lambdas and local classes count as part of their function. Not seen:
# a constructor whose initializer list brace-initializes a member ("x_{0}"). Uses only POSIX sh
# and awk.
set -eu
max=80
check=0
while [ $# -gt 0 ]; do
  case $1 in
    --max) max=$2; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "long_functions: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ $# -gt 0 ] || set -- arch sim
files=$(find "$@" -type f \( -name '*.cpp' -o -name '*.h' \) | sort)
[ -n "$files" ] || { echo "long_functions: no C++ files under $*" >&2; exit 2; }

# shellcheck disable=SC2086
awk -v max="$max" '
function flush_file() { }
FNR == 1 {
  depth = 0; fdepth = -1; header = ""; hline = 0; incomment = 0; nraw = 0
}
{
  raw[FNR] = $0
  line = $0
  # Preprocessor lines are neither code nor headers.
  if (!incomment && line ~ /^[ \t]*#/) next
  out = ""
  n = length(line)
  for (i = 1; i <= n; i++) {
    c = substr(line, i, 1); c2 = substr(line, i, 2)
    if (incomment) { if (c2 == "*/") { incomment = 0; i++ } ; continue }
    if (c2 == "//") break
    if (c2 == "/*") { incomment = 1; i++; continue }
    if (c == "\"" || c == "\x27") {  # skip a string or character literal
      q = c
      for (i++; i <= n; i++) { d = substr(line, i, 1); if (d == "\\") { i++; continue } if (d == q) break }
      out = out "_"
      continue
    }
    if (c == "{") {
      if (fdepth < 0 && is_function(header)) { fdepth = depth; fstart = hline; fname = name_of(header) }
      depth++; header = ""; hline = 0; continue
    }
    if (c == "}") {
      depth--
      if (fdepth >= 0 && depth == fdepth) { report(FILENAME, fstart, FNR, fname); fdepth = -1 }
      header = ""; hline = 0; continue
    }
    if (c == ";") { header = ""; hline = 0; continue }
    if (fdepth < 0) {
      if (hline == 0 && c !~ /[ \t]/) hline = FNR
      header = header c
    }
  }
  if (fdepth < 0 && hline) header = header " "
}
function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
function is_function(h,   t) {
  t = trim(h)
  if (t == "" || t ~ /^(namespace|class|struct|union|enum|extern)[ \t]/ || t ~ /(^|[ \t])namespace$/) return 0
  if (t ~ /=$/ || t ~ /\($/) return 0
  # A constructor initializer list: "Name(args) : a(x), b_(y)" ends in ")" too.
  while (t ~ /[ \t](const|override|final|noexcept|mutable)$/) sub(/[ \t]+[a-z]+$/, "", t)
  sub(/->[ \t]*[A-Za-z_:<>, *&0-9]+$/, "", t)
  t = trim(t)
  return t ~ /\)$/
}
function name_of(h,   t, k) {
  t = h
  k = index(t, "(")
  if (k > 0) t = substr(t, 1, k - 1)
  t = trim(t)
  sub(/.*[ \t*&]/, "", t)
  return t
}
function report(file, from, to, name,   len, k, why) {
  len = to - from + 1
  if (len <= max) return
  why = 0
  for (k = from - 5; k <= to; k++) if (k >= 1 && index(raw[k], "long-function:")) { why = 1; break }
  printf "%d\t%s:%d\t%s%s\n", len, file, from, name, why ? "\t(reason given)" : ""
}
' $files | sort -rn -k1,1 | {
  unexplained=0
  while IFS="$(printf '\t')" read -r len where name note; do
    printf '%4d lines  %-52s %s %s\n' "$len" "$where" "$name" "$note"
    [ -n "$note" ] || unexplained=$((unexplained + 1))
  done
  echo "long_functions: $unexplained over $max lines without a reason" >&2
  [ "$check" -eq 0 ] || [ "$unexplained" -eq 0 ]
}
