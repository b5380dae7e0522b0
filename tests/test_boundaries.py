"""Architecture boundaries: analytics stays pure."""

import subprocess
import sys


def test_analytics_does_not_import_streamlit():
    code = (
        "import sys, pkgutil, importlib, analytics\n"
        "for m in pkgutil.iter_modules(analytics.__path__):\n"
        "    if m.name != '__main__':\n"
        "        importlib.import_module('analytics.' + m.name)\n"
        "print('streamlit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
