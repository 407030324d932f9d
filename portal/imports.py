"""Importing a library without the optional packages it would import when installed, and never use here."""
import sys
from contextlib import contextmanager


@contextmanager
def without(*names: str):
    """Inside the block, `import <name>` raises ImportError (for packages not imported yet); after it, they
    import normally again. Libraries that try an optional import at their top then take it as absent."""
    hidden = [name for name in names if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # a None entry makes the import system raise ImportError
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
