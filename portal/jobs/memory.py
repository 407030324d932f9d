"""What keeps the long-running worker small: the caches a task filled are let go once it is done.

The worker rarely searches, so the search index's cached searcher (the segments it read, 5 MB and
more) is closed after each task and reopened by the next that needs it; and the memory the task freed
goes back to the system (glibc keeps freed heap pages otherwise, and the worker's size stays at its
biggest task's)."""
import ctypes
import gc


def release_after_tasks(huey, app) -> None:
    """Release memory after every task this consumer runs (the worker only: web processes keep caches)."""
    from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR  # here: portal.jobs.queue imported huey first

    trim = _malloc_trim()

    @huey.signal(SIGNAL_COMPLETE, SIGNAL_ERROR)
    def release(_signal, _task, *_args, **_kwargs):
        search = app.extensions.get("search")
        if search is not None:
            search.close()
        gc.collect()
        trim(0)


def _malloc_trim():
    function = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc's; other C libraries go without
    return function or (lambda _pad: 0)
