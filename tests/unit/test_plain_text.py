"""widgets.plain: strings shown by markdown-rendering elements stay literal.

The browser suite (tests/e2e/test_hostile_browser.py) proves how Streamlit
renders them; this table pins the escaping itself.
"""

import pytest
from support.table_cases import ids

from dashboard.widgets import plain

CASES = [
    ("orders-v1 is fine", "orders-v1 is fine"),  # 1. nothing to escape
    ("**bold** [link](javascript:alert(1))", r"\*\*bold\*\* \[link](javascript:alert(1))"),  # 2. no bold, no link
    ("<script>alert(1)</script>", r"\<script>alert(1)\</script>"),  # 3. no HTML
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)>"),  # 4.
    ("bootstrap_servers", "bootstrap_servers"),  # 5. an underscore inside a word is never emphasis
    ("_x_ and __y__", r"\_x\_ and \_\_y\_\_"),  # 6. at word edges it could be
    ("___x___", r"\_\_\_x\_\_\_"),  # 7. runs of underscores: all escaped
    ("`code` ~strike~ $x^2$ a|b &amp;", r"\`code\` \~strike\~ \$x^2\$ a\|b \&amp;"),  # 8.
    (":red[alert] :material/delete:", r":red\[alert] :material/delete:"),  # 9. no colour directive
    ("# title\n- item\n1. first\n> quote\n===", "\\# title\n\\- item\n1\\. first\n\\> quote\n\\==="),  # 10. line starts
    ("a # b - c 1. d", "a # b - c 1. d"),  # 11. the same characters mid-line are plain
    ("back\\slash", "back\\\\slash"),  # 12. an existing backslash stays one
    (KeyError("x"), "'x'"),  # 13. anything str() can show
]


@pytest.mark.parametrize("text, escaped", CASES, ids=ids(CASES))
def test_plain(text, escaped):
    assert plain(text) == escaped
