"""Keep the search index in step with the database: schedule in the transaction, apply after commit."""
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db

# kind -> function(session, ids) returning {id: document dict or None (= remove from index)}
_LOADERS = {}


def register_loader(kind: str, loader) -> None:
    """Declare how to turn rows of `kind` into search documents."""
    _LOADERS[kind] = loader


# functions(session) yielding every document of a feature, for a full rebuild
_SOURCES = []


def register_source(source) -> None:
    """Declare how to list all of a feature's documents for `portal kb reindex`."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def all_documents(session):
    """Every searchable document of every feature."""
    for source in _SOURCES:
        yield from source(session)


def schedule(kind: str, row_id: int) -> None:
    """Mark a row to be (re)indexed or removed once the current transaction commits."""
    db.session.info.setdefault("search_pending", set()).add((kind, row_id))


def apply(pending) -> None:
    """Load the rows in a fresh session and upsert or delete their documents."""
    from portal.search import get_index

    by_kind = {}
    for kind, row_id in pending:
        by_kind.setdefault(kind, []).append(row_id)
    upserts, deletes = [], []
    with Session(db.engine) as session:
        for kind, ids in by_kind.items():
            for row_id, doc in _LOADERS[kind](session, ids).items():
                if doc is None:
                    deletes.append(f"{kind}:{row_id}")
                else:
                    upserts.append(doc)
    index = get_index()
    if deletes:
        index.delete(deletes)
    if upserts:
        index.upsert(upserts)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.in_nested_transaction():  # a savepoint: wait for the real commit
        return
    pending = session.info.pop("search_pending", None)
    if pending:
        try:
            apply(pending)
        except Exception:  # the data is committed: the worker tries again (e.g. the index writer was busy)
            current_app.logger.exception("search index update failed; queued for the worker")
            _queue_retry(sorted(pending))


def _queue_retry(pending) -> None:
    from portal.jobs import services as jobs

    jobs.enqueue_detached("search.apply", delay_seconds=current_app.config["JOB_RETRY_BASE_SECONDS"],
                          pending=[list(item) for item in pending])


def _apply_job(pending) -> None:
    """Worker: apply an index update that could not be applied right after its commit."""
    apply({tuple(item) for item in pending})


def register_jobs() -> None:
    from portal.jobs import services as jobs

    jobs.task("search.apply", max_attempts=6)(_apply_job)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    # A rolled-back savepoint keeps the list: re-indexing a row that did not change is harmless.
    if session.in_nested_transaction():
        return
    session.info.pop("search_pending", None)
