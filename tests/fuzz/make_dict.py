#!/usr/bin/env python3
"""Writes a libFuzzer dictionary (one "token" per line) from seed files: the keys and short string
values of JSON files, the words of text formats (cfg keys, CSV headers, YAML keys), plus the
tokens every format's numbers and syntax are built from (limits that found defects before:
1e400, 2^32, 2^64). Usage: make_dict.py OUT.dict SEED_FILE...

make_dict.py --set-seeds OUT_DIR JSON_FILE... writes one `--set` seed per leaf of the JSON files
instead ("/array/rows=256"), for the fuzz_set_value harness.

make_dict.py --pair-seeds OUT_DIR MODEL... -- SCENARIO... writes one {"model": ..., "scenario": ...}
seed per pair, for the fuzz_model_run harness."""
import json
import re
import sys

GENERIC = ['{', '}', '[', ']', ':', ',', '"', 'true', 'false', 'null', '0', '-1', '1e400', '-1e400', '1e-400',
           '4294967296', '4294967295', '18446744073709551615', '18446744073709551616', '9223372036854775808',
           '-9223372036854775808', '1.5', 'NaN', 'inf', '\\u0000', '\\n', '=', '#', '\n']


def quote(token):
    out = ''
    for ch in token:
        if ch in '"\\':
            out += '\\' + ch
        elif 32 <= ord(ch) < 127:
            out += ch
        else:
            out += '\\x%02x' % (ord(ch) & 0xff)
    return '"%s"' % out


def json_tokens(value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            out.add('"%s"' % k)
            out.add('"%s":' % k)
            json_tokens(v, out)
    elif isinstance(value, list):
        for v in value[:50]:
            json_tokens(v, out)
    elif isinstance(value, str) and len(value) <= 40:
        out.add('"%s"' % value)


def set_seeds(out_dir, paths):
    import os
    os.makedirs(out_dir, exist_ok=True)
    seen = set()

    def leaves(value, pointer):
        if isinstance(value, dict) and value:
            for k, v in value.items():
                yield from leaves(v, pointer + '/' + k.replace('~', '~0').replace('/', '~1'))
        elif isinstance(value, list) and value:
            for i, v in enumerate(value[:8]):
                yield from leaves(v, '%s/%d' % (pointer, i))
        else:
            yield pointer, value

    for path in paths:
        for pointer, value in leaves(json.load(open(path)), ''):
            text = '%s=%s' % (pointer, value if isinstance(value, str) else json.dumps(value))
            if text not in seen:
                seen.add(text)
                with open(os.path.join(out_dir, 'set%04d' % len(seen)), 'w') as out:
                    out.write(text)


def pair_seeds(out_dir, args):
    import os
    os.makedirs(out_dir, exist_ok=True)
    split = args.index('--')
    for i, model in enumerate(args[:split]):
        for j, scenario in enumerate(args[split + 1:]):
            doc = {'model': json.load(open(model)), 'scenario': json.load(open(scenario))}
            with open(os.path.join(out_dir, 'pair%02d_%02d.json' % (i, j)), 'w') as out:
                json.dump(doc, out)


def main():
    if sys.argv[1] == '--set-seeds':
        set_seeds(sys.argv[2], sys.argv[3:])
        return
    if sys.argv[1] == '--pair-seeds':
        pair_seeds(sys.argv[2], sys.argv[3:])
        return
    tokens = set(GENERIC)
    for path in sys.argv[2:]:
        data = open(path, 'rb').read()
        if b'\0' in data[:4096]:
            continue  # binary (ONNX): no words to take
        text = data.decode('utf-8', 'replace')
        try:
            json_tokens(json.loads(text), tokens)
            continue
        except ValueError:
            pass
        for line in text.splitlines()[:400]:  # JSON lines, cfg, CSV, YAML
            try:
                json_tokens(json.loads(line), tokens)
                continue
            except ValueError:
                pass
            for word in re.split(r'[,=:\[\]{}\s]+', line):
                if 0 < len(word) <= 40 and not re.fullmatch(r'[-+0-9.eE]+', word):
                    tokens.add(word)
            if line.startswith('['):
                tokens.add(line.strip())
    with open(sys.argv[1], 'w') as out:
        for t in sorted(tokens):
            out.write(quote(t) + '\n')


if __name__ == '__main__':
    main()
