"""docs/vocabulary.md's rules, checked over the library and the demos: a name
that starts ``d_`` is D's, never a gradient; ``logits`` is an array, never a flag;
``d_loss`` is never the average of D's two terms."""
import re

import pytest

from helpers import ROOT

FILES = sorted((ROOT / "scratchgan").rglob("*.py")) + sorted((ROOT / "demos").rglob("*.py"))


def lines():
    for path in FILES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            yield f"{path.relative_to(ROOT)}:{number}", code


@pytest.mark.parametrize("rule, pattern", [
    ("a gradient named d_...: call it grad_... (d_ means D's)", r"\bd_\w+\s*(,\s*\w+\s*)?=\s*[^=].*\.backward\("),
    ("logits as a flag: use d_output='logits'", r"\blogits\s*=\s*(True|False)\b|\blogits=(True|False|logits)\b"),
    ("d_loss as an average: d_loss is the sum of D's terms", r"\bd_loss\s*=\s*\(.*\)\s*/\s*2"),
])
def test_the_vocabulary_holds(rule, pattern):
    found = [where for where, code in lines() if re.search(pattern, code)]
    assert not found, f"{rule}: {found}"


def test_the_rules_catch_what_they_name():
    """The patterns themselves find the lines they forbid (a rule that cannot fail is none)."""
    bad = {"d_fake = D.backward(g, out)": 0, "x = f(logits=True)": 1, "d_loss = (a + b) / 2": 2}
    patterns = [p.args for p in test_the_vocabulary_holds.pytestmark if p.name == "parametrize"][0][1]
    for line, i in bad.items():
        assert re.search(patterns[i][1], line)
    assert not re.search(patterns[0][1], "grad_fake = D.backward(g, out)")
